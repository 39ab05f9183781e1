package webapphttp

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// serveWrapped serves r with h behind Wrap, without any environment.
func serveWrapped(t *testing.T, h http.HandlerFunc, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	wrapped, err := Wrap(h, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	wrapped.ServeHTTP(w, r)
	return w
}

func TestWrapMarksEveryResponsePrivate(t *testing.T) {
	for name, h := range map[string]http.HandlerFunc{
		"page":        func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<p>hi</p>") },
		"status only": func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) },
		"nothing":     func(w http.ResponseWriter, r *http.Request) {},
		"error":       func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusInternalServerError) },
		"json": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte("{}"))
		},
		"after a 103": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusOK)
		},
	} {
		w := serveWrapped(t, h, httptest.NewRequest("GET", "/", nil))
		if got := w.Header().Get("Cache-Control"); got != CacheControlPrivate {
			t.Errorf("%s: Cache-Control %q, want %q", name, got, CacheControlPrivate)
		}
	}
}

func TestWrapKeepsTheHandlersCacheControl(t *testing.T) {
	h := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		fmt.Fprint(w, "x")
	}
	if got := serveWrapped(t, h, httptest.NewRequest("GET", "/", nil)).Header().Get("Cache-Control"); got != "no-cache" {
		t.Errorf("Cache-Control %q, want the handler's no-cache", got)
	}
}

func TestCachePublicMarksAnAnonymousResponsePublic(t *testing.T) {
	var ok bool
	h := func(w http.ResponseWriter, r *http.Request) {
		ok = CachePublic(w, r, 90*time.Second+500*time.Millisecond)
		fmt.Fprint(w, "hello")
	}
	w := serveWrapped(t, h, httptest.NewRequest("GET", "/hello?lang=en", nil))
	if got := w.Header().Get("Cache-Control"); !ok || got != "public, max-age=90" {
		t.Errorf("CachePublic = %v, Cache-Control %q; want true, public, max-age=90", ok, got)
	}
}

func TestCachePublicKeepsAuthenticatedResponsesPrivate(t *testing.T) {
	withToken := httptest.NewRequest("GET", "/todos", nil)
	withToken.Header.Set("Authorization", "Bearer eyJ...")
	withCaller := httptest.NewRequest("GET", "/todos", nil)
	withCaller = withCaller.WithContext(WithInfo(withCaller.Context(), Info{Authorizer: map[string]any{"principalId": "user-42"}}))
	withCognito := httptest.NewRequest("GET", "/todos", nil)
	withCognito = withCognito.WithContext(WithInfo(withCognito.Context(), Info{Authorizer: map[string]any{"claims": map[string]any{"sub": "a1"}}}))
	for name, r := range map[string]*http.Request{"Authorization": withToken, "Lambda authorizer": withCaller, "Cognito": withCognito} {
		var ok bool
		h := func(w http.ResponseWriter, r *http.Request) {
			ok = CachePublic(w, r, time.Minute)
			fmt.Fprint(w, "mine")
		}
		w := serveWrapped(t, h, r)
		if got := w.Header().Get("Cache-Control"); ok || got != CacheControlPrivate {
			t.Errorf("%s: CachePublic = %v, Cache-Control %q; want false, %q", name, ok, got, CacheControlPrivate)
		}
	}
}

func TestCachePublicRefusesLessThanASecond(t *testing.T) {
	w := httptest.NewRecorder()
	if CachePublic(w, httptest.NewRequest("GET", "/", nil), 999*time.Millisecond) || w.Header().Get("Cache-Control") != "" {
		t.Errorf("CachePublic(999ms) set %q; want nothing", w.Header().Get("Cache-Control"))
	}
}

func TestWrapSendsResponsesThatSetCookiesPrivate(t *testing.T) {
	for _, cc := range []string{"public, max-age=60", "max-age=60", "s-maxage=60"} {
		h := func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", cc)
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "s3cret"})
			fmt.Fprint(w, "x")
		}
		if got := serveWrapped(t, h, httptest.NewRequest("GET", "/", nil)).Header().Get("Cache-Control"); got != CacheControlPrivate {
			t.Errorf("Set-Cookie with %q: Cache-Control %q, want %q", cc, got, CacheControlPrivate)
		}
	}
	h := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "private, max-age=60")
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s3cret"})
	}
	if got := serveWrapped(t, h, httptest.NewRequest("GET", "/", nil)).Header().Get("Cache-Control"); got != "private, max-age=60" {
		t.Errorf("Set-Cookie with private: Cache-Control %q, want the handler's", got)
	}
}

func TestWrapMarksPreflightsAndRefusalsPrivate(t *testing.T) {
	r := httptest.NewRequest("POST", "/todos", nil)
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	w := serveWrapped(t, func(w http.ResponseWriter, r *http.Request) {}, r)
	if w.Code != http.StatusForbidden || w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("cross-site refusal: %d, Cache-Control %q; want 403, its own no-store", w.Code, w.Header().Get("Cache-Control"))
	}
}

func TestCacheControlWriterFlushes(t *testing.T) {
	w := serveWrapped(t, func(w http.ResponseWriter, r *http.Request) {
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
	}, httptest.NewRequest("GET", "/", nil))
	if !w.Flushed || w.Header().Get("Cache-Control") != CacheControlPrivate {
		t.Errorf("flushed %v, Cache-Control %q; want true, %q", w.Flushed, w.Header().Get("Cache-Control"), CacheControlPrivate)
	}
}
