package devserver

import (
	"bytes"
	"io/fs"
	"net/http"
	"path"
	"time"

	"github.com/gowebapp/webapp/internal/staticpaths"
	"github.com/gowebapp/webapp/webappassets"
)

// route routes as the distribution does: a path matching one of the static
// patterns goes to the files (the S3 origin), any other to the app (the API
// origin).
//
// A file is served under its own name and under its hashed name
// (webappassets.HashedPath of its current content), the two names the
// construct deploys; the pages link the hashed one, which the function
// computes from the same directory (webappassets.StaticDirEnv). The hashed
// name is cached as deployed; the plain one is revalidated every time, so
// an edit shows on the next reload.
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
		if info, err := fs.Stat(static, name); err == nil && !info.IsDir() {
			w.Header().Set("Cache-Control", "no-cache")
			http.ServeFileFS(w, r, static, name)
			return
		}
		if source, content, ok := hashedFile(static, "/"+name); ok {
			w.Header().Set("Cache-Control", webappassets.ImmutableCacheControl)
			http.ServeContent(w, r, source, time.Time{}, bytes.NewReader(content))
			return
		}
		http.NotFound(w, r)
	})
}

// hashedFile returns the file whose current content has the hashed name p,
// and that content; ok is false for any other name, an old hash included.
func hashedFile(static fs.FS, p string) (source string, content []byte, ok bool) {
	source, _, ok = webappassets.SourcePath(p)
	if !ok {
		return "", nil, false
	}
	content, err := fs.ReadFile(static, source[1:])
	if err != nil || webappassets.HashedPath(source, content) != p {
		return "", nil, false
	}
	return source, content, true
}
