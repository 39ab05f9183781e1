package site

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzTodoJSON posts and puts arbitrary JSON: whatever the body, the answer
// is a success or a client error, never a 5xx or a panic.
func FuzzTodoJSON(f *testing.F) {
	for _, seed := range []string{
		`{"title":"Buy milk"}`,
		`{"title":"牛乳を買う","memo":"低脂肪","priority":1,"completed":false}`,
		`{"title":"x","priority":5,"version":1}`,
		`{"completed":true,"version":1}`,
		`{"title":"","priority":0}`,
		`{"title":"x","priority":1e309}`,
		`{"title":"x","priority":-9223372036854775809}`,
		`{"title":"\u0000\ud800"}`,
		`{"title":"x","unknown":{"nested":[1,2,3]}}`,
		`{"title":null,"memo":null,"priority":null}`,
		`[]`, `null`, `""`, `{`, `{"title":"a"} {"title":"b"}`, "\xff\xfe",
	} {
		f.Add(seed)
	}
	store := newMemStore()
	existing := store.add("Buy milk")[0]
	h, _ := newSite(f, store, false)
	f.Fuzz(func(t *testing.T, body string) {
		for _, rq := range []req{
			{method: "POST", target: "/todos", body: body, contentType: jsonType},
			{method: "PUT", target: "/todos/" + existing.ID, body: body, contentType: jsonType},
		} {
			w := serve(h, rq)
			if w.Code >= 500 {
				t.Fatalf("%s %s with %q: status %d, body %s", rq.method, rq.target, body, w.Code, w.Body)
			}
			if w.Code >= 400 && w.Code != http.StatusConflict {
				decodeErrorIn(t, w.Header().Get("Content-Type"), w.Body.String())
			}
		}
	})
}

// FuzzSearchForm posts arbitrary bodies with arbitrary form content types
// to /search: the answer is the page or a client error, never a 5xx.
func FuzzSearchForm(f *testing.F) {
	multipartBody, multipartType := multipartForm(f, "q", "牛乳")
	for _, seed := range []struct{ contentType, body string }{
		{formURLEncoded, "q=%E7%89%9B%E4%B9%B3"},
		{formURLEncoded, "q=milk&q=more"},
		{formURLEncoded, "q=%zz"},
		{formURLEncoded + "; charset=shift_jis", "q=%8B%8D%93%FB"},
		{multipartType, multipartBody},
		{multipartType, strings.Replace(multipartBody, "\r\n", "\n", -1)},
		{"multipart/form-data", multipartBody},
		{"multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\n<script>\r\n--x--\r\n"},
		{"multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"q\"; filename=\"a.txt\"\r\n\r\nfile\r\n--x--\r\n"},
		{"text/plain", "q=x"},
		{"", ""},
	} {
		f.Add(seed.contentType, seed.body)
	}
	store := newMemStore()
	store.add("Buy milk", "牛乳を買う")
	h, _ := newSite(f, store, false)
	f.Fuzz(func(t *testing.T, contentType, body string) {
		w := serve(h, req{method: "POST", target: "/search", body: body, contentType: contentType})
		if w.Code >= 500 {
			t.Fatalf("POST /search (%q) %q: status %d, body %s", contentType, body, w.Code, w.Body)
		}
		if w.Code != 200 && w.Code != 400 && w.Code != 413 && w.Code != 415 {
			t.Fatalf("POST /search (%q) %q: status %d, want 200, 400, 413 or 415", contentType, body, w.Code)
		}
	})
}

// decodeErrorIn checks that a client error is Chalice's JSON shape.
func decodeErrorIn(t *testing.T, contentType, body string) {
	t.Helper()
	if contentType != jsonType || !strings.HasPrefix(body, `{"Code":"`) || !strings.Contains(body, `"Message":"`) {
		t.Fatalf("client error is not {\"Code\",\"Message\"} JSON: %s %s", contentType, body)
	}
}
