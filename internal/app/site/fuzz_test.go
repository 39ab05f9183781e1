package site

import (
	"encoding/json"
	"html/template"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gowebapp/webapp/internal/app/todo"
)

// FuzzTodoJSON posts and puts arbitrary JSON (its committed corpus,
// testdata/fuzz/FuzzTodoJSON, holds hostile bodies). Whatever the body:
//   - the answer is a success or a client error, never a 5xx or a panic,
//     and it is JSON that no browser would run (no raw < or >);
//   - a client error is Chalice's {"Code","Message"} and stores nothing;
//   - a success stores exactly what it answers: one valid new todo for
//     POST, the todo one version on for PUT, and only for a body that is
//     UTF-8 (encoding/json would otherwise read U+FFFD into the todo).
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
	h := fuzzSite(store)
	f.Fuzz(func(t *testing.T, body string) {
		store.todos = map[string]todo.Todo{} // the fuzzer calls one at a time
		existing := store.add("Buy milk")[0] // version 1
		for _, rq := range []req{
			{method: "POST", target: "/todos", body: body, contentType: jsonType},
			{method: "PUT", target: "/todos/" + existing.ID, body: body, contentType: jsonType},
		} {
			before := maps.Clone(store.todos)
			w := serve(h, rq)
			checkClientSafeJSON(t, rq, w)
			switch {
			case w.Code >= 400:
				if !maps.Equal(store.todos, before) {
					t.Fatalf("%s %s with %q: refused with %d, yet the store changed", rq.method, rq.target, body, w.Code)
				}
				continue
			case !utf8.ValidString(body):
				t.Fatalf("%s %s: took a body that is not UTF-8: %q", rq.method, rq.target, body)
			}
			var answered todo.Todo
			if err := json.Unmarshal(w.Body.Bytes(), &answered); err != nil {
				t.Fatalf("%s %s: %d with a body that is not a todo: %v", rq.method, rq.target, w.Code, err)
			}
			stored, ok := store.todos[answered.ID]
			switch {
			case !ok || stored.Validate() != nil || !sameTodo(stored, answered):
				t.Fatalf("%s %s: answered %+v, stored %+v (found %v)", rq.method, rq.target, answered, stored, ok)
			case rq.method == "POST" && (w.Code != http.StatusCreated || len(store.todos) != len(before)+1 || stored.Version != 1):
				t.Fatalf("POST: status %d, %d todos (was %d), version %d: want 201 and one new todo at version 1", w.Code, len(store.todos), len(before), stored.Version)
			case rq.method == "PUT" && (w.Code != http.StatusOK || len(store.todos) != len(before) || stored.Version != before[answered.ID].Version+1):
				t.Fatalf("PUT: status %d, version %d (was %d): want 200 and one version on", w.Code, stored.Version, before[answered.ID].Version)
			}
		}
	})
}

// fuzzSite is the site over store, logging nowhere: a fuzzing worker runs
// it for millions of requests.
func fuzzSite(store Store) http.Handler {
	return New(Config{Store: store, Logger: slog.New(slog.DiscardHandler)})
}

// sameTodo compares todos as JSON carries them (times at the same instant).
func sameTodo(a, b todo.Todo) bool {
	return a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt) &&
		a.ID == b.ID && a.Title == b.Title && a.Memo == b.Memo && a.Priority == b.Priority &&
		a.Completed == b.Completed && a.Version == b.Version
}

// FuzzForm posts arbitrary bodies with arbitrary content types, as a browser
// posts forms, to the search page and to POST /todos (its committed corpus,
// testdata/fuzz/FuzzForm, holds real and hostile url-encoded and multipart
// bodies). Whatever the form:
//   - /search answers the page or a client error (400, 413, 415), never a
//     5xx, and the keyword, when it holds markup, never comes back raw;
//   - /todos answers 303 to the home page having stored one valid todo with
//     the form's title, or a client error having stored nothing.
func FuzzForm(f *testing.F) {
	multipartBody, multipartType := multipartForm(f, "q", "牛乳", "title", "牛乳を買う", "memo", "<b>低脂肪</b>", "priority", "2")
	for _, seed := range []struct{ contentType, body string }{
		{formURLEncoded, "q=%E7%89%9B%E4%B9%B3&title=Buy+milk&priority=2"},
		{formURLEncoded, "q=milk&q=more&title=a&title=b"},
		{formURLEncoded, "q=%zz"},
		{formURLEncoded, "q=%3Cscript%3Ealert(1)%3C%2Fscript%3E&title=%3Cscript%3E"},
		{formURLEncoded + "; charset=shift_jis", "q=%8B%8D%93%FB&title=%8B%8D%93%FB"},
		{multipartType, multipartBody},
		{multipartType, strings.ReplaceAll(multipartBody, "\r\n", "\n")},
		{"multipart/form-data", multipartBody},
		{"multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\n<script>\r\n--x--\r\n"},
		{"multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"title\"; filename=\"a.txt\"\r\n\r\nfile\r\n--x--\r\n"},
		{"text/plain", "q=x"},
		{"", ""},
	} {
		f.Add(seed.contentType, seed.body)
	}
	store := newMemStore()
	h := fuzzSite(store)
	f.Fuzz(func(t *testing.T, contentType, body string) {
		store.todos = map[string]todo.Todo{} // the fuzzer calls one at a time
		store.add("Buy milk", "牛乳を買う", "<script>alert(1)</script>")
		before := maps.Clone(store.todos)
		form := parsedForm(contentType, body)

		w := serve(h, req{method: "POST", target: "/search", body: body, contentType: contentType})
		if !slices.Contains([]int{200, 400, 413, 415}, w.Code) {
			t.Fatalf("POST /search (%q) %q: status %d, want 200, 400, 413 or 415; body %.300s", contentType, body, w.Code, w.Body)
		}
		if q := strings.TrimSpace(form.Get("q")); w.Code == 200 && todo.Fold(q) != "" && !strings.Contains(w.Body.String(), "Results for “"+escapedText(q)+"”") {
			t.Fatalf("POST /search: the keyword %q is not on the page as escaped text:\n%s", q, w.Body)
		}

		w = serve(h, req{method: "POST", target: "/todos", body: body, contentType: contentType})
		switch {
		case w.Code == http.StatusSeeOther:
			if w.Header().Get("Location") != "/" || len(store.todos) != len(before)+1 {
				t.Fatalf("POST /todos: 303 to %q with %d todos, want to / with one new todo", w.Header().Get("Location"), len(store.todos))
			}
			for id, stored := range store.todos {
				if _, old := before[id]; !old && (stored.Validate() != nil || stored.Title != strings.TrimSpace(form.Get("title"))) {
					t.Fatalf("POST /todos: stored %+v from the form %q", stored, form)
				}
			}
		case slices.Contains([]int{400, 413, 415}, w.Code):
			if !maps.Equal(store.todos, before) {
				t.Fatalf("POST /todos (%q) %q: refused with %d, yet the store changed", contentType, body, w.Code)
			}
		default:
			t.Fatalf("POST /todos (%q) %q: status %d, want 303, 400, 413 or 415; body %.300s", contentType, body, w.Code, w.Body)
		}
	})
}

// parsedForm is the form as net/http reads it from the body, for checking
// what the site did with it.
func parsedForm(contentType, body string) url.Values {
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	r.ParseMultipartForm(DefaultMaxBodyBytes + 1)
	return r.PostForm
}

var textTemplate = template.Must(template.New("").Parse("{{.}}"))

// escapedText is s as html/template writes it in an element's text: with
// every character that could start markup escaped, so never executable.
func escapedText(s string) string {
	var b strings.Builder
	textTemplate.Execute(&b, s)
	return b.String()
}

// checkClientSafeJSON fails unless w is a success or a client error, as JSON
// that a browser would neither sniff nor run, with errors in Chalice's shape.
func checkClientSafeJSON(t *testing.T, rq req, w *httptest.ResponseRecorder) {
	t.Helper()
	switch {
	case w.Code >= 500:
		t.Fatalf("%s %s with %q: status %d, body %s", rq.method, rq.target, rq.body, w.Code, w.Body)
	case w.Header().Get("Content-Type") != jsonType || w.Header().Get("X-Content-Type-Options") != "nosniff":
		t.Fatalf("%s %s: Content-Type %q, X-Content-Type-Options %q: want JSON, nosniff", rq.method, rq.target, w.Header().Get("Content-Type"), w.Header().Get("X-Content-Type-Options"))
	case strings.ContainsAny(w.Body.String(), "<>"):
		t.Fatalf("%s %s: the JSON holds raw markup: %s", rq.method, rq.target, w.Body)
	}
	if w.Code >= 400 && w.Code != http.StatusConflict {
		decodeError(t, w)
	}
}
