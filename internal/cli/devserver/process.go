package devserver

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gowebapp/webapp/webapphttp"
)

const (
	// listenTimeout is how long a new process has to accept connections.
	listenTimeout = 10 * time.Second
	// drainTimeout bounds the wait for the requests a replaced process
	// still serves before it is told to stop.
	drainTimeout = 10 * time.Second
	// stopTimeout is how long a process has to exit after SIGTERM: more
	// than webapphttp's own graceful shutdown.
	stopTimeout = 8 * time.Second
	// tailBytes is how much of a process's latest output an error page shows.
	tailBytes = 4 << 10
)

// process is one run of the function's binary, serving HTTP on a private
// loopback port through webapphttp's local mode.
type process struct {
	bin   string
	sum   [sha256.Size]byte // of bin: an identical rebuild needs no restart
	cmd   *exec.Cmd
	proxy *httputil.ReverseProxy
	tail  *tail

	exited chan struct{}
	err    error // cmd.Wait's, set before exited is closed

	// inflight counts the requests sent to it, so that it is stopped only
	// once they are answered.
	inflight sync.WaitGroup
	// stopping is set when the server stops it, so that its exit is not
	// reported as a crash.
	stopping atomic.Bool
}

// startError is a process that exited, or did not listen, at start.
type startError struct {
	summary string
	output  string // its latest output
}

func (e *startError) Error() string { return e.summary }

// startProcess runs bin in dir with env, its output to out, and returns
// once it accepts connections on the port it was given.
func startProcess(ctx context.Context, bin, dir string, env []string, out io.Writer) (*process, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	sum, err := fileSum(bin)
	if err != nil {
		return nil, err
	}
	p := &process{bin: bin, sum: sum, tail: &tail{}, exited: make(chan struct{})}
	p.cmd = exec.Command(bin)
	p.cmd.Dir = dir
	// AWS_LAMBDA_RUNTIME_API would make webapphttp.Start serve Lambda's
	// events instead: it is cleared in case this shell has it.
	p.cmd.Env = slices.Concat(env, []string{webapphttp.LocalAddrEnv + "=" + addr, "AWS_LAMBDA_RUNTIME_API="})
	output := io.MultiWriter(out, p.tail)
	p.cmd.Stdout, p.cmd.Stderr = output, output
	p.cmd.SysProcAttr = sysProcAttr()
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the function: %w", err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	if err := p.waitListening(ctx, addr); err != nil {
		p.kill()
		return nil, err
	}

	target := &url.URL{Scheme: "http", Host: addr}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = nil // a loopback port, never through HTTP_PROXY
	p.proxy = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = r.In.Host // the viewer's host, as CloudFront passes it on
		},
		Transport: transport,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			(&failure{
				status:  http.StatusBadGateway,
				summary: "the function did not answer: " + err.Error(),
				detail:  p.tail.String(),
			}).ServeHTTP(w, r)
		},
	}
	return p, nil
}

// waitListening returns once the process accepts connections on addr, or
// the error of one that exits or does not listen in time.
func (p *process) waitListening(ctx context.Context, addr string) error {
	deadline := time.Now().Add(listenTimeout)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return nil
		}
		select {
		case <-p.exited:
			return &startError{summary: "the function exited at start (" + exitStatus(p.err) + ")", output: p.tail.String()}
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return &startError{
				summary: fmt.Sprintf("the function did not accept connections on %s within %v", addr, listenTimeout),
				output:  p.tail.String(),
			}
		}
	}
}

// stop lets the requests sent to the process finish, then ends it (SIGTERM,
// which webapphttp.Start answers with a graceful shutdown; SIGKILL after
// stopTimeout) and removes its binary.
func (p *process) stop() {
	p.stopping.Store(true)
	drained := make(chan struct{})
	go func() { p.inflight.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(drainTimeout):
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.cmd.Process.Kill() // no SIGTERM (Windows), or already gone
	}
	select {
	case <-p.exited:
	case <-time.After(stopTimeout):
		p.kill()
	}
	p.proxy.Transport.(*http.Transport).CloseIdleConnections()
	os.Remove(p.bin)
}

// kill ends the process at once and waits for it.
func (p *process) kill() {
	p.stopping.Store(true)
	p.cmd.Process.Kill()
	<-p.exited
}

// exitStatus says how a process ended, for a message: "exit status 2",
// "signal: killed".
func exitStatus(err error) string {
	var exit *exec.ExitError
	if err == nil {
		return "exit status 0"
	}
	if errors.As(err, &exit) {
		return exit.ProcessState.String()
	}
	return err.Error()
}

// freeAddr returns a loopback address with a port that is free now. Another
// program could take it before the function listens; then the function
// exits at start saying so, and the next change tries another port.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port for the function: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func fileSum(name string) ([sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	f, err := os.Open(name)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return sum, err
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}

// tail keeps the last tailBytes written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - tailBytes; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
