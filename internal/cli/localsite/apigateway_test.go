package localsite

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// TestEventHasTheKeysOfARealAPIGatewayEvent compares the event the local
// API Gateway builds with a real one recorded by aws-lambda-go, key for key.
func TestEventHasTheKeysOfARealAPIGatewayEvent(t *testing.T) {
	reference, err := os.ReadFile("testdata/aws-lambda-go/apigw-request.json")
	if err != nil {
		t.Fatal(err)
	}
	var payload []byte
	site := fixtureSite(t)
	e, _, _ := testEdge(t, site, ok)
	e.api[site.Behaviors[4].Origin.API].(*apiGateway).tap = func(ev []byte) { payload = ev }
	r := httptest.NewRequest("POST", "/hello/world?name=me", strings.NewReader(`{"a": 1}`))
	r.Header.Set("Content-Type", "application/json")
	if resp := serve(e, r); resp.StatusCode != 200 {
		t.Fatalf("POST /hello/world = %d", resp.StatusCode)
	}
	missing, extra, err := EventKeyDiff(payload, reference)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("the event's keys differ from API Gateway's:\nmissing %q\nextra %q\nevent: %s", missing, extra, payload)
	}
}

func TestEventKeyDiffReportsDifferences(t *testing.T) {
	ref := []byte(`{"a": 1, "headers": {"X": "1"}, "requestContext": {"identity": {"sourceIp": "x"}, "authorizer": {"p": 1}}}`)
	ev := []byte(`{"a": 1, "headers": {"Y": "2"}, "requestContext": {"identity": {"user": null}, "stage": "v1", "path": "/v1"}}`)
	missing, extra, err := EventKeyDiff(ev, ref)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(missing, ","); got != "requestContext.identity.sourceIp" {
		t.Errorf("missing = %q, want requestContext.identity.sourceIp (header names are data; authorizer is optional)", got)
	}
	if got := strings.Join(extra, ","); got != "requestContext.identity.user,requestContext.stage" {
		t.Errorf("extra = %q, want requestContext.identity.user and requestContext.stage (path is documented)", got)
	}
}

func TestResourceMatchingPrefersLiteralsThenParametersThenGreedy(t *testing.T) {
	root := &APIResource{Path: "/", Children: []*APIResource{
		{PathPart: "{proxy+}", Path: "/{proxy+}"},
		{PathPart: "{name}", Path: "/{name}", Children: []*APIResource{{PathPart: "edit", Path: "/{name}/edit"}}},
		{PathPart: "items", Path: "/items"},
	}}
	tests := []struct{ path, resource, params string }{
		{"/", "/", "null"},
		{"/items", "/items", "null"},
		{"/other", "/{name}", `{"name":"other"}`},
		{"/other/edit", "/{name}/edit", `{"name":"other"}`},
		{"/other/view", "/{proxy+}", `{"proxy":"other/view"}`},
		{"/a/b/c", "/{proxy+}", `{"proxy":"a/b/c"}`},
		{"/%E7%89%9B", "/{name}", `{"name":"%E7%89%9B"}`},
	}
	for _, tt := range tests {
		res, params := root.match(tt.path)
		p, _ := json.Marshal(params)
		if res == nil || res.Path != tt.resource || string(p) != tt.params {
			t.Errorf("match(%q) = %v %s, want %s %s", tt.path, res, p, tt.resource, tt.params)
		}
	}
}

func TestQueryStringsAreDecodedInOrder(t *testing.T) {
	q := parseQuery("q=a%20b&q=c+d&flag&x=%E7%89%9B&bad=%zz")
	want := map[string]string{"q": "a b|c d", "flag": "", "x": "牛", "bad": "%zz"}
	for k, v := range want {
		if got := strings.Join(q[k], "|"); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}
