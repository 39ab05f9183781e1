package site

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gowebapp/webapp/webappassets"
	"github.com/gowebapp/webapp/webapphttp"
)

// TestOnlyTheHelloReplyIsCacheable: /hello is the same for everyone; every
// other answer shows todos, a form's one-time key, the function's health or
// an error, and must never be kept by CloudFront for another viewer.
func TestOnlyTheHelloReplyIsCacheable(t *testing.T) {
	h, _ := newSite(t, newMemStore(), false)
	if got := serve(h, req{method: "GET", target: "/hello"}).Header().Get("Cache-Control"); got != "public, max-age=300" {
		t.Errorf("GET /hello: Cache-Control %q, want public, max-age=300", got)
	}
	for _, rq := range []req{
		{method: "GET", target: "/"},
		{method: "GET", target: "/search?q=milk"},
		{method: "GET", target: "/todos", accept: jsonType},
		{method: "GET", target: "/healthz"},
		{method: "GET", target: "/no-such-page"},
		{method: "POST", target: "/hello"},
	} {
		if got := serve(h, rq).Header().Get("Cache-Control"); got != webapphttp.CacheControlPrivate {
			t.Errorf("%s %s: Cache-Control %q, want %q", rq.method, rq.target, got, webapphttp.CacheControlPrivate)
		}
	}
}

func TestHelloStaysPrivateForAnAuthenticatedRequest(t *testing.T) {
	h, _ := newSite(t, newMemStore(), false)
	r := httptest.NewRequest("GET", "/hello", nil)
	r = r.WithContext(webapphttp.WithInfo(r.Context(), webapphttp.Info{Authorizer: map[string]any{"principalId": "user-42"}}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if got := w.Header().Get("Cache-Control"); got != webapphttp.CacheControlPrivate {
		t.Errorf("GET /hello with a caller: Cache-Control %q, want %q", got, webapphttp.CacheControlPrivate)
	}
}

// TestAnErrorIsNeverPublic: a handler that marked its page public and then
// failed sends the error private.
func TestAnErrorIsNeverPublic(t *testing.T) {
	s := &server{log: slog.New(slog.NewTextHandler(io.Discard, nil)), templates: pageTemplates(webappassets.Plain())}
	for _, html := range []bool{true, false} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/about", nil)
		webapphttp.CachePublic(w, r, time.Minute)
		s.fail(w, r, errors.New("boom"), html)
		if got := w.Header().Get("Cache-Control"); w.Code != http.StatusInternalServerError || got != webapphttp.CacheControlPrivate {
			t.Errorf("html %v: %d, Cache-Control %q; want 500, %q", html, w.Code, got, webapphttp.CacheControlPrivate)
		}
	}
}
