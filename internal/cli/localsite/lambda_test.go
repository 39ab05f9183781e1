package localsite

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gowebapp/webapp/internal/lambdabuild"
	"github.com/gowebapp/webapp/tools/runtimeapi"
)

var echo struct {
	once sync.Once
	bin  string
	err  error
}

// echoBinary builds testdata/echo for this machine, once per test binary.
func echoBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a function")
	}
	echo.once.Do(func() {
		dir, err := os.MkdirTemp("", "localsite-echo-")
		if err != nil {
			echo.err = err
			return
		}
		echo.bin = filepath.Join(dir, "bootstrap")
		echo.err = lambdabuild.Build("testdata/echo", echo.bin, lambdabuild.Target{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH})
	})
	if echo.err != nil {
		t.Fatal(echo.err)
	}
	return echo.bin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if echo.bin != "" {
		os.RemoveAll(filepath.Dir(echo.bin))
	}
	os.Exit(code)
}

type echoAnswer struct {
	Event     json.RawMessage   `json:"event"`
	Env       map[string]string `json:"env"`
	RequestID string            `json:"requestId"`
	InitID    string            `json:"initId"` // one per execution environment
}

func invokeEcho(t *testing.T, l *lambdaRuntime, path string) (echoAnswer, error) {
	t.Helper()
	out, err := l.Invoke(context.Background(), []byte(`{"path":"`+path+`"}`))
	if err != nil {
		return echoAnswer{}, err
	}
	var resp restResponse
	var a echoAnswer
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("response %s: %v", out, err)
	}
	if err := json.Unmarshal([]byte(resp.Body), &a); err != nil {
		t.Fatalf("body %s: %v", resp.Body, err)
	}
	return a, nil
}

func TestFunctionRunsWithItsEnvironmentLikeLambda(t *testing.T) {
	fn := &Function{LogicalID: "Echo", Name: "web-Echo-ABC", Timeout: time.Second, MemoryMB: 512, LogFormat: "JSON",
		LogGroup: "/aws/lambda/web-Echo-ABC", Environment: map[string]string{"TABLE_NAME": "web-Table-XYZ"}}
	log := &lockedLog{}
	l := newLambdaRuntime(fn, echoBinary(t), []string{"AWS_REGION=eu-west-1"}, 2, log, nil)
	defer l.Close()

	a, err := invokeEcho(t, l, "/")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"TABLE_NAME": "web-Table-XYZ", "AWS_REGION": "eu-west-1", "AWS_LAMBDA_FUNCTION_NAME": "web-Echo-ABC",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512", "AWS_LAMBDA_LOG_FORMAT": "JSON"}
	for k, v := range want {
		if a.Env[k] != v {
			t.Errorf("%s = %q, want %q", k, a.Env[k], v)
		}
	}
	if a.RequestID == "" {
		t.Error("the function got no request id")
	}

	// A timeout throws the environment away, as Lambda does.
	start := time.Now()
	if _, err := invokeEcho(t, l, "/sleep"); err == nil || !strings.Contains(err.Error(), "Task timed out after 1.0") {
		t.Errorf("/sleep: %v, want Task timed out after 1 s", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the timeout took %v", d)
	}
	if _, err := invokeEcho(t, l, "/"); err != nil {
		t.Errorf("after the timeout: %v", err)
	}

	// Two at once run in two environments.
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := invokeEcho(t, l, "/")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent invocation: %v", err)
		}
	}
}

// TestFailedRuntimeIsReplacedByAFreshInit runs one environment at a time,
// so each invocation gets the previous one's environment unless it was
// thrown away: the init id tells which.
func TestFailedRuntimeIsReplacedByAFreshInit(t *testing.T) {
	fn := &Function{LogicalID: "Echo", Name: "web-Echo-ABC", Timeout: 5 * time.Second, MemoryMB: 128}
	log := &lockedLog{}
	l := newLambdaRuntime(fn, echoBinary(t), nil, 1, log, nil)
	defer l.Close()
	initOf := func(path string) string {
		t.Helper()
		a, err := invokeEcho(t, l, path)
		if err != nil {
			t.Fatalf("%s after the failure: %v\n%s", path, err, log.String())
		}
		return a.InitID
	}

	first := initOf("/")
	// A handler's error is an answer, and the runtime asks for the next
	// invocation: the environment stays.
	if _, err := invokeEcho(t, l, "/error"); err == nil || !strings.Contains(err.Error(), "the handler failed") {
		t.Errorf("/error: %v, want the handler's error", err)
	}
	if got := initOf("/"); got != first {
		t.Errorf("after a handler's error, init %s, want the same environment's %s", got, first)
	}
	// A panic is reported as the invocation's error, then aws-lambda-go
	// exits: the next invocation runs a new init, as in Lambda.
	var fe *runtimeapi.FunctionError
	if _, err := invokeEcho(t, l, "/panic"); !errors.As(err, &fe) || !strings.Contains(fe.Message, "the handler panicked") {
		t.Errorf("/panic: %v, want the panic as the function's error", err)
	}
	afterPanic := initOf("/")
	if afterPanic == first {
		t.Errorf("after a panic, init %s again, want a fresh environment", first)
	}
	// So does a process that exits without a word.
	if _, err := invokeEcho(t, l, "/exit"); !errors.Is(err, runtimeapi.ErrRuntimeExited) {
		t.Errorf("/exit: %v, want ErrRuntimeExited", err)
	}
	if got := initOf("/"); got == afterPanic {
		t.Errorf("after an exit, init %s again, want a fresh environment", got)
	}
}

func TestNativeRebuildRequiresTheAssetsBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a function twice")
	}
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	other := "arm64"
	if runtime.GOARCH == "arm64" {
		other = "amd64"
	}
	dir := t.TempDir()
	asset := filepath.Join(dir, "asset-bootstrap")
	if err := lambdabuild.Build("testdata/echo", asset, lambdabuild.Target{GOOS: "linux", GOARCH: other}); err != nil {
		t.Fatal(err)
	}
	nb, err := rebuildNative(root, asset, dir)
	if err != nil {
		t.Fatalf("rebuildNative: %v", err)
	}
	if nb.Package != "github.com/gowebapp/webapp/internal/cli/localsite/testdata/echo" || !strings.Contains(strings.Join(nb.Flags, " "), "-tags lambda.norpc,webapp.lambda -trimpath") {
		t.Errorf("rebuilt %s with %q, want the echo package with the asset's flags", nb.Package, nb.Flags)
	}
	if got := elfArch(nb.Binary); runtime.GOOS == "linux" && got != runtime.GOARCH {
		t.Errorf("the native build is for %s, want %s", got, runtime.GOARCH)
	}

	// An asset the source does not build is refused.
	b, _ := os.ReadFile(asset)
	changed := filepath.Join(dir, "changed-bootstrap")
	os.WriteFile(changed, append(b, 0), 0o755)
	if _, err := rebuildNative(root, changed, t.TempDir()); err == nil || !strings.Contains(err.Error(), "byte for byte") {
		t.Errorf("rebuildNative of a changed asset: %v, want a refusal", err)
	}
}
