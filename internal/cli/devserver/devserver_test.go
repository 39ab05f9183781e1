package devserver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gowebapp/webapp/internal/cli/modroot"
)

// buildTimeout bounds a wait for a build and start: the first one compiles
// the function's dependencies unless Go's build cache has them.
const buildTimeout = 3 * time.Minute

// TestRunReloadsOnChange edits a real project's function and checks each
// outcome, in the order a developer meets them: the first start, an edit,
// an edit that leaves the binary the same, a build error and its undoing, a
// function that exits at start, one that crashes later, and each recovery.
func TestRunReloadsOnChange(t *testing.T) {
	p := newProject(t, "version 1")
	p.write("static/css/site.css", "body { color: teal }")
	p.run()
	p.waitFor("started ./lambda in ")

	p.wantPage("/", 200, "version 1 host="+p.host+" link=/x")
	p.wantPage("/css/site.css", 200, "body { color: teal }")

	p.writeFunction(`"version 2"`)
	p.waitFor("reloaded in ", "(lambda/main.go changed)")
	p.wantPage("/", 200, "version 2 ")

	p.write("tools.go", "package site // beside the function, not part of it\n")
	p.waitFor("checked in ", "(tools.go changed): the function is the same, still running")
	p.wantPage("/", 200, "version 2 ")

	p.writeFunction(`undefinedThing()`)
	p.waitFor("build failed (lambda/main.go changed)", "lambda/main.go:", "undefined: undefinedThing")
	p.wantPage("/", 500, "the build of ./lambda failed", "lambda/main.go:", "undefined: undefinedThing")
	p.wantPage("/css/site.css", 200, "body { color: teal }") // static files do not depend on the build

	p.writeFunction(`"version 2"`) // undone: the running binary is the one this builds
	p.waitFor("checked in ", "the function is the same, still running; the pages are served again")
	p.wantPage("/", 200, "version 2 ")

	p.write("lambda/main.go", "package main\n\nimport \"os\"\n\nfunc main() { println(\"TABLE_NAME is not set\"); os.Exit(1) }\n")
	p.waitFor("the function exited at start (exit status 1)")
	p.wantPage("/", 500, "the function exited at start (exit status 1)", "TABLE_NAME is not set", "webapphttp.Start")

	p.writeFunction(`"version 3"`)
	p.waitFor("reloaded in ", "(lambda/main.go changed)")
	p.wantPage("/", 200, "version 3 ")

	if resp, err := http.Get(p.url + "/exit"); err == nil { // the function exits: no answer, or a 502
		resp.Body.Close()
	}
	p.waitFor("the function exited by itself (exit status 3); it starts again on the next change")
	p.wantPage("/", 502, "the function exited (exit status 3)", "It starts again on the next change.")

	p.writeFunction(`"version 4"`)
	p.waitFor("started ./lambda in ")
	p.wantPage("/", 200, "version 4 ")
}

// TestRequestsDuringAReloadAreAnswered sends requests without a pause
// while the function is rebuilt and replaced: each one is answered by the
// old version or the new, none is refused or fails.
func TestRequestsDuringAReloadAreAnswered(t *testing.T) {
	p := newProject(t, "old")
	p.run()
	p.waitFor("started ./lambda in ")

	var wg sync.WaitGroup
	stop := make(chan struct{})
	var mu sync.Mutex
	answers := map[string]int{}
	for range 4 {
		wg.Go(func() {
			client := &http.Client{Timeout: 30 * time.Second}
			for {
				select {
				case <-stop:
					return
				default:
				}
				var answer string
				resp, err := client.Get(p.url + "/")
				if err != nil {
					answer = err.Error()
				} else {
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					first, _, _ := strings.Cut(string(body), " ")
					answer = fmt.Sprintf("%d %s", resp.StatusCode, first)
				}
				mu.Lock()
				answers[answer]++
				mu.Unlock()
			}
		})
	}
	p.writeFunction(`"new"`)
	p.waitFor("reloaded in ")
	p.wantPage("/", 200, "new ") // the new process answers, so requests reached it too
	close(stop)
	wg.Wait()
	for answer, n := range answers {
		if answer != "200 old" && answer != "200 new" {
			t.Errorf("%d requests got %q during the reload, want 200 from the old or the new function", n, answer)
		}
	}
	if answers["200 old"] == 0 {
		t.Errorf("answers = %v: no request reached the old function before the reload", answers)
	}
}

func TestRunRefusesMissingDirectories(t *testing.T) {
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := os.Mkdir(filepath.Join(dir, "lambda"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		opts Options
		want string
	}{
		{"no function", Options{Dir: dir, Function: "./fn", Listener: l},
			"there is no function directory ./fn in " + dir + ": give the directory of the function's main package, the construct's FunctionDir"},
		{"no static files", Options{Dir: dir, StaticDir: "public", Listener: l},
			"there is no static directory public in " + dir + ": give the construct's StaticDir"},
		{"no listener", Options{Dir: dir}, "no listener to serve on"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := Run(t.Context(), tt.opts); err == nil || err.Error() != tt.want {
				t.Errorf("Run = %v, want %q", err, tt.want)
			}
		})
	}
}

// project is a module in a temporary directory, like an adopter's: its
// function in ./lambda calls webapphttp.Start, and it requires this
// module through a replace of the checkout the test runs in.
type project struct {
	t        *testing.T
	dir      string
	url      string
	host     string
	out      *output
	listener net.Listener
}

func newProject(t *testing.T, text string) *project {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a function with go build")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command:", err)
	}
	root, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	// The project's go.mod names what this module's own requires for
	// webapphttp, so that it builds offline from the module cache.
	out, err := exec.Command("go", "mod", "edit", "-json", filepath.Join(root, "go.mod")).Output()
	if err != nil {
		t.Fatalf("go mod edit -json: %v", err)
	}
	var mod struct {
		Go      string
		Require []struct{ Path, Version string }
	}
	if err := json.Unmarshal(out, &mod); err != nil {
		t.Fatal(err)
	}
	lambdaGo := ""
	for _, r := range mod.Require {
		if r.Path == "github.com/aws/aws-lambda-go" {
			lambdaGo = r.Version
		}
	}
	sums, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &project{t: t, dir: t.TempDir(), out: newOutput(), listener: l}
	p.host = l.Addr().String()
	p.url = "http://" + p.host
	p.write("go.mod", fmt.Sprintf("module example.com/site\n\ngo %s\n\nrequire (\n\tgithub.com/gowebapp/webapp v0.0.0\n\tgithub.com/aws/aws-lambda-go %s // indirect\n)\n\nreplace github.com/gowebapp/webapp => %s\n",
		mod.Go, lambdaGo, root))
	p.write("go.sum", string(sums))
	p.write("static/.keep", "")
	p.writeFunction(fmt.Sprintf("%q", text))
	return p
}

// writeFunction writes the function's main.go: it answers every path with
// the value of expr, the host it saw and a link through webapphttp.URL,
// and exits with status 3 on /exit.
func (p *project) writeFunction(expr string) {
	p.write("lambda/main.go", `package main

import (
	"fmt"
	"net/http"
	"os"

	"github.com/gowebapp/webapp/webapphttp"
)

func main() {
	webapphttp.Start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/exit" {
			os.Exit(3)
		}
		fmt.Fprintf(w, "%s host=%s link=%s", `+expr+`, r.Host, webapphttp.URL(r, "/x"))
	}))
}
`)
}

func (p *project) write(rel, content string) {
	p.t.Helper()
	name := filepath.Join(p.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// run starts Run on the project until the test ends, and then checks that
// it returned nil.
func (p *project) run() {
	ctx, cancel := context.WithCancel(context.Background())
	returned := make(chan error, 1)
	go func() { returned <- Run(ctx, Options{Dir: p.dir, Listener: p.listener, Output: p.out}) }()
	p.t.Cleanup(func() {
		cancel()
		select {
		case err := <-returned:
			if err != nil {
				p.t.Errorf("Run = %v after cancel, want nil", err)
			}
		case <-time.After(30 * time.Second):
			p.t.Error("Run did not return 30 s after cancel")
		}
	})
}

// waitFor waits until the output that follows the last wait has all of
// wants, in one message, and fails the test after buildTimeout.
func (p *project) waitFor(wants ...string) {
	p.t.Helper()
	if err := p.out.waitFor(wants, buildTimeout); err != nil {
		p.t.Fatal(err)
	}
}

// wantPage checks that a browser's GET of path gets status and a body
// with every one of wants.
func (p *project) wantPage(path string, status int, wants ...string) {
	p.t.Helper()
	req, _ := http.NewRequest("GET", p.url+path, nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		p.t.Errorf("GET %s = %d, want %d; body:\n%s", path, resp.StatusCode, status, body)
	}
	for _, want := range wants {
		if !strings.Contains(string(body), want) {
			p.t.Errorf("GET %s: the body does not have %q:\n%s", path, want, body)
		}
	}
}

// output is what Run writes, kept for waitFor.
type output struct {
	mu    sync.Mutex
	text  []byte
	from  int           // where the next waitFor looks
	wrote chan struct{} // closed and replaced on each write
}

func newOutput() *output { return &output{wrote: make(chan struct{})} }

func (o *output) Write(b []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.text = append(o.text, b...)
	close(o.wrote)
	o.wrote = make(chan struct{})
	return len(b), nil
}

// waitFor waits for a line after the last match that has the first of
// wants, followed by the others within the next lines (a build error
// spans several), and moves past it.
func (o *output) waitFor(wants []string, timeout time.Duration) error {
	deadline := time.After(timeout)
	for {
		o.mu.Lock()
		rest, wrote := string(o.text[o.from:]), o.wrote
		if i := strings.Index(rest, wants[0]); i >= 0 {
			msg := rest[i:]
			if end := strings.Index(msg, "\n\n"); end >= 0 {
				msg = msg[:end]
			}
			all := true
			for _, w := range wants[1:] {
				all = all && strings.Contains(msg, w)
			}
			if all {
				o.from += i + len(wants[0])
				o.mu.Unlock()
				return nil
			}
		}
		o.mu.Unlock()
		select {
		case <-wrote:
		case <-deadline:
			o.mu.Lock()
			defer o.mu.Unlock()
			return fmt.Errorf("no message with %q after %v; the output since the last one:\n%s", wants, timeout, o.text[o.from:])
		}
	}
}
