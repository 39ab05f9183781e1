package webapphttp

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestLocalAddr(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"nothing set: Lambda", nil, ""},
		{"local", map[string]string{LocalAddrEnv: "127.0.0.1:8081"}, "127.0.0.1:8081"},
		{"in Lambda, set by mistake", map[string]string{LocalAddrEnv: "127.0.0.1:8081", "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := localAddr(func(k string) string { return tt.env[k] }); got != tt.want {
				t.Errorf("localAddr = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestServeLocalServesAtTheRoot(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := InfoFrom(r.Context())
		fmt.Fprintf(w, "link=%s stage=%q base=%q", URL(r, "/todos"), info.Stage, info.BasePath)
	})
	base, _ := serveForTest(t, h)

	status, body := get(t, base+"/")
	if want := `link=/todos stage="" base=""`; status != 200 || body != want {
		t.Errorf("GET / = %d %q, want 200 %q", status, body, want)
	}
}

func TestServeLocalFinishesRequestsUnderWayOnShutdown(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		w.Write([]byte("finished"))
	})
	base, shutdown := serveForTest(t, h)

	answered := make(chan string, 1)
	go func() {
		resp, err := http.Get(base + "/slow")
		if err != nil {
			answered <- err.Error()
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		answered <- resp.Status + " " + string(body)
	}()
	<-entered
	returned := shutdown()
	// Shutdown closes the listener first: once a dial is refused, the
	// server is shutting down with the request still under way.
	for deadline := time.Now().Add(10 * time.Second); ; {
		conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			break
		}
		conn.Close()
		if time.Now().After(deadline) {
			t.Fatal("the listener still accepts connections 10 s after the context was cancelled")
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(release)
	if got, want := <-answered, "200 OK finished"; got != want {
		t.Errorf("the request under way got %q, want %q", got, want)
	}
	if err := <-returned; err != nil {
		t.Errorf("serveLocal = %v after a graceful shutdown, want nil", err)
	}
}

// TestStartServesLocally runs Start (see TestMain: a 404 for every path)
// with WEBAPP_LOCAL_ADDR in a process of its own: it logs its URL, answers
// HTTP with CORS applied as in Lambda, and exits 0 on SIGTERM.
func TestStartServesLocally(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), startChild+"=1", LocalAddrEnv+"=127.0.0.1:0", "AWS_LAMBDA_RUNTIME_API=",
		CorsConfigEnv+`={"allowOrigins":["https://app.example.com"]}`)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(stderr)
	var base string
	for base == "" && lines.Scan() {
		if m := regexp.MustCompile(`url=http://(\S+)/`).FindStringSubmatch(lines.Text()); m != nil {
			base = "http://" + m[1]
			if !strings.Contains(lines.Text(), "webapphttp: serving HTTP on this machine") {
				t.Errorf("the log line does not say what it serves: %s", lines.Text())
			}
		}
	}
	if base == "" {
		t.Fatal("Start logged no URL before its standard error closed")
	}
	go io.Copy(io.Discard, stderr)

	preflight, _ := http.NewRequest("OPTIONS", base+"/todos", nil)
	preflight.Header.Set("Origin", "https://app.example.com")
	preflight.Header.Set("Access-Control-Request-Method", "PUT")
	resp := do(t, preflight)
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Errorf("preflight = %d %v, want 204 allowing https://app.example.com", resp.StatusCode, resp.Header)
	}
	req, _ := http.NewRequest("GET", base+"/", nil)
	req.Header.Set("Origin", "https://app.example.com")
	resp = do(t, req)
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Errorf("GET / = %d %v, want the handler's 404 with CORS headers", resp.StatusCode, resp.Header)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("after SIGTERM: %v, want exit status 0", err)
	}
}

func TestStartExitsWhenItCannotListen(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), startChild+"=1", LocalAddrEnv+"=127.0.0.1:99999", "AWS_LAMBDA_RUNTIME_API=", CorsConfigEnv+"=")
	out, err := cmd.CombinedOutput()
	if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1; output:\n%s", err, out)
	}
	for _, want := range []string{"webapphttp: cannot serve locally", "env=WEBAPP_LOCAL_ADDR", "99999"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output does not say %q:\n%s", want, out)
		}
	}
}

// serveForTest runs serveLocal with h on a free port until the test ends, and
// returns its URL and a function that cancels it and returns what
// serveLocal returns.
func serveForTest(t *testing.T, h http.Handler) (base string, shutdown func() <-chan error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	returned := make(chan error, 1)
	go func() { returned <- serveLocal(ctx, l, h) }()
	t.Cleanup(cancel)
	return "http://" + l.Addr().String(), func() <-chan error { cancel(); return returned }
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	resp := do(t, req)
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// do sends req and closes the body when the test ends.
func do(t *testing.T, req *http.Request) *http.Response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}
