package webapphttp

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// crossSite is one request to the guard: a write to todo.example.com.
type crossSite struct {
	method, path  string
	contentType   string
	secFetchSite  string // "" absent
	origin        string // "" absent
	accept        string
	wantPassed    bool
	wantCORSAllow bool // checked only when passed
}

const (
	browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	formType      = "application/x-www-form-urlencoded"
	jsonType      = "application/json"
)

// guarded returns Wrap's handler for env and opts in front of a handler
// that records whether it was reached.
func guarded(t *testing.T, env map[string]string, opts ...Option) (http.Handler, *bool) {
	t.Helper()
	reached := new(bool)
	h, err := Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { *reached = true }),
		func(k string) string { return env[k] }, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return h, reached
}

func (c crossSite) send(h http.Handler) *httptest.ResponseRecorder {
	r := httptest.NewRequest(c.method, "https://todo.example.com"+c.path, strings.NewReader("title=x"))
	for k, v := range map[string]string{"Content-Type": c.contentType, "Sec-Fetch-Site": c.secFetchSite, "Origin": c.origin, "Accept": c.accept} {
		if v != "" {
			r.Header.Set(k, v)
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func checkCrossSite(t *testing.T, h http.Handler, reached *bool, tests map[string]crossSite) {
	t.Helper()
	for name, tt := range tests {
		*reached = false
		w := tt.send(h)
		if *reached != tt.wantPassed {
			t.Errorf("%s: reached the app = %v, want %v (status %d)", name, *reached, tt.wantPassed, w.Code)
			continue
		}
		if !tt.wantPassed && w.Code != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, w.Code)
		}
		if tt.wantPassed && tt.wantCORSAllow && w.Header().Get("Access-Control-Allow-Origin") == "" {
			t.Errorf("%s: passed without Access-Control-Allow-Origin", name)
		}
	}
}

func TestCrossSiteWritesAreRefused(t *testing.T) {
	h, reached := guarded(t, nil)
	form := func(secFetchSite, origin string, passes bool) crossSite {
		return crossSite{method: "POST", path: "/todos", contentType: formType, secFetchSite: secFetchSite, origin: origin, accept: browserAccept, wantPassed: passes}
	}
	checkCrossSite(t, h, reached, map[string]crossSite{
		"form post from another site":                   form("cross-site", "https://evil.example", false),
		"form post from another site, old browser":      form("", "https://evil.example", false),
		"form post from a sibling subdomain, old":       form("", "https://login.example.com", false),
		"form post from the site itself":                form("same-origin", "https://todo.example.com", true),
		"form post from the site itself, old browser":   form("", "https://todo.example.com", true),
		"form post from a sibling subdomain":            form("same-site", "https://login.example.com", true),
		"the viewer's own navigation (typed, bookmark)": form("none", "", true),
		"a program that sends neither header":           form("", "", true),
		"another site's link (GET)":                     {method: "GET", path: "/todos", secFetchSite: "cross-site", origin: "https://evil.example", wantPassed: true},
		"another site's script deleting":                {method: "DELETE", path: "/todos/1", secFetchSite: "cross-site", origin: "https://evil.example", wantPassed: false},
		"another site's script sending JSON":            {method: "POST", path: "/todos", contentType: jsonType, secFetchSite: "cross-site", origin: "https://evil.example", wantPassed: false},
	})
}

func TestCrossSiteRefusalIsAPageOrJSON(t *testing.T) {
	h, _ := guarded(t, nil)
	tests := []struct {
		accept, contentType, body string
	}{
		{browserAccept, "text/html; charset=utf-8", "<h1>Forbidden</h1>"},
		{"*/*", jsonType, `"Code":"ForbiddenError"`},
		{"", jsonType, `"Code":"ForbiddenError"`},
	}
	for _, tt := range tests {
		w := crossSite{method: "POST", path: "/todos", contentType: formType, secFetchSite: "cross-site", origin: "https://evil.example", accept: tt.accept}.send(h)
		if w.Code != http.StatusForbidden || w.Header().Get("Content-Type") != tt.contentType || !strings.Contains(w.Body.String(), tt.body) {
			t.Errorf("Accept %q: %d %s %q; want 403 %s with %q", tt.accept, w.Code, w.Header().Get("Content-Type"), w.Body, tt.contentType, tt.body)
		}
		if !strings.Contains(w.Body.String(), "cross-site request refused") {
			t.Errorf("Accept %q: the answer does not say why: %s", tt.accept, w.Body)
		}
		if tt.contentType == jsonType {
			var e struct{ Code, Message string }
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Message != crossSiteMessage {
				t.Errorf("Accept %q: body %s is not Chalice's error with the message: %v", tt.accept, w.Body, err)
			}
		}
	}
}

func TestCrossSiteRefusalIsLogged(t *testing.T) {
	var logs bytes.Buffer
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewJSONHandler(&logs, nil)))
	h, _ := guarded(t, nil)
	crossSite{method: "POST", path: "/todos", contentType: formType, secFetchSite: "cross-site", origin: "https://evil.example"}.send(h)
	var line map[string]any
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
		t.Fatalf("log %q: %v", logs.String(), err)
	}
	for k, want := range map[string]string{
		"msg": "webapphttp: refused a cross-site request", "method": "POST", "path": "/todos",
		"origin": "https://evil.example", "secFetchSite": "cross-site", "clientIp": "192.0.2.1", // httptest's RemoteAddr
	} {
		if line[k] != want {
			t.Errorf("log %s = %v, want %q; line %s", k, line[k], want, logs.String())
		}
	}
}

func TestCrossSiteTrustsTheCorsOrigins(t *testing.T) {
	h, reached := guarded(t, map[string]string{CorsConfigEnv: `{"allowOrigins":["https://App.example.com:443"]}`})
	fromScript := func(method, contentType, origin string, passes bool) crossSite {
		return crossSite{method: method, path: "/todos", contentType: contentType, secFetchSite: "cross-site", origin: origin, wantPassed: passes, wantCORSAllow: true}
	}
	checkCrossSite(t, h, reached, map[string]crossSite{
		"JSON from an allowed origin":         fromScript("POST", jsonType, "https://app.example.com", true),
		"DELETE from an allowed origin":       fromScript("DELETE", "", "https://app.example.com", true),
		"a form from an allowed origin":       fromScript("POST", formType, "https://app.example.com", true),
		"JSON from another origin":            fromScript("POST", jsonType, "https://evil.example", false),
		"JSON from the allowed host, by http": fromScript("POST", jsonType, "http://app.example.com", false),
	})
}

// With AllowOrigins "*" any page's script may call the app, after a
// preflight: what needs one passes, forms and other simple requests do not.
func TestCrossSiteWithAnyCorsOriginTrustsWhatNeedsAPreflight(t *testing.T) {
	h, reached := guarded(t, map[string]string{CorsConfigEnv: `{"allowOrigins":["*"]}`})
	from := func(method, contentType string, passes bool) crossSite {
		return crossSite{method: method, path: "/todos", contentType: contentType, secFetchSite: "cross-site", origin: "https://anyone.example", wantPassed: passes}
	}
	checkCrossSite(t, h, reached, map[string]crossSite{
		"JSON":                         from("POST", jsonType, true),
		"JSON with a charset":          from("POST", "Application/JSON; charset=utf-8", true),
		"PUT":                          from("PUT", formType, true),
		"DELETE":                       from("DELETE", "", true),
		"a form":                       from("POST", formType, false),
		"a form, in capitals":          from("POST", " Application/X-WWW-Form-Urlencoded ; charset=utf-8", false),
		"a multipart form":             from("POST", "multipart/form-data; boundary=x", false),
		"text/plain, as fetch sends":   from("POST", "text/plain;charset=UTF-8", false),
		"a POST without a body's type": from("POST", "", false),
	})
}

func TestCrossOriginBypass(t *testing.T) {
	h, reached := guarded(t, nil, CrossOriginBypass("POST /hooks/{name}"))
	post := func(path string, passes bool) crossSite {
		return crossSite{method: "POST", path: path, contentType: formType, secFetchSite: "cross-site", origin: "https://partner.example", wantPassed: passes}
	}
	checkCrossSite(t, h, reached, map[string]crossSite{
		"a bypassed path":  post("/hooks/build", true),
		"any other path":   post("/todos", false),
		"a path below one": post("/hooks/build/x", false),
	})

	off, reached := guarded(t, nil, CrossOriginBypass("/"))
	checkCrossSite(t, off, reached, map[string]crossSite{"with the check off": post("/todos", true)})
}

func TestCrossOriginBypassPanicsOnAnInvalidPattern(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Wrap took the pattern \"POST /{\"")
		}
	}()
	Wrap(http.NotFoundHandler(), func(string) string { return "" }, CrossOriginBypass("POST /{"))
}
