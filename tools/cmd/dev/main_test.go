package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gowebapp/webapp/internal/app/site"
	"github.com/gowebapp/webapp/internal/app/todo"
	"github.com/gowebapp/webapp/internal/staticpaths"
)

// appStub answers "app" so that a test sees which side served a request.
var appStub = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("app")) })

func TestHandlerRoutesStaticPathsToFiles(t *testing.T) {
	static := fstest.MapFS{
		"css/site.css":         {Data: []byte("body{}")},
		"js/app.js":            {Data: []byte("'use strict'")},
		"images/logo.svg":      {Data: []byte("<svg/>")},
		"images/icons/a.svg":   {Data: []byte("<svg id=a/>")},
		"favicon.ico":          {Data: []byte("\x00\x00\x01\x00")},
		"robots.txt":           {Data: []byte("not a static path")},
		"css/nested/more.css":  {Data: []byte("p{}")},
		"cssx/not-static.css":  {Data: []byte("x")},
		"todos":                {Data: []byte("a file named like a route")},
		"favicon.ico.bak":      {Data: []byte("backup")},
		"images/folder/x.png":  {Data: []byte("png")},
		"js/vendor/lib.min.js": {Data: []byte("lib")},
	}
	h := newHandler(staticpaths.Default(), static, appStub)
	tests := []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/css/site.css", 200, "body{}"},
		{"HEAD", "/css/site.css", 200, ""},
		{"GET", "/css/nested/more.css", 200, "p{}"},
		{"GET", "/js/app.js", 200, "'use strict'"},
		{"GET", "/js/vendor/lib.min.js", 200, "lib"},
		{"GET", "/images/logo.svg", 200, "<svg/>"},
		{"GET", "/images/icons/a.svg", 200, "<svg id=a/>"},
		{"GET", "/favicon.ico", 200, "\x00\x00\x01\x00"},
		{"GET", "/css/missing.css", 404, "404 page not found\n"},
		{"GET", "/css/", 404, "404 page not found\n"},
		{"GET", "/images/folder", 404, "404 page not found\n"},
		{"POST", "/css/site.css", 405, "static files are read-only\n"},
		{"GET", "/", 200, "app"},
		{"GET", "/todos", 200, "app"},
		{"POST", "/todos", 200, "app"},
		{"GET", "/robots.txt", 200, "app"},
		{"GET", "/cssx/not-static.css", 200, "app"},
		{"GET", "/css", 200, "app"},
		{"GET", "/favicon.ico.bak", 200, "app"},
		{"GET", "/CSS/site.css", 200, "app"},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
		if w.Code != tt.status || w.Body.String() != tt.body {
			t.Errorf("%s %s = %d %q, want %d %q", tt.method, tt.path, w.Code, w.Body, tt.status, tt.body)
		}
	}
}

// emptyStore is a store with no todos, enough to render the home page.
type emptyStore struct{ site.Store }

func (emptyStore) List(context.Context, int, string) (todo.Page, error) { return todo.Page{}, nil }

// TestEveryAssetOfThePageIsServed renders the real home page and fetches
// every asset it refers to from the real ./static directory.
func TestEveryAssetOfThePageIsServed(t *testing.T) {
	app := site.New(site.Config{Store: emptyStore{}})
	h := newHandler(staticpaths.Default(), os.DirFS("../../../static"), app)

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != 200 {
		t.Fatalf("GET / = %d, want 200", w.Code)
	}
	assets := regexp.MustCompile(`(?:href|src)="(/(?:css|js|images)/[^"]+|/favicon\.ico)"`).FindAllStringSubmatch(w.Body.String(), -1)
	if len(assets) != 4 {
		t.Fatalf("the home page refers to %d assets, want 4 (css, js, logo, favicon)", len(assets))
	}
	wantType := map[string]string{".css": "text/css", ".js": "javascript", ".svg": "image/svg+xml", ".ico": ""}
	for _, m := range assets {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", m[1], nil))
		if w.Code != 200 || w.Body.Len() < 100 {
			t.Errorf("GET %s = %d with %d bytes, want 200 and a real file", m[1], w.Code, w.Body.Len())
		}
		ext := m[1][strings.LastIndex(m[1], "."):]
		if ct := w.Header().Get("Content-Type"); !strings.Contains(ct, wantType[ext]) {
			t.Errorf("GET %s: Content-Type = %q, want %s", m[1], ct, wantType[ext])
		}
		if ext == ".ico" && !bytes.HasPrefix(w.Body.Bytes(), []byte("\x00\x00\x01\x00")) {
			t.Errorf("favicon.ico does not start with the ICO header")
		}
	}
}
