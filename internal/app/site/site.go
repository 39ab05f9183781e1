// Package site is the web app: HTML pages, the Todo JSON API, and the small
// endpoints around them, as plain net/http handlers on a ServeMux. The same
// handler runs in Lambda (behind the API Gateway adapter), in the local
// server and under httptest.
//
// Every URL the app writes — links, form actions, asset URLs, redirects —
// goes through webapphttp.URL, so it works behind CloudFront (at the root) and
// directly on the execute-api domain (under "/<stage>") alike.
//
// CORS and the refusal of cross-site writes are not the site's:
// webapphttp.Start (in Lambda) and webapphttp.Wrap (locally) apply them
// around the handler, with the CORS_CONFIG the construct passes, as for any
// function built for WebApp. A form post from another site's page thus
// gets Wrap's 403 and never reaches the site (nor its request log: Wrap
// logs the refusal itself).
package site

import (
	"context"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gowebapp/webapp/internal/app/todo"
	"github.com/gowebapp/webapp/webappassets"
	"github.com/gowebapp/webapp/webapphttp"
)

// Store keeps the todos; *todo.Store is the DynamoDB one. Its methods return
// todo.ErrNotFound, todo.ErrConflict, todo.ErrInvalidCursor and
// *todo.ValidationError for the client's mistakes; an error for which
// todo.Unavailable is true (throttling, the request's deadline, a lost
// connection) is answered 503 with Retry-After; any other is internal.
// Create is idempotent on the todo's id (see todo.Store.Create).
type Store interface {
	Create(ctx context.Context, t todo.Todo) (todo.Todo, error)
	Get(ctx context.Context, id string) (todo.Todo, error)
	List(ctx context.Context, limit int, cursor string) (todo.Page, error)
	Update(ctx context.Context, id string, p todo.Patch) (todo.Todo, error)
	Delete(ctx context.Context, id string, version int) error
	// Search returns a page of at most limit todos whose title or memo
	// contains q (see todo.Store.Search): a page may hold fewer, even none,
	// and still have a next one.
	Search(ctx context.Context, q string, limit int, cursor string) (todo.Page, error)
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
	// MaxResponseBytes limits what a page or JSON response may take once
	// encoded as Lambda returns it (the body as a JSON string, or base64);
	// a larger one is refused with a 500 that says so, and logged, instead
	// of crashing the runtime. Every list and search has a page size that
	// keeps responses well below it. Default: DefaultMaxResponseBytes.
	MaxResponseBytes int
	// RequestTimeout is how long a request may take: its context's deadline
	// is this after it arrives, or, when sooner, a second before the
	// deadline the request came with (Lambda's: the function's timeout).
	// A request the store cannot serve by then gets 503
	// ServiceUnavailableError with Retry-After, before the function times
	// out and well before API Gateway's 29 s. Default:
	// DefaultRequestTimeout.
	RequestTimeout time.Duration
	// Now is the clock that stamps new todos. Default: time.Now.
	Now func() time.Time
	// TodoAPIRequireCaller limits the Todo API (every route under /todos) to
	// callers that API Gateway's authorizer identified (webapphttp.CallerOf):
	// any other request gets 401 UnauthorizedError. The HTML pages stay open.
	// Default: anyone may use the API.
	TodoAPIRequireCaller bool
	// TwilioAuthToken returns the Twilio account's auth token, with which
	// the Twilio voice webhook (POST /twilio/voice and /twilio/gather, see
	// package twilio) checks each request's signature. Default: none, and
	// those routes answer 503 saying TWILIO_AUTH_TOKEN is not configured.
	TwilioAuthToken func(ctx context.Context) (string, error)
	// TwilioRefreshAuthToken reads that token again past its cache, when a
	// signature fails with it (at most once a minute): a rotated token is
	// accepted at once. Default: none (twilio.Config.RefreshAuthToken).
	TwilioRefreshAuthToken func(ctx context.Context) (string, error)

	// Assets are the static files' published names, which the pages link
	// (webappassets.Load in the function). Default: webappassets.Plain(),
	// the files' own names.
	Assets *webappassets.Manifest
}

// EnvTodoAPIRequireCaller is the environment variable of
// Config.TodoAPIRequireCaller.
const EnvTodoAPIRequireCaller = "TODO_API_REQUIRE_CALLER"

// ReadEnv sets the site's own access rule from the environment:
// TodoAPIRequireCaller from TODO_API_REQUIRE_CALLER (true, false, 1 or 0;
// unset: false). An invalid value is an error, for the program to refuse to
// start rather than serve without the rules it was deployed with. CORS_CONFIG
// is webapphttp.Wrap's, not read here.
func (c *Config) ReadEnv(getenv func(string) string) error {
	requireCaller := false
	if v := getenv(EnvTodoAPIRequireCaller); v != "" {
		var err error
		if requireCaller, err = strconv.ParseBool(v); err != nil {
			return fmt.Errorf("site: %s %q is not true, false, 1 or 0", EnvTodoAPIRequireCaller, v)
		}
	}
	c.TodoAPIRequireCaller = requireCaller
	return nil
}

// DefaultRequestTimeout is the default of Config.RequestTimeout: 8 s, below
// the function's default timeout of 10 s (webapp.DefaultTimeoutSeconds).
const DefaultRequestTimeout = 8 * time.Second

// answerMargin is what a request keeps of the deadline it came with to
// answer and log after its own deadline passed.
const answerMargin = time.Second

// DefaultMaxBodyBytes is the default of Config.MaxBodyBytes.
const DefaultMaxBodyBytes = 1 << 20

// DefaultMaxResponseBytes is the default of Config.MaxResponseBytes:
// Lambda's limit on a synchronous response, 6 MiB of JSON, less 64 KiB for
// the headers and the rest of the response event.
const DefaultMaxResponseBytes = 6<<20 - 64<<10

type server struct {
	store   Store
	log     *slog.Logger
	debug   bool
	maxBody int64
	maxResp int
	timeout time.Duration
	now     func() time.Time
	mux     *http.ServeMux
	// requireCaller is Config.TodoAPIRequireCaller.
	requireCaller bool
	// templates are the pages, linking Config.Assets' names.
	templates func() *template.Template
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
		maxResp: cfg.MaxResponseBytes,
		timeout: cfg.RequestTimeout,
		now:     cfg.Now,
		mux:     http.NewServeMux(),

		requireCaller: cfg.TodoAPIRequireCaller,
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.maxResp <= 0 {
		s.maxResp = DefaultMaxResponseBytes
	}
	if s.timeout <= 0 {
		s.timeout = DefaultRequestTimeout
	}
	if s.now == nil {
		s.now = time.Now
	}
	assets := cfg.Assets
	if assets == nil {
		assets = webappassets.Plain()
	}
	s.templates = pageTemplates(assets)

	s.page("GET /{$}", s.home)
	s.page("GET /search", s.search)
	s.page("POST /search", s.search)
	s.api("GET /hello", s.hello)
	s.api("GET /healthz", s.healthz)

	s.api("GET /todos", s.signedIn(s.listTodos))
	s.api("POST /todos", s.signedIn(s.createTodo))
	s.api("GET /todos/{id}", s.signedIn(s.getTodo))
	s.api("PUT /todos/{id}", s.signedIn(s.updateTodo))
	s.api("DELETE /todos/{id}", s.signedIn(s.deleteTodo))

	s.mountTwilio(cfg.TwilioAuthToken, cfg.TwilioRefreshAuthToken)

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
		e.s.fail(w, r, err, e.html || webapphttp.PrefersHTML(r))
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

// signedIn returns h, or, when the Todo API requires a caller, h behind a
// 401 for requests in which no authorizer identified one. The home page's
// form posts to POST /todos too: without a caller it gets the 401 as a page.
func (s *server) signedIn(h handlerFunc) handlerFunc {
	if !s.requireCaller {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, ok := webapphttp.CallerOf(r); !ok {
			return errNoCaller
		}
		return h(w, r)
	}
}

// route serves the request with the mux when one of our routes matches.
// Otherwise the mux would answer by itself — 404, 405 with Allow, or a
// redirect to the cleaned path — in plain text and unaware of the stage;
// its answer is probed and given again our way.
func (s *server) route(w http.ResponseWriter, r *http.Request) {
	if q := r.URL.RawQuery; q != "" && !validQuery(q) {
		// r.URL.Query() drops a malformed pair silently: DELETE
		// ?version=%zz or ?version=1; would delete whatever the version.
		s.fail(w, r, badRequest("malformed query string: percent-encode the values and separate parameters with &"), webapphttp.PrefersHTML(r))
		return
	}
	h, _ := s.mux.Handler(r)
	if _, ours := h.(endpoint); ours {
		s.mux.ServeHTTP(w, r)
		return
	}
	p := &probe{header: http.Header{}}
	h.ServeHTTP(p, r)
	switch loc := p.header.Get("Location"); {
	case p.status == http.StatusMethodNotAllowed:
		s.fail(w, r, methodNotAllowed(p.header.Get("Allow")), webapphttp.PrefersHTML(r))
	case p.status >= 300 && p.status < 400 && len(loc) > 0 && loc[0] == '/':
		if clean := cleanPath(r.URL.EscapedPath()); clean != r.URL.EscapedPath() {
			// The mux escapes its cleaned path again (/%2f → /%252f): the
			// path as the client escaped it, cleaned, is the place.
			loc = clean
			if r.URL.RawQuery != "" {
				loc += "?" + r.URL.RawQuery
			}
		}
		http.Redirect(w, r, webapphttp.URL(r, loc), p.status)
	default:
		s.fail(w, r, errNoRoute, webapphttp.PrefersHTML(r))
	}
}

// cleanPath returns p without dot segments and repeated slashes, a trailing
// slash kept, as the mux cleans a path it redirects.
func cleanPath(p string) string {
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	return clean
}

// validQuery reports whether url.ParseQuery takes the raw query q, without
// building the map ParseQuery would return (the handler parses the query
// again with r.URL.Query()): ParseQuery refuses exactly a ';' and a '%' not
// followed by two hex digits.
func validQuery(q string) bool {
	for i := 0; i < len(q); i++ {
		switch q[i] {
		case ';':
			return false
		case '%':
			if i+2 >= len(q) || !isHex(q[i+1]) || !isHex(q[i+2]) {
				return false
			}
			i += 2
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
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
