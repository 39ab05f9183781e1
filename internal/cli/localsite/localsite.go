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
//   - the secrets a function reads with webappsecret (WEBAPP_SECRET_<NAME>)
//     from a local SSM and Secrets Manager server, with this machine's
//     values or stand-ins (package localsecrets);
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
	"encoding/json"
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
	"sync/atomic"
	"time"

	"github.com/gowebapp/webapp/internal/cli/assembly"
	"github.com/gowebapp/webapp/internal/cli/modroot"
	"github.com/gowebapp/webapp/tools/dynalitetest"
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

// Options configure Start. Its messages name `webapp local`'s flags
// (-dir, -out, -synth) where they say what to do.
type Options struct {
	// Dir is the project: the CDK app's directory, with cdk.json. It is
	// what is synthesized, and where the CDK CLI, dynalite and the
	// function's Go module are looked for. Default: see ProjectDir.
	Dir string
	// Out is the assembly's directory. Default: the project's, cdk.json's
	// "output" or cdk.out.
	Out string
	// Synth says when to synthesize.
	Synth SynthMode
	// Context is CDK context for the synthesis, as `cdk synth -c
	// key=value` gives it.
	Context map[string]string
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
	// Project is what it runs, and Out the assembly's directory (absolute).
	Project *Project
	Out     string
	// Site is what it serves.
	Site *Site
	// Notes say how the local site differs from the deployed one, for the
	// user: synthesis, emulation, stand-ins, what is not emulated.
	Notes []string
	// DynamoDB is dynalite's endpoint, "" without tables.
	//
	// Site, Notes and DynamoDB describe the assembly being served: Reload
	// replaces them, so read them where Reload is called.
	DynamoDB string

	opts    Options
	ln      net.Listener
	srv     *http.Server
	served  chan error
	current atomic.Pointer[instance]

	mu       sync.Mutex // serializes Reload and Close
	closed   bool
	retiring sync.WaitGroup // instances a reload replaced, until they stop
}

// instance is one assembly being served: its site and everything it
// started. A reload builds a new instance beside the old one and swaps
// them, so the address never stops answering.
type instance struct {
	site    *Site
	notes   []string
	handler http.Handler
	closers []func()

	// db is dynalite with the site's tables; an instance whose tables are
	// the same as the previous one's shares its dynalite (and items), and
	// the newest owns it.
	db       *dynalitetest.Server
	dbTables string // the tables' definitions, to tell whether they changed
	ownsDB   bool
	// secretsEnv points the functions at the local secrets' server.
	secretsEnv []string

	// Each request holds mu for reading while it runs; retire takes it for
	// writing, so the instance stops only after its requests finish.
	mu      sync.RWMutex
	retired bool
}

// Start synthesizes if needed, reads the assembly, starts what the site
// needs and serves it. Close stops everything.
func Start(ctx context.Context, opts Options) (_ *Local, err error) {
	dir, err := ProjectDir(opts.Dir, opts.Out)
	if err != nil {
		return nil, err
	}
	project, err := LoadProject(dir)
	if err != nil {
		return nil, err
	}
	out, err := filepath.Abs(cmp.Or(opts.Out, project.Out))
	if err != nil {
		return nil, err
	}
	if exists(filepath.Join(out, "cdk.json")) {
		return nil, fmt.Errorf("localsite: %s has a cdk.json: it is a CDK app's directory, not a cloud assembly: name it with -dir", out)
	}
	opts.Addr = cmp.Or(opts.Addr, "127.0.0.1:8080")
	opts.Concurrency = cmp.Or(opts.Concurrency, 4)
	if opts.Log == nil {
		opts.Log = os.Stderr
	}
	l := &Local{Project: project, Out: out, opts: opts, served: make(chan error, 1)}
	defer func() {
		if err != nil {
			l.Close()
		}
	}()

	// First, so that a busy port fails fast.
	if l.ln, err = net.Listen("tcp", opts.Addr); err != nil {
		return nil, err
	}
	l.URL = "http://" + l.ln.Addr().String() + "/"

	notes, err := l.ensureAssembly(ctx)
	if err != nil {
		return nil, err
	}
	inst, err := l.newInstance(ctx, notes, nil)
	if err != nil {
		return nil, err
	}
	l.install(inst)
	l.srv = newViewerServer(http.HandlerFunc(l.serveHTTP))
	go func() { l.served <- l.srv.Serve(l.ln) }()
	return l, nil
}

// Wait returns when the server stops.
func (l *Local) Wait() error { return <-l.served }

// Throttle replaces the throttle of every API stage of the site being
// served with rate requests a second and bursts of burst, so that a test
// (or a person) sees the throttled answer without sending the stage's
// hundreds of requests; the returned func restores the template's limits.
// A Reload restores them too.
func (l *Local) Throttle(rate float64, burst int) (restore func()) {
	gateways := l.apiGateways()
	for _, g := range gateways {
		g.setLimits(&stageLimits{rate: rate, burst: burst})
	}
	return func() {
		for _, g := range gateways {
			g.setLimits(nil)
		}
	}
}

// apiGateways are the emulated APIs of the site being served.
func (l *Local) apiGateways() []*apiGateway {
	var out []*apiGateway
	if inst := l.current.Load(); inst != nil {
		if e, ok := inst.handler.(*edge); ok {
			for _, h := range e.api {
				if g, ok := h.(*apiGateway); ok {
					out = append(out, g)
				}
			}
		}
	}
	return out
}

// Close stops the server and everything it started.
func (l *Local) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	var err error
	if l.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err = l.srv.Shutdown(ctx); errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
	} else if l.ln != nil {
		l.ln.Close()
	}
	if inst := l.current.Load(); inst != nil {
		inst.retire()
	}
	l.retiring.Wait()
	return err
}

// newInstance reads the assembly and starts what its site needs: dynalite
// for the tables (prev's, when they are the same), the functions, node for
// the CloudFront Functions.
func (l *Local) newInstance(ctx context.Context, synthNotes []string, prev *instance) (_ *instance, err error) {
	asm, err := assembly.Load(l.Out)
	if errors.Is(err, assembly.ErrNoAssembly) && l.opts.Synth == SynthNever {
		return nil, fmt.Errorf("%w, and synthesis is off (-synth never): synthesize the app into it, or drop -synth never", err)
	} else if err != nil {
		return nil, err
	}
	stack, err := pickStack(asm, l.opts.Stack)
	if err != nil {
		return nil, err
	}
	site, err := NewSite(stack, "")
	if err != nil {
		return nil, err
	}
	inst := &instance{site: site, notes: synthNotes}
	if prev != nil {
		// A reload is a deploy over the running site: its buckets keep
		// what no deployment prunes, as S3 does.
		if kept := site.DeployOver(prev.site); kept > 0 {
			inst.note("the static buckets keep %d objects of the previous assembly that no deployment prunes, as S3 keeps them across deploys", kept)
		}
	}
	defer func() {
		if err != nil {
			inst.close()
		}
	}()
	if err := l.startDynamoDB(ctx, inst, prev); err != nil {
		return nil, err
	}
	if err := l.startSecrets(inst); err != nil {
		return nil, err
	}

	invokers := map[*Function]*lambdaRuntime{}
	for _, id := range slices.Sorted(maps.Keys(site.Functions)) {
		fn := site.Functions[id]
		rt, err := l.prepareFunction(inst, fn, stack)
		if err != nil {
			return nil, fmt.Errorf("localsite: function %s: %w", id, err)
		}
		invokers[fn] = rt
		inst.closers = append(inst.closers, rt.Close)
	}
	var functions functionRunner
	if len(site.ViewerFunctions) > 0 {
		n, err := startNode(site.ViewerFunctions, l.opts.Log)
		if err != nil {
			return nil, err
		}
		inst.closers = append(inst.closers, func() { n.Close() })
		functions = n
	}
	invoke := func(ctx context.Context, fn *Function, payload []byte) ([]byte, error) {
		return invokers[fn].Invoke(ctx, payload)
	}
	inst.handler = newEdge(site, invoke, functions, l.opts.Tap, l.opts.Log)
	inst.describe(stack, asm)
	return inst, nil
}

// startDynamoDB gives the instance a dynalite with its site's tables: the
// previous instance's when the tables are the same (their items survive a
// reload), else a new one, from the project's node_modules or PATH.
func (l *Local) startDynamoDB(ctx context.Context, inst, prev *instance) error {
	tables := inst.site.Tables
	if len(tables) == 0 {
		return nil
	}
	defs, err := json.Marshal(tables)
	if err != nil {
		return err
	}
	inst.dbTables = string(defs)
	if prev != nil && prev.db != nil && prev.dbTables == inst.dbTables {
		inst.db = prev.db
		return nil
	}
	bin, ok := l.Project.tool("dynalite")
	if !ok {
		return fmt.Errorf("localsite: the stack has DynamoDB tables, which run in dynalite, and there is no %s nor a dynalite on PATH: %s",
			bin, l.Project.installHint("dynalite", "4.0.0"))
	}
	db, err := dynalitetest.LaunchBinary(ctx, bin)
	if err != nil {
		return err
	}
	inst.db, inst.ownsDB = db, true
	if prev != nil && prev.db != nil {
		inst.notes = append(inst.notes, "the tables' definitions changed: they are new and empty")
	}
	return createTables(ctx, db.Client(), tables)
}

// ensureAssembly synthesizes when opts.Synth says so, and returns the notes
// about the assembly's freshness.
func (l *Local) ensureAssembly(ctx context.Context) ([]string, error) {
	p, mode := l.Project, l.opts.Synth
	if !p.HasConfig {
		if mode != SynthNever {
			return nil, p.cannotSynth()
		}
		return []string{fmt.Sprintf("WARNING: %s has no cdk.json: whether %s is up to date with its app cannot be told", p.Dir, rel(p.Dir, l.Out))}, nil
	}
	st, err := CheckStale(p.Dir, l.Out)
	if err != nil {
		return nil, err
	}
	switch {
	case mode == SynthAlways || (mode == SynthIfStale && st.Stale):
		why := "always synthesizing"
		if mode != SynthAlways {
			why = st.Reason
		}
		n, err := l.synthesize(ctx, why)
		return []string{n}, err
	case st.Stale:
		return []string{fmt.Sprintf("WARNING: %s, and synthesis is off (-synth never): the site runs the last synthesized code, not the current source", st.Reason)}, nil
	}
	return []string{fmt.Sprintf("%s is up to date with the source in %s", rel(p.Dir, l.Out), p.Dir)}, nil
}

// synthesize synthesizes the project into l.Out and returns the note that
// says how, and with which assumed environment.
func (l *Local) synthesize(ctx context.Context, why string) (string, error) {
	fmt.Fprintf(l.opts.Log, "localsite: %s: synthesizing %s…\n", why, l.Project.Dir)
	start := time.Now()
	s, err := l.Project.Synth(ctx, l.Out, l.opts.Context, l.opts.Log)
	if err != nil {
		return "", err
	}
	note := fmt.Sprintf("synthesized %s in %.1f s (%s) with %s", rel(l.Project.Dir, l.Out), time.Since(start).Seconds(), why, s.Command)
	if len(s.Assumed) > 0 {
		note += fmt.Sprintf("; the app was given %s, offline defaults (set them to synthesize for another account or region)", strings.Join(s.Assumed, " "))
	}
	return note, nil
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
func (l *Local) prepareFunction(inst *instance, fn *Function, stack *assembly.Stack) (*lambdaRuntime, error) {
	opts := l.opts
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
		inst.note("function %s: the %s bootstrap runs natively", fn.LogicalID, want)
	case !opts.Native && qemuErr == nil && want == "arm64":
		inst.note("function %s: the linux/%s bootstrap from the assembly runs under %s", fn.LogicalID, want, qemuFor(want))
	default:
		why := qemuFor(want) + " is not installed (Debian: apt-get install qemu-user)"
		if opts.Native {
			why = "native builds were asked for"
		}
		nb, err := l.rebuild(bootstrap, dir)
		if err != nil {
			cleanup()
			return nil, fmt.Errorf("%s, and the bootstrap cannot be rebuilt for this machine: %w", why, err)
		}
		binary = nb.Binary
		inst.note("NOTE function %s: %s: running %s rebuilt for %s/%s with the asset's flags (%s); its rebuild for linux/%s matched the asset byte for byte",
			fn.LogicalID, why, nb.Package, runtime.GOOS, runtime.GOARCH, strings.Join(nb.Flags, " "), want)
	}
	env := []string{}
	endpoint := ""
	if inst.db != nil {
		endpoint = inst.db.Endpoint
	}
	for k, v := range dynalitetest.Env(endpoint) {
		if k == "AWS_ENDPOINT_URL_DYNAMODB" && endpoint == "" {
			continue
		}
		env = append(env, k+"="+v)
	}
	env = append(env, inst.secretsEnv...)
	sort.Strings(env)
	env = append(env, "AWS_REGION="+stack.Region, "AWS_DEFAULT_REGION="+stack.Region)
	log := prefixLines(opts.Log, fn.LogicalID+"| ")
	done := func() { cleanup(); log.Close() }
	return newLambdaRuntime(fn, binary, env, opts.Concurrency, log, done), nil
}

// rebuild rebuilds the bootstrap for this machine in the Go module that
// holds the project.
func (l *Local) rebuild(bootstrap, dir string) (*NativeBuild, error) {
	root, err := modroot.FindFrom(l.Project.Dir)
	if err != nil {
		return nil, err
	}
	return rebuildNative(root, bootstrap, dir)
}

func (i *instance) note(format string, args ...any) {
	i.notes = append(i.notes, fmt.Sprintf(format, args...))
}

// describe puts what the site serves into the notes.
func (i *instance) describe(stack *assembly.Stack, asm *assembly.Assembly) {
	s := i.site
	var b strings.Builder
	fmt.Fprintf(&b, "stack %s (%s, account %s", stack.Name, stack.Region, stack.Account)
	if stack.Agnostic {
		fmt.Fprintf(&b, ", assumed: the stack is environment-agnostic")
	}
	fmt.Fprintf(&b, "): distribution %s (%s), behaviours in order:", s.DistributionID, s.DomainName)
	for _, bh := range s.Behaviors {
		fmt.Fprintf(&b, "\n    %-14s %-28s → %s", bh.PathPattern, strings.Join(bh.AllowedMethods, ","), originName(bh.Origin))
		if bh.ViewerRequest != nil {
			fmt.Fprintf(&b, ", viewer-request %s", bh.ViewerRequest.LogicalID)
		}
		if bh.ResponseHeaders != nil {
			fmt.Fprintf(&b, ", response headers policy")
		}
	}
	i.notes = append([]string{b.String()}, i.notes...)
	for _, t := range s.Tables {
		i.note("table %s is %s in dynalite at %s (in memory: gone when the site stops)", t.LogicalID, t.Name, i.db.Endpoint)
	}
	refs := asm.DynamicReferences()
	for _, ref := range slices.Sorted(maps.Keys(refs)) {
		i.note("dynamic reference %s resolves to a local stand-in", ref)
	}
	for _, w := range s.Warnings {
		i.note("NOT EMULATED: %s", w)
	}
	i.note("caching: each behaviour's cache policy, in memory (key, TTLs from Cache-Control, gzip and Brotli), and error caching (ErrorCachingMinTTL, else 10 s)")
	i.note("not emulated anywhere: TLS (loopback speaks HTTP), geolocation headers, WAF, IAM permissions")
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

// prefixLines returns a writer that writes each line to w with prefix,
// until it is closed.
func prefixLines(w io.Writer, prefix string) io.WriteCloser {
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
