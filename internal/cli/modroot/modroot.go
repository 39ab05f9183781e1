// Package modroot finds this module's root directory, where go.mod, cdk.json
// and node_modules are: tests and the local tools run from any package
// directory and need the pinned Node tools and the CDK app beside go.mod.
package modroot

import (
	"errors"
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
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod at or above the working directory")
		}
		dir = parent
	}
}
