package lambdabuild

import (
	"bytes"
	"debug/elf"
	"os"
	"path/filepath"
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
