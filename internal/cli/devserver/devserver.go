// Package devserver runs a WebApp project on this machine while it is being
// edited, as `chalice local` does: the static files straight from their
// directory, and every other path from the function, built for this machine
// and restarted whenever a Go file or a template changes.
//
// The function is the project's own binary: webapphttp.Start serves HTTP
// when the environment has WEBAPP_LOCAL_ADDR, so it runs as in Lambda
// (CORS and all), at the root path as behind CloudFront. The server in
// front of it stays up and keeps its address; on a change it builds again,
// starts the new binary, switches to it once it accepts connections and
// then stops the old one, so no request is refused during a reload. A build
// that fails leaves the old process running and the pages showing the
// compiler's message until the next good build.
package devserver

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gowebapp/webapp/internal/cli/watch"
	"github.com/gowebapp/webapp/internal/lambdabuild"
	"github.com/gowebapp/webapp/internal/staticpaths"
	"github.com/gowebapp/webapp/webappassets"
)

// Options say what to run and where.
type Options struct {
	// Dir is the project's directory, where the function is built and
	// which is watched for changes.
	// Default: the working directory.
	Dir string
	// Function is the directory of the function's main package, relative
	// to Dir: the construct's FunctionDir.
	// Default: "./lambda".
	Function string
	// StaticDir is the directory of the static files, relative to Dir:
	// the construct's StaticDir.
	// Default: "static".
	StaticDir string
	// StaticPaths are the URL path patterns served from StaticDir: the
	// construct's StaticPaths.
	// Default: staticpaths.Default(), as the construct's.
	StaticPaths []string
	// Listener is where the site is served. Run closes it. Required.
	Listener net.Listener
	// Env is added to the function's environment, as KEY=VALUE, over this
	// process's own.
	// Default: this process's environment alone.
	Env []string
	// Output receives what Run says (the URL, each reload, build errors)
	// and the function's standard output and error.
	// Default: standard error.
	Output io.Writer
}

const (
	// pollInterval is how often the project is scanned for changes: a
	// scan costs about a millisecond, and a change is seen within two.
	pollInterval = 100 * time.Millisecond
	// requestWait bounds how long a request waits for a reload under way
	// before the running process answers it, or with none, a 503.
	requestWait = 5 * time.Second
	// shutdownTimeout is how long requests under way get when Run stops.
	shutdownTimeout = 5 * time.Second
)

// Run serves the project until ctx is done, rebuilding and restarting the
// function on every change. It returns an error only when it cannot start
// (a missing directory, no Listener) or cannot serve; a build that fails is
// reported to Output and on the pages, and Run goes on.
func Run(ctx context.Context, opts Options) error {
	s, err := newServer(opts)
	if err != nil {
		if opts.Listener != nil {
			opts.Listener.Close()
		}
		return err
	}
	defer s.close()
	closeSecrets, err := s.serveSecrets()
	if err != nil {
		opts.Listener.Close()
		return err
	}
	if closeSecrets != nil {
		defer closeSecrets()
	}

	changes := watch.Watch(ctx, s.dir, watch.SourceFiles, pollInterval)
	srv := &http.Server{
		Handler:           route(s.staticPaths, os.DirFS(filepath.Join(s.dir, s.staticDir)), http.HandlerFunc(s.serveFunction)),
		ReadHeaderTimeout: 10 * time.Second,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(opts.Listener) }()
	s.printf("http://%s/ serves %s from %s/ and every other path from %s (Ctrl-C to stop)\n",
		opts.Listener.Addr(), strings.Join(s.staticPaths, ", "), s.staticDir, s.function)
	s.reload(ctx, watch.Change{})

	for {
		select {
		case c, ok := <-changes:
			if !ok {
				changes = nil // ctx is done: the next pass returns
				continue
			}
			s.reload(ctx, c)
		case err := <-served:
			return err
		case <-ctx.Done():
			shutdown, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
			defer cancel()
			if err := srv.Shutdown(shutdown); errors.Is(err, context.DeadlineExceeded) {
				srv.Close() // the requests still under way are cut off
			}
			return nil
		}
	}
}

// server is the state of a Run: the process serving requests, or why none
// can.
type server struct {
	dir, function, staticDir string
	staticPaths              []string
	env                      []string
	out                      *syncWriter
	binDir                   string
	builds                   int

	mu sync.Mutex
	// current is the process requests go to; nil when none runs.
	current *process
	// broken is why the newest code does not serve (a build error, a
	// start that failed, an exit); nil when it does.
	broken *failure
	// reloading is set while a build and start are under way: requests
	// wait for their outcome.
	reloading bool
	// changed is closed, and replaced, whenever the three above change.
	changed chan struct{}

	stopped sync.WaitGroup // the replaced processes being stopped
}

func newServer(opts Options) (*server, error) {
	if opts.Listener == nil {
		return nil, errors.New("no listener to serve on")
	}
	dir, err := filepath.Abs(cmp.Or(opts.Dir, "."))
	if err != nil {
		return nil, err
	}
	function, err := packageArg(dir, cmp.Or(opts.Function, "./lambda"))
	if err != nil {
		return nil, err
	}
	staticDir := filepath.Clean(cmp.Or(opts.StaticDir, "static"))
	if !isDir(filepath.Join(dir, staticDir)) {
		return nil, fmt.Errorf("there is no static directory %s in %s: give the construct's StaticDir", staticDir, dir)
	}
	patterns := opts.StaticPaths
	if len(patterns) == 0 {
		patterns = staticpaths.Default()
	}
	binDir, err := os.MkdirTemp("", "webapp-dev-")
	if err != nil {
		return nil, err
	}
	return &server{
		dir:         dir,
		function:    function,
		staticDir:   filepath.ToSlash(staticDir),
		staticPaths: patterns,
		// The function links the static files by the hashed names of their
		// current content, which route serves.
		env: slices.Concat(os.Environ(), []string{
			webappassets.StaticDirEnv + "=" + filepath.Join(dir, staticDir),
			webappassets.StaticPathsEnv + "=" + strings.Join(patterns, ","),
		}, opts.Env),
		out:       &syncWriter{w: cmp.Or[io.Writer](opts.Output, os.Stderr)},
		binDir:    binDir,
		reloading: true, // until the first build is done
		changed:   make(chan struct{}),
	}, nil
}

// packageArg returns the go build argument for the function's directory,
// "./lambda", after checking that it is one.
func packageArg(dir, function string) (string, error) {
	abs := function
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(dir, function)
	}
	rel, err := filepath.Rel(dir, abs)
	if err != nil || !isDir(abs) {
		return "", fmt.Errorf("there is no function directory %s in %s: give the directory of the function's main package, the construct's FunctionDir", function, dir)
	}
	return "./" + filepath.ToSlash(rel), nil
}

func isDir(name string) bool {
	info, err := os.Stat(name)
	return err == nil && info.IsDir()
}

// close stops every process and removes the binaries.
func (s *server) close() {
	s.mu.Lock()
	p := s.current
	s.current = nil
	s.mu.Unlock()
	if p != nil {
		p.stop()
	}
	s.stopped.Wait()
	os.RemoveAll(s.binDir)
}

// reload builds the function and, when the binary changed, replaces the
// running process with a new one. c is what changed (nothing at the start).
func (s *server) reload(ctx context.Context, c watch.Change) {
	began := time.Now()
	s.update(func() { s.reloading = true })
	why := ""
	if len(c.Files) > 0 {
		why = " (" + c.String() + ")"
	}

	s.builds++
	bin := filepath.Join(s.binDir, fmt.Sprintf("function-%d%s", s.builds, exeSuffix()))
	if output, err := s.build(ctx, bin); err != nil {
		if ctx.Err() != nil {
			return
		}
		s.printf("build failed%s; the pages show this until the next good build:\n%s\n", why, output)
		s.update(func() {
			s.broken = &failure{status: http.StatusInternalServerError, summary: "the build of " + s.function + " failed", detail: output}
			s.reloading = false
		})
		return
	}

	if p := s.running(); p != nil {
		if sum, err := fileSum(bin); err == nil && sum == p.sum {
			os.Remove(bin)
			back := ""
			s.update(func() {
				if s.broken != nil {
					back = "; the pages are served again"
				}
				s.broken, s.reloading = nil, false
			})
			s.printf("checked in %.1fs%s: the function is the same, still running%s\n", time.Since(began).Seconds(), why, back)
			return
		}
	}

	p, err := startProcess(ctx, bin, s.dir, s.env, s.out)
	if err != nil {
		os.Remove(bin)
		if ctx.Err() != nil {
			return
		}
		f := &failure{status: http.StatusInternalServerError, summary: err.Error()}
		if se, ok := err.(*startError); ok {
			f.detail = se.output
			f.hint = "Does the function's main end with webapphttp.Start? It serves HTTP on " +
				"WEBAPP_LOCAL_ADDR, which this server sets."
		}
		s.printf("%s%s; the pages show this until the next good build\n", err, why)
		s.update(func() { s.broken, s.reloading = f, false })
		return
	}

	var old *process
	s.update(func() {
		old, s.current = s.current, p
		s.broken, s.reloading = nil, false
	})
	go s.watchExit(p)
	if old != nil {
		s.stopped.Go(old.stop)
		s.printf("reloaded in %.1fs%s\n", time.Since(began).Seconds(), why)
	} else {
		s.printf("started %s in %.1fs; it restarts when a Go file or a template changes\n", s.function, time.Since(began).Seconds())
	}
}

// build compiles the function for this machine into bin, with the
// construct's flags but not its Lambda tag (lambdabuild.LocalFlags:
// webappaws keeps the SDK's standard configuration, so a profile or SSO
// works here), and returns the compiler's output when it fails. It builds
// from the project's directory, so that the messages name files as the
// project does (lambda/main.go:12:2).
func (s *server) build(ctx context.Context, bin string) (string, error) {
	args := append([]string{"build"}, lambdabuild.LocalFlags...)
	args = append(args, "-o", bin, s.function)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = s.dir
	cmd.Env = lambdabuild.Env(os.Environ(), lambdabuild.Target{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH})
	out, err := cmd.CombinedOutput()
	if err != nil {
		return cmp.Or(strings.TrimSpace(string(out)), "go build: "+err.Error()), err
	}
	return "", nil
}

// watchExit reports the process's exit when the server did not ask for it.
func (s *server) watchExit(p *process) {
	<-p.exited
	if p.stopping.Load() {
		return
	}
	crashed := false
	s.update(func() {
		if s.current == p {
			crashed = true
			s.current = nil
			s.broken = &failure{
				status:  http.StatusBadGateway,
				summary: "the function exited (" + exitStatus(p.err) + ")",
				detail:  p.tail.String(),
				hint:    "It starts again on the next change.",
			}
		}
	})
	if crashed {
		s.printf("the function exited by itself (%s); it starts again on the next change\n", exitStatus(p.err))
		os.Remove(p.bin)
	}
}

// running returns the current process, if any.
func (s *server) running() *process {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current
}

// update changes the state under the lock and wakes the waiting requests.
func (s *server) update(change func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	change()
	close(s.changed)
	s.changed = make(chan struct{})
}

// serveFunction answers a request that is not for a static file: through
// the current process, or with the page that says why there is none. While
// a reload is under way it waits for it, up to requestWait, so that a page
// loaded right after a save shows the change.
func (s *server) serveFunction(w http.ResponseWriter, r *http.Request) {
	timeout := time.NewTimer(requestWait)
	defer timeout.Stop()
	waited := false
	for {
		p, broken, changed := s.pick(waited)
		switch {
		case p != nil:
			defer p.inflight.Done()
			p.proxy.ServeHTTP(w, r)
			return
		case broken != nil:
			broken.ServeHTTP(w, r)
			return
		case changed == nil:
			(&failure{status: http.StatusServiceUnavailable, summary: "the function is not running"}).ServeHTTP(w, r)
			return
		case waited:
			(&failure{
				status:  http.StatusServiceUnavailable,
				summary: fmt.Sprintf("the function is still building or starting after %v", requestWait),
				hint:    "Load the page again in a moment; this server says when it has started.",
			}).ServeHTTP(w, r)
			return
		}
		select {
		case <-changed:
		case <-timeout.C:
			waited = true
		case <-r.Context().Done():
			return
		}
	}
}

// pick returns the process to send a request to (counted in its
// inflight), or the failure to show, or, while a reload is under way and
// the request may still wait, the channel to wait on. Once the request has
// waited long enough (late), the running process answers even during a
// reload.
func (s *server) pick(late bool) (*process, *failure, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reloading && !late {
		return nil, nil, s.changed
	}
	if s.broken != nil {
		return nil, s.broken, nil
	}
	if s.current != nil {
		s.current.inflight.Add(1)
		return s.current, nil, nil
	}
	if s.reloading {
		return nil, nil, s.changed
	}
	return nil, nil, nil
}

func (s *server) printf(format string, args ...any) {
	fmt.Fprintf(s.out, format, args...)
}

func exeSuffix() string {
	if runtime.GOOS == "windows" {
		return ".exe"
	}
	return ""
}

// syncWriter serializes the writes of the server and of the processes,
// whose output is copied by goroutines of their own.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}
