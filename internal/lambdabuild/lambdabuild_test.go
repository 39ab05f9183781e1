package lambdabuild

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

const helloMain = `package main

func main() { println("hello") }
`

func writeModule(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"go.mod":  "module example.com/hello\n\ngo 1.22\n",
		"main.go": helloMain,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestBuildIsLinuxArm64AndReproducible(t *testing.T) {
	src := writeModule(t)
	out := t.TempDir()
	first, second := filepath.Join(out, "a", "bootstrap"), filepath.Join(out, "b", "bootstrap")
	if err := Build(src, first, Lambda); err != nil {
		t.Fatal(err)
	}
	// A second build from a copy in another directory must give the same bytes.
	moved := filepath.Join(t.TempDir(), "elsewhere")
	if err := os.CopyFS(moved, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	if err := Build(moved, second, Lambda); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(first)
	b, _ := os.ReadFile(second)
	if !bytes.Equal(a, b) {
		t.Fatal("two builds of the same source in different directories differ: the asset hash would change")
	}
	f, err := elf.Open(first)
	if err != nil {
		t.Fatalf("bootstrap is not an ELF binary: %v", err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 {
		t.Errorf("machine = %v, want EM_AARCH64", f.Machine)
	}
	if f.Section(".symtab") != nil {
		t.Error("bootstrap has a symbol table: -ldflags \"-s -w\" was not applied")
	}
}

func TestBuildFailsWithTheCompilerMessage(t *testing.T) {
	src := writeModule(t)
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte("package main\nfunc main() { undefined() }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Build(src, filepath.Join(t.TempDir(), "bootstrap"), Lambda)
	if err == nil || !strings.Contains(err.Error(), "undefined") {
		t.Fatalf("err = %v, want the compiler's message about undefined", err)
	}
}

func TestBuildFailsOnMissingDirectory(t *testing.T) {
	err := Build(filepath.Join(t.TempDir(), "nope"), filepath.Join(t.TempDir(), "bootstrap"), Lambda)
	if err == nil || !strings.Contains(err.Error(), "is not a directory") {
		t.Fatalf("err = %v, want 'is not a directory'", err)
	}
}

func TestEnvOverridesUserSettings(t *testing.T) {
	env := Env([]string{"GOOS=windows", "GOFLAGS=-buildvcs=true", "HOME=/h"}, Lambda)
	joined := strings.Join(env, "\n")
	for _, want := range []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0", "GOFLAGS=", "HOME=/h"} {
		if !strings.Contains(joined, want) {
			t.Errorf("env lacks %q: %v", want, env)
		}
	}
	if strings.Contains(joined, "windows") || strings.Contains(joined, "buildvcs=true") {
		t.Errorf("env keeps the user's GOOS or GOFLAGS: %v", env)
	}
}

func TestOptionsAddToTheDefaultFlags(t *testing.T) {
	got, err := Options{}.Args()
	if err != nil || !slices.Equal(got, Flags) {
		t.Fatalf("Options{}.Args() = %q, %v; want the defaults %q", got, err, Flags)
	}
	got, err = Options{
		Flags:    []string{"-mod=mod"},
		Tags:     []string{"prod", "json1"},
		LdflagsX: map[string]string{"main.version": "1.2.3", "example.com/m/build.commit": "abc"},
	}.Args()
	want := []string{"-tags", "lambda.norpc,webapp.lambda,prod,json1", "-trimpath", "-buildvcs=false",
		"-ldflags", "-s -w -X example.com/m/build.commit=abc -X main.version=1.2.3", "-mod=mod"}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("Args() = %q, %v\nwant %q", got, err, want)
	}
}

func TestOptionsRefuseFlagsThatWouldReplaceTheDefaults(t *testing.T) {
	for _, flag := range []string{"-tags=x", "-ldflags", "--ldflags=-w", "-o"} {
		if _, err := (Options{Flags: []string{flag}}).Args(); err == nil || !strings.Contains(err.Error(), "use Options.Tags or Options.LdflagsX") {
			t.Errorf("flag %q: err = %v, want a refusal naming Tags and LdflagsX", flag, err)
		}
	}
}

const versionMain = `package main

var version = "unset"

func main() { println(version, mode) }
`

const prodTag = `//go:build prod

package main

const mode = "prod"
`

const devTag = `//go:build !prod

package main

const mode = "dev"
`

// TestBuildWithOptionsReachesTheBinary builds for this machine, runs the
// program and reads what the tags and -X flags made of it.
func TestBuildWithOptionsReachesTheBinary(t *testing.T) {
	src := writeModule(t)
	for name, body := range map[string]string{"main.go": versionMain, "prod.go": prodTag, "dev.go": devTag} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	host := Target{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH}
	bin := filepath.Join(t.TempDir(), "bootstrap")
	opts := Options{Tags: []string{"prod"}, LdflagsX: map[string]string{"main.version": "1.4.2 (with spaces)"}, Env: map[string]string{"GOFLAGS": "-mod=mod"}}
	if err := BuildWith(src, bin, host, opts); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin).CombinedOutput()
	if got, want := strings.TrimSpace(string(out)), "1.4.2 (with spaces) prod"; err != nil || got != want {
		t.Errorf("program printed %q (%v), want %q", got, err, want)
	}
}

// TestLdflagsXValueWithQuotesButNoSpaces: go build splits -ldflags at spaces
// only, so a value holding both kinds of quote but no space goes through as
// it is; with a space as well it cannot be quoted, and Args says so.
func TestLdflagsXValueWithQuotesButNoSpaces(t *testing.T) {
	const value = `it's"quoted"`
	src := writeModule(t)
	for name, body := range map[string]string{"main.go": versionMain, "dev.go": devTag} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(t.TempDir(), "bootstrap")
	host := Target{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH}
	if err := BuildWith(src, bin, host, Options{LdflagsX: map[string]string{"main.version": value}, Env: map[string]string{"GOFLAGS": "-mod=mod"}}); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin).CombinedOutput()
	if got, want := strings.TrimSpace(string(out)), value+" dev"; err != nil || got != want {
		t.Errorf("program printed %q (%v), want %q", got, err, want)
	}
	if !CanQuoteLdflag("main.version", value) {
		t.Errorf("CanQuoteLdflag(%q) = false, want true: it built", value)
	}
	spaced := `it's "quoted"`
	if _, err := (Options{LdflagsX: map[string]string{"main.version": spaced}}).Args(); err == nil || CanQuoteLdflag("main.version", spaced) {
		t.Errorf("Args with -X value %q: err = %v; want a refusal (spaces and both quotes)", spaced, err)
	}
}

func TestOptionsEnvironmentOverridesButNotTheTarget(t *testing.T) {
	env, err := Options{Env: map[string]string{"GOFLAGS": "-mod=vendor", "GOPRIVATE": "example.com/*"}}.environ([]string{"GOFLAGS=-buildvcs=true", "HOME=/h"}, Lambda)
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(env, "\n")
	for _, want := range []string{"GOFLAGS=-mod=vendor", "GOPRIVATE=example.com/*", "GOOS=linux", "HOME=/h"} {
		if !slices.Contains(env, want) {
			t.Errorf("env lacks %q: %v", want, env)
		}
	}
	if strings.Count(joined, "GOFLAGS=") != 1 {
		t.Errorf("env has GOFLAGS more than once: %v", env)
	}
	if _, err := (Options{Env: map[string]string{"GOARCH": "amd64"}}).environ(nil, Lambda); err == nil {
		t.Error("GOARCH in Env was accepted; want an error: the target decides it")
	}
}

func TestLocalFlagsAreFlagsWithoutTheLambdaTag(t *testing.T) {
	if i := slices.Index(Flags, "-tags"); i < 0 || Flags[i+1] != "lambda.norpc,"+LambdaTag {
		t.Fatalf("Flags = %q, want -tags lambda.norpc,%s", Flags, LambdaTag)
	}
	want := slices.Clone(Flags)
	want[slices.Index(want, "-tags")+1] = "lambda.norpc"
	if !slices.Equal(LocalFlags, want) {
		t.Errorf("LocalFlags = %q, want %q", LocalFlags, want)
	}
}
