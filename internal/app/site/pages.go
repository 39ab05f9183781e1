package site

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/xml"
	"html/template"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gowebapp/webapp/internal/app/todo"
	"github.com/gowebapp/webapp/internal/csp"
	"github.com/gowebapp/webapp/webappassets"
	"github.com/gowebapp/webapp/webapphttp"
)

//go:embed templates
var templateFS embed.FS

// templates are parsed once, by the first page rendered rather than at
// start-up: parsing is most of this package's init (about 0.7 ms of a cold
// start, see docs/benchmarks.md), which /healthz and the JSON API do not
// need. The files are embedded, so a parse error shows in any test that
// renders a page. Each page is a top-level template named by its file.
//
// Static files are linked as {{.URL (asset "/css/site.css")}}: asset gives
// the file's published (hashed) path, URL adds the stage's base path. Each
// server executes a clone whose asset is its own manifest's (pageTemplates).
var templates = sync.OnceValue(func() *template.Template {
	funcs := webappassets.Plain().FuncMap()
	funcs["priorityName"] = priorityName
	return template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html"))
})

// pageTemplates are the templates with asset answering from the manifest.
func pageTemplates(assets *webappassets.Manifest) func() *template.Template {
	return sync.OnceValue(func() *template.Template {
		return template.Must(templates().Clone()).Funcs(assets.FuncMap())
	})
}

// contentSecurityPolicy is sent with every page: the pages have no inline
// script or style, so nothing but the site's own files is needed.
const contentSecurityPolicy = csp.Default

// MaxQuery is the longest search keyword, in characters.
const MaxQuery = 200

// homeLimit is how many todos the home page shows at once, and searchLimit
// how many results the search page does.
const (
	homeLimit   = 50
	searchLimit = 20
)

// description is every page's <meta name="description">: what a search
// engine or a link preview says about the site. One sentence for all pages
// is enough, since their titles tell them apart.
const description = "Go Todos: a small todo list, server-rendered in Go on AWS Lambda, that you can add to and search."

// view is what every page's template needs.
type view struct {
	r           *http.Request
	Title       string
	Description string // the page's meta description
	Query       string // the search keyword, shown back in the search box
}

func newView(r *http.Request, title string) view {
	return view{r: r, Title: title, Description: description}
}

// URL returns the path the viewer must use for the app's path p; templates
// write every link, form action and asset URL with it.
//
// Asset URLs get the base path too. Static files are served by CloudFront
// only, so on the execute-api domain ("/v1/...") they are missing and a page
// shows unstyled; that domain is for the API and for checks, people come
// through CloudFront. Prefixing consistently keeps one rule for every URL
// and never points a page at another origin's root.
func (v view) URL(p string) string { return webapphttp.URL(v.r, p) }

// item is a todo as a list shows it: a flat struct of ready values, so that
// the template only reads fields (html/template finds a field of an embedded
// struct, or calls a method, by reflection that allocates, per use).
type item struct {
	Title, Memo  string
	Priority     int
	PriorityName string
	Completed    bool
	Version      int
	Created      string // for people
	CreatedISO   string // for <time datetime>
	URL          string // stage-aware, of the todo in the API
}

// items returns the todos ready for a list.
func items(r *http.Request, todos []todo.Todo) []item {
	list := make([]item, len(todos))
	for i, t := range todos {
		list[i] = item{
			Title:        t.Title,
			Memo:         t.Memo,
			Priority:     t.Priority,
			PriorityName: priorityName(t.Priority),
			Completed:    t.Completed,
			Version:      t.Version,
			Created:      t.CreatedAt.Format("2 Jan 2006, 15:04 UTC"),
			CreatedISO:   t.CreatedAt.Format(time.RFC3339),
			URL:          webapphttp.URL(r, "/todos/"+t.ID),
		}
	}
	return list
}

type homeView struct {
	view
	Todos      []item
	Next       string // cursor of the next page, "" on the last
	Priorities []int
	Default    int
	// IdempotencyKey is the form's, fresh for each page: a browser that
	// sends the form again (the user retries after a 503, or the browser
	// resubmits) repeats one create rather than making two.
	IdempotencyKey string
}

type searchView struct {
	view
	Todos []item // what was found
	Next  string // cursor of the next page of results, "" on the last
}

type errorView struct {
	view
	Status  int
	Message string
}

var priorities = []int{1, 2, 3, 4, 5}

func priorityName(p int) string {
	switch p {
	case 1:
		return "highest"
	case 2:
		return "high"
	case 3:
		return "normal"
	case 4:
		return "low"
	case 5:
		return "lowest"
	}
	return "unknown"
}

// home shows a page of todos, newest first within the page, and the form to
// add one. ?next= shows the following page.
func (s *server) home(w http.ResponseWriter, r *http.Request) error {
	page, err := s.store.List(r.Context(), homeLimit, r.URL.Query().Get("next"))
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "home.html", homeView{
		view:       newView(r, "Todos"),
		Todos:      items(r, page.Items),
		Next:       page.Next,
		Priorities: priorities,
		Default:    todo.DefaultPriority,

		IdempotencyKey: rand.Text(),
	})
}

// search finds todos by a keyword: GET /search?q= (and &next= for the
// following page of results) or a form POSTed url-encoded or multipart.
func (s *server) search(w http.ResponseWriter, r *http.Request) error {
	var q, next string
	if r.Method == http.MethodPost {
		if err := s.parseForm(r); err != nil {
			return err
		}
		q = r.PostForm.Get("q")
	} else {
		q, next = r.URL.Query().Get("q"), r.URL.Query().Get("next")
	}
	q, err := searchKeyword(q)
	if err != nil {
		return err
	}
	v := searchView{view: newView(r, "Search")}
	if todo.Fold(q) != "" { // a keyword of invisible characters finds nothing: ask for one
		page, err := s.store.Search(r.Context(), q, searchLimit, next)
		if err != nil {
			return err
		}
		v.Title, v.Query, v.Todos, v.Next = "Search: "+q, q, items(r, page.Items), page.Next
	}
	return s.render(w, http.StatusOK, "search.html", v)
}

// searchKeyword returns the keyword q trimmed, or the client's error.
func searchKeyword(q string) (string, error) {
	q = strings.TrimSpace(q)
	if !utf8.ValidString(q) {
		return "", badRequest("q must be valid UTF-8")
	}
	if n := utf8.RuneCountInString(q); n > MaxQuery {
		return "", badRequest("q must be at most %d characters, got %d", MaxQuery, n)
	}
	return q, nil
}

// twiML is the reply of GET /hello, in the shape of Twilio's markup.
type twiML struct {
	XMLName xml.Name `xml:"Response"`
	Message string   `xml:"Message"`
}

// helloMaxAge is how long CloudFront and browsers may keep GET /hello: it
// is the same for everyone and never changes between deploys.
const helloMaxAge = 5 * time.Minute

func (s *server) hello(w http.ResponseWriter, r *http.Request) error {
	b, err := xml.Marshal(twiML{Message: "Hello from Go"})
	if err != nil {
		return err
	}
	webapphttp.CachePublic(w, r, helloMaxAge)
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	io.WriteString(w, xml.Header)
	w.Write(b)
	return nil
}

// healthz answers without touching the store: it says the function runs.
func (s *server) healthz(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "ok")
	return nil
}

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render executes the named page into a buffer, so that a template error,
// or a page too large to send (see Config.MaxResponseBytes), is still a
// clean 500, and writes it with the status.
func (s *server) render(w http.ResponseWriter, status int, name string, data any) error {
	buf := buffers.Get().(*bytes.Buffer)
	defer func() {
		buf.Reset()
		buffers.Put(buf)
	}()
	if err := s.templates().ExecuteTemplate(buf, name, data); err != nil {
		return err
	}
	if err := s.checkSize(buf.Bytes()); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	w.WriteHeader(status)
	w.Write(buf.Bytes())
	return nil
}
