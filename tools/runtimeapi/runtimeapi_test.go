package runtimeapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gowebapp/webapp/internal/lambdabuild"
)

var (
	buildDir   string // removed after the tests
	buildOnce  sync.Once
	handlerBin string
	buildErr   error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "runtimeapi-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buildDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// host is the platform the tests run on: the bootstraps they build must
// run here without emulation.
var host = lambdabuild.Target{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH}

// handlerBinary builds testdata/handler once for all the tests.
func handlerBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		handlerBin = filepath.Join(buildDir, "handler", "bootstrap")
		buildErr = lambdabuild.Build(filepath.Join("testdata", "handler"), handlerBin, host)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return handlerBin
}

// startRuntime starts a server and the test handler under it.
func startRuntime(t *testing.T, env ...string) (*Server, *os.Process) {
	t.Helper()
	bin := handlerBinary(t)
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	out := &tail{max: 64 << 10}
	s.Output = out
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the runtime's output:\n%s", out)
		}
	})
	cmd, err := StartProcess(context.Background(), bin, env, s)
	if err != nil {
		t.Fatal(err)
	}
	return s, cmd.Process
}

// handlerResponse is what testdata/handler answers.
type handlerResponse struct {
	Echo         json.RawMessage `json:"echo"`
	RequestID    string          `json:"requestId"`
	FunctionARN  string          `json:"functionArn"`
	FunctionName string          `json:"functionName"`
	DeadlineMs   int64           `json:"deadlineMs"`
	TraceID      string          `json:"traceId"`
	Handler      string          `json:"handler"`
	Concurrent   int32           `json:"concurrent"`
}

func invoke(t *testing.T, ctx context.Context, s *Server, payload string) handlerResponse {
	t.Helper()
	out, err := s.Invoke(ctx, []byte(payload))
	if err != nil {
		t.Fatalf("Invoke(%s): %v", payload, err)
	}
	var resp handlerResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("response %q: %v", out, err)
	}
	return resp
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$`)

func TestInvokeReturnsTheResponse(t *testing.T) {
	s, _ := startRuntime(t, "AWS_LAMBDA_FUNCTION_NAME=todo-site", "AWS_REGION=ap-northeast-1")
	deadline := time.Now().Add(20 * time.Second)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()

	got := invoke(t, ctx, s, `{"echo":{"title":"牛乳を買う"}}`)
	if string(got.Echo) != `{"title":"牛乳を買う"}` {
		t.Errorf("echo = %s, want the payload's", got.Echo)
	}
	if !uuidRE.MatchString(got.RequestID) {
		t.Errorf("request id = %q, want a UUID", got.RequestID)
	}
	if want := "arn:aws:lambda:ap-northeast-1:123456789012:function:todo-site"; got.FunctionARN != want {
		t.Errorf("function ARN = %q, want %q", got.FunctionARN, want)
	}
	if got.FunctionName != "todo-site" || got.Handler != "bootstrap" {
		t.Errorf("AWS_LAMBDA_FUNCTION_NAME = %q, _HANDLER = %q; want todo-site, bootstrap", got.FunctionName, got.Handler)
	}
	if got.DeadlineMs != deadline.UnixMilli() {
		t.Errorf("deadline = %d, want the context's %d", got.DeadlineMs, deadline.UnixMilli())
	}
	if !strings.HasPrefix(got.TraceID, "Root=1-") {
		t.Errorf("trace id = %q, want an X-Ray trace header", got.TraceID)
	}
}

func TestInvokeReportsTheFunctionsError(t *testing.T) {
	s, _ := startRuntime(t)
	_, err := s.Invoke(context.Background(), []byte(`{"fail":"todo 42 not found"}`))
	var fe *FunctionError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v, want a *FunctionError", err)
	}
	if fe.Type != "errorString" || fe.Message != "todo 42 not found" || fe.Init {
		t.Errorf("FunctionError = %+v, want errorString %q from the invocation", fe, "todo 42 not found")
	}
	// Lambda keeps using a runtime after a handled error.
	if got := invoke(t, context.Background(), s, `{"echo":1}`); string(got.Echo) != "1" {
		t.Errorf("next invocation echoed %s, want 1", got.Echo)
	}
}

func TestInvokesRunOneAtATime(t *testing.T) {
	// The runtime polls from four goroutines; the server must still hand
	// out one invocation at a time, as Lambda does.
	s, _ := startRuntime(t, "AWS_LAMBDA_MAX_CONCURRENCY=4")
	ids := make(map[string]bool)
	for i := range 3 {
		got := invoke(t, context.Background(), s, fmt.Sprintf(`{"echo":%d}`, i))
		if string(got.Echo) != strconv.Itoa(i) {
			t.Errorf("invocation %d echoed %s", i, got.Echo)
		}
		ids[got.RequestID] = true
	}
	if len(ids) != 3 {
		t.Errorf("request ids %v, want 3 different ones", ids)
	}

	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			out, err := s.Invoke(context.Background(), fmt.Appendf(nil, `{"echo":%d,"sleepMs":20}`, i))
			if err != nil {
				t.Error(err)
				return
			}
			var got handlerResponse
			json.Unmarshal(out, &got)
			if string(got.Echo) != strconv.Itoa(i) || got.Concurrent != 1 {
				t.Errorf("invocation %d: echo %s, %d running at once; want %d, 1", i, got.Echo, got.Concurrent, i)
			}
		})
	}
	wg.Wait()
}

func TestInvokeFailsWhenTheRuntimeExits(t *testing.T) {
	s, _ := startRuntime(t)
	for range 2 { // the invocation that killed it, and the next one
		_, err := s.Invoke(context.Background(), []byte(`{"exit":3}`))
		if !errors.Is(err, ErrRuntimeExited) || !strings.Contains(err.Error(), "exit status 3") ||
			!strings.Contains(err.Error(), "exiting as asked") {
			t.Errorf("err = %v, want ErrRuntimeExited with the status and the output", err)
		}
	}
}

func TestReadyTellsAHandledErrorFromAPanic(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, _ := startRuntime(t)
	// A handler's error is an answer: the runtime asks for the next one.
	var fe *FunctionError
	if _, err := s.Invoke(ctx, []byte(`{"fail":"todo 42 not found"}`)); !errors.As(err, &fe) {
		t.Fatalf("err = %v, want a *FunctionError", err)
	}
	if err := s.Ready(ctx); err != nil {
		t.Errorf("Ready after a handled error: %v, want nil", err)
	}
	// A panic is reported as the invocation's error too, and then the
	// runtime exits instead of asking again.
	if _, err := s.Invoke(ctx, []byte(`{"panic":"index out of range"}`)); !errors.As(err, &fe) || !strings.Contains(fe.Message, "index out of range") {
		t.Fatalf("err = %v, want the panic as a *FunctionError", err)
	}
	if err := s.Ready(ctx); !errors.Is(err, ErrRuntimeExited) {
		t.Errorf("Ready after a panic: %v, want ErrRuntimeExited", err)
	}
}

func TestReadyWaitsForTheRuntimeToAsk(t *testing.T) {
	s := startServer(t) // the test plays the runtime
	errc := invokeAsync(t, context.Background(), s, `{}`)
	h, _ := next(t, s)
	post(t, s, "invocation/"+h.Get("Lambda-Runtime-Aws-Request-Id")+"/response", strings.NewReader(`"done"`), nil)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.Ready(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Ready before the runtime asks again: %v, want context.DeadlineExceeded", err)
	}
	ready := make(chan error, 1)
	go func() { ready <- s.Ready(context.Background()) }()
	go http.Get(apiURL(s, "invocation/next")) // ends when the server closes
	select {
	case err := <-ready:
		if err != nil {
			t.Errorf("Ready once the runtime asks: %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Ready did not return when the runtime asked for the next invocation")
	}
	s.Close()
	if err := s.Ready(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Ready after Close: %v, want ErrClosed", err)
	}
}

func TestFirstPollIsTheEndOfInit(t *testing.T) {
	before := time.Now()
	s, _ := startRuntime(t)
	var first time.Time
	select {
	case first = <-s.FirstPoll():
	case <-time.After(20 * time.Second):
		t.Fatal("the runtime never polled")
	}
	if first.Before(before) {
		t.Errorf("first poll %v is before the process started (%v)", first, before)
	}
	if again := <-s.FirstPoll(); !again.Equal(first) {
		t.Errorf("a second FirstPoll gave %v, want %v", again, first)
	}
}

func TestCloseStopsTheRuntimeAndLeaksNothing(t *testing.T) {
	before := runtime.NumGoroutine()
	s, proc := startRuntime(t)
	invoke(t, context.Background(), s, `{"echo":1}`)

	// One invocation keeps the runtime busy, so the next one waits in line.
	results := make(chan error, 2)
	go func() { _, err := s.Invoke(context.Background(), []byte(`{"sleepMs":5000}`)); results <- err }()
	time.Sleep(100 * time.Millisecond)
	go func() { _, err := s.Invoke(context.Background(), []byte(`{"echo":2}`)); results <- err }()
	time.Sleep(100 * time.Millisecond)

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-results; !errors.Is(err, ErrClosed) {
			t.Errorf("pending Invoke: err = %v, want ErrClosed", err)
		}
	}
	if err := proc.Signal(syscall.Signal(0)); err == nil {
		t.Errorf("the runtime (pid %d) still exists after Close", proc.Pid)
	}
	if _, err := s.Invoke(context.Background(), nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Invoke after Close: err = %v, want ErrClosed", err)
	}
	var n int
	for range 100 {
		if n = runtime.NumGoroutine(); n <= before {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	buf := make([]byte, 1<<16)
	t.Errorf("%d goroutines after Close, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
}

// The tests below play the runtime themselves, to check the protocol
// details aws-lambda-go's client relies on.

func apiURL(s *Server, path string) string {
	return "http://" + s.Addr() + "/2018-06-01/runtime/" + path
}

func next(t *testing.T, s *Server) (http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(apiURL(s, "invocation/next"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET next: %d %s", resp.StatusCode, body)
	}
	return resp.Header, body
}

func post(t *testing.T, s *Server, path string, body io.Reader, header http.Header) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", apiURL(s, path), body)
	if header != nil {
		req.Header = header
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// invokeAsync starts an Invoke and returns where its result will arrive.
func invokeAsync(t *testing.T, ctx context.Context, s *Server, payload string) <-chan error {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		out, err := s.Invoke(ctx, []byte(payload))
		if err == nil && string(out) != `"done"` {
			err = fmt.Errorf("response %q, want \"done\"", out)
		}
		errc <- err
	}()
	return errc
}

func startServer(t *testing.T) *Server {
	t.Helper()
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestProtocolNextAndResponse(t *testing.T) {
	s := startServer(t)
	deadline := time.Now().Add(time.Minute)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	errc := invokeAsync(t, ctx, s, `{"path":"/healthz"}`)

	h, body := next(t, s)
	if string(body) != `{"path":"/healthz"}` {
		t.Errorf("payload = %s", body)
	}
	id := h.Get("Lambda-Runtime-Aws-Request-Id")
	if !uuidRE.MatchString(id) {
		t.Errorf("Lambda-Runtime-Aws-Request-Id = %q, want a UUID", id)
	}
	if got := h.Get("Lambda-Runtime-Deadline-Ms"); got != strconv.FormatInt(deadline.UnixMilli(), 10) {
		t.Errorf("Lambda-Runtime-Deadline-Ms = %q, want %d", got, deadline.UnixMilli())
	}
	if got, want := h.Get("Lambda-Runtime-Invoked-Function-Arn"), "arn:aws:lambda:us-east-1:123456789012:function:webapp"; got != want {
		t.Errorf("Lambda-Runtime-Invoked-Function-Arn = %q, want %q", got, want)
	}
	if got := h.Get("Lambda-Runtime-Trace-Id"); !strings.HasPrefix(got, "Root=1-") {
		t.Errorf("Lambda-Runtime-Trace-Id = %q", got)
	}
	if code, msg := post(t, s, "invocation/not-"+id+"/response", strings.NewReader(`"x"`), nil); code != 400 || !strings.Contains(msg, "InvalidRequestID") {
		t.Errorf("response for an unknown id: %d %s, want 400 InvalidRequestID", code, msg)
	}
	if code, msg := post(t, s, "invocation/"+id+"/response", strings.NewReader(`"done"`), nil); code != 202 {
		t.Errorf("response: %d %s, want 202", code, msg)
	}
	if err := <-errc; err != nil {
		t.Error(err)
	}
}

func TestProtocolErrors(t *testing.T) {
	tests := []struct {
		name    string
		respond func(t *testing.T, s *Server, id string) int // returns the status of the post
		want    FunctionError
	}{{
		name: "invocation error",
		respond: func(t *testing.T, s *Server, id string) int {
			code, _ := post(t, s, "invocation/"+id+"/error",
				strings.NewReader(`{"errorMessage":"table todos not found","errorType":"ResourceNotFoundException"}`),
				http.Header{"Content-Type": {"application/json"}})
			return code
		},
		want: FunctionError{Type: "ResourceNotFoundException", Message: "table todos not found"},
	}, {
		name: "response stream failed: error in trailers",
		respond: func(t *testing.T, s *Server, id string) int {
			req, _ := http.NewRequest("POST", apiURL(s, "invocation/"+id+"/response"), io.MultiReader(strings.NewReader("partial")))
			req.Trailer = http.Header{
				"Lambda-Runtime-Function-Error-Type": {"ReadError"},
				"Lambda-Runtime-Function-Error-Body": {"eyJlcnJvck1lc3NhZ2UiOiJicm9rZW4gcGlwZSIsImVycm9yVHlwZSI6IlJlYWRFcnJvciJ9"},
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		},
		want: FunctionError{Type: "ReadError", Message: "broken pipe"},
	}, {
		name: "response over 6 MB",
		respond: func(t *testing.T, s *Server, id string) int {
			code, _ := post(t, s, "invocation/"+id+"/response", bytes.NewReader(make([]byte, MaxPayload+1)), nil)
			return code
		},
		want: FunctionError{Type: "Function.ResponseSizeTooLarge"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t)
			errc := invokeAsync(t, context.Background(), s, `{}`)
			h, _ := next(t, s)
			code := tt.respond(t, s, h.Get("Lambda-Runtime-Aws-Request-Id"))
			var fe *FunctionError
			if err := <-errc; !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a *FunctionError", err)
			}
			if fe.Type != tt.want.Type || (tt.want.Message != "" && fe.Message != tt.want.Message) || fe.Init {
				t.Errorf("FunctionError = %+v, want %+v", fe, tt.want)
			}
			if wantCode := map[bool]int{true: 413, false: 202}[tt.want.Type == "Function.ResponseSizeTooLarge"]; code != wantCode {
				t.Errorf("post status = %d, want %d", code, wantCode)
			}
		})
	}
}

func TestProtocolInitErrorFailsInvoke(t *testing.T) {
	s := startServer(t)
	errc := invokeAsync(t, context.Background(), s, `{}`)
	code, _ := post(t, s, "init/error",
		strings.NewReader(`{"errorMessage":"TABLE_NAME is not set","errorType":"ConfigError"}`),
		http.Header{"Lambda-Runtime-Function-Error-Type": {"Runtime.ConfigError"}})
	if code != 202 {
		t.Errorf("init/error: %d, want 202", code)
	}
	var fe *FunctionError
	if err := <-errc; !errors.As(err, &fe) || !fe.Init || fe.Type != "ConfigError" || fe.Message != "TABLE_NAME is not set" {
		t.Errorf("err = %v, want an init FunctionError ConfigError: TABLE_NAME is not set", err)
	}
}

func TestInvokeHonoursItsContext(t *testing.T) {
	s := startServer(t) // no runtime: nobody will ever answer
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.Invoke(ctx, []byte(`{}`)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
	if _, err := s.Invoke(context.Background(), make([]byte, MaxPayload+1)); !errors.Is(err, ErrPayloadTooLarge) {
		t.Errorf("err = %v, want ErrPayloadTooLarge", err)
	}
}

func TestStartProcessEnvironment(t *testing.T) {
	env := lambdaEnv("/var/task", "todo-site", "ap-northeast-1")
	want := []string{"_HANDLER=bootstrap", "LAMBDA_TASK_ROOT=/var/task", "AWS_LAMBDA_FUNCTION_NAME=todo-site",
		"AWS_REGION=ap-northeast-1", "AWS_LAMBDA_FUNCTION_VERSION=$LATEST", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128"}
	for _, kv := range want {
		if !strings.Contains("\n"+strings.Join(env, "\n")+"\n", "\n"+kv+"\n") {
			t.Errorf("environment lacks %s: %q", kv, env)
		}
	}
	if got := lookupEnv([]string{"A=1", "B=2", "A=3"}, "A", "d"); got != "3" {
		t.Errorf("lookupEnv = %q, want the last value, 3", got)
	}
}

func TestStartProcessRunsLambdasArm64Build(t *testing.T) {
	if _, err := exec.LookPath("qemu-aarch64"); err != nil && runtime.GOARCH != "arm64" {
		t.Skip("qemu-aarch64 is not installed (Debian: qemu-user)")
	}
	bin := filepath.Join(t.TempDir(), "bootstrap")
	if err := lambdabuild.Build(filepath.Join("testdata", "handler"), bin, lambdabuild.Lambda); err != nil {
		t.Fatal(err)
	}
	s := startServer(t)
	if _, err := StartProcess(context.Background(), bin, nil, s); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if got := invoke(t, ctx, s, `{"echo":"arm64"}`); string(got.Echo) != `"arm64"` {
		t.Errorf("echo = %s, want \"arm64\"", got.Echo)
	}
}
