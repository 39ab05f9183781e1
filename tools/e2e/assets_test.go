package e2e

import (
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowebapp/webapp/webappassets"
)

// staticAssets is the manifest of the module's static/, as the construct
// builds it for the sample app's default StaticPaths.
func staticAssets(t *testing.T) *webappassets.Manifest {
	t.Helper()
	m, err := webappassets.Build(os.DirFS(filepath.Join(root, "static")), nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestPagesLinkHashedFilesTheBucketServes reads the home page as the local
// site serves it — the function from cdk.out with its bundle's manifest,
// the bucket as both deployments fill it — and loads every static file it
// links: a hashed name is there, immutable; a plain one revalidated soon.
func TestPagesLinkHashedFilesTheBucketServes(t *testing.T) {
	requireSite(t)
	_, page := get(t, "GET", "/", "", map[string]string{"Accept": "text/html"})
	m := staticAssets(t)
	for _, src := range m.Files() {
		published, _ := m.Path(src)
		if !strings.Contains(page, `"`+html.EscapeString(published)+`"`) {
			continue // not linked by the home page
		}
		want := webappassets.ImmutableCacheControl
		if published == src {
			want = webappassets.RevalidatedCacheControl
		}
		resp, body := get(t, "GET", published, "", nil)
		source, _ := os.ReadFile(filepath.Join(root, "static", filepath.FromSlash(src[1:])))
		if resp.StatusCode != 200 || body != strings.TrimSpace(string(source)) || resp.Header.Get("Cache-Control") != want { // get trims the body
			t.Errorf("GET %s (%s) = %d, Cache-Control %q, %d bytes; want 200, %q, the file's %d bytes",
				published, src, resp.StatusCode, resp.Header.Get("Cache-Control"), len(body), want, len(source))
		}
	}
	for _, src := range []string{"/css/site.css", "/js/app.js", "/images/logo.svg"} {
		if published, _ := m.Path(src); published == src || !strings.Contains(page, `"`+published+`"`) {
			t.Errorf("the home page does not link %s by its hashed name %s", src, published)
		}
	}
}
