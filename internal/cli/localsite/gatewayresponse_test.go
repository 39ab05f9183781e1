package localsite

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// throttledEdge is the fixture's edge with a stage that lets one request
// through and throttles the next.
func throttledEdge(t *testing.T) (*edge, *RestAPI) {
	t.Helper()
	site := fixtureSite(t)
	api := site.Behaviors[4].Origin.API
	api.Stages["prod"].RateLimit, api.Stages["prod"].BurstLimit = 0.001, 1
	e, _, _ := testEdge(t, site, ok)
	serve(e, httptest.NewRequest("GET", "/items/1", nil))
	return e, api
}

func TestGatewayResponseFromTheTemplate(t *testing.T) {
	site := fixtureSite(t)
	gr := site.Behaviors[4].Origin.API.GatewayResponses["THROTTLED"]
	if gr == nil || gr.StatusCode != 429 || gr.Headers["Vary"] != "'Origin'" ||
		gr.Headers["Access-Control-Allow-Origin"] != "method.request.header.Origin" || len(gr.Templates) != 2 {
		t.Fatalf("THROTTLED gateway response = %+v, want the fixture's ThrottledResponse", gr)
	}
}

func TestGatewayResponseChosenByAccept(t *testing.T) {
	tests := []struct {
		accept, contentType, body string
	}{
		{"", "application/json", `{"Code":"TooManyRequestsError","Message":"slow down (THROTTLED)"}`},
		{"*/*", "application/json", `{"Code":"TooManyRequestsError","Message":"slow down (THROTTLED)"}`},
		{"application/json", "application/json", `{"Code":"TooManyRequestsError","Message":"slow down (THROTTLED)"}`},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html", "<p>slow down, request "},
	}
	for _, tt := range tests {
		e, _ := throttledEdge(t)
		r := httptest.NewRequest("GET", "/items/1", nil)
		r.Header.Set("Accept", tt.accept)
		r.Header.Set("Origin", "https://app.example.com")
		resp := serve(e, r)
		b := body(t, resp)
		if resp.StatusCode != 429 || resp.Header.Get("Content-Type") != tt.contentType || !strings.HasPrefix(b, tt.body) {
			t.Errorf("Accept %q: %d %s %q, want 429 %s %q…", tt.accept, resp.StatusCode, resp.Header.Get("Content-Type"), b, tt.contentType, tt.body)
		}
		if strings.Contains(b, "$context") {
			t.Errorf("Accept %q: a variable is left in the body: %q", tt.accept, b)
		}
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "https://app.example.com" || resp.Header.Get("Vary") != "Origin" {
			t.Errorf("Accept %q: Access-Control-Allow-Origin %q, Vary %q, want the request's Origin and Origin", tt.accept, got, resp.Header.Get("Vary"))
		}
	}
}

func TestGatewayResponseSubstitutesTheRequestID(t *testing.T) {
	e, _ := throttledEdge(t)
	r := httptest.NewRequest("GET", "/items/1", nil)
	r.Header.Set("Accept", "text/html")
	resp := serve(e, r)
	id := resp.Header.Get("X-Amzn-Requestid")
	if b := body(t, resp); id == "" || b != "<p>slow down, request "+id+"</p>" {
		t.Errorf("page %q, want the request id %q in it", b, id)
	}
}

func TestGatewayResponseWithoutOriginHasNoAllowOrigin(t *testing.T) {
	e, _ := throttledEdge(t)
	resp := serve(e, httptest.NewRequest("GET", "/items/1", nil))
	if _, ok := resp.Header["Access-Control-Allow-Origin"]; ok || resp.StatusCode != 429 {
		t.Errorf("%d with Access-Control-Allow-Origin %q, want 429 without it", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
}

// TestIntegrationErrorsUseTheirGatewayResponses: a crash and a timeout
// answer with the API's INTEGRATION_FAILURE and INTEGRATION_TIMEOUT, or
// its DEFAULT_5XX where the type itself is not customized.
func TestIntegrationErrorsUseTheirGatewayResponses(t *testing.T) {
	json := func(s string) map[string]string { return map[string]string{"application/json": s} }
	tests := []struct {
		name      string
		responses map[string]*GatewayResponse
		err       error
		status    int
		body      string
	}{
		{"crash, customized", map[string]*GatewayResponse{"INTEGRATION_FAILURE": {StatusCode: 502, Templates: json(`{"Code":"BadGatewayError"}`)}},
			errors.New("exit status 2"), 502, `{"Code":"BadGatewayError"}`},
		{"crash, default 5XX", map[string]*GatewayResponse{"DEFAULT_5XX": {Templates: json(`{"Code":"InternalServerError","Message":$context.error.messageString}`)}},
			errors.New("exit status 2"), 502, `{"Code":"InternalServerError","Message":"Internal server error"}`},
		{"crash, none", nil, errors.New("exit status 2"), 502, `{"message":"Internal server error"}`},
		{"timeout, customized", map[string]*GatewayResponse{"INTEGRATION_TIMEOUT": {Templates: json(`{"Code":"GatewayTimeoutError"}`)}},
			context.DeadlineExceeded, 504, `{"Code":"GatewayTimeoutError"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			site := fixtureSite(t)
			site.Behaviors[4].Origin.API.GatewayResponses = tt.responses
			e, _, _ := testEdge(t, site, func(restEvent) (any, error) { return nil, tt.err })
			api := site.Behaviors[4].Origin.API
			r := originRequest(api, "GET", "/prod/items/1", api.Keys[0].Value)
			if errors.Is(tt.err, context.DeadlineExceeded) {
				// The integration's 29 s have passed.
				ctx, cancel := context.WithDeadline(r.Context(), time.Now().Add(-time.Second))
				defer cancel()
				r = r.WithContext(ctx)
			}
			resp := serve(e.api[api], r)
			if b := body(t, resp); resp.StatusCode != tt.status || b != tt.body {
				t.Errorf("%d %q, want %d %q", resp.StatusCode, b, tt.status, tt.body)
			}
		})
	}
}
