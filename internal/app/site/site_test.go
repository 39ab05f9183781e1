package site

import (
	"cmp"
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gowebapp/webapp/internal/app/todo"
)

func TestRoutes(t *testing.T) {
	tests := []struct {
		name       string
		rq         req
		status     int
		wantType   string
		wantInBody string
	}{
		{"home", req{method: "GET", target: "/"}, 200, "text/html; charset=utf-8", "Buy milk"},
		{"home, next page", req{method: "GET", target: "/?next=" + todo.EncodeCursor(todo.Position(todo.Todo{ID: "AAAAAAAAAAAAAAAAAAAAAAAAAA", CreatedAt: time.Now().Add(time.Hour)}))}, 200, "text/html; charset=utf-8", "Buy milk"},
		{"home, HEAD", req{method: "HEAD", target: "/"}, 200, "text/html; charset=utf-8", ""},
		{"search page", req{method: "GET", target: "/search"}, 200, "text/html; charset=utf-8", "Type a word"},
		{"search by GET", req{method: "GET", target: "/search?q=milk"}, 200, "text/html; charset=utf-8", "Buy milk"},
		{"search by POST", req{method: "POST", target: "/search", body: form("q", "milk"), contentType: formURLEncoded}, 200, "text/html; charset=utf-8", "Buy milk"},
		{"hello", req{method: "GET", target: "/hello"}, 200, "application/xml; charset=utf-8", "<Message>Hello from Go</Message>"},
		{"healthz", req{method: "GET", target: "/healthz"}, 200, "text/plain; charset=utf-8", "ok"},
		{"list", req{method: "GET", target: "/todos"}, 200, jsonType, `"items":[`},
		{"create", req{method: "POST", target: "/todos", body: `{"title":"Call mum"}`, contentType: jsonType}, 201, jsonType, `"title":"Call mum"`},
		{"create with charset", req{method: "POST", target: "/todos", body: `{"title":"x"}`, contentType: "application/json; charset=utf-8"}, 201, jsonType, `"version":1`},
		{"get", req{method: "GET", target: "/todos/{id}"}, 200, jsonType, `"title":"Buy milk"`},
		{"update", req{method: "PUT", target: "/todos/{id}", body: `{"completed":true,"version":1}`, contentType: jsonType}, 200, jsonType, `"version":2`},
		{"delete", req{method: "DELETE", target: "/todos/{id}"}, 204, "", ""},
		{"delete with version", req{method: "DELETE", target: "/todos/{id}?version=1"}, 204, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, _, _ := serveOnMilk(t, tt.rq, 1, tt.status)
			if got := w.Header().Get("Content-Type"); got != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantType)
			}
			if !strings.Contains(w.Body.String(), tt.wantInBody) {
				t.Errorf("body does not contain %q:\n%s", tt.wantInBody, w.Body)
			}
		})
	}
}

// serveOnMilk serves rq by a site whose store holds one todo, "Buy milk" at
// the version, with "{id}" in the target standing for its id, and fails the
// test unless the status is the one wanted.
func serveOnMilk(t *testing.T, rq req, version, status int) (*httptest.ResponseRecorder, *memStore, todo.Todo) {
	t.Helper()
	store := newMemStore()
	milk := store.add("Buy milk")[0]
	milk.Version = version
	store.todos[milk.ID] = milk
	h, _ := newSite(t, store, false)
	rq.target = strings.ReplaceAll(rq.target, "{id}", milk.ID)
	w := serve(h, rq)
	if w.Code != status {
		t.Fatalf("%s %s: status = %d, want %d; body %.300s", rq.method, rq.target, w.Code, status, w.Body)
	}
	return w, store, milk
}

func TestErrors(t *testing.T) {
	tooLarge := `{"title":"x","memo":"` + strings.Repeat("a", DefaultMaxBodyBytes) + `"}`
	multipartJapanese, multipartType := multipartForm(t, "q", "牛乳")
	tests := []struct {
		name    string
		rq      req
		status  int
		code    string
		message string // a part of it
		allow   string
	}{
		{"unknown path", req{method: "GET", target: "/nope"}, 404, "NotFoundError", "no such page", ""},
		{"only exactly / is home", req{method: "GET", target: "/index.html"}, 404, "NotFoundError", "no such page", ""},
		{"static path reaching the app", req{method: "GET", target: "/css/site.css"}, 404, "NotFoundError", "no such page", ""},
		{"todos with a slash", req{method: "GET", target: "/todos/"}, 404, "NotFoundError", "", ""},
		{"unknown todo", req{method: "GET", target: "/todos/" + todo.NewID()}, 404, "NotFoundError", "todo not found", ""},
		{"malformed id", req{method: "GET", target: "/todos/not-an-id"}, 404, "NotFoundError", "todo not found", ""},
		{"method on a list", req{method: "DELETE", target: "/todos"}, 405, "MethodNotAllowedError", "use GET, HEAD, POST", "GET, HEAD, POST"},
		{"method on a todo", req{method: "PATCH", target: "/todos/{id}"}, 405, "MethodNotAllowedError", "method not allowed", "DELETE, GET, HEAD, PUT"},
		{"method on home", req{method: "POST", target: "/"}, 405, "MethodNotAllowedError", "method not allowed", "GET, HEAD"},
		{"malformed JSON", req{method: "POST", target: "/todos", body: `{"title":`, contentType: jsonType}, 400, "BadRequestError", "malformed JSON", ""},
		{"JSON syntax error", req{method: "POST", target: "/todos", body: `{"title" "x"}`, contentType: jsonType}, 400, "BadRequestError", "malformed JSON at byte", ""},
		{"unknown field", req{method: "POST", target: "/todos", body: `{"title":"x","colour":"red"}`, contentType: jsonType}, 400, "BadRequestError", `unknown field "colour"`, ""},
		{"priority out of range", req{method: "POST", target: "/todos", body: `{"title":"x","priority":9}`, contentType: jsonType}, 400, "BadRequestError", "priority must be an integer from 1 to 5", ""},
		{"priority zero", req{method: "POST", target: "/todos", body: `{"title":"x","priority":0}`, contentType: jsonType}, 400, "BadRequestError", "priority must be", ""},
		{"priority not a number", req{method: "POST", target: "/todos", body: `{"title":"x","priority":"high"}`, contentType: jsonType}, 400, "BadRequestError", `invalid field "priority": want an integer`, ""},
		{"priority a fraction", req{method: "POST", target: "/todos", body: `{"title":"x","priority":2.5}`, contentType: jsonType}, 400, "BadRequestError", `invalid field "priority"`, ""},
		{"title not a string", req{method: "POST", target: "/todos", body: `{"title":7}`, contentType: jsonType}, 400, "BadRequestError", `invalid field "title": want a string`, ""},
		{"title missing", req{method: "POST", target: "/todos", body: `{"memo":"m"}`, contentType: jsonType}, 400, "BadRequestError", "title is required", ""},
		{"title of zero-width spaces", req{method: "POST", target: "/todos", body: `{"title":"\u200b\u200b"}`, contentType: jsonType}, 400, "BadRequestError", "title must have a visible character", ""},
		{"title with a bidi override", req{method: "POST", target: "/todos", body: `{"title":"invoice\u202etxt.exe"}`, contentType: jsonType}, 400, "BadRequestError", "title must not contain bidirectional", ""},
		{"update to an invisible title", req{method: "PUT", target: "/todos/{id}", body: `{"title":"\u2066\u2069","version":2}`, contentType: jsonType}, 400, "BadRequestError", "title must not contain bidirectional", ""},
		{"title too long", req{method: "POST", target: "/todos", body: `{"title":"` + strings.Repeat("x", 201) + `"}`, contentType: jsonType}, 400, "BadRequestError", "title must be at most 200", ""},
		{"memo too long", req{method: "POST", target: "/todos", body: `{"title":"x","memo":"` + strings.Repeat("x", 2001) + `"}`, contentType: jsonType}, 400, "BadRequestError", "memo must be at most 2000", ""},
		{"empty body", req{method: "POST", target: "/todos", contentType: jsonType}, 400, "BadRequestError", "request body is empty", ""},
		{"two objects", req{method: "POST", target: "/todos", body: `{"title":"a"}{"title":"b"}`, contentType: jsonType}, 400, "BadRequestError", "one JSON object", ""},
		{"an array", req{method: "POST", target: "/todos", body: `[{"title":"a"}]`, contentType: jsonType}, 400, "BadRequestError", "must be a JSON object", ""},
		{"text body", req{method: "POST", target: "/todos", body: "title=x", contentType: "text/plain"}, 415, "UnsupportedMediaType", "application/json", ""},
		{"no content type", req{method: "POST", target: "/todos", body: `{"title":"x"}`}, 415, "UnsupportedMediaType", "application/json", ""},
		{"body too large", req{method: "POST", target: "/todos", body: tooLarge, contentType: jsonType}, 413, "RequestTooLargeError", "limit is 1048576 bytes", ""},
		{"form priority not a number", req{method: "POST", target: "/todos", body: form("title", "x", "priority", "high"), contentType: formURLEncoded}, 400, "BadRequestError", "priority must be an integer", ""},
		{"form undecodable", req{method: "POST", target: "/todos", body: "title=%zz", contentType: formURLEncoded}, 400, "BadRequestError", "undecodable form", ""},
		{"form without title", req{method: "POST", target: "/todos", body: form("memo", "m"), contentType: formURLEncoded}, 400, "BadRequestError", "title is required", ""},
		{"update stale version", req{method: "PUT", target: "/todos/{id}", body: `{"title":"y","version":1}`, contentType: jsonType}, 409, "ConflictError", "changed by someone else", ""},
		{"update without version", req{method: "PUT", target: "/todos/{id}", body: `{"title":"y"}`, contentType: jsonType}, 400, "BadRequestError", "version is required", ""},
		{"update nothing", req{method: "PUT", target: "/todos/{id}", body: `{"version":2}`, contentType: jsonType}, 400, "BadRequestError", "nothing to update", ""},
		{"update bad priority", req{method: "PUT", target: "/todos/{id}", body: `{"priority":6,"version":2}`, contentType: jsonType}, 400, "BadRequestError", "priority must be", ""},
		{"update unknown field", req{method: "PUT", target: "/todos/{id}", body: `{"id":"x","version":2}`, contentType: jsonType}, 400, "BadRequestError", `unknown field "id"`, ""},
		{"update form", req{method: "PUT", target: "/todos/{id}", body: "version=2", contentType: formURLEncoded}, 415, "UnsupportedMediaType", "application/json", ""},
		{"update unknown todo", req{method: "PUT", target: "/todos/" + todo.NewID(), body: `{"title":"y","version":1}`, contentType: jsonType}, 404, "NotFoundError", "todo not found", ""},
		{"delete stale version", req{method: "DELETE", target: "/todos/{id}?version=1"}, 409, "ConflictError", "changed by someone else", ""},
		{"delete bad version", req{method: "DELETE", target: "/todos/{id}?version=abc"}, 400, "BadRequestError", "version must be a positive integer", ""},
		{"delete unknown todo", req{method: "DELETE", target: "/todos/" + todo.NewID()}, 404, "NotFoundError", "todo not found", ""},
		{"limit zero", req{method: "GET", target: "/todos?limit=0"}, 400, "BadRequestError", "limit must be an integer from 1 to 100", ""},
		{"limit too big", req{method: "GET", target: "/todos?limit=101"}, 400, "BadRequestError", "limit must be", ""},
		{"limit not a number", req{method: "GET", target: "/todos?limit=ten"}, 400, "BadRequestError", "limit must be", ""},
		{"forged cursor", req{method: "GET", target: "/todos?next=eyJpZCI6Ii4uLyJ9"}, 400, "BadRequestError", "invalid next cursor", ""},
		{"garbage cursor", req{method: "GET", target: "/todos?next=%FF%FE"}, 400, "BadRequestError", "invalid next cursor", ""},
		{"search wrong type", req{method: "POST", target: "/search", body: `{"q":"x"}`, contentType: jsonType, accept: jsonType}, 415, "", "", ""},
		{"search multipart without boundary", req{method: "POST", target: "/search", body: multipartJapanese, contentType: "multipart/form-data", accept: jsonType}, 400, "", "", ""},
		{"search multipart wrong boundary", req{method: "POST", target: "/search", body: multipartJapanese, contentType: multipartType + "x", accept: jsonType}, 400, "", "", ""},
		{"search keyword too long", req{method: "POST", target: "/search", body: form("q", strings.Repeat("語", 201)), contentType: formURLEncoded, accept: jsonType}, 400, "", "", ""},
		{"search body too large", req{method: "POST", target: "/search", body: form("q", strings.Repeat("a", DefaultMaxBodyBytes)), contentType: formURLEncoded, accept: jsonType}, 413, "", "", ""},
		{"search multipart too large", req{method: "POST", target: "/search", body: strings.Replace(multipartJapanese, "牛乳", strings.Repeat("a", DefaultMaxBodyBytes), 1), contentType: multipartType, accept: jsonType}, 413, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, store, milk := serveOnMilk(t, tt.rq, 2, tt.status) // version 1 is stale
			if got := w.Header().Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
			if tt.code == "" { // an HTML page route: checked in TestErrorPages
				return
			}
			e := decodeError(t, w)
			if e.Code != tt.code || !strings.Contains(e.Message, tt.message) {
				t.Errorf("error = %+v, want Code %q and a Message containing %q", e, tt.code, tt.message)
			}
			if e.Message != strings.ToLower(e.Message[:1])+e.Message[1:] || strings.HasSuffix(e.Message, ".") {
				t.Errorf("Message %q: want lowercase, no trailing period", e.Message)
			}
			if stored := store.todos[milk.ID]; tt.status != 204 && (stored.Version != 2 || stored.Title != "Buy milk") {
				t.Errorf("the todo changed on a refused request: %+v", stored)
			}
		})
	}
}

func TestRefusedCreatesStoreNothing(t *testing.T) {
	store := newMemStore()
	h, _ := newSite(t, store, false)
	for _, body := range []string{`{"title":""}`, `{"title":"x","priority":7}`, `{"title":"x","extra":1}`, `{"title":"x"`} {
		if w := serve(h, req{method: "POST", target: "/todos", body: body, contentType: jsonType}); w.Code != 400 {
			t.Errorf("POST %s: status = %d, want 400", body, w.Code)
		}
	}
	if len(store.todos) != 0 {
		t.Errorf("store holds %d todos after refused creates, want 0", len(store.todos))
	}
}

func TestErrorPages(t *testing.T) {
	tests := []struct {
		name   string
		rq     req
		status int
		text   string
	}{
		{"browser on an unknown path", req{method: "GET", target: "/nope", accept: browserHTML}, 404, "no such page or endpoint"},
		{"browser on an unknown todo", req{method: "GET", target: "/todos/" + todo.NewID(), accept: browserHTML}, 404, "todo not found"},
		{"browser with a wrong method", req{method: "PUT", target: "/", accept: browserHTML}, 405, "method not allowed"},
		{"form without title", req{method: "POST", target: "/todos", body: form("title", " "), contentType: formURLEncoded, accept: browserHTML}, 400, "title is required"},
		{"search page, wrong type, even for a JSON client", req{method: "POST", target: "/search", body: "{}", contentType: jsonType, accept: jsonType}, 415, "unsupported content type"},
		{"search page, bad cursor on home", req{method: "GET", target: "/?next=forged"}, 400, "invalid next cursor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := newSite(t, newMemStore(), false)
			w := serve(h, tt.rq)
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d", w.Code, tt.status)
			}
			if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q, want an HTML page", ct)
			}
			body := w.Body.String()
			css, _ := staticAssets(t).Path("/css/site.css")
			for _, want := range []string{tt.text, http.StatusText(tt.status), "<!doctype html>", `href="` + css + `"`} {
				if !strings.Contains(body, want) {
					t.Errorf("page does not contain %q:\n%s", want, body)
				}
			}
		})
	}
}

var errDatabaseDown = errors.New("dial tcp 10.0.0.1:443: secret-internal-host unreachable")

func TestInternalErrors(t *testing.T) {
	tests := []struct {
		name  string
		rq    req
		debug bool
	}{
		{"API", req{method: "GET", target: "/todos", requestID: "req-123"}, false},
		{"API in debug mode", req{method: "GET", target: "/todos", requestID: "req-123"}, true},
		{"page", req{method: "GET", target: "/", requestID: "req-123"}, false},
		{"page in debug mode", req{method: "GET", target: "/", requestID: "req-123"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newMemStore()
			store.err = errDatabaseDown
			h, logs := newSite(t, store, tt.debug)
			w := serve(h, tt.rq)
			if w.Code != 500 {
				t.Fatalf("status = %d, want 500", w.Code)
			}
			body := w.Body.String()
			if tt.rq.target == "/todos" {
				if e := decodeError(t, w); e.Code != "InternalServerError" {
					t.Errorf("Code = %q, want InternalServerError", e.Code)
				}
			}
			if !strings.Contains(body, "internal server error") || !strings.Contains(body, "req-123") {
				t.Errorf("body %q lacks the generic message and the request id", body)
			}
			if got := strings.Contains(body, "secret-internal-host"); got != tt.debug {
				t.Errorf("detail in the response = %v, want %v (debug %v)", got, tt.debug, tt.debug)
			}
			if !strings.Contains(logs.String(), `"requestId":"req-123"`) || !strings.Contains(logs.String(), "secret-internal-host") {
				t.Errorf("the log lacks the request id or the detail:\n%s", logs)
			}
		})
	}
}

// panicStore panics on every call.
type panicStore struct{ Store }

func (panicStore) List(ctx context.Context, limit int, cursor string) (todo.Page, error) {
	panic("boom")
}

func TestPanicIsAnInternalError(t *testing.T) {
	h, logs := newSite(t, panicStore{}, false)
	w := serve(h, req{method: "GET", target: "/todos"})
	if w.Code != 500 || decodeError(t, w).Code != "InternalServerError" {
		t.Fatalf("status = %d, want a 500 InternalServerError", w.Code)
	}
	if !strings.Contains(logs.String(), "panic: boom") || !strings.Contains(logs.String(), `"status":500`) {
		t.Errorf("the log lacks the panic or the status:\n%s", logs)
	}
}

func TestNewPanicsWithoutStore(t *testing.T) {
	defer func() {
		if v := recover(); v == nil || !strings.Contains(v.(string), "Config.Store is nil") {
			t.Errorf("recover() = %v, want a panic naming Config.Store", v)
		}
	}()
	New(Config{})
	t.Error("New(Config{}) returned, want a panic")
}

func TestHello(t *testing.T) {
	h, _ := newSite(t, newMemStore(), false)
	w := serve(h, req{method: "GET", target: "/hello"})
	if ct := w.Header().Get("Content-Type"); ct != "application/xml; charset=utf-8" {
		t.Errorf("Content-Type = %q, want application/xml; charset=utf-8", ct)
	}
	if !strings.HasPrefix(w.Body.String(), `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Errorf("body does not start with an XML declaration: %s", w.Body)
	}
	var got struct {
		XMLName xml.Name
		Message string
	}
	if err := xml.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.XMLName.Local != "Response" || got.Message != "Hello from Go" {
		t.Errorf("got <%s> with Message %q, want <Response><Message>Hello from Go</Message>", got.XMLName.Local, got.Message)
	}
}

func TestHealthzDoesNotTouchTheStore(t *testing.T) {
	store := newMemStore()
	store.err = errDatabaseDown
	h, _ := newSite(t, store, false)
	w := serve(h, req{method: "GET", target: "/healthz"})
	if w.Code != 200 || w.Body.String() != "ok" {
		t.Errorf("GET /healthz = %d %q, want 200 ok", w.Code, w.Body)
	}
	if store.calls != 0 {
		t.Errorf("the store was called %d times, want 0", store.calls)
	}
}

func TestCreateJSON(t *testing.T) {
	store := newMemStore()
	h, _ := newSite(t, store, false)
	w := serve(h, req{method: "POST", target: "/todos", body: `{"title":"  牛乳を買う  ","memo":"低脂肪"}`, contentType: jsonType})
	if w.Code != 201 {
		t.Fatalf("status = %d, want 201; body %s", w.Code, w.Body)
	}
	var got todo.Todo
	decodeJSONBody(t, w, &got)
	if got.Title != "牛乳を買う" || got.Memo != "低脂肪" || got.Priority != todo.DefaultPriority || got.Version != 1 || got.Completed {
		t.Errorf("created %+v, want the trimmed title, the memo, priority 3, version 1, not completed", got)
	}
	if !todo.ValidID(got.ID) || store.todos[got.ID] != got {
		t.Errorf("created id %q is not valid or not what the store holds", got.ID)
	}
	if loc := w.Header().Get("Location"); loc != "/todos/"+got.ID {
		t.Errorf("Location = %q, want /todos/%s", loc, got.ID)
	}
	var raw map[string]any
	decodeJSONBody(t, w, &raw)
	for _, field := range []string{"createdAt", "updatedAt"} {
		s, _ := raw[field].(string)
		if ts, err := time.Parse(time.RFC3339, s); err != nil || !strings.HasSuffix(s, "Z") || time.Since(ts) > time.Minute {
			t.Errorf("%s = %q, want an RFC 3339 UTC time of now", field, s)
		}
	}
}

func TestCreateFromFormRedirectsHome(t *testing.T) {
	body, multipartType := multipartForm(t, "title", "掃除", "memo", "台所", "priority", "1")
	for name, rq := range map[string]req{
		"url-encoded": {method: "POST", target: "/todos", body: form("title", "掃除", "memo", "台所", "priority", "1"), contentType: formURLEncoded},
		"multipart":   {method: "POST", target: "/todos", body: body, contentType: multipartType},
	} {
		t.Run(name, func(t *testing.T) {
			store := newMemStore()
			h, _ := newSite(t, store, false)
			w := serve(h, rq)
			if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/" {
				t.Fatalf("status %d, Location %q; want 303 to /", w.Code, w.Header().Get("Location"))
			}
			if len(store.todos) != 1 {
				t.Fatalf("store holds %d todos, want 1", len(store.todos))
			}
			for _, got := range store.todos {
				if got.Title != "掃除" || got.Memo != "台所" || got.Priority != 1 {
					t.Errorf("stored %+v, want title 掃除, memo 台所, priority 1", got)
				}
			}
		})
	}
}

func TestUpdateThenDelete(t *testing.T) {
	store := newMemStore()
	milk := store.add("Buy milk")[0]
	h, _ := newSite(t, store, false)
	w := serve(h, req{method: "PUT", target: "/todos/" + milk.ID, body: `{"title":"Buy oat milk","priority":1,"version":1}`, contentType: jsonType})
	var got todo.Todo
	decodeJSONBody(t, w, &got)
	if w.Code != 200 || got.Title != "Buy oat milk" || got.Priority != 1 || got.Version != 2 || got.Memo != milk.Memo {
		t.Fatalf("PUT = %d %+v, want 200 with the new title and priority, the old memo, version 2", w.Code, got)
	}
	if w := serve(h, req{method: "DELETE", target: "/todos/" + milk.ID + "?version=2"}); w.Code != 204 || w.Body.Len() != 0 {
		t.Fatalf("DELETE = %d %q, want 204 and no body", w.Code, w.Body)
	}
	if w := serve(h, req{method: "GET", target: "/todos/" + milk.ID}); w.Code != 404 {
		t.Errorf("GET after DELETE = %d, want 404", w.Code)
	}
}

func TestListPagesHaveEveryTodoOnce(t *testing.T) {
	store := newMemStore()
	want := map[string]bool{}
	for _, t := range store.add(strings.Split(strings.Repeat("todo,", 237), ",")[:237]...) {
		want[t.ID] = true
	}
	h, _ := newSite(t, store, false)
	for _, limit := range []string{"", "1", "7", "100"} {
		seen := map[string]bool{}
		next, pages := "", 0
		for {
			target := "/todos?limit=" + limit + "&next=" + next
			if limit == "" {
				target = "/todos?next=" + next
			}
			w := serve(h, req{method: "GET", target: target})
			var page listResponse
			decodeJSONBody(t, w, &page)
			if most, _ := strconv.Atoi(cmp.Or(limit, "50")); len(page.Items) > most {
				t.Fatalf("limit %q: a page of %d items, want at most %d", limit, len(page.Items), most)
			}
			for _, item := range page.Items {
				if seen[item.ID] {
					t.Fatalf("limit %q: %s listed twice", limit, item.ID)
				}
				seen[item.ID] = true
			}
			if pages++; page.Next == "" || pages > 300 {
				break
			}
			next = page.Next
		}
		if len(seen) != len(want) {
			t.Errorf("limit %q: listed %d todos in %d pages, want all %d", limit, len(seen), pages, len(want))
		}
	}
}

func TestListShape(t *testing.T) {
	h, _ := newSite(t, newMemStore(), false)
	w := serve(h, req{method: "GET", target: "/todos"})
	if got := strings.TrimSpace(w.Body.String()); got != `{"items":[]}` {
		t.Errorf("empty list = %s, want {\"items\":[]}", got)
	}
}

// TestValidQueryAgreesWithParseQuery: the route's check refuses what
// url.ParseQuery refuses, and nothing else.
func TestValidQueryAgreesWithParseQuery(t *testing.T) {
	for _, q := range []string{
		"", "a=1", "a=1&b=2", "a=%41", "a=%4", "a=%", "a=%zz", "a=%4g", "a=1;b=2", ";", "version=1;",
		"q=%E7%89%9B%E4%B9%B3", "q=a+b", "a", "&&", "a=%%41", "%41%42=%43", "a=1&%", "a=100%25",
	} {
		_, err := url.ParseQuery(q)
		if got, want := validQuery(q), err == nil; got != want {
			t.Errorf("validQuery(%q) = %v, but url.ParseQuery says %v (%v)", q, got, want, err)
		}
	}
}
