package main

import (
	"bufio"
	"bytes"
	"flag"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gowebapp/webapp/internal/cli/modroot"
)

// TestNewSiteWorksOnItsFirstTry writes a new site with the built command,
// from this checkout, and runs its own `make synth` and `make test` as a new
// machine would (Go, npm and the system's Node on PATH, nothing else of
// this repository's): both pass, and cdk.out holds the stack's template,
// which `webapp local` then serves: the page, its form's redirect and the
// stylesheet.
func TestNewSiteWorksOnItsFirstTry(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a new site, then runs its make synth and make test (npm ci, synth, the gates): a few minutes; skipped with -short")
	}
	for _, tool := range []string{"make", "npm", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("a new site needs %s on PATH: %v", tool, err)
		}
	}
	root, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	env := newMachineEnv(os.Environ())
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "webapp")
	runIn(t, ".", env, "go", "build", "-o", bin, ".")

	dir := filepath.Join(tmp, "mysite")
	runIn(t, tmp, env, bin, "new", "-replace", root, "-module", "example.com/mysite", dir)
	runIn(t, dir, env, "make", "synth")
	if _, err := os.Stat(filepath.Join(dir, "cdk.out", "mysite-dev.template.json")); err != nil {
		t.Errorf("make synth wrote no template of the stack mysite-dev: %v", err)
	}
	// -count=1: the site's tests run, whatever the build cache remembers.
	runIn(t, dir, append(slices.Clone(env), "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -count=1")), "make", "test")

	site := serveLocally(t, bin, dir, env)
	for _, tt := range []struct {
		method, path, form string
		status             int
		want               string // in the body, or the Location
	}{
		{"GET", "/", "", http.StatusOK, `<form method="post" action="/greet">`},
		{"POST", "/greet", "name=Ada", http.StatusSeeOther, "/?name=Ada"},
		{"GET", "/?name=Ada", "", http.StatusOK, "<h1>Hello, Ada!</h1>"},
		{"GET", "/css/site.css", "", http.StatusOK, ":focus-visible"},
	} {
		status, location, body := fetch(t, tt.method, site+tt.path[1:], tt.form)
		if status != tt.status || !strings.Contains(location+body, tt.want) {
			t.Errorf("webapp local: %s %s: %d, Location %q, want %d with %q; body:\n%s", tt.method, tt.path, status, location, tt.status, tt.want, body)
		}
	}
}

// serveLocally starts `webapp local` on the site's cloud assembly, on a free
// port, and returns the site's URL; it stops when the test ends.
func serveLocally(t *testing.T, bin, dir string, env []string) string {
	t.Helper()
	cmd := exec.Command(bin, "local", "-synth", "never", "-dir", dir, "-port", "0")
	cmd.Dir = dir
	// The site's pinned Node first, as its Makefile's `make local` has it.
	for _, kv := range env {
		if path, ok := strings.CutPrefix(kv, "PATH="); ok {
			cmd.Env = append(slices.Clone(env), "PATH="+filepath.Join(dir, "node_modules", ".bin")+string(filepath.ListSeparator)+path)
		}
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
	})
	urls := make(chan string, 1)
	go func() {
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			if _, rest, ok := strings.Cut(lines.Text(), "Local site: "); ok {
				urls <- strings.Fields(rest)[0]
			}
		}
		exited <- cmd.Wait()
	}()
	select {
	case url := <-urls:
		return url
	case err := <-exited:
		t.Fatalf("webapp local exited before serving: %v\n%s", err, stderr.Bytes())
	case <-time.After(2 * time.Minute):
		t.Fatalf("webapp local did not serve within 2 minutes:\n%s", stderr.Bytes())
	}
	return ""
}

// fetch sends one request, without following a redirect.
func fetch(t *testing.T, method, url, form string) (status int, location, body string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	if form != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	client := &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

func TestNewTakesFlagsBeforeAndAfterTheDirectory(t *testing.T) {
	tests := []struct {
		args        []string
		dir, module string
		wantErr     string
	}{
		{args: []string{"-module", "example.com/a", "site"}, dir: "site", module: "example.com/a"},
		{args: []string{"site", "-module", "example.com/a"}, dir: "site", module: "example.com/a"},
		{args: []string{"site"}, dir: "site"},
		{args: []string{}, wantErr: "want one directory, got 0 arguments"},
		{args: []string{"a", "b"}, wantErr: "want one directory, got 2 arguments"},
		{args: []string{"-nope", "site"}, wantErr: "flag provided but not defined: -nope"},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("webapp new", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		module := fs.String("module", "", "")
		dir, err := parseInterspersed(fs, tt.args)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("%q: error %v, want %q", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil || dir != tt.dir || *module != tt.module {
			t.Errorf("%q: dir %q, -module %q, error %v; want %q, %q", tt.args, dir, *module, err, tt.dir, tt.module)
		}
	}
}

// newMachineEnv is environ without what this repository's tests add: its
// pinned Node's directory on PATH, and the CDK's account and region.
func newMachineEnv(environ []string) []string {
	var env []string
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		switch {
		case k == "PATH":
			dirs := slices.DeleteFunc(filepath.SplitList(v), func(d string) bool {
				return strings.HasSuffix(filepath.ToSlash(d), "node_modules/.bin")
			})
			env = append(env, "PATH="+strings.Join(dirs, string(filepath.ListSeparator)))
		case strings.HasPrefix(k, "CDK_"):
		default:
			env = append(env, kv)
		}
	}
	return env
}

// runIn runs a command in dir and fails the test with its output when it
// fails; it logs how long the command took.
func runIn(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, env
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("%s %s: %s", name, strings.Join(args, " "), time.Since(start).Round(time.Second))
	if err != nil {
		t.Fatalf("%s %s (in %s): %v\n%s", name, strings.Join(args, " "), dir, err, out)
	}
	return string(out)
}
