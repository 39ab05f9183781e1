package modroot

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	root, err := Find()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Errorf("Find() = %q, which has no go.mod", root)
	}
	if wd, _ := os.Getwd(); !strings.HasPrefix(wd, root) || wd == root {
		t.Errorf("Find() = %q, not above the working directory %q", root, wd)
	}
}

func TestFindFailsOutsideAModule(t *testing.T) {
	t.Chdir(t.TempDir())
	if _, err := Find(); err == nil || !strings.Contains(err.Error(), "no go.mod") {
		t.Errorf("Find() outside a module: err = %v, want one saying there is no go.mod", err)
	}
}

func TestFindFromStartsAtTheGivenDirectory(t *testing.T) {
	mod := t.TempDir()
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module example.com/m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	deep := filepath.Join(mod, "a", "b")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{mod, deep} {
		if got, err := FindFrom(dir); err != nil || got != mod {
			t.Errorf("FindFrom(%q) = %q, %v; want %q", dir, got, err, mod)
		}
	}
	outside := t.TempDir()
	if _, err := FindFrom(outside); err == nil || !strings.Contains(err.Error(), "no go.mod at or above "+outside) {
		t.Errorf("FindFrom(%q) outside a module: err = %v, want one naming the directory", outside, err)
	}
}
