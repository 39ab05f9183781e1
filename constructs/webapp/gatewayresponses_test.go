package webapp

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gowebapp/webapp/tools/cdktest"
)

// gatewayResponsesByType returns the properties of the template's gateway
// responses by ResponseType, those of every API together, failing on a type
// given twice for one API (CloudFormation would refuse the second).
func gatewayResponsesByType(t *testing.T, name string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	seen := map[string]bool{}
	for id, r := range cdktest.Resources(config(t, name).tpl, "AWS::ApiGateway::GatewayResponse") {
		p, _ := r["Properties"].(map[string]any)
		typ, _ := p["ResponseType"].(string)
		api, _ := json.Marshal(p["RestApiId"])
		if seen[string(api)+typ] {
			t.Fatalf("%s: two gateway responses of type %s on API %s (one is %s)", name, typ, api, id)
		}
		seen[string(api)+typ] = true
		out[typ] = p
	}
	return out
}

func TestGatewayResponsesSpeakChaliceAndHTML(t *testing.T) {
	want := map[string]struct {
		status, code string
	}{
		"THROTTLED":                    {"429", "TooManyRequestsError"},
		"QUOTA_EXCEEDED":               {"429", "TooManyRequestsError"},
		"INTEGRATION_TIMEOUT":          {"504", "GatewayTimeoutError"},
		"INTEGRATION_FAILURE":          {"502", "BadGatewayError"},
		"INVALID_API_KEY":              {"403", "ForbiddenError"},
		"MISSING_AUTHENTICATION_TOKEN": {"403", "ForbiddenError"},
		"UNAUTHORIZED":                 {"401", "UnauthorizedError"},
		"ACCESS_DENIED":                {"403", "ForbiddenError"},
		"DEFAULT_4XX":                  {"", "BadRequestError"},
		"DEFAULT_5XX":                  {"", "InternalServerError"},
	}
	got := gatewayResponsesByType(t, "default")
	if g, w := slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)); !slices.Equal(g, w) {
		t.Fatalf("gateway response types = %v, want %v", g, w)
	}
	for typ, w := range want {
		p := got[typ]
		if status, _ := p["StatusCode"].(string); status != w.status {
			t.Errorf("%s: StatusCode = %q, want %q", typ, status, w.status)
		}
		templates, _ := p["ResponseTemplates"].(map[string]any)
		var body struct{ Code, Message string }
		raw, _ := templates["application/json"].(string)
		if err := json.Unmarshal([]byte(raw), &body); err != nil {
			t.Errorf("%s: application/json template %q is not JSON: %v", typ, raw, err)
		} else if body.Code != w.code || body.Message == "" {
			t.Errorf("%s: application/json template = %+v, want Code %q and a message", typ, body, w.code)
		}
		page, _ := templates["text/html"].(string)
		if !strings.HasPrefix(page, "<!doctype html>") || !strings.Contains(page, "<h1>") {
			t.Errorf("%s: text/html template is not a page: %q", typ, page)
		}
		if strings.Contains(page, "<style") || strings.Contains(page, "<script") || strings.Contains(page, " style=") {
			t.Errorf("%s: the page has inline style or script, which the site's CSP blocks: %q", typ, page)
		}
		if _, ok := p["ResponseParameters"]; ok {
			t.Errorf("%s: without Cors, ResponseParameters = %v, want none", typ, p["ResponseParameters"])
		}
	}
}

// TestGatewayResponsesNeverRevealTheKeyOrEchoTheRequest: the only
// variables are API Gateway's request id and response type; neither the
// API key nor the error message (which may quote request headers) appear.
// templateVariable is any variable API Gateway would substitute.
var templateVariable = regexp.MustCompile(`\$[A-Za-z][A-Za-z0-9_.]*[A-Za-z0-9_]`)

func TestGatewayResponsesNeverRevealTheKeyOrEchoTheRequest(t *testing.T) {
	allowed := map[string]bool{"$context.requestId": true, "$context.error.responseType": true}
	for _, name := range allConfigs {
		for typ, p := range gatewayResponsesByType(t, name) {
			raw, _ := json.Marshal(p)
			for _, v := range templateVariable.FindAllString(string(raw), -1) {
				if !allowed[v] {
					t.Errorf("%s %s: the response uses %s", name, typ, v)
				}
			}
			if strings.Contains(strings.ToLower(string(raw)), "apikey") {
				t.Errorf("%s %s: the response mentions the API key variable: %s", name, typ, raw)
			}
		}
	}
}

func TestGatewayResponsesCarryCorsWithCors(t *testing.T) {
	tests := []struct {
		name string
		want map[string]any
	}{
		// Two origins with credentials: the Origin echoed, credentials not.
		{"cors-auth", map[string]any{
			"gatewayresponse.header.Access-Control-Allow-Origin": "method.request.header.Origin",
			"gatewayresponse.header.Vary":                        "'Origin'",
		}},
		// One origin: named.
		{"client-keys", map[string]any{
			"gatewayresponse.header.Access-Control-Allow-Origin": "'https://app.example.com'",
			"gatewayresponse.header.Vary":                        "'Origin'",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			responses := gatewayResponsesByType(t, tt.name)
			if len(responses) != len(gatewayErrors) {
				t.Fatalf("%d gateway responses, want %d", len(responses), len(gatewayErrors))
			}
			for typ, p := range responses {
				got, _ := p["ResponseParameters"].(map[string]any)
				if !maps.Equal(got, tt.want) {
					t.Errorf("%s: ResponseParameters = %v, want %v", typ, got, tt.want)
				}
			}
		})
	}
}

func TestGatewayCorsHeaders(t *testing.T) {
	tests := []struct {
		name string
		cors *CorsOptions
		want map[string]string
	}{
		{"off", nil, nil},
		{"any origin", &CorsOptions{AllowOrigins: []string{"*"}}, map[string]string{"Access-Control-Allow-Origin": "'*'"}},
		{"one origin with credentials", &CorsOptions{AllowOrigins: []string{"https://app.example.com"}, AllowCredentials: true},
			map[string]string{"Access-Control-Allow-Origin": "'https://app.example.com'", "Access-Control-Allow-Credentials": "'true'", "Vary": "'Origin'"}},
		{"several origins", &CorsOptions{AllowOrigins: []string{"https://a.example.com", "https://b.example.com"}, AllowCredentials: true},
			map[string]string{"Access-Control-Allow-Origin": "method.request.header.Origin", "Vary": "'Origin'"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]string{}
			for k, v := range gatewayCorsHeaders(tt.cors) {
				got[k] = *v
			}
			if tt.want == nil && len(got) != 0 || tt.want != nil && !maps.Equal(got, tt.want) {
				t.Errorf("gatewayCorsHeaders = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestGatewayErrorPageEscapesItsText(t *testing.T) {
	e := gatewayError{status: 400, code: "BadRequestError", message: `a <b> & "c"`}
	page := *e.templates()["text/html"]
	if !strings.Contains(page, "a &lt;b&gt; &amp; &#34;c&#34;") {
		t.Errorf("page does not escape the message: %s", page)
	}
	if !strings.Contains(page, "<title>400 Bad Request</title>") {
		t.Errorf("page's title is not the status: %s", page)
	}
}

func TestGatewayResponsesAreExposedByType(t *testing.T) {
	site := config(t, "default").sites[0]
	if len(site.GatewayResponses) != len(gatewayErrors) {
		t.Fatalf("%d GatewayResponses, want %d", len(site.GatewayResponses), len(gatewayErrors))
	}
	for _, e := range gatewayErrors {
		if site.GatewayResponses[*e.typ.ResponseType()] == nil {
			t.Errorf("GatewayResponses[%q] is nil", *e.typ.ResponseType())
		}
	}
}
