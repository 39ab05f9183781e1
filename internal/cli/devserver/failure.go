package devserver

import (
	"html/template"
	"net/http"
	"strings"
)

// failure is why the function cannot answer: a build that failed, a process
// that did not start or that exited. It is shown in place of every page,
// as air and chalice do, so that the browser says what the terminal says.
type failure struct {
	status  int
	summary string // one line: "the build of ./lambda failed"
	detail  string // the compiler's output, or the function's latest output
	hint    string // what to do, when there is more to say than the summary
}

var failurePage = template.Must(template.New("failure").Parse(`<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>{{.Summary}}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; }
pre { background: #fff4f4; border-left: 4px solid #c00; padding: 1rem; overflow-x: auto; white-space: pre-wrap; }
</style>
<h1>{{.Summary}}</h1>
{{with .Detail}}<pre>{{.}}</pre>{{end}}
{{with .Hint}}<p>{{.}}</p>{{end}}
<p>This page comes from the local dev server, not from the function. Save a fix and load the page again.</p>
</html>
`))

// ServeHTTP answers with the failure: an HTML page to a browser, plain
// text to any other client (curl, a script calling the API).
func (f *failure) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if !strings.Contains(r.Header.Get("Accept"), "text/html") {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(f.status)
		text := f.summary + "\n"
		for _, more := range []string{f.detail, f.hint} {
			if more != "" {
				text += "\n" + strings.TrimRight(more, "\n") + "\n"
			}
		}
		w.Write([]byte(text))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(f.status)
	failurePage.Execute(w, struct{ Summary, Detail, Hint string }{f.summary, f.detail, f.hint})
}
