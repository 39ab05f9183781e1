// Package site is the web app: HTML pages, the Todo JSON API, and the small
// endpoints around them, as plain net/http handlers on a ServeMux. The same
// handler runs in Lambda (behind the API Gateway adapter), in the local
// server and under httptest.
//
// Every URL the app writes — links, form actions, asset URLs, redirects —
// goes through reqinfo.URL, so it works behind CloudFront (at the root) and
// directly on the execute-api domain (under "/<stage>") alike.
package site

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gowebapp/webapp/internal/reqinfo"
	"github.com/gowebapp/webapp/internal/todo"
)

// Store keeps the todos; *todo.Store is the DynamoDB one. Its methods return
// todo.ErrNotFound, todo.ErrConflict, todo.ErrInvalidCursor and
// *todo.ValidationError for the client's mistakes; any other error is
// internal.
type Store interface {
	Create(ctx context.Context, t todo.Todo) (todo.Todo, error)
	Get(ctx context.Context, id string) (todo.Todo, error)
	List(ctx context.Context, limit int, cursor string) (todo.Page, error)
	Update(ctx context.Context, id string, p todo.Patch) (todo.Todo, error)
	Delete(ctx context.Context, id string, version int) error
	Search(ctx context.Context, q string) ([]todo.Todo, error)
}

// Config is what the site needs.
type Config struct {
	// Store keeps the todos. Required.
	Store Store
	// Logger receives one line per request and the detail of internal
	// errors. Default: slog.Default().
	Logger *slog.Logger
	// Debug puts the detail of internal errors in the response, for
	// development only. Default: a generic message, the detail only logged.
	Debug bool
	// MaxBodyBytes limits request bodies; a larger one is refused with 413.
	// Default: 1 MiB.
	MaxBodyBytes int64
	// Now is the clock that stamps new todos. Default: time.Now.
	Now func() time.Time
}

// DefaultMaxBodyBytes is the default of Config.MaxBodyBytes.
const DefaultMaxBodyBytes = 1 << 20

type server struct {
	store   Store
	log     *slog.Logger
	debug   bool
	maxBody int64
	now     func() time.Time
	mux     *http.ServeMux
}

// New returns the site's handler. It panics if cfg.Store is nil, a mistake
// of the program, not of a request.
func New(cfg Config) http.Handler {
	if cfg.Store == nil {
		panic("site: Config.Store is nil: give the todo store")
	}
	s := &server{
		store:   cfg.Store,
		log:     cfg.Logger,
		debug:   cfg.Debug,
		maxBody: cfg.MaxBodyBytes,
		now:     cfg.Now,
		mux:     http.NewServeMux(),
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.now == nil {
		s.now = time.Now
	}

	s.page("GET /{$}", s.home)
	s.page("GET /search", s.search)
	s.page("POST /search", s.search)
	s.api("GET /hello", s.hello)
	s.api("GET /healthz", s.healthz)

	s.api("GET /todos", s.listTodos)
	s.api("POST /todos", s.createTodo)
	s.api("GET /todos/{id}", s.getTodo)
	s.api("PUT /todos/{id}", s.updateTodo)
	s.api("DELETE /todos/{id}", s.deleteTodo)

	return s.middleware(http.HandlerFunc(s.route))
}

// handlerFunc is a handler that returns its error for fail to render.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// endpoint is a route of the app. Its type tells route that the mux matched
// one of ours rather than answering by itself.
type endpoint struct {
	s    *server
	html bool // errors as an HTML page whatever the Accept header
	h    handlerFunc
}

func (e endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := e.h(w, r); err != nil {
		e.s.fail(w, r, err, e.html || wantsHTML(r))
	}
}

// page registers an HTML route: its errors are HTML pages.
func (s *server) page(pattern string, h handlerFunc) {
	s.mux.Handle(pattern, endpoint{s: s, html: true, h: h})
}

// api registers a route whose errors are JSON unless the client prefers HTML.
func (s *server) api(pattern string, h handlerFunc) {
	s.mux.Handle(pattern, endpoint{s: s, h: h})
}

// route serves the request with the mux when one of our routes matches.
// Otherwise the mux would answer by itself — 404, 405 with Allow, or a
// redirect to the cleaned path — in plain text and unaware of the stage;
// its answer is probed and given again our way.
func (s *server) route(w http.ResponseWriter, r *http.Request) {
	h, _ := s.mux.Handler(r)
	if _, ours := h.(endpoint); ours {
		s.mux.ServeHTTP(w, r)
		return
	}
	p := &probe{header: http.Header{}}
	h.ServeHTTP(p, r)
	switch loc := p.header.Get("Location"); {
	case p.status == http.StatusMethodNotAllowed:
		s.fail(w, r, methodNotAllowed(p.header.Get("Allow")), wantsHTML(r))
	case p.status >= 300 && p.status < 400 && len(loc) > 0 && loc[0] == '/':
		http.Redirect(w, r, reqinfo.URL(r, loc), p.status)
	default:
		s.fail(w, r, errNoRoute, wantsHTML(r))
	}
}

// probe records the status and headers of the mux's own answer and drops
// its body.
type probe struct {
	header http.Header
	status int
}

func (p *probe) Header() http.Header { return p.header }
func (p *probe) WriteHeader(status int) {
	if p.status == 0 {
		p.status = status
	}
}
func (p *probe) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return len(b), nil
}
