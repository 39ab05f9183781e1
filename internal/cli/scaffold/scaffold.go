// Package scaffold writes a new site's Go module, as `webapp new` does: a CDK
// app that puts the WebApp construct in a stack per stage, the function with
// a page, a form post and a JSON endpoint, static files, the tests (template
// assertions, the gates, the handlers), a Makefile and a README.
//
// The files are embedded in site/, so the command works from the module
// cache. A file whose name ends in .tmpl is rendered with text/template and
// loses the suffix; its actions are delimited by [[ and ]], so that the {{ }}
// of the site's own templates, and of the README's examples of them, stay as
// they are. Any other file is copied as it is.
//
// The versions the new module pins — Go modules, Node tools, CDK feature
// flags — are this repository's, in pins.json, site/package.json and
// site/package-lock.json; the tests fail when they drift, and
// `go test ./internal/cli/scaffold -update` renews them.
package scaffold

import (
	"bufio"
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/template"
)

// ModulePath is the module of the WebApp construct and its runtime package,
// which the new module requires.
const ModulePath = "github.com/gowebapp/webapp"

// Options configure Write.
type Options struct {
	// Module is the new module's path, for example "example.com/mysite".
	// Default: example.com/ followed by the directory's base name.
	Module string
	// Version is the version of ModulePath to require, a release such as
	// "v0.1.0" (see BuildVersion). Required unless Replace is set.
	Version string
	// Replace is a directory holding a checkout of ModulePath: the new
	// module replaces the requirement with it, to try the checkout before a
	// release. A relative path is taken from the working directory.
	// Default: no replacement.
	Replace string
	// Tidy runs `go mod tidy` in the new module, so that go.mod lists every
	// indirect requirement and go.sum is complete: the module builds offline
	// afterwards. Without it, run `go mod tidy` before building.
	Tidy bool
}

//go:embed all:site
var site embed.FS

// Write writes the new site's module into dir, which must not exist or be
// empty. It checks the options before it writes anything; when `go mod
// tidy` fails, the files stay in dir and the error says so.
func Write(dir string, opts Options) error {
	d, err := newData(dir, opts)
	if err != nil {
		return err
	}
	if err := checkEmpty(dir); err != nil {
		return err
	}
	if err := render(dir, d); err != nil {
		return err
	}
	if !opts.Tidy {
		return nil
	}
	tidy := exec.Command("go", "mod", "tidy")
	tidy.Dir = dir
	// The new module is tidied on its own, whatever go.work lies above it.
	tidy.Env = append(os.Environ(), "GOWORK=off")
	if out, err := tidy.CombinedOutput(); err != nil {
		return fmt.Errorf("the files are in %s, but go mod tidy failed there: %v\n%s", dir, err, out)
	}
	return nil
}

// data is what the templates see.
type data struct {
	// Module is the new module's path; Name its last element, made fit to
	// prefix the stacks' names ("mysite" in mysite-dev).
	Module, Name string
	// Go is the go directive; Require the new module's direct requirements.
	Go      string
	Require []requirement
	// Replace is the checkout's absolute directory, "" without one.
	Replace string
}

type requirement struct{ Path, Version string }

func newData(dir string, opts Options) (*data, error) {
	if dir == "" {
		return nil, errors.New("no directory given")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	d := &data{Module: opts.Module, Go: pins.Go}
	if d.Module == "" {
		d.Module = "example.com/" + filepath.Base(abs)
		if err := CheckModulePath(d.Module); err != nil {
			return nil, fmt.Errorf("%v: the default module path comes from the directory's name; choose one with -module", err)
		}
	} else if err := CheckModulePath(d.Module); err != nil {
		return nil, fmt.Errorf("%v", err)
	}
	if d.Module == ModulePath || strings.HasPrefix(d.Module, ModulePath+"/") {
		return nil, fmt.Errorf("module path %q is WebApp's own: choose a path of your own, such as example.com/mysite", d.Module)
	}
	d.Name = siteName(d.Module)

	version := opts.Version
	switch {
	case opts.Replace != "":
		if d.Replace, err = checkCheckout(opts.Replace); err != nil {
			return nil, err
		}
		if version == "" {
			version = "v0.0.0" // never fetched: the replacement stands in for it
		}
	case version == "":
		return nil, fmt.Errorf("no version of %s to require: this webapp command is a development build, not a release; "+
			"run a released one (go run %s/cmd/webapp@latest new DIR) or pass -replace with the directory of a checkout", ModulePath, ModulePath)
	}
	d.Require = append(pins.require(), requirement{ModulePath, version})
	return d, nil
}

// checkEmpty fails unless dir is missing or an empty directory.
func checkEmpty(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("%v", err)
	case len(entries) > 0:
		return fmt.Errorf("%s is not empty (it has %s): choose a new directory, or empty this one", dir, entries[0].Name())
	}
	return nil
}

// checkCheckout returns the absolute directory of a checkout of ModulePath.
func checkCheckout(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	f, err := os.Open(filepath.Join(abs, "go.mod"))
	if err != nil {
		return "", fmt.Errorf("-replace %s: %v: give the directory of a checkout of %s", dir, err, ModulePath)
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		if module, ok := strings.CutPrefix(strings.TrimSpace(lines.Text()), "module "); ok {
			if module = strings.Trim(strings.TrimSpace(module), `"`); module != ModulePath {
				return "", fmt.Errorf("-replace %s holds module %s, not %s", dir, module, ModulePath)
			}
			return abs, nil
		}
	}
	return "", fmt.Errorf("-replace %s: its go.mod names no module", dir)
}

// render writes every embedded file of the site into dir.
func render(dir string, d *data) error {
	return fs.WalkDir(site, "site", func(name string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		content, err := site.ReadFile(name)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(name, "site/")
		if rel == "gitignore" {
			rel = ".gitignore" // stored without the dot, which git would obey here
		}
		if strings.HasSuffix(rel, ".tmpl") {
			rel = strings.TrimSuffix(rel, ".tmpl")
			if content, err = execute(name, content, d); err != nil {
				return err
			}
		}
		target := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		return os.WriteFile(target, content, 0o644)
	})
}

func execute(name string, text []byte, d *data) ([]byte, error) {
	t, err := template.New(path.Base(name)).Funcs(template.FuncMap{
		"featureFlags": featureFlags,
		"quote":        modQuote,
	}).Delims("[[", "]]").Option("missingkey=error").Parse(string(text))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, d); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return buf.Bytes(), nil
}

// modQuote quotes a go.mod token when it needs quotes (a path with spaces).
func modQuote(s string) string {
	if strings.ContainsAny(s, " \t\"'`\\") {
		return strconv.Quote(s)
	}
	return s
}

// modulePathElement is what the go command allows in an element of a module
// path (golang.org/x/mod/module.CheckPath).
var modulePathElement = regexp.MustCompile(`^[A-Za-z0-9_~-]+(\.[A-Za-z0-9_~-]+)*$`)

// CheckModulePath returns an error that says what is wrong with a module
// path, under the go command's rules: elements of letters, digits and
// "-._~", none empty or starting or ending with a dot, and a first element
// (the domain) in lower case that does not start with '-'.
func CheckModulePath(p string) error {
	if p == "" {
		return errors.New("the module path is empty")
	}
	for i, elem := range strings.Split(p, "/") {
		switch {
		case elem == "":
			return fmt.Errorf("module path %q has an empty element: use one '/' between elements and none at either end", p)
		case !modulePathElement.MatchString(elem):
			return fmt.Errorf("module path %q: element %q may hold only letters, digits and '-', '.', '_', '~', and neither start nor end with '.'", p, elem)
		case i == 0 && (strings.ToLower(elem) != elem || strings.HasPrefix(elem, "-")):
			return fmt.Errorf("module path %q: its first element %q is a domain: use lower case, not starting with '-'", p, elem)
		}
	}
	return nil
}

// siteName is the last element of the module path, fit to begin the stacks'
// names: CloudFormation allows letters, digits and '-', starting with a
// letter.
func siteName(module string) string {
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, path.Base(module))
	name = strings.Trim(name, "-")
	if name == "" || !(name[0] >= 'a' && name[0] <= 'z' || name[0] >= 'A' && name[0] <= 'Z') {
		name = "site-" + name
	}
	return strings.TrimSuffix(name, "-")
}
