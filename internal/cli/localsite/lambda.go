package localsite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gowebapp/webapp/tools/runtimeapi"
)

// initTimeout is Lambda's limit on a function's init phase.
const initTimeout = 10 * time.Second

// lambdaRuntime runs one function's bootstrap under the Runtime API
// emulator, like Lambda: an execution environment serves one invocation at a
// time, new ones start (cold) while all are busy, up to a concurrency limit.
// An environment takes the next invocation only once its runtime asks for
// it; one whose invocation times out, whose init fails or whose process
// exits — during an invocation or after answering it, as aws-lambda-go does
// after reporting a panic — is thrown away, so the next invocation starts a
// fresh one with a new init.
type lambdaRuntime struct {
	fn      *Function
	binary  string   // the bootstrap to run
	env     []string // the function's environment
	log     io.Writer
	slots   chan struct{} // one per environment that may exist
	mu      sync.Mutex
	idle    []*environment
	closed  bool
	cleanup func()

	// stop is cancelled by Close, which ends settle's wait.
	stop   context.Context
	cancel context.CancelFunc
}

type environment struct {
	srv *runtimeapi.Server
}

// newLambdaRuntime prepares fn to run: its asset unpacked into a task
// directory of its own (as Lambda unpacks the code to /var/task), with env
// added to the function's environment.
func newLambdaRuntime(fn *Function, binary string, env []string, concurrency int, log io.Writer, cleanup func()) *lambdaRuntime {
	vars := make([]string, 0, len(fn.Environment)+len(env)+4)
	vars = append(vars,
		"AWS_LAMBDA_FUNCTION_NAME="+fn.Name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE="+strconv.Itoa(fn.MemoryMB),
		"AWS_LAMBDA_LOG_GROUP_NAME="+fn.LogGroup,
	)
	if fn.LogFormat != "" {
		vars = append(vars, "AWS_LAMBDA_LOG_FORMAT="+fn.LogFormat)
	}
	vars = append(vars, env...)
	for _, k := range slices.Sorted(maps.Keys(fn.Environment)) {
		vars = append(vars, k+"="+fn.Environment[k])
	}
	stop, cancel := context.WithCancel(context.Background())
	return &lambdaRuntime{fn: fn, binary: binary, env: vars, log: log, slots: make(chan struct{}, concurrency), cleanup: cleanup,
		stop: stop, cancel: cancel}
}

// Invoke runs one invocation and returns the function's response payload.
func (l *lambdaRuntime) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	select {
	case l.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	env, cold, err := l.acquire()
	if err != nil {
		<-l.slots
		return nil, err
	}
	timeout := l.fn.Timeout
	if cold {
		timeout += initTimeout // init has its own limit, outside the function's timeout
	}
	ictx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	out, err := env.srv.Invoke(ictx, payload)
	var fe *runtimeapi.FunctionError
	switch {
	case err == nil, errors.As(err, &fe) && !fe.Init:
		// The runtime answered (a handler's error or panic is an answer);
		// whether the environment stays depends on what it does next.
		l.settle(env)
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		l.discard(env)
		return nil, fmt.Errorf("Task timed out after %.2f seconds", time.Since(start).Seconds())
	default:
		l.discard(env)
	}
	return out, err
}

// settle makes env idle once its runtime asks for the next invocation, and
// throws it away if the process exits first or the runtime has not asked
// within the function's timeout, the longest Lambda lets an invocation run.
// Until then the environment holds its slot, as a busy one does in Lambda.
// Invoke waits for it: aws-lambda-go asks right after answering, so the
// answer is hardly delayed, and the next invocation finds the environment
// idle as it would in Lambda, where the runtime asks long before the next
// request arrives.
func (l *lambdaRuntime) settle(env *environment) {
	ctx, cancel := context.WithTimeout(l.stop, l.fn.Timeout)
	defer cancel()
	if err := env.srv.Ready(ctx); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			fmt.Fprintf(l.log, "localsite: the runtime answered but did not ask for the next invocation within the function's timeout (%v): its environment is thrown away\n", l.fn.Timeout)
		}
		l.discard(env)
		return
	}
	l.release(env)
}

// discard stops env and frees its slot.
func (l *lambdaRuntime) discard(env *environment) {
	env.srv.Close()
	<-l.slots
}

// acquire returns an idle environment, or starts one (a cold start).
func (l *lambdaRuntime) acquire() (*environment, bool, error) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil, false, runtimeapi.ErrClosed
	}
	if n := len(l.idle); n > 0 {
		env := l.idle[n-1]
		l.idle = l.idle[:n-1]
		l.mu.Unlock()
		return env, false, nil
	}
	l.mu.Unlock()
	srv, err := runtimeapi.Start()
	if err != nil {
		return nil, false, err
	}
	srv.Output = l.log
	if _, err := runtimeapi.StartProcess(context.Background(), l.binary, l.env, srv); err != nil {
		srv.Close()
		return nil, false, err
	}
	return &environment{srv: srv}, true, nil
}

func (l *lambdaRuntime) release(env *environment) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		env.srv.Close()
	} else {
		l.idle = append(l.idle, env)
		l.mu.Unlock()
	}
	<-l.slots
}

// Close stops every environment.
func (l *lambdaRuntime) Close() {
	l.mu.Lock()
	l.closed = true
	idle := l.idle
	l.idle = nil
	l.mu.Unlock()
	l.cancel()
	for _, env := range idle {
		env.srv.Close()
	}
	if l.cleanup != nil {
		l.cleanup()
	}
}

// taskDir unpacks the function's asset into a new directory and returns
// it with the path of its bootstrap.
func taskDir(fn *Function) (dir, bootstrap string, err error) {
	dir, err = os.MkdirTemp("", "localsite-"+fn.LogicalID+"-")
	if err != nil {
		return "", "", err
	}
	files, err := readAsset(fn.Asset.Path, true, fn.Asset.ObjectKey)
	if err != nil {
		os.RemoveAll(dir)
		return "", "", err
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", "", err
		}
		mode := os.FileMode(0o644)
		if name == "bootstrap" || bytes.HasPrefix(body, []byte("\x7fELF")) || bytes.HasPrefix(body, []byte("#!")) {
			mode = 0o755
		}
		if err := os.WriteFile(p, body, mode); err != nil {
			os.RemoveAll(dir)
			return "", "", err
		}
	}
	bootstrap = filepath.Join(dir, "bootstrap")
	if _, err := os.Stat(bootstrap); err != nil {
		os.RemoveAll(dir)
		return "", "", fmt.Errorf("function %s: its code has no bootstrap at the top, which a custom runtime starts", fn.LogicalID)
	}
	return dir, bootstrap, nil
}

// goArch is the Go architecture of a Lambda architecture name.
func goArch(lambdaArch string) string {
	if lambdaArch == "arm64" {
		return "arm64"
	}
	return "amd64"
}

// elfArch returns the Go architecture of an ELF executable, "" if binary
// is not one.
func elfArch(binary string) string {
	f, err := elf.Open(binary)
	if err != nil {
		return ""
	}
	defer f.Close()
	switch f.Machine {
	case elf.EM_AARCH64:
		return "arm64"
	case elf.EM_X86_64:
		return "amd64"
	}
	return f.Machine.String()
}

// qemuFor is the qemu-user emulator that runs arch on this machine.
func qemuFor(arch string) string {
	if arch == "arm64" {
		return "qemu-aarch64"
	}
	return "qemu-x86_64"
}

// NativeBuild describes a function rebuilt for this machine.
type NativeBuild struct {
	Package string   // the main package, e.g. github.com/gowebapp/webapp/lambda
	Flags   []string // the build flags, the asset's own
	Binary  string
}

// rebuildNative builds the Go program of a bootstrap for this machine with
// the flags it was built with, read from its build information. It first
// rebuilds it for its own platform and requires the same bytes: that proves
// the source in root is the code of the asset, so the native build runs the
// same code, only compiled for another processor.
func rebuildNative(root, bootstrap, outDir string) (*NativeBuild, error) {
	bi, err := buildinfo.ReadFile(bootstrap)
	if err != nil {
		return nil, fmt.Errorf("the bootstrap is not a Go program with build information (%v): it cannot be rebuilt for this machine", err)
	}
	modPath, err := modulePath(root)
	if err != nil {
		return nil, err
	}
	if bi.Main.Path != modPath {
		return nil, fmt.Errorf("the bootstrap is built from module %s, not from %s in %s: it cannot be rebuilt here", bi.Main.Path, modPath, root)
	}
	var flags, env []string
	vcs := false
	target := map[string]string{}
	for _, s := range bi.Settings {
		switch s.Key {
		case "-buildmode":
			if s.Value != "exe" { // naming the default changes the build id
				flags = append(flags, s.Key, s.Value)
			}
		case "-tags", "-ldflags", "-gcflags", "-asmflags":
			flags = append(flags, s.Key, s.Value)
		case "-trimpath", "-race", "-msan", "-asan":
			if s.Value == "true" {
				flags = append(flags, s.Key)
			}
		case "CGO_ENABLED", "GOAMD64", "GOARM64", "GOARM", "GOEXPERIMENT":
			env = append(env, s.Key+"="+s.Value)
		case "GOOS", "GOARCH":
			target[s.Key] = s.Value
		case "vcs":
			vcs = true
		}
	}
	if !vcs {
		flags = append(flags, "-buildvcs=false")
	}
	if !slices.Contains(flags, "-ldflags") {
		// -trimpath keeps -ldflags out of the build information; the
		// usual ones, -s and -w, show in the binary itself.
		if ld := strippedFlags(bootstrap); ld != "" {
			flags = append(flags, "-ldflags", ld)
		}
	}
	build := func(goos, goarch, out string) error {
		args := append(append([]string{"build"}, flags...), "-o", out, bi.Path)
		cmd := exec.Command("go", args...)
		cmd.Dir = root
		cmd.Env = append(filterEnv(os.Environ(), "GOOS", "GOARCH", "GOFLAGS", "CGO_ENABLED", "GOAMD64", "GOARM64", "GOARM"), env...)
		cmd.Env = append(cmd.Env, "GOOS="+goos, "GOARCH="+goarch, "GOFLAGS=")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	same := filepath.Join(outDir, "bootstrap.check")
	if err := build(target["GOOS"], target["GOARCH"], same); err != nil {
		return nil, err
	}
	defer os.Remove(same)
	if sum(same) != sum(bootstrap) {
		return nil, fmt.Errorf("go build %s %s for %s/%s in %s does not make the asset's bootstrap byte for byte: is the assembly older than the source? synthesize again (-synth always)",
			strings.Join(flags, " "), bi.Path, target["GOOS"], target["GOARCH"], root)
	}
	native := filepath.Join(outDir, "bootstrap")
	if err := build(runtime.GOOS, runtime.GOARCH, native); err != nil {
		return nil, err
	}
	return &NativeBuild{Package: bi.Path, Flags: flags, Binary: native}, nil
}

// strippedFlags returns the linker flags a binary shows it was built
// with: -s without a symbol table, -w without DWARF.
func strippedFlags(binary string) string {
	f, err := elf.Open(binary)
	if err != nil {
		return ""
	}
	defer f.Close()
	var flags []string
	if f.Section(".symtab") == nil {
		flags = append(flags, "-s")
	}
	if f.Section(".debug_info") == nil && f.Section(".zdebug_info") == nil {
		flags = append(flags, "-w")
	}
	return strings.Join(flags, " ")
}

func sum(file string) [32]byte {
	b, _ := os.ReadFile(file)
	return sha256.Sum256(b)
}

func filterEnv(environ []string, drop ...string) []string {
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, d := range drop {
			keep = keep && k != d
		}
		if keep {
			out = append(out, kv)
		}
	}
	return out
}

// modulePath reads the module path from root's go.mod.
func modulePath(root string) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	return "", fmt.Errorf("%s/go.mod names no module", root)
}
