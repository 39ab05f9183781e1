// Package modroot finds a Go module's root directory, where go.mod is: this
// repository's tests and tools run from any package directory and need the
// pinned Node tools and the CDK app beside go.mod, and the local site
// rebuilds a project's function from the module that holds the project.
package modroot

import (
	"fmt"
	"os"
	"path/filepath"
)

// Find returns the directory of the nearest go.mod at or above the working
// directory.
func Find() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return FindFrom(dir)
}

// FindFrom returns the directory of the nearest go.mod at or above dir, as
// an absolute path.
func FindFrom(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no go.mod at or above %s", dir)
		}
		d = parent
	}
}
