package runtimeapi

import (
	"context"
	"debug/elf"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// The function's identity when the environment given to StartProcess does
// not name one. The account is AWS's documentation account.
const (
	DefaultFunctionName = "webapp"
	DefaultRegion       = "us-east-1"
	account             = "123456789012"
)

func functionARN(region, name string) string {
	return "arn:aws:lambda:" + region + ":" + account + ":function:" + name
}

// StartProcess starts binary, a `bootstrap`, the way Lambda's provided.al2023
// runtime does, pointed at s. A linux/arm64 binary on another architecture
// runs under qemu-aarch64 (Debian's qemu-user), which must be on PATH.
//
// The process gets Lambda's environment (AWS_LAMBDA_FUNCTION_NAME,
// AWS_LAMBDA_FUNCTION_MEMORY_SIZE, AWS_LAMBDA_FUNCTION_VERSION, AWS_REGION,
// _HANDLER=bootstrap, LAMBDA_TASK_ROOT = the binary's directory, which is
// also its working directory, …) and then env, whose entries win; the
// host's own environment is not inherited, so host credentials cannot leak
// into the function. AWS_LAMBDA_RUNTIME_API is always s.Addr().
//
// s owns the process: do not call cmd.Wait. Invoke fails with
// ErrRuntimeExited when it exits, and s.Close kills it and waits for it.
// Cancelling ctx kills it too. One process per server at a time.
func StartProcess(ctx context.Context, binary string, env []string, s *Server) (*exec.Cmd, error) {
	abs, err := filepath.Abs(binary)
	if err != nil {
		return nil, fmt.Errorf("runtimeapi: %w", err)
	}
	name, args, err := command(abs)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.closing:
		return nil, ErrClosed
	default:
	}
	if s.proc != nil {
		select {
		case <-s.proc.done:
		default:
			return nil, fmt.Errorf("runtimeapi: a runtime is already running (pid %d)", s.proc.cmd.Process.Pid)
		}
	}

	fn := lookupEnv(env, "AWS_LAMBDA_FUNCTION_NAME", DefaultFunctionName)
	region := lookupEnv(env, "AWS_REGION", DefaultRegion)
	p := &process{done: make(chan struct{}), out: &tail{max: 16 << 10}}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = filepath.Dir(abs)
	cmd.Env = append(lambdaEnv(filepath.Dir(abs), fn, region), env...)
	cmd.Env = append(cmd.Env, "AWS_LAMBDA_RUNTIME_API="+s.Addr())
	var out io.Writer = p.out
	if s.Output != nil {
		out = io.MultiWriter(p.out, s.Output)
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 2 * time.Second // do not wait forever for the output pipes
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("runtimeapi: %w", err)
	}
	p.cmd = cmd
	s.proc = p
	s.arn = functionARN(region, fn)
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return cmd, nil
}

// command returns how to run binary: itself, or under qemu-aarch64 when it
// is a linux/arm64 ELF file and this machine is not arm64.
func command(binary string) (name string, args []string, err error) {
	f, err := elf.Open(binary)
	if err != nil {
		return binary, nil, nil // not ELF (or unreadable): exec will say
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 || runtime.GOARCH == "arm64" {
		return binary, nil, nil
	}
	qemu, err := exec.LookPath("qemu-aarch64")
	if err != nil {
		return "", nil, fmt.Errorf("runtimeapi: %s is a linux/arm64 binary: install qemu-user to run it under qemu-aarch64", binary)
	}
	return qemu, []string{binary}, nil
}

// lambdaEnv is the environment Lambda gives a provided.al2023 function,
// minus what a local run cannot have (credentials, X-Ray).
func lambdaEnv(taskRoot, fn, region string) []string {
	return []string{
		"PATH=/usr/local/bin:/usr/bin/:/bin:/opt/bin",
		"LANG=en_US.UTF-8",
		"TZ=:UTC",
		"_HANDLER=bootstrap",
		"LAMBDA_TASK_ROOT=" + taskRoot,
		"LAMBDA_RUNTIME_DIR=" + taskRoot,
		"AWS_REGION=" + region,
		"AWS_DEFAULT_REGION=" + region,
		"AWS_LAMBDA_FUNCTION_NAME=" + fn,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + fn,
		"AWS_LAMBDA_LOG_STREAM_NAME=" + time.Now().UTC().Format("2006/01/02") + "/[$LATEST]" + randomHex(16),
	}
}

// lookupEnv returns key's value in env (the last one, as exec uses), or def.
func lookupEnv(env []string, key, def string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return def
}

// process is a runtime started by StartProcess.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when Wait returned; err is set then
	err  error
	out  *tail
}

// exited returns a channel closed when the process exits; nil (never ready)
// when there is no process.
func (p *process) exited() <-chan struct{} {
	if p == nil {
		return nil
	}
	return p.done
}

// exitError describes the exit; call it once exited is closed.
func (p *process) exitError() error {
	status := "exit status 0"
	if p.err != nil {
		status = p.err.Error()
	}
	return fmt.Errorf("%w (%s); its output ended with:\n%s", ErrRuntimeExited, status, p.out)
}

// kill kills the process and waits until it is reaped.
func (p *process) kill() {
	if p == nil {
		return
	}
	p.cmd.Process.Kill()
	<-p.done
}

// tail is an io.Writer that keeps the last max bytes written.
type tail struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > 2*t.max {
		t.buf = append(t.buf[:0:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf[max(0, len(t.buf)-t.max):])
}
