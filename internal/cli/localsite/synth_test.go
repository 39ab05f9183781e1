package localsite

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestCheckStaleComparesTheAssemblyWithTheSources(t *testing.T) {
	root := t.TempDir()
	write := func(name string, age time.Duration) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		content := "x"
		if name == "cdk.json" {
			content = `{"app": "go run .", "watch": {"exclude": ["README.md", "cdk*.json", "**/*_test.go", "**/testdata/**", "docs"]}}`
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		when := time.Now().Add(-age)
		os.Chtimes(p, when, when)
	}
	write("cdk.json", time.Hour)
	write("go.mod", time.Hour)
	write("lambda/main.go", time.Hour)
	out := filepath.Join(root, "cdk.out")

	if st, err := CheckStale(root, out); err != nil || !st.Stale || st.Reason != "cdk.out is missing" {
		t.Errorf("without an assembly: %+v, %v; want stale, missing", st, err)
	}
	write("cdk.out/manifest.json", 30*time.Minute)
	if st, _ := CheckStale(root, out); st.Stale {
		t.Errorf("assembly newer than every source: %+v, want fresh", st)
	}

	// Newer files that are not sources of the synthesized app do not count.
	for _, name := range []string{
		"README.md", "Makefile", "lambda/main_test.go", "lambda/testdata/x.go", "node_modules/x/y.js",
		".git/index", "cdk.out/tree.json", "examples/reuse/main.go", "package.json", "docs/a.css",
	} {
		write(name, 0)
	}
	write("examples/reuse/go.mod", time.Hour) // another module
	if st, _ := CheckStale(root, out); st.Stale {
		t.Errorf("after changing non-sources: %+v, want fresh", st)
	}

	for _, name := range []string{"internal/app/site/templates/home.html", "static/favicon.ico", "static/css/site.css", "lambda/main.go", "cdk.json", "go.sum"} {
		write("cdk.out/manifest.json", 30*time.Minute)
		write(name, 0)
		if st, _ := CheckStale(root, out); !st.Stale || st.Reason != name+" is newer than cdk.out" {
			t.Errorf("after changing %s: %+v, want stale because of it", name, st)
		}
		write(name, time.Hour)
	}
}

func TestWatchExcludePatterns(t *testing.T) {
	patterns := []string{"README.md", "cdk*.json", "**/*_test.go", "**/testdata/**", "node_modules", "docs"}
	for path, want := range map[string]bool{
		"README.md":                   true,
		"cdk.context.json":            true,
		"a/b/c_test.go":               true,
		"x_test.go":                   true,
		"internal/x/testdata/a/b.css": true,
		"docs":                        true,
		"docs/screenshots/home.png":   true,
		"node_modules/x":              true,
		"internal/app/site/site.go":   false,
		"static/docs.css":             false,
	} {
		if got := watchExcluded(path, patterns); got != want {
			t.Errorf("watchExcluded(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestGuessContentTypeIsPythons(t *testing.T) {
	for name, want := range map[string]string{
		"css/site.css":         "text/css",
		"js/app.js":            "text/javascript",
		"images/logo.SVG":      "image/svg+xml",
		"favicon.ico":          "image/vnd.microsoft.icon",
		"fonts/a.woff2":        "font/woff2",
		"index.html":           "text/html",
		"data/x.json.gz":       "application/json", // the encoding suffix is looked through
		"js/app.js.map":        "",                 // unknown: S3 serves binary/octet-stream
		"LICENSE":              "",
		"archive.tar.gz":       "application/x-tar",
		"manifest.webmanifest": "application/manifest+json",
	} {
		if got := guessContentType(name); got != want {
			t.Errorf("guessContentType(%q) = %q, want %q", name, got, want)
		}
	}
}
