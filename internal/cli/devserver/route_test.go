package devserver

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"

	"github.com/gowebapp/webapp/internal/staticpaths"
)

// appStub answers "app" so that a test sees which side served a request.
var appStub = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("app")) })

func TestRouteSendsStaticPathsToFiles(t *testing.T) {
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
	h := route(staticpaths.Default(), static, appStub)
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

func TestRouteUsesTheGivenPatterns(t *testing.T) {
	static := fstest.MapFS{"assets/app.css": {Data: []byte("p{}")}, "css/site.css": {Data: []byte("body{}")}}
	h := route([]string{"/assets/*"}, static, appStub)
	for path, want := range map[string]string{"/assets/app.css": "p{}", "/css/site.css": "app"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if w.Body.String() != want {
			t.Errorf("GET %s = %q, want %q", path, w.Body, want)
		}
	}
}
