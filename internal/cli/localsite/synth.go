package localsite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Staleness says whether an assembly is older than the sources it is
// synthesized from.
type Staleness struct {
	// Stale is true when the assembly is missing or a source is newer.
	Stale bool
	// Reason says why, for the user: "cdk.out is missing",
	// "lambda/main.go is newer than cdk.out".
	Reason string
}

// sourceDirs are directories whose every file is a source: static files.
var sourceDirs = []string{"static", "public", "assets"}

// sourceExts are the extensions of source files anywhere in the module.
var sourceExts = []string{".go", ".html", ".css", ".js", ".mjs", ".tmpl", ".json"}

// CheckStale compares the assembly in out (its manifest.json) with the
// sources under root: the module's Go files (not tests), templates, styles
// and scripts, everything in a static directory, go.mod, go.sum and
// cdk.json. Files that cdk.json's watch.exclude excludes (tests, testdata,
// docs), other modules (directories with their own go.mod), node_modules,
// hidden directories and the assembly itself do not count.
func CheckStale(root, out string) (Staleness, error) {
	st, err := os.Stat(filepath.Join(out, "manifest.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return Staleness{true, filepath.Base(out) + " is missing"}, nil
	} else if err != nil {
		return Staleness{}, err
	}
	built := st.ModTime()
	excludes := watchExcludes(root)
	outAbs, _ := filepath.Abs(out)
	var newest string
	var newestTime time.Time
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			abs, _ := filepath.Abs(p)
			switch {
			case rel == ".":
				return nil
			case strings.HasPrefix(d.Name(), "."), d.Name() == "node_modules", abs == outAbs, watchExcluded(rel, excludes):
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
				return filepath.SkipDir // another module
			}
			return nil
		}
		if !isSource(rel) || watchExcluded(rel, excludes) && rel != "cdk.json" {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		if info.ModTime().After(newestTime) {
			newest, newestTime = rel, info.ModTime()
		}
		return nil
	})
	if err != nil {
		return Staleness{}, err
	}
	if newestTime.After(built) {
		return Staleness{true, newest + " is newer than " + filepath.Base(out)}, nil
	}
	return Staleness{}, nil
}

func isSource(rel string) bool {
	switch path.Base(rel) {
	case "go.mod", "go.sum", "cdk.json":
		return true
	}
	if strings.HasSuffix(rel, "_test.go") {
		return false
	}
	for _, dir := range sourceDirs {
		if strings.HasPrefix(rel, dir+"/") || strings.Contains(rel, "/"+dir+"/") {
			return true
		}
	}
	ext := path.Ext(rel)
	for _, e := range sourceExts {
		if ext == e {
			return ext != ".json" // JSON counts only in static directories
		}
	}
	return false
}

// watchExcludes reads cdk.json's watch.exclude patterns.
func watchExcludes(root string) []string {
	var cfg struct {
		Watch struct {
			Exclude []string `json:"exclude"`
		} `json:"watch"`
	}
	b, err := os.ReadFile(filepath.Join(root, "cdk.json"))
	if err != nil || json.Unmarshal(b, &cfg) != nil {
		return []string{"**/*_test.go", "**/testdata/**"}
	}
	return cfg.Watch.Exclude
}

// watchExcluded matches a slash-separated relative path against cdk watch's
// glob patterns: "**" spans directories, "*" and "?" stay within one, and a
// pattern matching a directory excludes what is in it.
func watchExcluded(rel string, patterns []string) bool {
	for _, p := range patterns {
		parts := strings.Split(rel, "/")
		for i := len(parts); i > 0; i-- {
			if globMatch(strings.Split(p, "/"), parts[:i]) {
				return true
			}
		}
	}
	return false
}

func globMatch(pat, parts []string) bool {
	if len(pat) == 0 {
		return len(parts) == 0
	}
	if pat[0] == "**" {
		for i := 0; i <= len(parts); i++ {
			if globMatch(pat[1:], parts[i:]) {
				return true
			}
		}
		return false
	}
	if len(parts) == 0 {
		return false
	}
	ok, _ := path.Match(pat[0], parts[0])
	return ok && globMatch(pat[1:], parts[1:])
}

// Synth runs `cdk synth` in root, writing the assembly to out, with the
// offline environment the Makefile uses unless the caller's environment
// says otherwise. Its output goes to log.
func Synth(ctx context.Context, root, out string, args []string, log io.Writer) error {
	cdk := filepath.Join(root, "node_modules", ".bin", "cdk")
	if _, err := os.Stat(cdk); err != nil {
		return fmt.Errorf("localsite: %s is missing: run `make deps` to install the CDK CLI", cdk)
	}
	argv := append([]string{"synth", "--quiet", "--output", out}, args...)
	cmd := exec.CommandContext(ctx, cdk, argv...)
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Env = os.Environ()
	for k, v := range map[string]string{
		"CDK_DEPLOY_ACCOUNT": "123456789012",
		"CDK_DEPLOY_REGION":  "ap-northeast-1",
	} {
		if os.Getenv(k) == "" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("localsite: cdk %s: %w", strings.Join(argv, " "), err)
	}
	// cdk synth leaves an unchanged manifest's time alone; touch it, so
	// the assembly counts as newer than the sources it was made from.
	now := time.Now()
	return os.Chtimes(filepath.Join(out, "manifest.json"), now, now)
}
