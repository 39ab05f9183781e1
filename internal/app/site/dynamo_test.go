package site

import (
	"strings"
	"testing"

	"github.com/gowebapp/webapp/internal/app/todo"
	"github.com/gowebapp/webapp/internal/app/todo/todotest"
	"github.com/gowebapp/webapp/tools/dynalitetest"
)

func TestMain(m *testing.M) { dynalitetest.Main(m) }

// TestWithDynamoDBStore runs the API over the real store in dynalite: the
// errors the handlers map come from DynamoDB's conditional writes.
func TestWithDynamoDBStore(t *testing.T) {
	store, _ := todotest.NewStore(t)
	h, _ := newSite(t, store, false)

	w := serve(h, req{method: "POST", target: "/todos", body: `{"title":"牛乳を買う","priority":2}`, contentType: jsonType})
	if w.Code != 201 {
		t.Fatalf("POST /todos = %d %s, want 201", w.Code, w.Body)
	}
	var created todo.Todo
	decodeJSONBody(t, w, &created)

	steps := []struct {
		rq     req
		status int
		code   string // of an error
	}{
		{req{method: "GET", target: "/todos/{id}"}, 200, ""},
		{req{method: "PUT", target: "/todos/{id}", body: `{"completed":true,"version":1}`, contentType: jsonType}, 200, ""},
		{req{method: "PUT", target: "/todos/{id}", body: `{"completed":false,"version":1}`, contentType: jsonType}, 409, "ConflictError"},
		{req{method: "PUT", target: "/todos/{id}", body: `{"priority":0,"version":2}`, contentType: jsonType}, 400, "BadRequestError"},
		{req{method: "DELETE", target: "/todos/{id}?version=1"}, 409, "ConflictError"},
		{req{method: "GET", target: "/todos?next=forged"}, 400, "BadRequestError"},
		{req{method: "POST", target: "/search", body: form("q", "牛乳"), contentType: formURLEncoded}, 200, ""},
		{req{method: "GET", target: "/"}, 200, ""},
		{req{method: "DELETE", target: "/todos/{id}?version=2"}, 204, ""},
		{req{method: "GET", target: "/todos/{id}"}, 404, "NotFoundError"},
		{req{method: "DELETE", target: "/todos/{id}"}, 404, "NotFoundError"},
	}
	for _, step := range steps {
		step.rq.target = strings.ReplaceAll(step.rq.target, "{id}", created.ID)
		w := serve(h, step.rq)
		if w.Code != step.status {
			t.Fatalf("%s %s = %d %s, want %d", step.rq.method, step.rq.target, w.Code, w.Body, step.status)
		}
		if step.code != "" {
			if e := decodeError(t, w); e.Code != step.code {
				t.Errorf("%s %s: Code = %q, want %q", step.rq.method, step.rq.target, e.Code, step.code)
			}
		}
		if step.rq.target == "/search" && !strings.Contains(w.Body.String(), "牛乳を買う") {
			t.Errorf("search for 牛乳 did not find the todo")
		}
	}
}
