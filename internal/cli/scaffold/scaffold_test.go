package scaffold

import (
	"bytes"
	"encoding/json"
	"go/format"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

// writeSite writes a site without tidying (which would fetch v0.1.0) and
// returns its directory.
func writeSite(t *testing.T, opts Options) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "mysite")
	if err := Write(dir, opts); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestWriteWritesEverySiteFile: each embedded file lands at its path (a
// template without its .tmpl, .gitignore with its dot), every template
// action is rendered, and the Go files are gofmt-clean.
func TestWriteWritesEverySiteFile(t *testing.T) {
	dir := writeSite(t, Options{Module: "example.com/mysite", Version: "v0.1.0"})
	err := fs.WalkDir(site, "site", func(name string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel := strings.TrimSuffix(strings.TrimPrefix(name, "site/"), ".tmpl")
		if rel == "gitignore" {
			rel = ".gitignore"
		}
		got, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return nil
		}
		if bytes.Contains(got, []byte("[[")) || bytes.Contains(got, []byte("]]")) {
			t.Errorf("%s has an action left unrendered:\n%s", rel, got)
		}
		if strings.HasSuffix(rel, ".go") {
			if formatted, err := format.Source(got); err != nil {
				t.Errorf("%s: %v", rel, err)
			} else if !bytes.Equal(formatted, got) {
				t.Errorf("%s is not gofmt-clean", rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestWriteRequiresTheReleaseOrTheCheckout: go.mod requires WebApp at the
// version given, or replaces it with a checkout, and runs its command as a
// tool either way.
func TestWriteRequiresTheReleaseOrTheCheckout(t *testing.T) {
	checkout := fakeCheckout(t, ModulePath)
	tests := []struct {
		name     string
		opts     Options
		want     []string
		wantNone string
	}{
		{
			name:     "a release",
			opts:     Options{Module: "example.com/mysite", Version: "v0.1.0"},
			want:     []string{"module example.com/mysite\n", "\tgithub.com/gowebapp/webapp v0.1.0\n", "\ntool github.com/gowebapp/webapp/cmd/webapp\n"},
			wantNone: "replace",
		},
		{
			name: "a checkout",
			opts: Options{Module: "example.com/mysite", Replace: checkout},
			want: []string{"\tgithub.com/gowebapp/webapp v0.0.0\n", "\nreplace github.com/gowebapp/webapp => " + checkout + "\n"},
		},
		{
			name: "a checkout in a directory with a space",
			opts: Options{Module: "example.com/mysite", Version: "v0.1.0", Replace: fakeCheckout(t, ModulePath, "my webapp")},
			want: []string{"\tgithub.com/gowebapp/webapp v0.1.0\n", `replace github.com/gowebapp/webapp => "`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(readFile(t, filepath.Join(writeSite(t, tt.opts), "go.mod")))
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("go.mod lacks %q:\n%s", w, got)
				}
			}
			if tt.wantNone != "" && strings.Contains(got, tt.wantNone) {
				t.Errorf("go.mod has %q:\n%s", tt.wantNone, got)
			}
			for path, version := range pins.Require {
				if !strings.Contains(got, "\t"+path+" "+version+"\n") {
					t.Errorf("go.mod does not require %s %s:\n%s", path, version, got)
				}
			}
		})
	}
}

// TestCdkJSONHasTheStagesAndTheFlags: cdk.json is JSON, with the two stages
// and exactly the pinned feature flags.
func TestCdkJSONHasTheStagesAndTheFlags(t *testing.T) {
	dir := writeSite(t, Options{Module: "example.com/mysite", Version: "v0.1.0"})
	var cdk struct {
		App     string
		Context map[string]any
	}
	decodeJSON(t, "cdk.json", readFile(t, filepath.Join(dir, "cdk.json")), &cdk)
	if cdk.App != "go run ." {
		t.Errorf(`cdk.json: app %q, want "go run ."`, cdk.App)
	}
	stages, _ := cdk.Context["stages"].(map[string]any)
	if _, ok := stages[cdk.Context["stage"].(string)]; !ok || len(stages) != 2 || stages["prod"] == nil {
		t.Errorf("cdk.json: stage %v, stages %v: want dev and prod, the default among them", cdk.Context["stage"], stages)
	}
	flags := map[string]any{}
	for k, v := range cdk.Context {
		if strings.HasPrefix(k, "@") {
			flags[k] = v
		}
	}
	if !reflect.DeepEqual(flags, pins.FeatureFlags) {
		t.Errorf("cdk.json's feature flags differ from pins.json's:\n got %v\nwant %v", flags, pins.FeatureFlags)
	}
}

// TestMakeDevServesTheStacksStaticPaths: make dev serves from static/ the
// paths that the stack's CloudFront does.
func TestMakeDevServesTheStacksStaticPaths(t *testing.T) {
	dir := writeSite(t, Options{Module: "example.com/mysite", Version: "v0.1.0"})
	stack := regexp.MustCompile(`StaticPaths: \[\]string\{([^}]*)\}`).FindSubmatch(readFile(t, filepath.Join(dir, "stack.go")))
	makefile := regexp.MustCompile(`(?m)^STATIC_PATHS := (.*)$`).FindSubmatch(readFile(t, filepath.Join(dir, "Makefile")))
	if stack == nil || makefile == nil {
		t.Fatalf("stack.go's StaticPaths %q, the Makefile's STATIC_PATHS %q: want both", stack, makefile)
	}
	var paths []string
	for _, quoted := range strings.Split(string(stack[1]), ",") {
		p, err := strconv.Unquote(strings.TrimSpace(quoted))
		if err != nil {
			t.Fatalf("stack.go's StaticPaths: %s: %v", stack[1], err)
		}
		paths = append(paths, p)
	}
	if got, want := string(makefile[1]), strings.Join(paths, ","); got != want {
		t.Errorf("the Makefile's STATIC_PATHS = %s, want stack.go's StaticPaths %s", got, want)
	}
}

func TestWriteRefusesANonEmptyDirectory(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "notes.txt"), []byte("mine"))
	err := Write(dir, Options{Module: "example.com/mysite", Version: "v0.1.0"})
	if err == nil || !strings.Contains(err.Error(), "is not empty (it has notes.txt)") {
		t.Fatalf("Write into a directory with a file: %v, want it refused naming the file", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("Write refused, but the directory now has %d entries", len(entries))
	}
}

func TestWriteIntoAnEmptyDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir, Options{Module: "example.com/mysite", Version: "v0.1.0"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "stack.go")); err != nil {
		t.Error(err)
	}
}

// TestWriteRefusesBadOptions: each problem is refused before anything is
// written, with a message that names it and the fix.
func TestWriteRefusesBadOptions(t *testing.T) {
	tests := []struct {
		name string
		dir  string // the new directory's base name
		opts Options
		want string
	}{
		{
			name: "a development build without a checkout",
			dir:  "mysite", opts: Options{Module: "example.com/mysite"},
			want: "this webapp command is a development build, not a release; run a released one (go run github.com/gowebapp/webapp/cmd/webapp@latest new DIR) or pass -replace",
		},
		{
			name: "a module path with a space",
			dir:  "mysite", opts: Options{Module: "example.com/my site", Version: "v0.1.0"},
			want: `element "my site" may hold only letters, digits`,
		},
		{
			name: "a default module path from a directory name with a space",
			dir:  "my site", opts: Options{Version: "v0.1.0"},
			want: "the default module path comes from the directory's name; choose one with -module",
		},
		{
			name: "WebApp's own module path",
			dir:  "mysite", opts: Options{Module: "github.com/gowebapp/webapp/mysite", Version: "v0.1.0"},
			want: "is WebApp's own",
		},
		{
			name: "a replacement that is not a checkout",
			dir:  "mysite", opts: Options{Module: "example.com/mysite", Replace: t.TempDir()},
			want: "give the directory of a checkout of github.com/gowebapp/webapp",
		},
		{
			name: "a replacement that is another module",
			dir:  "mysite", opts: Options{Module: "example.com/mysite", Replace: fakeCheckout(t, "example.com/other")},
			want: "holds module example.com/other, not github.com/gowebapp/webapp",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), tt.dir)
			err := Write(dir, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Write: %v, want an error with %q", err, tt.want)
			}
			if _, err := os.Stat(dir); err == nil {
				t.Errorf("Write failed, but it created %s", dir)
			}
		})
	}
}

func TestCheckModulePath(t *testing.T) {
	for _, p := range []string{"example.com/mysite", "github.com/acme/shop-web", "mysite", "example.com/a_b/v2", "gopkg.in/x.v1"} {
		if err := CheckModulePath(p); err != nil {
			t.Errorf("CheckModulePath(%q): %v, want nil", p, err)
		}
	}
	for p, want := range map[string]string{
		"":                      "empty",
		"example.com//mysite":   "empty element",
		"/example.com/mysite":   "empty element",
		"example.com/mysite/":   "empty element",
		"example.com/my site":   "may hold only",
		"example.com/.hidden":   "may hold only",
		"example.com/mysite.":   "may hold only",
		"example.com/../x":      "may hold only",
		"Example.com/mysite":    "is a domain: use lower case",
		"-example.com/mysite":   "is a domain",
		"example.com/caf\u00e9": "may hold only",
	} {
		if err := CheckModulePath(p); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckModulePath(%q): %v, want an error with %q", p, err, want)
		}
	}
}

func TestSiteName(t *testing.T) {
	for module, want := range map[string]string{
		"example.com/mysite":      "mysite",
		"example.com/my_site.web": "my-site-web",
		"github.com/acme/2048":    "site-2048",
		"example.com/-x-":         "x",
		"example.com/___":         "site",
	} {
		if got := siteName(module); got != want {
			t.Errorf("siteName(%q) = %q, want %q", module, got, want)
		}
	}
}

func TestBuildVersion(t *testing.T) {
	main := func(version string, replace *debug.Module) *debug.BuildInfo {
		return &debug.BuildInfo{Main: debug.Module{Path: ModulePath, Version: version, Replace: replace}}
	}
	tests := []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"go run ...@v0.1.0", main("v0.1.0", nil), "v0.1.0"},
		{"go run ...@commit", main("v0.1.1-0.20260101120000-abcdefabcdef", nil), "v0.1.1-0.20260101120000-abcdefabcdef"},
		{"go build in a checkout", main("(devel)", nil), ""},
		{"go build in a checkout with changes", main("v0.1.1-0.20260101120000-abcdefabcdef+dirty", nil), ""},
		{"a tool replaced by a directory", main("v0.1.0", &debug.Module{Path: "../webapp"}), ""},
		{"another main module, WebApp a dependency", &debug.BuildInfo{
			Main: debug.Module{Path: "example.com/tools", Version: "(devel)"},
			Deps: []*debug.Module{{Path: ModulePath, Version: "v0.2.0"}},
		}, "v0.2.0"},
		{"no build information", nil, ""},
	}
	for _, tt := range tests {
		if got := BuildVersion(tt.info); got != tt.want {
			t.Errorf("%s: BuildVersion = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// fakeCheckout returns a directory whose go.mod names module.
func fakeCheckout(t *testing.T, module string, under ...string) string {
	t.Helper()
	dir := filepath.Join(append([]string{t.TempDir()}, under...)...)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "go.mod"), []byte("module "+module+"\n\ngo 1.26.0\n"))
	return dir
}

func run(t *testing.T, dir, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s (in %s): %v\n%s", name, strings.Join(args, " "), dir, err, stderr.Bytes())
	}
	return out
}

func decodeJSON(t *testing.T, what string, raw []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
