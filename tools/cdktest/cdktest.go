// Package cdktest is for the Go tests of a CDK app, this repository's or any
// module's that uses the WebApp construct: an App with the module's own
// cdk.json context and cdk-nag's AwsSolutions checks (NewApp), the two gates
// — cdk-nag and the official CloudFormation validator — on any stack
// (CheckGates), template assertions that report through testing.T instead of
// panicking the whole test binary, and golden-file snapshots with the
// machine-dependent values normalized.
//
// The module under test keeps a cdk.json at its root (ModuleRoot) and pins
// the validator in its package.json (ValidatorPackage); the tests run with
// that module's node first on PATH, as its Makefile arranges.
package cdktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/internal/cli/modroot"
)

// outRoot holds the cloud assemblies of a test binary that uses Main; they
// must outlive the test that synthesized them, because later tests read
// templates from a cached assembly.
var outRoot string

// Main runs the tests of a package that caches synthesized apps across tests,
// and removes their output afterwards. Each setup runs first, given a
// directory of its own under the same root.
func Main(m *testing.M, setups ...func(dir string)) {
	dir, err := os.MkdirTemp("", "cdktest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	outRoot = dir
	for i, setup := range setups {
		sub := filepath.Join(dir, fmt.Sprintf("setup-%d", i))
		if err := os.Mkdir(sub, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		setup(sub)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// ModuleRoot returns the directory of this module's go.mod, which holds the
// CDK app's cdk.json.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := modroot.Find()
	if err != nil {
		t.Fatalf("cdktest: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "cdk.json")); err != nil {
		t.Fatalf("cdktest: the module root %s has no cdk.json", dir)
	}
	return dir
}

// NewApp returns an App whose context is cdk.json's, so tests synthesize what
// `cdk synth` does, plus the extra context given, with cdk-nag's AwsSolutions
// checks applied (see NagFindings). Its output goes to a
// temporary directory that lives as long as the test, or as the test binary
// when the package's TestMain calls Main.
//
// With DefaultFlagsEnv set to 1 in the environment, NewApp leaves cdk.json
// out, as NewDefaultFlagsApp does: RunWithDefaultFlags sets it to run a
// package's tests again under CDK's default feature flags.
func NewApp(t testing.TB, extra map[string]any) awscdk.App {
	t.Helper()
	if os.Getenv(DefaultFlagsEnv) == "1" {
		return NewDefaultFlagsApp(t, extra)
	}
	ctx := CdkJSONContext(t)
	for k, v := range extra {
		ctx[k] = v
	}
	return newApp(t, ctx)
}

// CdkJSONContext returns the "context" of the module's cdk.json (a fresh map
// on every call), failing t when the file is missing or not JSON.
func CdkJSONContext(t testing.TB) map[string]any {
	t.Helper()
	path := filepath.Join(ModuleRoot(t), "cdk.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cdkJSON struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(raw, &cdkJSON); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if cdkJSON.Context == nil {
		cdkJSON.Context = map[string]any{}
	}
	return cdkJSON.Context
}

// NewDefaultFlagsApp returns an App like NewApp's but without cdk.json's
// context: only the extra context given, so every feature flag has CDK's
// default, as in an importer's app whose cdk.json sets none.
func NewDefaultFlagsApp(t testing.TB, extra map[string]any) awscdk.App {
	t.Helper()
	ctx := map[string]any{}
	for k, v := range extra {
		ctx[k] = v
	}
	return newApp(t, ctx)
}

// DefaultFlagsEnv is the environment variable that makes NewApp use CDK's
// default feature flags instead of cdk.json's (see RunWithDefaultFlags).
const DefaultFlagsEnv = "CDKTEST_DEFAULT_FLAGS"

// RunWithDefaultFlags runs the test binary again, running only the tests that
// match pattern (a -test.run expression) with NewApp giving CDK's default
// feature flags, and fails t with their output if they fail. A construct
// meant for other apps must hold under their flags too, not only cdk.json's.
func RunWithDefaultFlags(t *testing.T, pattern string) {
	t.Helper()
	if os.Getenv(DefaultFlagsEnv) == "1" {
		t.Skip("already running under CDK's default feature flags")
	}
	cmd := exec.Command(os.Args[0], "-test.run="+pattern, "-test.count=1")
	cmd.Env = append(os.Environ(), DefaultFlagsEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("under CDK's default feature flags (no cdk.json context), %s failed: %v\n%s", pattern, err, out)
	} else if testing.Verbose() {
		t.Logf("under CDK's default feature flags:\n%s", out)
	}
}

func newApp(t testing.TB, ctx map[string]any) awscdk.App {
	t.Helper()
	outdir := ""
	if outRoot != "" {
		var err error
		if outdir, err = os.MkdirTemp(outRoot, "app-"); err != nil {
			t.Fatal(err)
		}
	} else {
		outdir = t.TempDir()
	}
	app := awscdk.NewApp(&awscdk.AppProps{
		Context: &ctx,
		Outdir:  jsii.String(outdir),
		// Keep templates free of the CDK version and paths of this machine.
		AnalyticsReporting: jsii.Bool(false),
	})
	AddNagChecks(app)
	return app
}

// Try runs f and reports a failed assertion (the CDK assertions panic) as a
// test error instead of ending the test binary.
func Try(t testing.TB, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	f()
}

// Has asserts that the template has a resource of type typ whose properties
// match props (deeply, as objects-like).
func Has(t testing.TB, tpl assertions.Template, typ string, props any) {
	t.Helper()
	Try(t, "HasResourceProperties "+typ, func() {
		tpl.HasResourceProperties(jsii.String(typ), props)
	})
}

// Count asserts how many resources of type typ the template has.
func Count(t testing.TB, tpl assertions.Template, typ string, n int) {
	t.Helper()
	Try(t, "ResourceCountIs "+typ, func() {
		tpl.ResourceCountIs(jsii.String(typ), jsii.Number(float64(n)))
	})
}

// CountMatching asserts how many resources of type typ have properties that
// match props.
func CountMatching(t testing.TB, tpl assertions.Template, typ string, props any, n int) {
	t.Helper()
	found := tpl.FindResources(jsii.String(typ), map[string]any{"Properties": props})
	if got := len(*found); got != n {
		t.Errorf("%d resources of type %s match %v, want %d", got, typ, props, n)
	}
}

// Resources returns the resources of type typ as plain maps, by logical id.
func Resources(tpl assertions.Template, typ string) map[string]map[string]any {
	found := tpl.FindResources(jsii.String(typ), nil)
	out := map[string]map[string]any{}
	for id, r := range *found {
		if r != nil {
			out[id] = *r
		}
	}
	return out
}

// Props returns the Properties of the only resource of type typ, failing the
// test when there is not exactly one.
func Props(t testing.TB, tpl assertions.Template, typ string) map[string]any {
	t.Helper()
	rs := Resources(tpl, typ)
	if len(rs) != 1 {
		t.Fatalf("want exactly one %s, found %d", typ, len(rs))
	}
	for _, r := range rs {
		p, _ := r["Properties"].(map[string]any)
		return p
	}
	return nil
}

// TemplatePath returns the file of stack's template in its app's output
// directory, once the app is synthesized.
func TemplatePath(stack awscdk.Stack) string {
	app := awscdk.Stage_Of(stack)
	return filepath.Join(*app.Outdir(), *stack.TemplateFile())
}

// Outputs returns the template's outputs by logical id.
func Outputs(tpl assertions.Template) map[string]map[string]any {
	found := tpl.FindOutputs(jsii.String("*"), nil)
	out := map[string]map[string]any{}
	for id, o := range *found {
		if o != nil {
			out[id] = *o
		}
	}
	return out
}

// hashPattern matches the content hashes of assets (64 hex digits), which
// depend on the Go version and on the CDK's own bundled code.
var hashPattern = regexp.MustCompile(`[0-9a-f]{64}`)

// versionIDPattern matches the logical id of a function's CurrentVersion,
// whose last 32 hex digits hash the function's properties, the asset's hash
// among them.
var versionIDPattern = regexp.MustCompile(`(CurrentVersion[0-9A-F]{8})[0-9a-f]{32}`)

// Normalize renders a template as indented JSON with asset hashes replaced by
// a placeholder, so a snapshot compares the same on every machine.
func Normalize(template any) ([]byte, error) {
	raw, err := json.MarshalIndent(template, "", "  ")
	if err != nil {
		return nil, err
	}
	raw = hashPattern.ReplaceAll(raw, []byte("<asset-hash>"))
	raw = versionIDPattern.ReplaceAll(raw, []byte("${1}<version-hash>"))
	return append(raw, '\n'), nil
}

// Golden compares got with testdata/<name>.json, or rewrites the file when
// update is true. On a difference it reports the first differing line, and
// how to accept the change after reviewing it.
func Golden(t testing.TB, name string, got []byte, update bool) {
	t.Helper()
	path := filepath.Join("testdata", name+".json")
	if update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("snapshot %s: %v (create it with `make snapshots`)", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("snapshot %s differs: %s\nreview the change, then accept it with `make snapshots`", path, firstDiff(want, got))
	}
}

func firstDiff(want, got []byte) string {
	w, g := bytes.Split(want, []byte("\n")), bytes.Split(got, []byte("\n"))
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl []byte
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if !bytes.Equal(wl, gl) {
			return fmt.Sprintf("line %d: want %q, got %q", i+1, bytes.TrimSpace(wl), bytes.TrimSpace(gl))
		}
	}
	return "no line differs"
}
