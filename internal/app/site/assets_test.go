package site

import (
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gowebapp/webapp/webappassets"
)

// TestTemplatesLinkOnlyExistingStaticFiles fails the build on a template
// that links a static file the static directory does not have, in any
// branch, rendered by a test or not.
func TestTemplatesLinkOnlyExistingStaticFiles(t *testing.T) {
	if err := webappassets.Check(templates(), staticAssets(t)); err != nil {
		t.Error(err)
	}
}

func TestCheckWouldCatchAMissingStaticFile(t *testing.T) {
	// The same templates against a static directory without the logo.
	fsys := fstest.MapFS{"css/site.css": {}, "js/app.js": {}, "favicon.ico": {}}
	m, _ := webappassets.Build(fsys, nil)
	err := webappassets.Check(templates(), m)
	if err == nil || !strings.Contains(err.Error(), `"/images/logo.svg"`) {
		t.Errorf("Check = %v, want /images/logo.svg named", err)
	}
}

func TestPagesLinkHashedStaticFilesUnderTheBasePath(t *testing.T) {
	h, _ := newSite(t, newMemStore(), false)
	assets := staticAssets(t)
	for _, base := range []string{"", "/v1"} {
		rec := serve(h, req{method: http.MethodGet, target: "/", accept: "text/html", basePath: base})
		if rec.Code != http.StatusOK {
			t.Fatalf("GET / (base %q) = %d", base, rec.Code)
		}
		for src, hashed := range map[string]bool{"/css/site.css": true, "/js/app.js": true, "/images/logo.svg": true, "/favicon.ico": false} {
			published, _ := assets.Path(src)
			if (published != src) != hashed {
				t.Fatalf("%s is published as %s, want hashed %v (the pattern /favicon.ico is exact)", src, published, hashed)
			}
			if want := `"` + base + template.HTMLEscapeString(published) + `"`; !strings.Contains(rec.Body.String(), want) {
				t.Errorf("GET / (base %q) does not link %s as %s", base, src, want)
			}
		}
	}
}

func TestPageOfAMissingStaticFileFailsToRender(t *testing.T) {
	// A site whose manifest lacks the stylesheet answers 500, not a page
	// with a broken link.
	m, _ := webappassets.Build(fstest.MapFS{"js/app.js": {}, "favicon.ico": {}, "images/logo.svg": {}}, nil)
	h := New(Config{Store: newMemStore(), Assets: m, Logger: slog.New(slog.DiscardHandler)})
	if rec := serve(h, req{method: http.MethodGet, target: "/", accept: "text/html"}); rec.Code != http.StatusInternalServerError {
		t.Errorf("GET / = %d, want 500", rec.Code)
	}
}
