package devserver

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/gowebapp/webapp/internal/staticpaths"
	"github.com/gowebapp/webapp/webappassets"
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

func TestRouteServesTheHashedNamesOfTheCurrentFiles(t *testing.T) {
	static := fstest.MapFS{"css/site.css": {Data: []byte("body{}")}, "favicon.ico": {Data: []byte("ico")}}
	h := route(staticpaths.Default(), static, appStub)
	get := func(p string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", p, nil))
		return w
	}
	hashed := webappassets.HashedPath("/css/site.css", []byte("body{}"))
	w := get(hashed)
	if w.Code != 200 || w.Body.String() != "body{}" || w.Header().Get("Cache-Control") != webappassets.ImmutableCacheControl || w.Header().Get("Content-Type") != "text/css; charset=utf-8" {
		t.Errorf("GET %s = %d %q, Cache-Control %q, Content-Type %q; want the stylesheet, immutable", hashed, w.Code, w.Body, w.Header().Get("Cache-Control"), w.Header().Get("Content-Type"))
	}
	if w := get("/css/site.css"); w.Code != 200 || w.Header().Get("Cache-Control") != "no-cache" {
		t.Errorf("GET /css/site.css = %d, Cache-Control %q; want 200, no-cache (edits show at once)", w.Code, w.Header().Get("Cache-Control"))
	}
	// As behind CloudFront: no pattern serves a hashed /favicon.ico.
	if p := webappassets.HashedPath("/favicon.ico", []byte("ico")); get(p).Body.String() != "app" {
		t.Errorf("GET %s = %q, want the app's answer", p, get(p).Body)
	}
	// After an edit the old name is gone: the page links the new one.
	static["css/site.css"] = &fstest.MapFile{Data: []byte("body{color:red}")}
	if w := get(hashed); w.Code != 404 {
		t.Errorf("GET %s after an edit = %d, want 404", hashed, w.Code)
	}
	if p := webappassets.HashedPath("/css/missing.css", nil); get(p).Code != 404 {
		t.Errorf("GET %s = %d, want 404", p, get(p).Code)
	}
}

func TestFunctionReadsTheStaticDirectory(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"lambda", "static"} {
		os.Mkdir(filepath.Join(dir, d), 0o755)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s, err := newServer(Options{Dir: dir, Listener: ln})
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	for _, want := range []string{
		webappassets.StaticDirEnv + "=" + filepath.Join(dir, "static"),
		webappassets.StaticPathsEnv + "=/css/*,/js/*,/images/*,/favicon.ico",
	} {
		if !slices.Contains(s.env, want) {
			t.Errorf("the function's environment lacks %s", want)
		}
	}
}
