package webapphttp

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// The keys of the fixtures: CloudFront's origin key on the default
// behaviour (origin-key.json) and a client's key on one of
// ClientApiKeyPaths (client-api-key.json), as API Gateway delivers them in
// X-Api-Key and requestContext.identity.
const (
	originKey   = "Q7mZk2Vx9LrT4bNc8WfH1sJd6YpA3eGu5KqE0oRi"
	originKeyID = "m2n4b6v8c0"
	clientKey   = "hV3kP8sQ1zL6wN0rT5yB9cX2mJ4fD7gA8eU1iO3p"
	clientKeyID = "q9w8e7r6t5"
)

// echoAll answers with everything a handler can read of its request: the
// request line, host and address, every header and trailer, the body and
// form, TLS, the Info and caller the adapter put in the context, and
// Lambda's context.
var echoAll = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s\nhost %s\nremote %s\nurl %#v\ntls %+v\n", r.Method, r.RequestURI, r.Proto, r.Host, r.RemoteAddr, *r.URL, r.TLS)
	r.Header.Write(&b)
	r.Trailer.Write(&b)
	body, _ := io.ReadAll(r.Body)
	fmt.Fprintf(&b, "body %q\n", body)
	r.ParseForm()
	fmt.Fprintf(&b, "form %v\n", r.Form)
	fmt.Fprintf(&b, "info %#v\n", InfoFrom(r.Context()))
	c, _ := CallerOf(r)
	fmt.Fprintf(&b, "caller %#v\n", c)
	lc, _ := lambdacontext.FromContext(r.Context())
	fmt.Fprintf(&b, "lambda %#v\n", lc)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, b.String())
})

// echo runs e through Handler to echoAll with ORIGIN_API_KEY_ID set to
// originKeyID ("" unset), and returns what the handler saw.
func echo(t *testing.T, e events.APIGatewayProxyRequest, originKeyID string) string {
	t.Helper()
	t.Setenv(OriginAPIKeyIDEnv, originKeyID)
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "lambda-request-1"})
	resp, err := Handler(echoAll)(ctx, e)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("Handler = %d %q, %v; want 200", resp.StatusCode, resp.Body, err)
	}
	return resp.Body
}

func TestOriginKeyNeverReachesTheHandler(t *testing.T) {
	preflight := loadEvent(t, "origin-key.json")
	preflight.HTTPMethod, preflight.RequestContext.HTTPMethod = "OPTIONS", "OPTIONS"
	preflight.RequestContext.Identity.APIKey, preflight.RequestContext.Identity.APIKeyID = "", ""

	shouted := loadEvent(t, "origin-key.json")
	shouted.MultiValueHeaders["X-API-KEY"] = shouted.MultiValueHeaders["x-api-key"]
	delete(shouted.MultiValueHeaders, "x-api-key")

	tests := []struct {
		name string
		e    events.APIGatewayProxyRequest
	}{
		{"verified by API Gateway, on CloudFront's default behaviour", loadEvent(t, "origin-key.json")},
		// CloudFront sends the key on every request of the behaviour, also
		// to the OPTIONS methods the construct adds without a key
		// requirement beside ClientApiKeyPaths: API Gateway verifies nothing.
		{"unverified, on a method that requires no key", preflight},
		{"in another spelling of the header's name", shouted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			saw := echo(t, tt.e, originKeyID)
			if strings.Contains(saw, originKey) {
				t.Errorf("the handler saw the origin key:\n%s", saw)
			}
			if strings.Contains(strings.ToLower(saw), "x-api-key") {
				t.Errorf("the handler saw an X-Api-Key header:\n%s", saw)
			}
			if strings.Contains(saw, originKeyID) {
				t.Errorf("Info.APIKeyID names the origin key, which is no client's:\n%s", saw)
			}
		})
	}
}

func TestClientAPIKeyReachesTheHandler(t *testing.T) {
	var got Info
	var header string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, header = InfoFrom(r.Context()), r.Header.Get("X-Api-Key")
	})
	t.Setenv(OriginAPIKeyIDEnv, originKeyID)
	if _, err := Handler(h)(context.Background(), loadEvent(t, "client-api-key.json")); err != nil {
		t.Fatal(err)
	}
	if header != clientKey || got.APIKeyID != clientKeyID {
		t.Errorf("X-Api-Key = %q, Info.APIKeyID = %q; want the client's key %q and its id %q", header, got.APIKeyID, clientKey, clientKeyID)
	}
}

// Without ORIGIN_API_KEY_ID there is no origin key (AllowDirectApiAccess),
// so a key the request carries is a client's, and stays.
func TestWithoutOriginKeyIDTheHeaderStays(t *testing.T) {
	saw := echo(t, loadEvent(t, "origin-key.json"), "")
	if !strings.Contains(saw, "X-Api-Key: "+originKey) || !strings.Contains(saw, `APIKeyID:"`+originKeyID+`"`) {
		t.Errorf("without %s the handler did not see the key and its id:\n%s", OriginAPIKeyIDEnv, saw)
	}
}

func TestCloudFrontIDOnlyViaCloudFront(t *testing.T) {
	direct := loadEvent(t, "direct-get.json")
	direct.MultiValueHeaders["X-Amz-Cf-Id"] = []string{"forged"}
	for name, tt := range map[string]struct {
		e    events.APIGatewayProxyRequest
		want string
	}{
		"via CloudFront": {loadEvent(t, "cloudfront-get.json"), cloudFrontID},
		"direct":         {direct, ""},
	} {
		serveEvent(t, tt.e, func(t *testing.T, r *http.Request, _ []byte) {
			if got := InfoFrom(r.Context()).CloudFrontID; got != tt.want {
				t.Errorf("%s: CloudFrontID = %q, want %q", name, got, tt.want)
			}
		})
	}
}
