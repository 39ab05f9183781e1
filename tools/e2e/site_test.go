package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowebapp/webapp/internal/cli/localsite"
)

func get(t *testing.T, method, path string, body string, header map[string]string) (*http.Response, string) {
	t.Helper()
	s := requireSite(t)
	req, err := http.NewRequest(method, strings.TrimSuffix(s.URL, "/")+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp, readAllString(t, resp.Body)
}

// TestTheFunctionGetsAPIGatewaysEvent sends a request through the local
// site and compares the event the function received with a real API
// Gateway event, key for key.
func TestTheFunctionGetsAPIGatewaysEvent(t *testing.T) {
	resp, _ := get(t, "POST", "/hello/world?name=me", `{"a": 1}`, map[string]string{"Content-Type": "application/json"})
	if resp.StatusCode == http.StatusForbidden && resp.Header.Get("X-Amzn-Errortype") != "" {
		t.Fatalf("API Gateway refused the request: %s", resp.Header.Get("X-Amzn-Errortype"))
	}
	event := events.find("POST", "/hello/world")
	if event == nil {
		t.Fatal("the function received no event for POST /hello/world")
	}
	reference, err := os.ReadFile(filepath.Join(root, "internal/cli/localsite/testdata/aws-lambda-go/apigw-request.json"))
	if err != nil {
		t.Fatal(err)
	}
	missing, extra, err := localsite.EventKeyDiff(event, reference)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("the event's keys differ from API Gateway's:\nmissing %q\nextra %q\nevent: %s", missing, extra, event)
	}
}

// TestRoutingFollowsTheDistribution checks the answers the template's
// behaviours give, whatever the app does.
func TestRoutingFollowsTheDistribution(t *testing.T) {
	tests := []struct {
		method, path string
		status       int
		contentType  string
		bodyHas      string
	}{
		{"GET", "/css/site.css", 200, "text/css", ""},
		{"GET", "/js/app.js", 200, "text/javascript", ""},
		{"GET", "/images/logo.svg", 200, "image/svg+xml", "<svg"},
		{"GET", "/favicon.ico", 200, "image/vnd.microsoft.icon", ""},
		{"GET", "/css/missing.css", 403, "application/xml", "<Code>AccessDenied</Code>"},
		{"POST", "/css/site.css", 403, "text/html", "not configured to allow the HTTP request method"},
		{"GET", "/healthz", 200, "text/plain", "ok"},
	}
	for _, tt := range tests {
		resp, body := get(t, tt.method, tt.path, "", nil)
		if resp.StatusCode != tt.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.contentType) || !strings.Contains(body, tt.bodyHas) {
			t.Errorf("%s %s = %d %s %.80q, want %d %s containing %q", tt.method, tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), body, tt.status, tt.contentType, tt.bodyHas)
		}
		if resp.Header.Get("Via") == "" || resp.Header.Get("X-Amz-Cf-Id") == "" {
			t.Errorf("%s %s: no CloudFront headers", tt.method, tt.path)
		}
	}
}
