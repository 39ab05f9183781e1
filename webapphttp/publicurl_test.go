package webapphttp

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// TestPublicURL rebuilds the URL the viewer called in the three shapes a
// request reaches the function: through CloudFront, on the execute-api
// domain under the stage, and locally.
func TestPublicURL(t *testing.T) {
	const apiHost = "abc123.execute-api.ap-northeast-1.amazonaws.com"
	viaCloudFront := events.APIGatewayProxyRequest{
		HTTPMethod: "POST",
		Path:       "/twilio/voice",
		Headers: map[string]string{
			"Host":             apiHost,
			"X-Forwarded-Host": "www.example.com",
		},
		MultiValueQueryStringParameters: map[string][]string{"issued": {"1733100000"}},
		RequestContext: events.APIGatewayProxyRequestContext{
			Stage: "v1", Path: "/v1/twilio/voice", DomainName: apiHost,
		},
	}
	direct := viaCloudFront
	direct.Headers = map[string]string{"Host": apiHost}
	escaped := direct
	escaped.Path, escaped.RequestContext.Path = "/files/a%2Fb", "/v1/files/a%2Fb"
	escaped.MultiValueQueryStringParameters = nil

	tests := []struct {
		name  string
		event events.APIGatewayProxyRequest
		want  string
	}{
		{"via CloudFront: the viewer's host, no stage", viaCloudFront, "https://www.example.com/twilio/voice?issued=1733100000"},
		{"direct: the execute-api host and the stage", direct, "https://" + apiHost + "/v1/twilio/voice?issued=1733100000"},
		{"direct, the path's escaping kept", escaped, "https://" + apiHost + "/v1/files/a%2Fb"},
	}
	for _, tt := range tests {
		r, err := NewRequest(context.Background(), tt.event)
		if err != nil {
			t.Fatalf("%s: NewRequest: %v", tt.name, err)
		}
		if got := PublicURL(r).String(); got != tt.want {
			t.Errorf("%s: PublicURL = %q, want %q", tt.name, got, tt.want)
		}
	}

	local := httptest.NewRequest("POST", "http://127.0.0.1:8080/twilio/gather?b=2&a=1", nil)
	if got, want := PublicURL(local).String(), "http://127.0.0.1:8080/twilio/gather?b=2&a=1"; got != want {
		t.Errorf("locally: PublicURL = %q, want %q (http, the host with its port, the query as sent)", got, want)
	}
	local.Header.Set("X-Forwarded-Proto", "https")
	if got := PublicURL(local).Scheme; got != "http" {
		t.Errorf("locally with X-Forwarded-Proto https: scheme %q, want http (a client's header is not trusted)", got)
	}
}

func TestPublicURLIsACopy(t *testing.T) {
	r := httptest.NewRequest("GET", "/a", nil)
	u := PublicURL(r)
	u.Path = "/b"
	if r.URL.Path != "/a" || PublicURL(r).Path != "/a" {
		t.Errorf("changing PublicURL's result changed the request: %q", r.URL.Path)
	}
}
