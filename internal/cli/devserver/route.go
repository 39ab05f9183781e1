package devserver

import (
	"io/fs"
	"net/http"
	"path"

	"github.com/gowebapp/webapp/internal/staticpaths"
)

// route routes as the distribution does: a path matching one of the static
// patterns goes to the files (the S3 origin), any other to the app (the API
// origin).
func route(patterns []string, static fs.FS, app http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !staticpaths.MatchAny(patterns, r.URL.Path) {
			app.ServeHTTP(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "static files are read-only", http.StatusMethodNotAllowed)
			return
		}
		// Like S3: an object or nothing, no directory listings.
		name := path.Clean(r.URL.Path)[1:]
		if info, err := fs.Stat(static, name); err != nil || info.IsDir() {
			http.NotFound(w, r)
			return
		}
		http.ServeFileFS(w, r, static, name)
	})
}
