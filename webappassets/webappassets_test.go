package webappassets_test

import (
	"bytes"
	"html/template"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gowebapp/webapp/webappassets"
)

func TestHashedPathKeepsDirectoryAndExtension(t *testing.T) {
	content := []byte("body{}")
	for _, p := range []string{"/css/site.css", "/favicon.ico", "/js/app.min.js", "/LICENSE", "/.well-known/security.txt", "/.env"} {
		got := webappassets.HashedPath(p, content)
		src, hash, ok := webappassets.SourcePath(got)
		if !ok || src != p || len(hash) != 10 {
			t.Errorf("SourcePath(HashedPath(%q) = %q) = %q, %q, %v; want %q, a 10-digit hash, true", p, got, src, hash, ok, p)
		}
		if filepath.Dir(got) != filepath.Dir(p) {
			t.Errorf("HashedPath(%q) = %q: moved to another directory", p, got)
		}
	}
	if got := webappassets.HashedPath("/css/site.css", content); !strings.HasPrefix(got, "/css/site.") || !strings.HasSuffix(got, ".css") {
		t.Errorf("HashedPath(/css/site.css) = %q, want /css/site.<hash>.css", got)
	}
	if a, b := webappassets.HashedPath("/a.css", []byte("1")), webappassets.HashedPath("/a.css", []byte("2")); a == b {
		t.Errorf("two contents, one name %q", a)
	}
}

func TestSourcePathRefusesPlainNames(t *testing.T) {
	for _, p := range []string{"/css/site.css", "/favicon.ico", "/app.min.js", "/x.0123456789.css.map", "/x.012345678g.css", "/0123456789abcdef.css"} {
		if src, _, ok := webappassets.SourcePath(p); ok {
			t.Errorf("SourcePath(%q) = %q, true; want not hashed", p, src)
		}
	}
}

func staticFS() fstest.MapFS {
	return fstest.MapFS{
		"css/site.css":    {Data: []byte("body{color:#222}")},
		"images/logo.svg": {Data: []byte("<svg/>")},
		"favicon.ico":     {Data: []byte{0, 0, 1, 0}},
	}
}

func TestBuildIsDeterministicAndRoundTrips(t *testing.T) {
	m1, err := webappassets.Build(staticFS(), nil)
	if err != nil {
		t.Fatal(err)
	}
	m2, _ := webappassets.Build(staticFS(), nil)
	j1, _ := m1.MarshalJSON()
	j2, _ := m2.MarshalJSON()
	if !bytes.Equal(j1, j2) {
		t.Fatalf("same files, different manifests:\n%s\n%s", j1, j2)
	}
	parsed, err := webappassets.Parse(j1)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/css/site.css", "/favicon.ico", "/images/logo.svg"}
	if got := parsed.Files(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Files() = %v, want %v", got, want)
	}
	got, err := parsed.Path("/css/site.css")
	if want := webappassets.HashedPath("/css/site.css", []byte("body{color:#222}")); err != nil || got != want {
		t.Errorf("Path(/css/site.css) = %q, %v; want %q", got, err, want)
	}
}

func TestBuildKeepsTheNamesNoPatternServesHashed(t *testing.T) {
	for _, m := range []*webappassets.Manifest{
		func() *webappassets.Manifest { m, _ := webappassets.Build(staticFS(), nil); return m }(),
		webappassets.FromDir(staticFS(), nil),
	} {
		if got, err := m.Path("/favicon.ico"); err != nil || got != "/favicon.ico" {
			t.Errorf("Path(/favicon.ico) = %q, %v; want itself: the default pattern /favicon.ico is exact", got, err)
		}
		if got, _ := m.Path("/images/logo.svg"); got == "/images/logo.svg" {
			t.Errorf("Path(/images/logo.svg) = %q, want a hashed name under /images/*", got)
		}
	}
	m, _ := webappassets.Build(staticFS(), []string{"/css/*", "/favicon*"})
	if got, _ := m.Path("/favicon.ico"); got == "/favicon.ico" {
		t.Errorf("with /favicon*, Path(/favicon.ico) = %q, want it hashed", got)
	}
	if got, _ := m.Path("/images/logo.svg"); got != "/images/logo.svg" {
		t.Errorf("without /images/*, Path(/images/logo.svg) = %q, want itself", got)
	}
}

func TestPathOfMissingFileIsAnError(t *testing.T) {
	m, _ := webappassets.Build(staticFS(), nil)
	for _, m := range []*webappassets.Manifest{m, webappassets.FromDir(staticFS(), nil), nil} {
		if got, err := m.Path("/css/missing.css"); err == nil || !strings.Contains(err.Error(), `"/css/missing.css"`) {
			t.Errorf("Path(/css/missing.css) = %q, %v; want an error naming the path", got, err)
		}
	}
}

func TestFromDirFollowsEdits(t *testing.T) {
	fsys := staticFS()
	m := webappassets.FromDir(fsys, nil)
	before, _ := m.Path("/css/site.css")
	fsys["css/site.css"] = &fstest.MapFile{Data: []byte("body{color:#000}")}
	after, err := m.Path("/css/site.css")
	if err != nil || after == before {
		t.Errorf("after an edit Path = %q, %v; want a new name (was %q)", after, err, before)
	}
}

func TestParseRefusesRelativePaths(t *testing.T) {
	if _, err := webappassets.Parse([]byte(`{"files":{"css/site.css":"/css/site.0123456789.css"}}`)); err == nil {
		t.Error("Parse accepted a path without a leading /")
	}
}

func TestLoad(t *testing.T) {
	m, _ := webappassets.Build(staticFS(), nil)
	data, _ := m.MarshalJSON()
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, webappassets.FileName), data, 0o644)
	want, _ := m.Path("/css/site.css")

	t.Run("bundle in LAMBDA_TASK_ROOT", func(t *testing.T) {
		t.Setenv("LAMBDA_TASK_ROOT", root)
		t.Setenv(webappassets.StaticDirEnv, "")
		loaded, err := webappassets.Load()
		if got, _ := loaded.Path("/css/site.css"); err != nil || got != want {
			t.Errorf("Path = %q, %v; want %q", got, err, want)
		}
	})
	t.Run("static directory of webapp dev", func(t *testing.T) {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, "css"), 0o755)
		os.WriteFile(filepath.Join(dir, "css/site.css"), []byte("body{color:#222}"), 0o644)
		t.Setenv("LAMBDA_TASK_ROOT", root)
		t.Setenv(webappassets.StaticDirEnv, dir)
		loaded, err := webappassets.Load()
		if got, _ := loaded.Path("/css/site.css"); err != nil || got != want {
			t.Errorf("Path = %q, %v; want %q", got, err, want)
		}
		t.Setenv(webappassets.StaticPathsEnv, "/assets/*,/favicon.ico")
		loaded, _ = webappassets.Load()
		if got, _ := loaded.Path("/css/site.css"); got != "/css/site.css" {
			t.Errorf("with %s=/assets/*,/favicon.ico, Path = %q, want /css/site.css", webappassets.StaticPathsEnv, got)
		}
	})
	t.Run("no manifest: plain names", func(t *testing.T) {
		t.Setenv("LAMBDA_TASK_ROOT", t.TempDir())
		t.Setenv(webappassets.StaticDirEnv, "")
		loaded, err := webappassets.Load()
		if got, _ := loaded.Path("/css/site.css"); err != nil || got != "/css/site.css" {
			t.Errorf("Path = %q, %v; want /css/site.css", got, err)
		}
	})
	t.Run("malformed manifest", func(t *testing.T) {
		bad := t.TempDir()
		os.WriteFile(filepath.Join(bad, webappassets.FileName), []byte("{"), 0o644)
		t.Setenv("LAMBDA_TASK_ROOT", bad)
		t.Setenv(webappassets.StaticDirEnv, "")
		if _, err := webappassets.Load(); err == nil {
			t.Error("Load accepted a malformed manifest")
		}
	})
}

func TestCheckFindsEveryMissingReference(t *testing.T) {
	m, _ := webappassets.Build(staticFS(), nil)
	tmpl := template.Must(template.New("page").Funcs(m.FuncMap()).Parse(`
{{define "head"}}<link href="{{asset "/css/site.css"}}">{{end}}
{{if .}}<img src="{{asset "/images/logo.svg"}}">{{else}}<img src="{{asset "/images/gone.svg"}}">{{end}}
{{range .}}{{with .}}<script src="{{asset "/js/gone.js"}}"></script>{{end}}{{end}}
<a href="{{printf "%s" (asset "/css/gone.css")}}">`))
	err := webappassets.Check(tmpl, m)
	if err == nil {
		t.Fatal("Check found nothing")
	}
	for _, missing := range []string{"/images/gone.svg", "/js/gone.js", "/css/gone.css"} {
		if !strings.Contains(err.Error(), missing) {
			t.Errorf("Check: %v\nwant it to name %s", err, missing)
		}
	}
	if strings.Contains(err.Error(), "/css/site.css") || strings.Contains(err.Error(), "logo.svg") {
		t.Errorf("Check: %v\nnames a file that exists", err)
	}
}

func TestCheckRefusesComputedPaths(t *testing.T) {
	m, _ := webappassets.Build(staticFS(), nil)
	tmpl := template.Must(template.New("page").Funcs(m.FuncMap()).Parse(`{{asset .Path}}`))
	if err := webappassets.Check(tmpl, m); err == nil || !strings.Contains(err.Error(), "not a string literal") {
		t.Errorf("Check = %v, want the computed path refused", err)
	}
}

func TestTemplateStopsOnMissingFile(t *testing.T) {
	m, _ := webappassets.Build(staticFS(), nil)
	tmpl := template.Must(template.New("page").Funcs(m.FuncMap()).Parse(`<link href="{{asset "/css/gone.css"}}">`))
	if err := tmpl.Execute(new(bytes.Buffer), nil); err == nil || !strings.Contains(err.Error(), "/css/gone.css") {
		t.Errorf("Execute = %v, want an error naming /css/gone.css", err)
	}
}
