package site

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The benchmarks measure the handlers over the in-memory test double, so
// they time the app's own work (routing, decoding, templates), not a
// database.

func benchSite(b *testing.B, todos int) (http.Handler, *memStore) {
	b.Helper()
	store := newMemStore()
	for i := range todos {
		store.add(fmt.Sprintf("Todo %d: buy 牛乳 and bread", i))
	}
	return New(Config{Store: store, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}), store
}

func benchServe(b *testing.B, h http.Handler, method, target, contentType, body string, status int) {
	b.Helper()
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(method, target, strings.NewReader(body))
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != status {
			b.Fatalf("%s %s: status %d, want %d", method, target, w.Code, status)
		}
	}
}

func BenchmarkHome(b *testing.B) {
	h, _ := benchSite(b, homeLimit)
	benchServe(b, h, "GET", "/", "", "", 200)
}

func BenchmarkSearchURLEncoded(b *testing.B) {
	h, _ := benchSite(b, 100)
	benchServe(b, h, "POST", "/search", formURLEncoded, form("q", "牛乳"), 200)
}

func BenchmarkSearchMultipart(b *testing.B) {
	h, _ := benchSite(b, 100)
	body, contentType := multipartForm(b, "q", "牛乳")
	benchServe(b, h, "POST", "/search", contentType, body, 200)
}

func BenchmarkCreateTodo(b *testing.B) {
	h, _ := benchSite(b, 0)
	benchServe(b, h, "POST", "/todos", jsonType, `{"title":"Buy milk","memo":"牛乳を買う","priority":2}`, 201)
}

func BenchmarkListTodos(b *testing.B) {
	h, _ := benchSite(b, 200)
	benchServe(b, h, "GET", "/todos?limit=50", "", "", 200)
}
