package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gowebapp/webapp/tools/runtimeapi"
	"github.com/gowebapp/webapp/webappassets"
	"github.com/gowebapp/webapp/webapphttp"
)

// request is one API Gateway event for the function: a fixture from
// testdata (how API Gateway delivers a request that came through CloudFront,
// directly, or past a Lambda authorizer), with the method, path, headers and
// body of the case.
type request struct {
	fixture string
	method  string
	path    string
	header  map[string]string
	form    string // a urlencoded body, base64-encoded as API Gateway passes it ("*/*" is binary)
}

func (q request) event(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", q.fixture))
	if err != nil {
		t.Fatal(err)
	}
	var e events.APIGatewayProxyRequest
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatal(err)
	}
	path, query, _ := strings.Cut(q.path, "?")
	e.HTTPMethod, e.RequestContext.HTTPMethod = q.method, q.method
	e.Path, e.RequestContext.Path = path, "/"+e.RequestContext.Stage+path
	e.Resource, e.RequestContext.ResourcePath, e.PathParameters = "/{proxy+}", "/{proxy+}", map[string]string{"proxy": path[1:]}
	if path == "/" {
		e.Resource, e.RequestContext.ResourcePath, e.PathParameters = "/", "/", nil
	}
	e.QueryStringParameters, e.MultiValueQueryStringParameters = nil, nil
	if query != "" {
		k, v, _ := strings.Cut(query, "=")
		e.QueryStringParameters = map[string]string{k: v}
		e.MultiValueQueryStringParameters = map[string][]string{k: {v}}
	}
	header := map[string]string{}
	for k, v := range q.header {
		header[k] = v
	}
	if q.form != "" {
		header["Content-Type"] = "application/x-www-form-urlencoded"
		e.Body, e.IsBase64Encoded = base64.StdEncoding.EncodeToString([]byte(q.form)), true
	}
	for k, v := range header {
		e.Headers[k], e.MultiValueHeaders[k] = v, []string{v}
	}
	out, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

const (
	viaCloudFront = "cloudfront-get.json"          // X-Forwarded-Host from the viewer-request function
	direct        = "direct-get.json"              // the execute-api domain, no X-Forwarded-Host
	authorized    = "lambda-token-authorizer.json" // via CloudFront, past a TOKEN authorizer
)

// The origin key that the events via CloudFront carry, in x-api-key and
// requestContext.identity (apiKey, apiKeyId), as API Gateway delivers them
// for the construct's default behaviour.
const (
	originKey   = "Zr8Tq2Nw5Lk9Vb3Hx7Pm1Jd4Gs6Fc0Ya8Ue2Wo5I"
	originKeyID = "d7f5s3a1p9"
)

// response is what the test reads of the function's answer.
type response struct {
	status int
	header http.Header
	body   string
}

func decode(t *testing.T, payload []byte) response {
	t.Helper()
	var r events.APIGatewayProxyResponse
	if err := json.Unmarshal(payload, &r); err != nil {
		t.Fatalf("the function's answer %q is not an API Gateway proxy response: %v", payload, err)
	}
	h := http.Header{}
	for k, v := range r.Headers {
		h.Set(k, v)
	}
	for k, vs := range r.MultiValueHeaders {
		h.Del(k)
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	body := r.Body
	if r.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(r.Body)
		if err != nil {
			t.Fatalf("body: %v", err)
		}
		body = string(b)
	}
	return response{r.StatusCode, h, body}
}

// TestExampleBootstrapServesApiGatewayEvents runs the bootstrap that synth
// built for Lambda (linux/arm64, under qemu-aarch64 on another machine) under
// a Lambda Runtime API emulator, with the environment the template gives the
// function, and sends it what API Gateway would: the importer's own handlers
// answer CORS, build stage-aware links and redirects, and see the
// authorizer's caller, refuse other sites' forms and never hand the
// origin key on, through webapphttp alone.
func TestExampleBootstrapServesApiGatewayEvents(t *testing.T) {
	s := synth(t)
	vars, s3Key := functionEnvironment(t, s)
	bin := bootstrapPath(t, s, s3Key)

	// The construct passes the origin key's id as a Ref, which deploying
	// resolves to the id API Gateway reports as identity.apiKeyId: here,
	// the fixtures'.
	wantKeyID := map[string]any{"Ref": logicalID(s.Site, s.Docs.OriginApiKey)}
	if got, _ := json.Marshal(vars[webapphttp.OriginAPIKeyIDEnv]); string(got) != mustJSON(wantKeyID) {
		t.Errorf("%s = %s, want %s", webapphttp.OriginAPIKeyIDEnv, got, mustJSON(wantKeyID))
	}
	env := []string{"AWS_REGION=" + region, "AWS_LAMBDA_FUNCTION_NAME=docs", webapphttp.OriginAPIKeyIDEnv + "=" + originKeyID}
	for k, v := range vars {
		if v, ok := v.(string); ok { // UPLOADS_BUCKET is a Ref: no value before deploy
			env = append(env, k+"="+v)
		}
	}
	sort.Strings(env)
	srv, err := runtimeapi.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var logs bytes.Buffer
	srv.Output = &logs
	if _, err := runtimeapi.StartProcess(context.Background(), bin, env, srv); err != nil {
		t.Fatal(err)
	}

	allowed, other, disallowed := allowOrigins[1], allowOrigins[0], "https://evil.example.net"
	preflight := func(origin string) map[string]string {
		return map[string]string{
			"Origin": origin, "Access-Control-Request-Method": "POST",
			"Access-Control-Request-Headers": "content-type",
		}
	}
	tests := []struct {
		name       string
		req        request
		status     int
		header     map[string]string // "" means absent
		vary       bool              // Vary lists Origin
		bodyHas    []string
		bodyHasNot []string
	}{
		{
			name:   "preflight from an allowed origin via CloudFront",
			req:    request{fixture: viaCloudFront, method: "OPTIONS", path: "/api/hello", header: preflight(allowed)},
			status: http.StatusNoContent,
			header: map[string]string{
				"Access-Control-Allow-Origin":  allowed,
				"Access-Control-Allow-Headers": "content-type",
				"Access-Control-Max-Age":       "3600",
			},
			vary: true,
		},
		{
			name:   "preflight from an allowed origin, direct",
			req:    request{fixture: direct, method: "OPTIONS", path: "/notes", header: preflight(other)},
			status: http.StatusNoContent,
			header: map[string]string{"Access-Control-Allow-Origin": other},
			vary:   true,
		},
		{
			name:   "preflight from another origin is refused",
			req:    request{fixture: viaCloudFront, method: "OPTIONS", path: "/api/hello", header: preflight(disallowed)},
			status: http.StatusForbidden,
			header: map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Methods": ""},
		},
		{
			name:    "GET from an allowed origin's script",
			req:     request{fixture: viaCloudFront, method: "GET", path: "/api/hello", header: map[string]string{"Origin": other}},
			status:  http.StatusOK,
			header:  map[string]string{"Access-Control-Allow-Origin": other, "Content-Type": "application/json"},
			vary:    true,
			bodyHas: []string{`"caller":""`, `"stage":"docs"`},
		},
		{
			name:   "GET from another origin's script gets no CORS headers",
			req:    request{fixture: viaCloudFront, method: "GET", path: "/api/hello", header: map[string]string{"Origin": disallowed}},
			status: http.StatusOK,
			header: map[string]string{"Access-Control-Allow-Origin": ""},
			vary:   true,
		},
		{
			name:       "page via CloudFront links at the root",
			req:        request{fixture: viaCloudFront, method: "GET", path: "/"},
			status:     http.StatusOK,
			header:     map[string]string{"Content-Type": "text/html; charset=utf-8"},
			bodyHas:    []string{`href="/api/hello"`, `action="/notes"`, `href="` + hashedStylesheet(t) + `"`},
			bodyHasNot: []string{"/docs/"},
		},
		{
			name:    "page direct links under the stage",
			req:     request{fixture: direct, method: "GET", path: "/"},
			status:  http.StatusOK,
			bodyHas: []string{`href="/docs/api/hello"`, `action="/docs/notes"`},
		},
		{
			name:   "POST via CloudFront redirects to the root",
			req:    request{fixture: viaCloudFront, method: "POST", path: "/notes", form: "note=hello"},
			status: http.StatusSeeOther,
			header: map[string]string{"Location": "/?sent=1"},
		},
		{
			name:   "POST direct redirects under the stage",
			req:    request{fixture: direct, method: "POST", path: "/notes", form: "note=hello"},
			status: http.StatusSeeOther,
			header: map[string]string{"Location": "/docs/?sent=1"},
		},
		{
			name:    "the page after the redirect",
			req:     request{fixture: viaCloudFront, method: "GET", path: "/?sent=1"},
			status:  http.StatusOK,
			bodyHas: []string{"Thanks for the note."},
		},
		{
			name:    "the caller an authorizer identified",
			req:     request{fixture: authorized, method: "GET", path: "/api/hello"},
			status:  http.StatusOK,
			bodyHas: []string{`"caller":"user-42"`, `"tenant":"acme"`, `"stage":"docs"`},
		},
		{
			name: "a form posted from another site is refused with a page",
			req: request{fixture: viaCloudFront, method: "POST", path: "/notes", form: "note=planted",
				header: map[string]string{"Origin": disallowed, "Sec-Fetch-Site": "cross-site"}},
			status:  http.StatusForbidden,
			header:  map[string]string{"Content-Type": "text/html; charset=utf-8", "Location": ""},
			bodyHas: []string{"cross-site request refused"},
		},
		{
			name: "a form posted from the site's own page",
			req: request{fixture: viaCloudFront, method: "POST", path: "/notes", form: "note=hello",
				header: map[string]string{"Origin": "https://" + domainName, "Sec-Fetch-Site": "same-origin"}},
			status: http.StatusSeeOther,
			header: map[string]string{"Location": "/?sent=1"},
		},
		{
			name: "a form posted from an origin the Cors prop allows",
			req: request{fixture: viaCloudFront, method: "POST", path: "/notes", form: "note=hello",
				header: map[string]string{"Origin": other, "Sec-Fetch-Site": "cross-site"}},
			status: http.StatusSeeOther,
			header: map[string]string{"Location": "/?sent=1", "Access-Control-Allow-Origin": other},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			payload, err := srv.Invoke(ctx, tt.req.event(t))
			if err != nil {
				t.Fatalf("Invoke: %v\nthe function's output:\n%s", err, logs.String())
			}
			got := decode(t, payload)
			what := fmt.Sprintf("%s %s (%s)", tt.req.method, tt.req.path, tt.req.fixture)
			if got.status != tt.status {
				t.Errorf("%s: status %d, want %d; body %q", what, got.status, tt.status, got.body)
			}
			for k, want := range tt.header {
				if v := got.header.Get(k); v != want {
					t.Errorf("%s: %s = %q, want %q", what, k, v, want)
				}
			}
			if tt.vary && !slices.ContainsFunc(got.header.Values("Vary"), func(v string) bool {
				return slices.ContainsFunc(strings.Split(v, ","), func(f string) bool {
					return strings.EqualFold(strings.TrimSpace(f), "Origin")
				})
			}) {
				t.Errorf("%s: Vary = %q, want it to list Origin", what, got.header.Values("Vary"))
			}
			for _, s := range tt.bodyHas {
				if !strings.Contains(got.body, s) {
					t.Errorf("%s: body lacks %q:\n%s", what, s, got.body)
				}
			}
			for _, s := range tt.bodyHasNot {
				if strings.Contains(got.body, s) {
					t.Errorf("%s: body has %q:\n%s", what, s, got.body)
				}
			}
			if strings.Contains(got.body, originKey) || strings.Contains(mustJSON(got.header), originKey) {
				t.Errorf("%s: the answer holds the origin key", what)
			}
		})
	}
	if strings.Contains(logs.String(), originKey) {
		t.Errorf("the function's output holds the origin key:\n%s", logs.String())
	}
}

// hashedStylesheet is the name the construct publishes public/css/docs.css
// under, which the page must link: the bundle's manifest reached the
// function.
func hashedStylesheet(t *testing.T) string {
	t.Helper()
	css, err := os.ReadFile("public/css/docs.css")
	if err != nil {
		t.Fatal(err)
	}
	return webappassets.HashedPath("/css/docs.css", css)
}
