package bench

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestVisitPageCountsBytesAsSentAndRevalidates: the page and the files it
// names, each counted compressed as it crossed the wire; a repeat visit
// sends each file's validators and counts the 304s' empty bodies.
func TestVisitPageCountsBytesAsSentAndRevalidates(t *testing.T) {
	page := `<html><head><link rel="stylesheet" href="/css/site.css"><script src="/js/app.js" defer></script></head>` +
		`<body><a href="/todos">not loaded</a><img src="/images/logo.svg" alt=""></body></html>` + strings.Repeat(" ", 2000)
	css := strings.Repeat("body { margin: 0; }\n", 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			w.Header().Set("Content-Type", "text/html")
			if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
				var buf bytes.Buffer
				zw := gzip.NewWriter(&buf)
				zw.Write([]byte(page))
				zw.Close()
				w.Header().Set("Content-Encoding", "gzip")
				w.Write(buf.Bytes())
				return
			}
			w.Write([]byte(page))
			return
		}
		if r.URL.Path == "/todos" {
			t.Error("a link that is not a subresource was fetched")
		}
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Write([]byte(css))
	}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}

	plain, err := VisitPage(client, srv.URL, "/", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := plain.Bytes(), len(page)+3*len(css); got != want || len(plain.Fetched) != 4 {
		t.Errorf("plain visit: %d bytes in %d responses, want %d in 4", got, len(plain.Fetched), want)
	}
	first, err := VisitPage(client, srv.URL, "/", "gzip", nil)
	if err != nil {
		t.Fatal(err)
	}
	if first.Fetched[0].Encoding != "gzip" || first.Fetched[0].Bytes >= len(page)/2 {
		t.Errorf("gzip visit: the page is %+v, want it gzipped, under half its size", first.Fetched[0])
	}
	repeat, err := VisitPage(client, srv.URL, "/", "gzip", &first)
	if err != nil {
		t.Fatal(err)
	}
	if got := repeat.Bytes(); got != first.Fetched[0].Bytes {
		t.Errorf("repeat visit: %d bytes, want the page's %d alone (every file a 304)", got, first.Fetched[0].Bytes)
	}
	for _, f := range repeat.Fetched[1:] {
		if f.Status != http.StatusNotModified {
			t.Errorf("repeat visit: %s answered %d, want 304", f.Path, f.Status)
		}
	}
}
