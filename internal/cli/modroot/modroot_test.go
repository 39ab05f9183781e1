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
