// Command function is the example's Lambda function, written as a team that
// imports WebApp would write theirs: plain net/http handlers on a ServeMux,
// started with webapphttp.Start, which serves API Gateway's events and
// answers CORS as the construct's Cors prop configured it (CORS_CONFIG).
//
//	GET  /           a page with a stage-aware link and form
//	POST /notes      takes the form and redirects (303) back to the page
//	GET  /api/hello  JSON: who called, as API Gateway's authorizer said
//
// Every link and redirect goes through webapphttp.URL, so the same handlers
// work behind CloudFront (the stage is the origin path, links at the root)
// and on the execute-api domain (links under /<stage>). The stylesheet is
// linked by the content-hashed name the construct published it under
// (webappassets: the manifest beside bootstrap), so a page always gets the
// stylesheet it was deployed with.
package main

import (
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"
	"os"

	"github.com/gowebapp/webapp/webappassets"
	"github.com/gowebapp/webapp/webapphttp"
)

func main() {
	assets, err := webappassets.Load()
	if err != nil {
		slog.Error("cannot start", "err", err.Error())
		os.Exit(1)
	}
	webapphttp.Start(newMux(assets))
}

func newMux(assets *webappassets.Manifest) *http.ServeMux {
	page := newPage(assets)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { home(page, w, r) })
	mux.HandleFunc("POST /notes", addNote)
	mux.HandleFunc("GET /api/hello", hello)
	return mux
}

// newPage is the page's template, linking the static files by the names
// assets gives.
func newPage(assets *webappassets.Manifest) *template.Template {
	return template.Must(template.New("page").Funcs(assets.FuncMap()).Parse(pageHTML))
}

const pageHTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Docs</title><link rel="stylesheet" href="{{asset "/css/docs.css"}}"></head>
<body>
<h1>Docs</h1>
{{if .Sent}}<p role="status">Thanks for the note.</p>{{end}}
<p><a href="{{.HelloURL}}">Who am I?</a></p>
<form method="post" action="{{.NotesURL}}">
<label>Note <input name="note" required></label>
<button>Send</button>
</form>
</body>
</html>
`

func home(page *template.Template, w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	page.Execute(w, struct {
		Sent               bool
		HelloURL, NotesURL string
	}{
		Sent:     r.URL.Query().Has("sent"),
		HelloURL: webapphttp.URL(r, "/api/hello"),
		NotesURL: webapphttp.URL(r, "/notes"),
	})
}

func addNote(w http.ResponseWriter, r *http.Request) {
	if r.PostFormValue("note") == "" {
		http.Error(w, "a note needs some text", http.StatusBadRequest)
		return
	}
	// A real app would keep the note (in UPLOADS_BUCKET, say); the example
	// shows the redirect after a POST, which must carry the stage too.
	http.Redirect(w, r, webapphttp.URL(r, "/?sent=1"), http.StatusSeeOther)
}

// helloResponse is GET /api/hello's body.
type helloResponse struct {
	// Caller is the authorizer's principal id, "" without an authorizer.
	Caller string `json:"caller"`
	// Tenant is the authorizer's "tenant" claim, when it gave one.
	Tenant string `json:"tenant,omitempty"`
	// Stage is the API Gateway stage that served the request.
	Stage string `json:"stage"`
}

func hello(w http.ResponseWriter, r *http.Request) {
	resp := helloResponse{Stage: webapphttp.InfoFrom(r.Context()).Stage}
	if c, ok := webapphttp.CallerOf(r); ok {
		resp.Caller, resp.Tenant = c.PrincipalID, c.Claim("tenant")
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}
