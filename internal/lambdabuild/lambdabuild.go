// Package lambdabuild builds a Go main package into the `bootstrap` executable
// that the Lambda `provided.al2023` runtime starts, with the Go toolchain
// alone (no Docker), reproducibly: the same source and Go version give the
// same bytes on any machine, so the asset hash changes only when the code does.
package lambdabuild

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Target is the platform to build for. Lambda's is linux/arm64.
type Target struct {
	GOOS, GOARCH string
}

// Lambda is the platform the function runs on.
var Lambda = Target{GOOS: "linux", GOARCH: "arm64"}

// Flags are the build flags, in order. Each one matters:
//   - lambda.norpc drops aws-lambda-go's RPC mode, which provided.al2023 never uses;
//   - -trimpath and -buildvcs=false keep the build directory and the commit id
//     out of the binary, so it is the same on every machine and commit;
//   - -s -w drop the symbol table and DWARF, a third of the size.
var Flags = []string{"-tags", "lambda.norpc", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w"}

// Build compiles the main package in pkgDir for target into outFile.
func Build(pkgDir, outFile string, target Target) error {
	abs, err := filepath.Abs(pkgDir)
	if err != nil {
		return err
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		return fmt.Errorf("lambdabuild: %s is not a directory", pkgDir)
	}
	args := append([]string{"build"}, Flags...)
	args = append(args, "-o", outFile, ".")
	cmd := exec.Command("go", args...)
	cmd.Dir = abs
	cmd.Env = Env(os.Environ(), target)
	var stderr bytes.Buffer
	cmd.Stdout = &stderr
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("lambdabuild: go build in %s: %v\n%s", pkgDir, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// Env returns environ with the cross-compilation variables set for target.
// GOFLAGS is cleared so that a user's own setting cannot change the bytes
// (for example -buildvcs=true stamping the commit id); the flags that matter
// are passed explicitly.
func Env(environ []string, target Target) []string {
	env := make([]string, 0, len(environ)+4)
	for _, kv := range environ {
		switch strings.SplitN(kv, "=", 2)[0] {
		case "GOOS", "GOARCH", "CGO_ENABLED", "GOFLAGS":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "GOOS="+target.GOOS, "GOARCH="+target.GOARCH, "CGO_ENABLED=0", "GOFLAGS=")
}
