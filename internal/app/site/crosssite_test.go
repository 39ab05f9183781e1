package site

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The site's own origin in these tests, and a page of another site.
const (
	siteOrigin = "https://todo.example.com"
	evilOrigin = "https://evil.example"
)

// post sends a write to the site at todo.example.com with the headers
// (name, value, ...).
func post(h http.Handler, target, contentType, body string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", siteOrigin+target, strings.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	for i := 0; i < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestCrossSiteFormPostIsRefused(t *testing.T) {
	for name, header := range map[string][]string{
		"Sec-Fetch-Site: cross-site":           {"Sec-Fetch-Site", "cross-site", "Origin", evilOrigin},
		"Origin names another host (no Fetch)": {"Origin", evilOrigin},
	} {
		h, store, logs := accessSite(t, Config{}, "")
		before := len(store.todos)
		w := post(h, "/todos", "application/x-www-form-urlencoded", form("title", "Planted"), append(header, "Accept", browserHTML)...)
		if !strings.Contains(logs.String(), `"msg":"webapphttp: refused a cross-site request"`) {
			t.Errorf("%s: the refusal is not in the function's log:\n%s", name, logs)
		}
		if w.Code != http.StatusForbidden || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
			t.Errorf("%s: %d %s, want 403 and a page", name, w.Code, w.Header().Get("Content-Type"))
		}
		if !strings.Contains(w.Body.String(), "cross-site request refused") {
			t.Errorf("%s: the page does not say why:\n%s", name, w.Body)
		}
		if len(store.todos) != before || store.calls != 0 {
			t.Errorf("%s: %d todos (was %d), %d store calls: the post reached the store", name, len(store.todos), before, store.calls)
		}
	}
}

func TestSameSiteFormPostsAreTaken(t *testing.T) {
	for name, header := range map[string][]string{
		"same-origin":              {"Sec-Fetch-Site", "same-origin", "Origin", siteOrigin},
		"same-origin, old browser": {"Origin", siteOrigin},
		"same-site (a sibling)":    {"Sec-Fetch-Site", "same-site", "Origin", "https://login.example.com"},
		"neither header":           nil,
	} {
		h, store, _ := accessSite(t, Config{}, "")
		before := len(store.todos)
		w := post(h, "/todos", "application/x-www-form-urlencoded", form("title", "Call mum"), append(header, "Accept", browserHTML)...)
		if w.Code != http.StatusSeeOther || len(store.todos) != before+1 {
			t.Errorf("%s: %d with %d todos (was %d), want 303 and the todo created; body %s", name, w.Code, len(store.todos), before, w.Body)
		}
	}
}

func TestCrossOriginJSONFromTheCorsOrigins(t *testing.T) {
	h, store, _ := accessSite(t, Config{}, appCORS) // allows https://app.example.com
	w := post(h, "/todos", jsonType, `{"title":"From the app"}`, "Sec-Fetch-Site", "cross-site", "Origin", "https://app.example.com")
	if w.Code != http.StatusCreated {
		t.Errorf("JSON from an allowed origin: %d %s, want 201", w.Code, w.Body)
	}

	before := len(store.todos)
	w = post(h, "/todos", jsonType, `{"title":"From elsewhere"}`, "Sec-Fetch-Site", "cross-site", "Origin", evilOrigin)
	var e errorBody
	if err := json.Unmarshal(w.Body.Bytes(), &e); w.Code != http.StatusForbidden || err != nil || e.Code != "ForbiddenError" {
		t.Errorf("JSON from another origin: %d %s, want 403 ForbiddenError", w.Code, w.Body)
	}
	if len(store.todos) != before {
		t.Errorf("JSON from another origin created a todo")
	}

	// A program (curl, an SDK) sends neither header: unaffected.
	w = post(h, "/todos", jsonType, `{"title":"From a script"}`)
	if w.Code != http.StatusCreated {
		t.Errorf("JSON without Origin: %d %s, want 201", w.Code, w.Body)
	}
}

// Through the Lambda adapter the viewer's host is CloudFront's
// X-Forwarded-Host, which a form post's Origin is compared with.
func TestCrossSiteThroughTheLambdaAdapter(t *testing.T) {
	h, store, _ := accessSite(t, Config{}, "")
	for origin, want := range map[string]int{
		"https://todo.example.com": http.StatusSeeOther, // the fixture's own, its X-Forwarded-Host
		evilOrigin:                 http.StatusForbidden,
	} {
		e := edgeEvent(t, "form-post.json") // a Firefox form post via CloudFront, without Sec-Fetch-Site
		setHeader(&e, "Origin", origin)
		before := len(store.todos)
		resp := invoke(t, h, e)
		created := len(store.todos) - before
		if resp.StatusCode != want || (want == http.StatusSeeOther) != (created == 1) {
			t.Errorf("Origin %s: %d, %d todos created; want %d", origin, resp.StatusCode, created, want)
		}
	}
}
