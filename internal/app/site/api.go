package site

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/gowebapp/webapp/internal/app/todo"
	"github.com/gowebapp/webapp/webapphttp"
)

// Page sizes of GET /todos: a list, and a search (?q=), whose most is
// todo.MaxSearchLimit.
const (
	DefaultLimit       = 50
	MaxLimit           = 100
	DefaultSearchLimit = 20
)

// createRequest is the JSON body of POST /todos.
type createRequest struct {
	Title     string `json:"title"`
	Memo      string `json:"memo"`
	Priority  *int   `json:"priority"` // default todo.DefaultPriority
	Completed bool   `json:"completed"`
}

// updateRequest is the JSON body of PUT /todos/{id}: the fields to change
// and the version they are based on.
type updateRequest struct {
	Title     *string `json:"title"`
	Memo      *string `json:"memo"`
	Priority  *int    `json:"priority"`
	Completed *bool   `json:"completed"`
	Version   int     `json:"version"`
}

// listResponse is the body of GET /todos; Next is absent on the last page.
type listResponse struct {
	Items []todo.Todo `json:"items"`
	Next  string      `json:"next,omitempty"`
}

// listTodos lists the todos, newest first, or with ?q= those whose title or
// memo contains q; ?limit= sets the page size, ?next= resumes after the
// page that gave it. A search page may hold fewer todos than the limit, even
// none, and still have a next one: each request reads a bounded part of the
// index.
func (s *server) listTodos(w http.ResponseWriter, r *http.Request) error {
	query := r.URL.Query()
	q, searching := query["q"]
	limit, most := DefaultLimit, MaxLimit
	if searching {
		limit, most = DefaultSearchLimit, todo.MaxSearchLimit
	}
	if v, ok := query["limit"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 || n > most {
			return badRequest("limit must be an integer from 1 to %d", most)
		}
		limit = n
	}
	var (
		page todo.Page
		err  error
	)
	if searching {
		keyword, qerr := searchKeyword(q[0])
		if qerr != nil {
			return qerr
		}
		page, err = s.store.Search(r.Context(), keyword, limit, query.Get("next"))
	} else {
		page, err = s.store.List(r.Context(), limit, query.Get("next"))
	}
	if err != nil {
		return err
	}
	return s.sendJSON(w, http.StatusOK, listResponse{Items: page.Items, Next: page.Next})
}

// createTodo takes JSON from API clients (201 with the todo) and a form from
// the home page (303 back to it).
//
// A create may carry an idempotency key, the Idempotency-Key header or the
// form's idempotencyKey field (each home page has a fresh one): the todo's
// id is then derived from it (todo.IDFor), and the create sent again, after
// a 503 or a lost answer, gets the todo the first one made (201 or 303 as
// the first time) instead of a second one. A key used for a todo of other
// content is 409.
func (s *server) createTodo(w http.ResponseWriter, r *http.Request) error {
	var d todo.Draft
	fromForm := false
	key := r.Header.Get(idempotencyKeyHeader)
	switch mediaType(r) {
	case "application/json":
		var req createRequest
		if err := decodeJSON(r, &req); err != nil {
			return err
		}
		d = todo.Draft{Title: req.Title, Memo: req.Memo, Priority: todo.DefaultPriority, Completed: req.Completed}
		if req.Priority != nil {
			d.Priority = *req.Priority
		}
	case formURLEncoded, formMultipart:
		if err := s.parseForm(r); err != nil {
			return err
		}
		d = todo.Draft{Title: r.PostForm.Get("title"), Memo: r.PostForm.Get("memo"), Priority: todo.DefaultPriority}
		if v := r.PostForm.Get("priority"); v != "" {
			p, err := strconv.Atoi(v)
			if err != nil {
				return badRequest("priority must be an integer from %d to %d", todo.MinPriority, todo.MaxPriority)
			}
			d.Priority = p
		}
		fromForm = true
		if k := r.PostForm.Get(idempotencyKeyField); k != "" {
			key = k
		}
	default:
		return unsupportedMediaType("application/json or a form")
	}
	t, err := todo.New(d, s.now())
	if err != nil {
		return err
	}
	if key != "" {
		if len(key) > maxIdempotencyKey {
			return badRequest("%s must be at most %d bytes", idempotencyKeyHeader, maxIdempotencyKey)
		}
		t.ID = todo.IDFor(key)
	}
	if t, err = s.store.Create(r.Context(), t); errors.Is(err, todo.ErrConflict) && key != "" {
		return &apiError{Status: http.StatusConflict, Code: "ConflictError", Message: "this " + idempotencyKeyHeader + " was used for another todo: use a new key for each todo (on the home page: reload it)"}
	}
	if err != nil {
		return err
	}
	if fromForm {
		http.Redirect(w, r, webapphttp.URL(r, "/"), http.StatusSeeOther)
		return nil
	}
	w.Header().Set("Location", webapphttp.URL(r, "/todos/"+t.ID))
	return s.sendJSON(w, http.StatusCreated, t)
}

// The idempotency key of a create (see createTodo) and its limit: enough
// for a UUID or any client's own scheme.
const (
	idempotencyKeyHeader = "Idempotency-Key"
	idempotencyKeyField  = "idempotencyKey"
	maxIdempotencyKey    = 255
)

// todoID returns the id in the path, refusing one of the wrong shape before
// it reaches the store: no todo has it.
func todoID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if !todo.ValidID(id) {
		return "", errTodoNotFound
	}
	return id, nil
}

func (s *server) getTodo(w http.ResponseWriter, r *http.Request) error {
	id, err := todoID(r)
	if err != nil {
		return err
	}
	t, err := s.store.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return s.sendJSON(w, http.StatusOK, t)
}

func (s *server) updateTodo(w http.ResponseWriter, r *http.Request) error {
	id, err := todoID(r)
	if err != nil {
		return err
	}
	if mediaType(r) != "application/json" {
		return unsupportedMediaType("application/json")
	}
	var req updateRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	t, err := s.store.Update(r.Context(), id, todo.Patch{
		Title:     req.Title,
		Memo:      req.Memo,
		Priority:  req.Priority,
		Completed: req.Completed,
		Version:   req.Version,
	})
	if err != nil {
		return err
	}
	return s.sendJSON(w, http.StatusOK, t)
}

// deleteTodo deletes unconditionally, or with ?version=N only that version.
func (s *server) deleteTodo(w http.ResponseWriter, r *http.Request) error {
	id, err := todoID(r)
	if err != nil {
		return err
	}
	version := 0
	if v, ok := r.URL.Query()["version"]; ok {
		if version, err = strconv.Atoi(v[0]); err != nil || version < 1 {
			return badRequest("version must be a positive integer")
		}
	}
	if err := s.store.Delete(r.Context(), id, version); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

const (
	formURLEncoded = "application/x-www-form-urlencoded"
	formMultipart  = "multipart/form-data"
)

// mediaType returns the request's content type without parameters, "" when
// missing or malformed.
func mediaType(r *http.Request) string {
	t, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return t
}

// decodeJSON decodes the body, one JSON object with known fields only, into
// v. It refuses what encoding/json would accept and quietly change: bytes
// that are not UTF-8 and \u escapes of half a surrogate pair (both read as
// U+FFFD), and a field given twice (the last one would win).
func decodeJSON(r *http.Request, v any) error {
	body, err := io.ReadAll(r.Body) // at most the body limit
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return badRequest("request body could not be read")
	}
	if !utf8.Valid(body) {
		return badRequest("malformed JSON: the body must be UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if err := dec.Decode(&struct{}{}); err != io.EOF {
		return badRequest("malformed JSON: the body must hold one JSON object and nothing after it")
	}
	if name := duplicateField(body); name != "" {
		return badRequest("field %q is given twice: give each field once", name)
	}
	if loneSurrogate(body) {
		return badRequest(`malformed JSON: a \u escape is half of a surrogate pair; strings must be valid Unicode`)
	}
	return nil
}

// duplicateField returns a field that the JSON object body, already
// decoded, names twice, or "". Names are compared the way encoding/json
// matches them to struct fields, ignoring case: {"title":"a","Title":"b"}
// names title twice.
func duplicateField(body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return ""
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		name, ok := tok.(string)
		if err != nil || !ok {
			return ""
		}
		folded := strings.Map(func(r rune) rune { return unicode.ToUpper(unicode.ToLower(r)) }, name)
		if seen[folded] {
			return name
		}
		seen[folded] = true
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return ""
		}
	}
	return ""
}

// loneSurrogate reports whether the JSON text body, already decoded, has a
// \u escape of half a UTF-16 surrogate pair ("\ud800" alone), which
// encoding/json would read as U+FFFD. In valid JSON a backslash only starts
// an escape inside a string, so no tokenizing is needed.
func loneSurrogate(body []byte) bool {
	escaped := func(i int) rune { // the rune of the \uXXXX at body[i:], or -1
		if i+6 > len(body) || body[i] != '\\' || body[i+1] != 'u' {
			return -1
		}
		n, err := strconv.ParseUint(string(body[i+2:i+6]), 16, 16)
		if err != nil {
			return -1
		}
		return rune(n)
	}
	for i := 0; i < len(body); i++ {
		if body[i] != '\\' {
			continue
		}
		switch r := escaped(i); {
		case r < 0:
			i++ // a two-character escape: \\, \", \n, ...
		case utf16.IsSurrogate(r):
			if utf16.DecodeRune(r, escaped(i+6)) == unicode.ReplacementChar {
				return true
			}
			i += 11
		default:
			i += 5
		}
	}
	return false
}

// jsonError turns a decoding error into a message for the client, naming
// the field where it can.
func jsonError(err error) error {
	var (
		tooLarge *http.MaxBytesError
		syntax   *json.SyntaxError
		typ      *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &tooLarge):
		return err
	case errors.Is(err, io.EOF):
		return badRequest("request body is empty: send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("malformed JSON: the body ends too early")
	case errors.As(err, &syntax):
		return badRequest("malformed JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ) && typ.Field == "":
		return badRequest("request body must be a JSON object")
	case errors.As(err, &typ):
		return badRequest("invalid field %q: want %s", typ.Field, jsonKind(typ.Type.Kind()))
	}
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return badRequest("unknown field %s", field)
	}
	return badRequest("malformed JSON")
}

// jsonKind names a Go kind the way a JSON client thinks of it.
func jsonKind(kind reflect.Kind) string {
	switch kind {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int:
		return "an integer"
	}
	return "a value of another type"
}

// parseForm parses a url-encoded or multipart body into r.PostForm.
// Multipart parts stay in memory: the memory limit is above the body limit,
// so nothing is written to disk (in Lambda, no http.Server cleans up after
// the handler).
func (s *server) parseForm(r *http.Request) error {
	var err error
	switch mediaType(r) {
	case formURLEncoded:
		err = r.ParseForm()
	case formMultipart:
		err = r.ParseMultipartForm(s.maxBody + 1)
	default:
		return unsupportedMediaType(formURLEncoded + " or " + formMultipart)
	}
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return badRequest("undecodable form: send %s or %s", formURLEncoded, formMultipart)
	}
	return nil
}

// sendJSON writes v as JSON with the status, unless it is too large to
// send (see Config.MaxResponseBytes).
func (s *server) sendJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := s.checkSize(b); err != nil {
		return err
	}
	return writeJSONBytes(w, status, b)
}

// writeJSON writes v, small and of the site's own making (an error), as
// JSON with the status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return writeJSONBytes(w, status, b)
}

func writeJSONBytes(w http.ResponseWriter, status int, b []byte) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
	return nil
}
