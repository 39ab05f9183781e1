package localsite

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"reflect"
	"testing"

	"github.com/gowebapp/webapp/internal/viewerrequest"
)

// The viewer-request function of a site with several names, as WebApp
// writes it: www.example.com is the main name.
var severalNames = &ViewerFunction{LogicalID: "SiteViewerRequest", Name: "SiteViewerRequest", Runtime: "cloudfront-js-2.0",
	Code: viewerrequest.Code("www.example.com", []string{"example.com", "www.example.net"})}

// runViewerRequest runs f in node on a viewer-request event whose request
// object is request (JSON, as CloudFront Functions' event structure has it).
func runViewerRequest(t *testing.T, f *ViewerFunction, request string) map[string]any {
	t.Helper()
	needNode(t)
	n, err := startNode(map[string]*ViewerFunction{f.LogicalID: f}, t.Output())
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if !json.Valid([]byte(request)) {
		t.Fatalf("bad request fixture: %s", request)
	}
	event := map[string]any{
		"version": "1.0",
		"context": map[string]any{"distributionDomainName": "d111111abcdef8.cloudfront.net", "distributionId": "EDFDVBD6EXAMPLE",
			"eventType": "viewer-request", "requestId": "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ=="},
		"viewer":  map[string]any{"ip": "198.51.100.11"},
		"request": json.RawMessage(request), // as written: the order of the query's names is kept
	}
	out, err := n.Run(context.Background(), f, event)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func location(out map[string]any) string {
	h, _ := out["headers"].(map[string]any)
	l, _ := h["location"].(map[string]any)
	s, _ := l["value"].(string)
	return s
}

func TestOtherNamesAreRedirectedWithPathAndQuery(t *testing.T) {
	tests := []struct {
		name, request, want string
	}{
		{"QueryWithAmpersandPercentPlusAndNonASCII",
			`{"method":"GET","uri":"/search","headers":{"host":{"value":"example.com"}},"cookies":{},
			  "querystring":{"a":{"value":"1"},"b":{"value":"%26"},"c":{"value":"+"},"d":{"value":"%E6%97%A5"}}}`,
			"https://www.example.com/search?a=1&b=%26&c=+&d=%E6%97%A5"},
		{"RepeatedNamesAndANameWithoutValue",
			`{"method":"GET","uri":"/todos","headers":{"host":{"value":"example.com"}},"cookies":{},
			  "querystring":{"tag":{"value":"x","multiValue":[{"value":"x"},{"value":"y%20z"}]},"debug":{"value":""}}}`,
			"https://www.example.com/todos?tag=x&tag=y%20z&debug"},
		{"NoQuery", `{"method":"GET","uri":"/","headers":{"host":{"value":"www.example.net"}},"cookies":{},"querystring":{}}`,
			"https://www.example.com/"},
		{"HostWithPortAndUpperCase", `{"method":"GET","uri":"/a%2Fb","headers":{"host":{"value":"WWW.Example.NET:443"}},"cookies":{},"querystring":{}}`,
			"https://www.example.com/a%2Fb"},
		{"HostWithFinalDot", `{"method":"HEAD","uri":"/x","headers":{"host":{"value":"example.com."}},"cookies":{},"querystring":{}}`,
			"https://www.example.com/x"},
		{"UnencodedNonASCIIIsEncoded",
			`{"method":"GET","uri":"/日本","headers":{"host":{"value":"example.com"}},"cookies":{},"querystring":{"q":{"value":"日本 語"}}}`,
			"https://www.example.com/%E6%97%A5%E6%9C%AC?q=%E6%97%A5%E6%9C%AC%20%E8%AA%9E"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := runViewerRequest(t, severalNames, tt.request)
			if out["statusCode"] != float64(301) || out["statusDescription"] != "Moved Permanently" || location(out) != tt.want {
				t.Errorf("function returned %v, want a 301 to %s", out, tt.want)
			}
		})
	}
}

// TestOtherMethodsAreRedirectedWith308: a form posted to another name is
// sent again, with its method and body, to the main name.
func TestOtherMethodsAreRedirectedWith308(t *testing.T) {
	for _, method := range []string{"POST", "PUT", "DELETE"} {
		out := runViewerRequest(t, severalNames, `{"method":"`+method+`","uri":"/todos","headers":{"host":{"value":"example.com"}},"cookies":{},
			"querystring":{"q":{"value":"a%26b"}}}`)
		if want := "https://www.example.com/todos?q=a%26b"; out["statusCode"] != float64(308) || out["statusDescription"] != "Permanent Redirect" || location(out) != want {
			t.Errorf("%s: function returned %v, want a 308 to %s", method, out, want)
		}
	}
}

// TestRedirectKeepsTheQueryAsParsed: what the app reads from the query on
// the main name is what the viewer sent to the other one.
func TestRedirectKeepsTheQueryAsParsed(t *testing.T) {
	const raw = "a=1&b=%26&c=+&d=%E6%97%A5&e=%25&e=2"
	out := runViewerRequest(t, severalNames, `{"method":"GET","uri":"/","headers":{"host":{"value":"example.com"}},"cookies":{},
		"querystring":{"a":{"value":"1"},"b":{"value":"%26"},"c":{"value":"+"},"d":{"value":"%E6%97%A5"},
		"e":{"value":"%25","multiValue":[{"value":"%25"},{"value":"2"}]}}}`)
	loc, err := url.Parse(location(out))
	if err != nil {
		t.Fatalf("Location %q: %v", location(out), err)
	}
	want, _ := url.ParseQuery(raw)
	if got := loc.Query(); !reflect.DeepEqual(got, want) {
		t.Errorf("query after the redirect = %v, want %v (b is &, c a space, d 日, e %% and 2)", got, want)
	}
}

func TestMainAndUnlistedNamesAreServed(t *testing.T) {
	for _, host := range []string{"www.example.com", "WWW.EXAMPLE.COM", "d111111abcdef8.cloudfront.net", "127.0.0.1:8080"} {
		t.Run(host, func(t *testing.T) {
			out := runViewerRequest(t, severalNames, `{"method":"GET","uri":"/todos","headers":{"host":{"value":"`+host+`"},
				"x-forwarded-host":{"value":"evil.example"}},"cookies":{},"querystring":{"q":{"value":"1"}}}`)
			h, _ := out["headers"].(map[string]any)
			fwd, _ := h["x-forwarded-host"].(map[string]any)
			if _, isResponse := out["statusCode"]; isResponse || out["uri"] != "/todos" || fwd["value"] != host {
				t.Errorf("function returned %v, want the request with x-forwarded-host %s", out, host)
			}
		})
	}
	out := runViewerRequest(t, severalNames, `{"method":"GET","uri":"/","headers":{"x-forwarded-host":{"value":"evil.example"}},"cookies":{},"querystring":{}}`)
	if h, _ := out["headers"].(map[string]any); h["x-forwarded-host"] != nil || out["statusCode"] != nil {
		t.Errorf("without Host the function returned %v, want the request without x-forwarded-host", out)
	}
}

// TestLocalSiteRedirectsOtherNames: make local serves a site with several
// names as CloudFront does: its own address is served, another of the
// site's names gets the 301.
func TestLocalSiteRedirectsOtherNames(t *testing.T) {
	site := fixtureSite(t)
	for _, b := range site.Behaviors {
		if b.PathPattern == "*" {
			b.ViewerRequest.Code = severalNames.Code
		}
	}
	e, fn, _ := testEdge(t, site, ok)

	// The names in the viewer's order, not sorted, as CloudFront hands them over.
	r := httptest.NewRequest("GET", "/search?d=%E6%97%A5&b=%26&c=+&a=1&flag", nil)
	r.Host = "example.com:8080"
	resp := serve(e, r)
	if want := "https://www.example.com/search?d=%E6%97%A5&b=%26&c=+&a=1&flag"; resp.StatusCode != 301 || resp.Header.Get("Location") != want {
		t.Errorf("GET with Host example.com:8080 = %d Location %q, want 301 to %s", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	if len(fn.events) != 0 {
		t.Error("the redirected request reached the origin")
	}

	r = httptest.NewRequest("GET", "/search?a=1", nil)
	r.Host = "127.0.0.1:8080"
	if resp := serve(e, r); resp.StatusCode != 200 {
		t.Errorf("GET with the local address = %d, want 200 from the function", resp.StatusCode)
	}
	if got := fn.last(t).Headers["X-Forwarded-Host"]; got != "127.0.0.1:8080" {
		t.Errorf("X-Forwarded-Host = %q, want the local address", got)
	}
}
