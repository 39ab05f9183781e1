// Package lambdabuild builds a Go main package into the `bootstrap` executable
// that the Lambda `provided.al2023` runtime starts, with the Go toolchain
// alone (no Docker), reproducibly: the same source, options and Go version
// give the same bytes on any machine, so the asset hash changes only when the
// program does.
package lambdabuild

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// Target is the platform to build for. Lambda's is linux/arm64.
type Target struct {
	GOOS, GOARCH string
}

// Lambda is the platform the function runs on.
var Lambda = Target{GOOS: "linux", GOARCH: "arm64"}

// Flags are the build flags without Options, in order. Each one matters:
//   - lambda.norpc drops aws-lambda-go's RPC mode, which provided.al2023 never uses;
//   - LambdaTag makes webappaws build AWS clients from Lambda's environment
//     without the SDK's shared configuration, which is then not linked
//     (30 % of the sample function's package initialization);
//   - -trimpath and -buildvcs=false keep the build directory and the commit id
//     out of the binary, so it is the same on every machine and commit;
//   - -s -w drop the symbol table and DWARF, a third of the size.
var Flags = flags(defaultTags, defaultLdflags)

// LocalFlags are Flags without LambdaTag, for running a function on a
// developer's machine (webapp dev): webappaws then uses the SDK's standard
// configuration, so profiles and SSO work there.
var LocalFlags = flags(norpcTag, defaultLdflags)

// LambdaTag is the build tag of code that only holds on Lambda (see
// webappaws). Every build for Lambda has it.
const LambdaTag = "webapp.lambda"

const (
	norpcTag       = "lambda.norpc"
	defaultTags    = norpcTag + "," + LambdaTag
	defaultLdflags = "-s -w"
)

// flags is the flag list of Flags with the given -tags and -ldflags values:
// Options add to those two and keep the rest.
func flags(tags, ldflags string) []string {
	return []string{"-tags", tags, "-trimpath", "-buildvcs=false", "-ldflags", ldflags}
}

// Options add to the default build; the zero value adds nothing.
type Options struct {
	// Flags are more go build flags, after the defaults.
	Flags []string
	// Tags are build tags, after lambda.norpc and LambdaTag.
	Tags []string
	// LdflagsX are -X name=value link flags, after -s -w, in key order.
	LdflagsX map[string]string
	// Env is set in the build's environment, over the process's (GOFLAGS
	// included). GOOS, GOARCH and CGO_ENABLED are the target's.
	Env map[string]string
}

// Args returns the go build flags for opts: Flags with the options' tags
// and -X flags joined in, then the options' own flags.
func (o Options) Args() ([]string, error) {
	for _, f := range o.Flags {
		if ReplacesDefault(f) {
			return nil, fmt.Errorf("lambdabuild: flag %q: use Options.Tags or Options.LdflagsX; the output is set by Build", f)
		}
	}
	tags := strings.Join(append([]string{defaultTags}, o.Tags...), ",")
	ldflags := defaultLdflags
	for _, name := range slices.Sorted(maps.Keys(o.LdflagsX)) {
		x, err := quoteField(name + "=" + o.LdflagsX[name])
		if err != nil {
			return nil, fmt.Errorf("lambdabuild: -X %s: %v", name, err)
		}
		ldflags += " -X " + x
	}
	return append(flags(tags, ldflags), o.Flags...), nil
}

// ReplacesDefault reports whether f is a go build flag that would replace
// one the build sets itself (-tags, -ldflags, -o): go build keeps the last
// one given, so Args refuses it.
func ReplacesDefault(f string) bool {
	name, _, _ := strings.Cut(strings.TrimLeft(f, "-"), "=")
	switch name {
	case "tags", "ldflags", "o":
		return true
	}
	return false
}

// IsTargetVar reports whether key is an environment variable the target
// sets (GOOS, GOARCH, CGO_ENABLED), which Options.Env cannot.
func IsTargetVar(key string) bool {
	switch key {
	case "GOOS", "GOARCH", "CGO_ENABLED":
		return true
	}
	return false
}

// CanQuoteLdflag reports whether the -X value name=value can be passed in
// -ldflags at all (see quoteField), as Args would.
func CanQuoteLdflag(name, value string) bool {
	_, err := quoteField(name + "=" + value)
	return err == nil
}

// quoteField quotes s the way go build splits -ldflags (cmd/internal/quoted):
// fields are separated by spaces, and a field that starts with a quote runs to
// the same quote. So a field with spaces, or one that starts with a quote, is
// wrapped in quotes of a kind it does not contain; any other field, quotes
// inside it included, is passed as it is.
func quoteField(s string) (string, error) {
	if !strings.ContainsAny(s, " \t\r\n") && !strings.HasPrefix(s, "'") && !strings.HasPrefix(s, `"`) {
		return s, nil
	}
	for _, q := range []string{"'", `"`} {
		if !strings.Contains(s, q) {
			return q + s + q, nil
		}
	}
	return "", fmt.Errorf("a value with spaces cannot hold both ' and \"")
}

// Build compiles the main package in pkgDir for target into outFile.
func Build(pkgDir, outFile string, target Target) error {
	return BuildWith(pkgDir, outFile, target, Options{})
}

// BuildWith compiles the main package in pkgDir for target into outFile,
// with opts added to the default build.
func BuildWith(pkgDir, outFile string, target Target, opts Options) error {
	abs, err := filepath.Abs(pkgDir)
	if err != nil {
		return err
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		return fmt.Errorf("lambdabuild: %s is not a directory", pkgDir)
	}
	flags, err := opts.Args()
	if err != nil {
		return err
	}
	env, err := opts.environ(os.Environ(), target)
	if err != nil {
		return err
	}
	args := append([]string{"build"}, flags...)
	args = append(args, "-o", outFile, ".")
	cmd := exec.Command("go", args...)
	cmd.Dir = abs
	cmd.Env = env
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

// environ is Env with the options' variables set over it, in key order.
func (o Options) environ(environ []string, target Target) ([]string, error) {
	env := Env(environ, target)
	for _, k := range slices.Sorted(maps.Keys(o.Env)) {
		if IsTargetVar(k) {
			return nil, fmt.Errorf("lambdabuild: %s is the target's (%s/%s, no cgo) and cannot be set", k, target.GOOS, target.GOARCH)
		}
		env = slices.DeleteFunc(env, func(kv string) bool { return strings.HasPrefix(kv, k+"=") })
		env = append(env, k+"="+o.Env[k])
	}
	return env, nil
}
