package site

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/gowebapp/webapp/webappassets"
	"github.com/gowebapp/webapp/webapphttp"
)

// req describes one request to the site.
type req struct {
	method, target string
	body           string
	contentType    string
	accept         string
	basePath       string // as the API Gateway adapter would set it; "" behind CloudFront
	requestID      string
}

// newSite returns the site over store and the buffer its logs go to.
func newSite(t testing.TB, store Store, debug bool) (http.Handler, *bytes.Buffer) {
	t.Helper()
	logs := &bytes.Buffer{}
	return New(Config{Store: store, Logger: slog.New(slog.NewJSONHandler(logs, nil)), Debug: debug, Assets: staticAssets(t)}), logs
}

// staticDir is the sample app's StaticDir, as stack.go gives it.
const staticDir = "../../../static"

// staticAssets is the manifest the construct builds from staticDir, so that
// every page a test renders links files that exist.
func staticAssets(t testing.TB) *webappassets.Manifest {
	t.Helper()
	m, err := webappassets.Build(os.DirFS(staticDir), nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// serve sends rq to h and returns the recorded response.
func serve(h http.Handler, rq req) *httptest.ResponseRecorder {
	var body io.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
	}
	r := httptest.NewRequest(rq.method, rq.target, body)
	if rq.contentType != "" {
		r.Header.Set("Content-Type", rq.contentType)
	}
	if rq.accept != "" {
		r.Header.Set("Accept", rq.accept)
	}
	if rq.basePath != "" || rq.requestID != "" {
		r = r.WithContext(webapphttp.WithInfo(r.Context(), webapphttp.Info{
			RequestID: rq.requestID,
			BasePath:  rq.basePath,
			Stage:     strings.TrimPrefix(rq.basePath, "/"),
		}))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

const (
	jsonType    = "application/json"
	browserHTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
)

// form returns a url-encoded body of the pairs key, value, ...
func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}

// multipartForm returns a multipart body of the pairs and its content type.
func multipartForm(t testing.TB, kv ...string) (body, contentType string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for i := 0; i < len(kv); i += 2 {
		if err := mw.WriteField(kv[i], kv[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String(), mw.FormDataContentType()
}

// decodeError decodes a Chalice error body, failing the test if it is not one.
func decodeError(t *testing.T, w *httptest.ResponseRecorder) errorBody {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != jsonType {
		t.Fatalf("Content-Type = %q, want %q; body %s", ct, jsonType, w.Body)
	}
	var e errorBody
	dec := json.NewDecoder(w.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || e.Code == "" || e.Message == "" {
		t.Fatalf("body is not {\"Code\",\"Message\"}: %v", err)
	}
	return e
}

// decodeJSONBody decodes a JSON response into v.
func decodeJSONBody(t *testing.T, w *httptest.ResponseRecorder, v any) {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != jsonType {
		t.Fatalf("Content-Type = %q, want %q", ct, jsonType)
	}
	if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
		t.Fatalf("decode %s: %v", w.Body, err)
	}
}
