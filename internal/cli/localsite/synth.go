package localsite

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
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
	isSource := sourceFiles(root, out)
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
		if !isSource(rel) {
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

// sourceFiles returns what CheckStale counts as a source of the assembly
// in out, and what Local.Watch reloads on: given a path relative to root,
// slash-separated, whether it is a source file that cdk.json's
// watch.exclude does not exclude (cdk.json itself always counts) and that
// is not in the assembly.
func sourceFiles(root, out string) func(rel string) bool {
	excludes := watchExcludes(root)
	outRel := ""
	rootAbs, err1 := filepath.Abs(root)
	outAbs, err2 := filepath.Abs(out)
	if r, err := filepath.Rel(rootAbs, outAbs); err1 == nil && err2 == nil && err == nil && !strings.HasPrefix(r, "..") {
		outRel = filepath.ToSlash(r)
	}
	return func(rel string) bool {
		switch {
		case outRel != "" && (rel == outRel || strings.HasPrefix(rel, outRel+"/")):
			return false
		case rel == "cdk.json":
			return true
		}
		return isSourceFile(rel) && !watchExcluded(rel, excludes)
	}
}

// isSourceFile reports whether rel is a file the app is built from:
// go.mod, go.sum, cdk.json, Go files other than tests, templates, styles
// and scripts, and every file in a static directory.
func isSourceFile(rel string) bool {
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

// offlineDefaults are the environment a synthesis gets for what the
// caller's environment leaves unset: the account and region for apps that
// follow the CDK_DEPLOY_ convention (the CDK CLI sets CDK_DEFAULT_REGION
// itself, to us-east-1 without an AWS profile, so offline that one cannot
// choose the region). The account is AWS's documentation account.
var offlineDefaults = []struct{ key, value string }{
	{"CDK_DEPLOY_ACCOUNT", "123456789012"},
	{"CDK_DEPLOY_REGION", "ap-northeast-1"},
}

// maxContextJSON is the most CDK_CONTEXT_JSON carries here. The CLI puts
// what does not fit in an environment variable (128 KiB on Linux, with the
// rest of the environment) in a file instead; this does not.
const maxContextJSON = 100 << 10

// Synthesis says how a project was synthesized, for the user.
type Synthesis struct {
	// Command is what ran, e.g. "node_modules/.bin/cdk synth" or
	// "go run . (cdk.json's app, run as the CDK CLI runs it)".
	Command string
	// Assumed are the offline defaults the app was given, KEY=value, for
	// the variables the caller's environment does not set.
	Assumed []string
}

// Synth synthesizes the project into out. With a CDK CLI — the project's
// node_modules/.bin/cdk, else cdk on PATH — it runs `cdk synth` in the
// project; without one it runs cdk.json's app command the way the CLI
// does (see runApp). cdkContext is the -c key=value context. The app's
// output goes to log.
func (p *Project) Synth(ctx context.Context, out string, cdkContext map[string]string, log io.Writer) (*Synthesis, error) {
	if err := p.cannotSynth(); err != nil {
		return nil, err
	}
	if err := checkContextKeys(cdkContext); err != nil {
		return nil, err
	}
	out, err := filepath.Abs(out)
	if err != nil {
		return nil, err
	}
	env := os.Environ()
	s := &Synthesis{}
	for _, d := range offlineDefaults {
		if os.Getenv(d.key) == "" {
			env = append(env, d.key+"="+d.value)
			s.Assumed = append(s.Assumed, d.key+"="+d.value)
		}
	}
	if cli, ok := p.tool("cdk"); ok {
		argv := []string{"synth", "--quiet", "--output", out}
		for _, k := range slices.Sorted(maps.Keys(cdkContext)) {
			argv = append(argv, "-c", k+"="+cdkContext[k])
		}
		s.Command = rel(p.Dir, cli) + " synth"
		if err := p.run(ctx, cli, argv, env, log); err != nil {
			return nil, fmt.Errorf("localsite: %s %s in %s: %w (its output is above)", cli, strings.Join(argv, " "), p.Dir, err)
		}
	} else {
		s.Command = p.App + " (cdk.json's app, run as the CDK CLI runs it: no CDK CLI in node_modules or on PATH)"
		if err := p.runApp(ctx, out, cdkContext, env, log); err != nil {
			return nil, err
		}
	}
	manifest := filepath.Join(out, "manifest.json")
	if !exists(manifest) {
		return nil, fmt.Errorf("localsite: %s wrote no cloud assembly to %s: does the app call app.Synth?", s.Command, out)
	}
	// cdk synth leaves an unchanged manifest's time alone; touch it, so
	// the assembly counts as newer than the sources it was made from.
	now := time.Now()
	return s, os.Chtimes(manifest, now, now)
}

// runApp synthesizes without the CDK CLI, as the CLI's execProgram does:
// cdk.json's "build", then its "app", each by sh in the project, with the
// assembly's directory in CDK_OUTDIR, the context in CDK_CONTEXT_JSON (see
// appContext) and CDK_DEFAULT_REGION as the CLI sets it without an AWS
// profile.
func (p *Project) runApp(ctx context.Context, out string, cdkContext map[string]string, env []string, log io.Writer) error {
	appCtx, err := p.appContext(cdkContext)
	if err != nil {
		return err
	}
	js, err := json.Marshal(appCtx)
	if err != nil {
		return fmt.Errorf("localsite: the context: %w", err)
	}
	if len(js) > maxContextJSON {
		return fmt.Errorf("localsite: the context is %d bytes, more than CDK_CONTEXT_JSON carries here: "+
			"install the CDK CLI in the project (npm install --save-dev aws-cdk), which passes it in a file", len(js))
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("localsite: %w", err)
	}
	region := cmp.Or(os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"), "us-east-1")
	env = append(env, "CDK_OUTDIR="+out, "CDK_CONTEXT_JSON="+string(js), "CDK_DEFAULT_REGION="+region)
	for _, step := range []struct{ key, command string }{{"build", p.Build}, {"app", p.App}} {
		if step.command == "" {
			continue
		}
		if err := p.run(ctx, "sh", []string{"-c", step.command}, env, log); err != nil {
			return fmt.Errorf("localsite: cdk.json's %s, %s, failed in %s: %w (its output is above)", step.key, step.command, p.Dir, err)
		}
	}
	return nil
}

func (p *Project) run(ctx context.Context, name string, args, env []string, log io.Writer) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = p.Dir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = log, log
	ownGroup(cmd)
	cmd.WaitDelay = 5 * time.Second // for output pipes a stray grandchild holds
	return cmd.Run()
}

// appContext is the context the CDK CLI gives the app: cdk.context.json's
// saved values, under cdk.json's "context", under the -c values, under the
// keys the CLI adds to every synthesis (aws-cdk's contextFromSettings,
// which cdk.json's pathMetadata, assetMetadata, versionReporting, staging
// and bundlingStacks settings adjust). ~/.cdk.json is not read.
func (p *Project) appContext(cdkContext map[string]string) (map[string]any, error) {
	merged := map[string]any{}
	saved := filepath.Join(p.Dir, "cdk.context.json")
	if b, err := os.ReadFile(saved); err == nil {
		if err := json.Unmarshal(b, &merged); err != nil {
			return nil, fmt.Errorf("localsite: %s: %w", saved, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("localsite: %w", err)
	}
	maps.Copy(merged, p.config.Context)
	for k, v := range cdkContext {
		merged[k] = v
	}
	maps.Copy(merged, p.config.cliContext())
	return merged, nil
}

// cliContext is what the CDK CLI adds to the context of every synthesis.
func (c cdkConfig) cliContext() map[string]any {
	on := func(setting *bool) bool { return setting == nil || *setting }
	bundling := c.BundlingStacks
	if bundling == nil {
		bundling = []string{"**"}
	}
	ctx := map[string]any{
		"aws:cdk:bundling-stacks":                   bundling,
		"@aws-cdk/core:failSynthOnValidationErrors": false,
	}
	if on(c.PathMetadata) {
		ctx["aws:cdk:enable-path-metadata"] = true
	}
	if on(c.AssetMetadata) {
		ctx["aws:cdk:enable-asset-metadata"] = true
	}
	if on(c.VersionReporting) {
		ctx["aws:cdk:version-reporting"] = true
	} else {
		ctx["aws:cdk:disable-version-reporting"] = true
	}
	if !on(c.Staging) {
		ctx["aws:cdk:disable-asset-staging"] = true
	}
	return ctx
}

// checkContextKeys refuses -c keys the CLI reserves for itself.
func checkContextKeys(cdkContext map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(cdkContext)) {
		if strings.HasPrefix(k, "aws:") {
			return fmt.Errorf("localsite: -c %s: context keys starting with aws: are reserved for the CDK itself", k)
		}
	}
	return nil
}
