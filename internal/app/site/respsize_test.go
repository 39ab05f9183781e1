package site

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gowebapp/webapp/internal/app/todo"
)

// lambdaPayloadLimit is what Lambda returns of a synchronous invocation at
// most: 6 MiB of JSON.
const lambdaPayloadLimit = 6 << 20

func TestEncodedSizeBoundsWhatLambdaSends(t *testing.T) {
	for _, s := range []string{
		"", "a", "abc", "plain text of some length", "<>&", `"\`, "\n\r\t", "\x00\x1f\x7f", "\u2028\u2029",
		"…—–", "日本語のテキスト", "😀", strings.Repeat("<", 2000), "\xff\xfe", "<p class=\"x\">&amp;</p>",
	} {
		// What the adapter sends: UTF-8 text as a JSON string, anything
		// else in base64.
		sent := base64.StdEncoding.EncodedLen(len(s))
		if utf8.ValidString(s) {
			asJSON, _ := json.Marshal(s)
			sent = len(asJSON)
		}
		got := encodedSize([]byte(s))
		if got < sent {
			t.Errorf("encodedSize(%q) = %d, under the %d bytes Lambda sends", s, got, sent)
		}
		if strings.Trim(s, "abcdefghijklmnopqrstuvwxyz ") == "" && got != sent {
			t.Errorf("encodedSize(%q) = %d, want exactly %d for plain text", s, got, sent)
		}
	}
}

// TestWorstCaseResponsesFitLambda stores the worst case — 800
// todos whose title and memo are the longest run of "<", each six bytes
// once escaped for JSON and seven in Lambda's payload — and asks for the
// broadest search and the largest pages, through the Lambda adapter: every
// response is a bounded page, valid, and within what Lambda returns.
func TestWorstCaseResponsesFitLambda(t *testing.T) {
	s := newLambdaStack(t)
	var todos []todo.Todo
	created := time.Now().Add(-time.Hour)
	for range 800 {
		created = created.Add(time.Millisecond)
		t0, err := todo.New(todo.Draft{Title: strings.Repeat("<", todo.MaxTitle), Memo: strings.Repeat("<", todo.MaxMemo), Priority: 3}, created)
		if err != nil {
			t.Fatal(err)
		}
		todos = append(todos, t0)
	}
	if err := s.store.Import(t.Context(), todos); err != nil {
		t.Fatal(err)
	}
	html := map[string]string{"Accept": browserHTML}
	for _, tt := range []struct {
		rq    apiRequest
		count int    // todos on the page
		more  string // what says there is a next page
	}{
		{apiRequest{method: "GET", path: "/search", query: map[string][]string{"q": {"<"}}, header: html}, searchLimit, "More results"},
		{apiRequest{method: "GET", path: "/", header: html}, homeLimit, "More todos"},
		{apiRequest{method: "GET", path: "/todos", query: map[string][]string{"q": {"<"}, "limit": {"50"}}}, todo.MaxSearchLimit, `"next":`},
		{apiRequest{method: "GET", path: "/todos", query: map[string][]string{"limit": {"100"}}}, MaxLimit, `"next":`},
	} {
		resp, body := s.do(t, tt.rq, "")
		payload, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s %s %v: %d, body %d bytes, Lambda payload %d bytes", tt.rq.method, tt.rq.path, tt.rq.query, resp.StatusCode, len(body), len(payload))
		if resp.StatusCode != 200 || len(payload) > lambdaPayloadLimit {
			t.Errorf("%s %s %v = %d with a payload of %d bytes, want 200 within %d", tt.rq.method, tt.rq.path, tt.rq.query, resp.StatusCode, len(payload), lambdaPayloadLimit)
		}
		if n := strings.Count(body, strings.Repeat("&lt;", todo.MaxTitle)+"</h3>") + strings.Count(body, `"title":"`+strings.Repeat(`\u003c`, todo.MaxTitle)+`"`); n != tt.count {
			t.Errorf("%s %s %v shows %d todos, want a page of %d", tt.rq.method, tt.rq.path, tt.rq.query, n, tt.count)
		}
		if !strings.Contains(body, tt.more) {
			t.Errorf("%s %s %v: no %q", tt.rq.method, tt.rq.path, tt.rq.query, tt.more)
		}
	}
}

// TestResponseTooLargeIsRefused: a response over Config.MaxResponseBytes is
// a 500 that says so, in Chalice's shape or as a page, and is logged; it
// never reaches the runtime.
func TestResponseTooLargeIsRefused(t *testing.T) {
	store := newMemStore()
	for range 20 {
		store.add(strings.Repeat("<", todo.MaxTitle))
	}
	logs := &bytes.Buffer{}
	h := New(Config{Store: store, Logger: slog.New(slog.NewJSONHandler(logs, nil)), MaxResponseBytes: 20_000})

	w := serve(h, req{method: "GET", target: "/todos", requestID: "req-1"})
	e := decodeError(t, w)
	if w.Code != 500 || e.Code != "InternalServerError" || !strings.HasPrefix(e.Message, "response too large: ") ||
		!strings.Contains(e.Message, "over the limit of 20000; ask for fewer todos (limit) (request id req-1)") {
		t.Errorf("GET /todos = %d %+v, want 500 saying the response is too large and what to do", w.Code, e)
	}
	if !strings.Contains(logs.String(), `"msg":"internal error","requestId":"req-1"`) || !strings.Contains(logs.String(), "response too large") {
		t.Errorf("the refusal is not logged:\n%s", logs)
	}

	w = serve(h, req{method: "GET", target: "/", accept: browserHTML})
	if body, _ := io.ReadAll(w.Body); w.Code != 500 || !strings.Contains(string(body), "response too large") || !strings.Contains(string(body), "<!doctype html>") {
		t.Errorf("GET / = %d, want a 500 page saying the response is too large:\n%.500s", w.Code, body)
	}
	if w := serve(h, req{method: "GET", target: "/todos?limit=1"}); w.Code != 200 {
		t.Errorf("GET /todos?limit=1 = %d, want 200: a smaller page fits", w.Code)
	}
}
