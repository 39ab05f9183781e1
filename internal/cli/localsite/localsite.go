// Package localsite runs what `cdk synth` produced on this machine, without
// an AWS account or Docker: it reads the cloud assembly (cdk.out), derives
// the CloudFront distribution's behaviours, origins, policies and functions
// from the template, and serves the site on loopback the way the deployed
// one answers:
//
//   - static paths from the S3 bucket's content, which is what the bucket
//     deployments' assets hold, with S3's headers and errors;
//   - everything else through an API Gateway REST API emulation that builds
//     the proxy event as API Gateway does and hands it to the function's own
//     bootstrap through a Lambda Runtime API emulator (under qemu when the
//     function's architecture is not this machine's);
//   - CloudFront Functions run from their code in a node process;
//   - DynamoDB tables in dynalite, created from their key schemas;
//   - every value a deployment would make up (names, ids, ARNs, secrets)
//     replaced by a local stand-in, consistently.
//
// What is not emulated is refused at start or listed in Local.Notes, never
// silently skipped.
package localsite

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gowebapp/webapp/tools/dynalitetest"
	"github.com/gowebapp/webapp/internal/cli/assembly"
)

// SynthMode says when Start synthesizes the assembly.
type SynthMode int

const (
	// SynthIfStale synthesizes when the assembly is missing or older than
	// a source file (see CheckStale).
	SynthIfStale SynthMode = iota
	// SynthNever uses the assembly as it is, and says so when it is stale.
	SynthNever
	// SynthAlways synthesizes every time.
	SynthAlways
)

// Options configure Start.
type Options struct {
	// Root is the CDK app's directory: cdk.json, node_modules (the CDK CLI,
	// dynalite) and the Go module of the function. Default: ".".
	Root string
	// Out is the assembly's directory. Default: Root/cdk.out.
	Out string
	// Synth says when to synthesize; SynthArgs are added to `cdk synth`
	// (e.g. -c stage=prod).
	Synth     SynthMode
	SynthArgs []string
	// Stack is the stack to serve. Default: the one with a CloudFront
	// distribution.
	Stack string
	// Addr is the address to listen on. Default: 127.0.0.1:8080.
	Addr string
	// Native runs each function rebuilt for this machine (from the same
	// source and flags, checked against the asset) instead of emulating
	// its architecture. Default: emulate with qemu, rebuild only without it.
	Native bool
	// Concurrency is the most execution environments a function has at
	// once. Default: 4.
	Concurrency int
	// Log receives the site's messages and the functions' output.
	// Default: os.Stderr.
	Log io.Writer
	// Tap, if set, sees every event sent to a function.
	Tap func(event []byte)
}

// Local is a running local site.
type Local struct {
	// URL is the site's address, http://127.0.0.1:PORT/.
	URL string
	// Site is what it serves.
	Site *Site
	// Notes say how the local site differs from the deployed one, for the
	// user: synthesis, emulation, stand-ins, what is not emulated.
	Notes []string
	// DynamoDB is dynalite's endpoint, "" without tables.
	DynamoDB string

	srv     *http.Server
	served  chan error
	mu      sync.Mutex
	closers []func()
}

// Start synthesizes if needed, reads the assembly, starts what the site
// needs and serves it. Close stops everything.
func Start(ctx context.Context, opts Options) (_ *Local, err error) {
	opts.Root = cmp.Or(opts.Root, ".")
	if opts.Root, err = filepath.Abs(opts.Root); err != nil {
		return nil, err
	}
	opts.Out = cmp.Or(opts.Out, filepath.Join(opts.Root, "cdk.out"))
	opts.Addr = cmp.Or(opts.Addr, "127.0.0.1:8080")
	opts.Concurrency = cmp.Or(opts.Concurrency, 4)
	if opts.Log == nil {
		opts.Log = os.Stderr
	}
	l := &Local{served: make(chan error, 1)}
	defer func() {
		if err != nil {
			l.Close()
		}
	}()

	ln, err := net.Listen("tcp", opts.Addr) // first, so that a busy port fails fast
	if err != nil {
		return nil, err
	}
	l.closers = append(l.closers, func() { ln.Close() })
	l.URL = "http://" + ln.Addr().String() + "/"

	if err := l.ensureAssembly(ctx, opts); err != nil {
		return nil, err
	}
	asm, err := assembly.Load(opts.Out)
	if err != nil {
		return nil, err
	}
	stack, err := pickStack(asm, opts.Stack)
	if err != nil {
		return nil, err
	}
	if l.Site, err = NewSite(stack, ""); err != nil {
		return nil, err
	}

	invokers := map[*Function]*lambdaRuntime{}
	if len(l.Site.Tables) > 0 {
		db, err := dynalitetest.Launch(ctx, opts.Root)
		if err != nil {
			return nil, err
		}
		l.closers = append(l.closers, db.Stop)
		l.DynamoDB = db.Endpoint
		if err := createTables(ctx, db.Client(), l.Site.Tables); err != nil {
			return nil, err
		}
	}
	for _, id := range slices.Sorted(maps.Keys(l.Site.Functions)) {
		fn := l.Site.Functions[id]
		rt, err := l.prepareFunction(fn, stack, opts)
		if err != nil {
			return nil, fmt.Errorf("localsite: function %s: %w", id, err)
		}
		invokers[fn] = rt
		l.closers = append(l.closers, rt.Close)
	}

	var functions functionRunner
	if len(l.Site.ViewerFunctions) > 0 {
		n, err := startNode(l.Site.ViewerFunctions, opts.Log)
		if err != nil {
			return nil, err
		}
		l.closers = append(l.closers, func() { n.Close() })
		functions = n
	}
	invoke := func(ctx context.Context, fn *Function, payload []byte) ([]byte, error) {
		return invokers[fn].Invoke(ctx, payload)
	}
	e := newEdge(l.Site, invoke, functions, opts.Tap, opts.Log)
	l.describe(stack, asm)

	l.srv = &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	go func() { l.served <- l.srv.Serve(ln) }()
	return l, nil
}

// Wait returns when the server stops.
func (l *Local) Wait() error { return <-l.served }

// Close stops the server and everything it started.
func (l *Local) Close() error {
	var err error
	if l.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err = l.srv.Shutdown(ctx); errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
	}
	l.mu.Lock()
	closers := l.closers
	l.closers = nil
	l.mu.Unlock()
	for i := len(closers) - 1; i >= 0; i-- {
		closers[i]()
	}
	return err
}

func (l *Local) note(format string, args ...any) {
	l.Notes = append(l.Notes, fmt.Sprintf(format, args...))
}

func (l *Local) ensureAssembly(ctx context.Context, opts Options) error {
	st, err := CheckStale(opts.Root, opts.Out)
	if err != nil {
		return err
	}
	switch {
	case opts.Synth == SynthAlways || (opts.Synth == SynthIfStale && st.Stale):
		why := "always synthesizing"
		if opts.Synth != SynthAlways {
			why = st.Reason
		}
		fmt.Fprintf(opts.Log, "localsite: %s: running cdk synth…\n", why)
		start := time.Now()
		if err := Synth(ctx, opts.Root, opts.Out, opts.SynthArgs, opts.Log); err != nil {
			return err
		}
		l.note("synthesized %s in %.1f s (%s)", rel(opts.Root, opts.Out), time.Since(start).Seconds(), why)
	case st.Stale:
		l.note("WARNING: %s, and synthesis is off: the site runs the last synthesized code, not the current source", st.Reason)
	default:
		l.note("%s is up to date with the source", rel(opts.Root, opts.Out))
	}
	return nil
}

func rel(root, p string) string {
	if r, err := filepath.Rel(root, p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}

func pickStack(asm *assembly.Assembly, name string) (*assembly.Stack, error) {
	if name != "" {
		s, ok := asm.Stack(name)
		if !ok {
			return nil, fmt.Errorf("localsite: the assembly in %s has no stack %s", asm.Dir, name)
		}
		return s, nil
	}
	var with []*assembly.Stack
	for _, s := range asm.Stacks {
		if len(s.Resources("AWS::CloudFront::Distribution")) > 0 {
			with = append(with, s)
		}
	}
	if len(with) != 1 {
		names := make([]string, len(with))
		for i, s := range with {
			names[i] = s.Name
		}
		return nil, fmt.Errorf("localsite: %d stacks of %s have a CloudFront distribution (%s): name one", len(with), asm.Dir, strings.Join(names, ", "))
	}
	return with[0], nil
}

// prepareFunction unpacks the function's asset and decides how to run its
// bootstrap: natively when it is built for this machine, under qemu when
// not, or — without qemu, or with Native — rebuilt for this machine from
// the same source with the same flags, after checking that the source
// builds the asset byte for byte.
func (l *Local) prepareFunction(fn *Function, stack *assembly.Stack, opts Options) (*lambdaRuntime, error) {
	dir, bootstrap, err := taskDir(fn)
	if err != nil {
		return nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	want := goArch(fn.Architecture)
	if got := elfArch(bootstrap); got != "" && got != want {
		cleanup()
		return nil, fmt.Errorf("the template says %s but the bootstrap is built for %s: Lambda would fail to start it", fn.Architecture, got)
	}
	binary := bootstrap
	_, qemuErr := exec.LookPath(qemuFor(want))
	switch {
	case want == runtime.GOARCH:
		l.note("function %s: the %s bootstrap runs natively", fn.LogicalID, want)
	case !opts.Native && qemuErr == nil && want == "arm64":
		l.note("function %s: the linux/%s bootstrap from cdk.out runs under %s", fn.LogicalID, want, qemuFor(want))
	default:
		why := qemuFor(want) + " is not installed (Debian: apt-get install qemu-user)"
		if opts.Native {
			why = "native builds were asked for"
		}
		nb, err := rebuildNative(opts.Root, bootstrap, dir)
		if err != nil {
			cleanup()
			return nil, fmt.Errorf("%s, and the bootstrap cannot be rebuilt for this machine: %w", why, err)
		}
		binary = nb.Binary
		l.note("NOTE function %s: %s: running %s rebuilt for %s/%s with the asset's flags (%s); its rebuild for linux/%s matched the asset byte for byte",
			fn.LogicalID, why, nb.Package, runtime.GOOS, runtime.GOARCH, strings.Join(nb.Flags, " "), want)
	}
	env := []string{}
	for k, v := range dynalitetest.Env(l.DynamoDB) {
		if k == "AWS_ENDPOINT_URL_DYNAMODB" && l.DynamoDB == "" {
			continue
		}
		env = append(env, k+"="+v)
	}
	sort.Strings(env)
	env = append(env, "AWS_REGION="+stack.Region, "AWS_DEFAULT_REGION="+stack.Region)
	return newLambdaRuntime(fn, binary, env, opts.Concurrency, prefixLines(opts.Log, fn.LogicalID+"| "), cleanup), nil
}

// describe puts what the site serves into the notes.
func (l *Local) describe(stack *assembly.Stack, asm *assembly.Assembly) {
	s := l.Site
	var b strings.Builder
	fmt.Fprintf(&b, "stack %s (%s, account %s): distribution %s (%s), behaviours in order:", stack.Name, stack.Region, stack.Account, s.DistributionID, s.DomainName)
	for _, bh := range s.Behaviors {
		fmt.Fprintf(&b, "\n    %-14s %-28s → %s", bh.PathPattern, strings.Join(bh.AllowedMethods, ","), originName(bh.Origin))
		if bh.ViewerRequest != nil {
			fmt.Fprintf(&b, ", viewer-request %s", bh.ViewerRequest.LogicalID)
		}
		if bh.ResponseHeaders != nil {
			fmt.Fprintf(&b, ", response headers policy")
		}
	}
	l.Notes = append([]string{b.String()}, l.Notes...)
	for _, t := range s.Tables {
		l.note("table %s is %s in dynalite at %s (in memory: gone when the site stops)", t.LogicalID, t.Name, l.DynamoDB)
	}
	refs := asm.DynamicReferences()
	for _, ref := range slices.Sorted(maps.Keys(refs)) {
		l.note("dynamic reference %s resolves to a local stand-in", ref)
	}
	for _, w := range s.Warnings {
		l.note("NOT EMULATED: %s", w)
	}
	l.note("not emulated anywhere: caching (every response is a miss), TLS (loopback speaks HTTP), geolocation headers, WAF, IAM permissions")
}

func originName(o *Origin) string {
	switch {
	case o.Bucket != nil:
		return fmt.Sprintf("S3 bucket %s (%d objects)", o.Bucket.LogicalID, len(o.Bucket.Objects))
	case o.API != nil:
		stage := strings.TrimPrefix(o.Path, "/")
		var fns []string
		var walk func(r *APIResource)
		walk = func(r *APIResource) {
			for _, m := range r.Methods {
				if m.Function != nil && !slices.Contains(fns, m.Function.LogicalID) {
					fns = append(fns, m.Function.LogicalID)
				}
			}
			for _, c := range r.Children {
				walk(c)
			}
		}
		walk(o.API.Root)
		return fmt.Sprintf("API Gateway %s (%s) stage %s → Lambda %s", o.API.LogicalID, o.API.ID, stage, strings.Join(fns, ", "))
	}
	return "origin " + o.ID + " (not emulated)"
}

// prefixLines returns a writer that writes each line to w with prefix.
func prefixLines(w io.Writer, prefix string) io.Writer {
	pr, pw := io.Pipe()
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var line bytes.Buffer
			line.WriteString(prefix)
			line.Write(sc.Bytes())
			line.WriteByte('\n')
			w.Write(line.Bytes())
		}
		io.Copy(io.Discard, pr)
	}()
	return pw
}
