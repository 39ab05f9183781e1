package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserSeesTheThrottledPage lowers the stage's throttle to a burst
// of one (localsite.Local.Throttle), spends it, and opens the site: the
// browser gets API Gateway's THROTTLED gateway response as the
// construct defines it, a 429 page, with no console error or CSP
// violation; a program asking for JSON gets Chalice's error.
func TestBrowserSeesTheThrottledPage(t *testing.T) {
	ctx, w := watchedTab(t)
	s := requireSite(t)
	base := strings.TrimSuffix(s.URL, "/")
	restore := s.Throttle(0.001, 1)
	t.Cleanup(restore)
	get(t, "GET", "/", "", nil) // the one request the burst allows

	w.expect(base + "/")
	resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(base+"/"))
	if err != nil {
		t.Fatal(err)
	}
	heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`h1`)))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusTooManyRequests || heading != "429 Too Many Requests" || !strings.HasPrefix(resp.MimeType, "text/html") {
		t.Errorf("GET / throttled = %d %s, heading %q; want 429, text/html and the throttled page", resp.Status, resp.MimeType, heading)
	}
	w.check(t, "throttled page")
	checkCSP(t, ctx, "throttled page")

	r, body := get(t, "GET", "/todos", "", map[string]string{"Accept": "application/json"})
	var e struct{ Code, Message string }
	if err := json.Unmarshal([]byte(body), &e); err != nil || r.StatusCode != http.StatusTooManyRequests || e.Code != "TooManyRequestsError" || e.Message == "" {
		t.Errorf("GET /todos throttled, as JSON = %d %q; want 429 and Chalice's TooManyRequestsError", r.StatusCode, body)
	}
}
