package localsite

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeFiles writes name → content under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// pathWithout sets PATH, for the test, to a directory with only go and node
// (as the test's PATH finds them) followed by the system directories, and
// fails if one of tools is still found: a machine where the project's Node
// tools are not on PATH.
func pathWithout(t *testing.T, tools ...string) {
	t.Helper()
	bin := t.TempDir()
	for _, name := range []string{"go", "node"} {
		if p, err := exec.LookPath(name); err == nil {
			if err := os.Symlink(p, filepath.Join(bin, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+"/usr/bin"+string(os.PathListSeparator)+"/bin")
	for _, tool := range tools {
		if p, err := exec.LookPath(tool); err == nil {
			t.Fatalf("%s is still on PATH at %s: the test needs a machine without it in /usr/bin or /bin", tool, p)
		}
	}
}

func TestProjectDirIsTheOneNamedOrTheOneHoldingTheAssembly(t *testing.T) {
	wd := t.TempDir()
	t.Chdir(wd)
	app := t.TempDir()
	writeFiles(t, app, map[string]string{"cdk.json": `{"app": "go run ."}`})
	elsewhere := t.TempDir()

	for _, c := range []struct {
		name, dir, out, want string
	}{
		{"named", app, filepath.Join(elsewhere, "x"), app},
		{"beside its app", "", filepath.Join(app, "cdk.out"), app},
		{"an assembly away from any app", "", filepath.Join(elsewhere, "cdk.out"), wd},
		{"nothing given", "", "", wd},
	} {
		got, err := ProjectDir(c.dir, c.out)
		if err != nil || got != c.want {
			t.Errorf("%s: ProjectDir(%q, %q) = %q, %v; want %q", c.name, c.dir, c.out, got, err, c.want)
		}
	}
}

func TestLoadProjectReadsCDKJSON(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"cdk.json": `{"app": ["go", "run", "./cmd/app"], "build": "make gen", "output": "build/asm"}`})
	p, err := LoadProject(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := &Project{Dir: dir, HasConfig: true, App: "go run ./cmd/app", Build: "make gen", Out: filepath.Join(dir, "build", "asm")}
	p.config = cdkConfig{}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("LoadProject = %+v, want %+v", p, want)
	}

	empty := t.TempDir()
	if p, err := LoadProject(empty); err != nil || p.HasConfig || p.Out != filepath.Join(empty, "cdk.out") {
		t.Errorf("LoadProject(without cdk.json) = %+v, %v; want a project without config, out cdk.out", p, err)
	}
}

func TestProjectsThatCannotBeSynthesizedSayWhatToDo(t *testing.T) {
	noConfig := t.TempDir()
	noApp := t.TempDir()
	writeFiles(t, noApp, map[string]string{"cdk.json": `{"context": {}}`})
	for _, c := range []struct {
		dir  string
		want []string
	}{
		{noConfig, []string{noConfig + " has no cdk.json", "-dir", "-synth never"}},
		{noApp, []string{filepath.Join(noApp, "cdk.json") + ` has no "app"`, `"app": "go run ."`, "-synth never"}},
	} {
		p, err := LoadProject(c.dir)
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Synth(context.Background(), filepath.Join(c.dir, "cdk.out"), nil, &bytes.Buffer{})
		if err == nil {
			t.Fatalf("Synth in %s succeeded", c.dir)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Synth in %s: %v\nwant it to say %q", c.dir, err, w)
			}
		}
		if strings.Contains(err.Error(), "make") {
			t.Errorf("Synth in %s: %v\nnames make, which the project does not have", c.dir, err)
		}
	}
}

func TestHintsNameOnlyCommandsTheProjectHas(t *testing.T) {
	const makefile = "export PATH := x\nCDK := a:b\n.PHONY: deps\ndeps: package.json ## install\n\tnpm ci\nlocal:\n\tgo tool webapp local\n"
	for _, c := range []struct {
		name  string
		files map[string]string
		want  string
		not   string
	}{
		{"not declared, no Makefile", nil, "npm install --save-dev dynalite@4.0.0", "make"},
		{"not declared, a Makefile with deps", map[string]string{"Makefile": makefile}, "npm install --save-dev dynalite@4.0.0", "make"},
		{"declared, no Makefile", map[string]string{"package.json": `{"devDependencies": {"dynalite": "4.0.0"}}`}, "run npm ci in", "make"},
		{"declared, a Makefile without deps", map[string]string{"package.json": `{"dependencies": {"dynalite": "4"}}`, "Makefile": "CDK := a:b\nlocal:\n\tgo run .\n"}, "run npm ci in", "make"},
		{"declared, a Makefile with deps", map[string]string{"package.json": `{"devDependencies": {"dynalite": "4.0.0"}}`, "Makefile": makefile}, "(or make deps)", ""},
	} {
		dir := t.TempDir()
		writeFiles(t, dir, c.files)
		p := &Project{Dir: dir}
		got := p.installHint("dynalite", "4.0.0")
		if !strings.Contains(got, c.want) || c.not != "" && strings.Contains(got, c.not) {
			t.Errorf("%s: installHint = %q, want it to say %q and not %q", c.name, got, c.want, c.not)
		}
	}
}

func TestHasMakeTargetReadsRulesNotAssignments(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"Makefile": "export PATH := $(CURDIR)/bin:$(PATH)\nFOO = a:b\n# deps: a comment\n.PHONY: local system-deps\nlocal: deps system-deps ## run\n\tgo run ./cmd/webapp local\n$(STAMP): go.mod\n"})
	p := &Project{Dir: dir}
	for target, want := range map[string]bool{"local": true, "system-deps": false /* only a prerequisite */, "$(STAMP)": true, "deps": false, "export": false, "PATH": false, "FOO": false, "go": false} {
		if got := p.hasMakeTarget(target); got != want {
			t.Errorf("hasMakeTarget(%q) = %v, want %v", target, got, want)
		}
	}
	if (&Project{Dir: t.TempDir()}).hasMakeTarget("local") {
		t.Error("hasMakeTarget without a Makefile = true")
	}
}

// TestAppGetsTheContextTheCLIWouldGive runs a cdk.json app that records its
// environment instead of synthesizing: without a CDK CLI, the app gets
// cdk.context.json under cdk.json's context under -c, with the CLI's own
// keys on top, the assembly's directory and the offline environment.
func TestAppGetsTheContextTheCLIWouldGive(t *testing.T) {
	pathWithout(t, "cdk")
	for _, k := range []string{"CDK_DEPLOY_ACCOUNT", "CDK_DEPLOY_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"} {
		t.Setenv(k, "")
	}
	dir := t.TempDir()
	app := `printf '%s' "$CDK_CONTEXT_JSON" > context.json && env > env.txt && mkdir -p "$CDK_OUTDIR" && echo '{"version": "55.0.0"}' > "$CDK_OUTDIR/manifest.json"`
	cfg, _ := json.Marshal(map[string]any{
		"app":     app,
		"build":   "touch built",
		"context": map[string]any{"fromConfig": "config", "overridden": "config", "stages": map[string]any{"dev": 1}},
		"staging": false,
	})
	writeFiles(t, dir, map[string]string{
		"cdk.json":         string(cfg),
		"cdk.context.json": `{"fromSaved": "saved", "overridden": "saved", "aws:cdk:enable-path-metadata": "saved"}`,
	})
	p, err := LoadProject(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "asm")
	var log bytes.Buffer
	s, err := p.Synth(context.Background(), out, map[string]string{"overridden": "flag", "fromFlag": "flag"}, &log)
	if err != nil {
		t.Fatalf("Synth: %v\n%s", err, log.String())
	}
	if !strings.Contains(s.Command, "cdk.json's app") {
		t.Errorf("Synthesis.Command = %q, want it to say cdk.json's app ran", s.Command)
	}
	if want := []string{"CDK_DEPLOY_ACCOUNT=123456789012", "CDK_DEPLOY_REGION=ap-northeast-1"}; !reflect.DeepEqual(s.Assumed, want) {
		t.Errorf("Synthesis.Assumed = %q, want %q", s.Assumed, want)
	}
	if !exists(filepath.Join(dir, "built")) {
		t.Error(`cdk.json's "build" did not run in the project`)
	}

	var got map[string]any
	b, _ := os.ReadFile(filepath.Join(dir, "context.json"))
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("CDK_CONTEXT_JSON %q: %v", b, err)
	}
	want := map[string]any{
		"fromSaved": "saved", "fromConfig": "config", "fromFlag": "flag", "overridden": "flag",
		"stages":                                    map[string]any{"dev": 1.0},
		"aws:cdk:enable-path-metadata":              true,
		"aws:cdk:enable-asset-metadata":             true,
		"aws:cdk:version-reporting":                 true,
		"aws:cdk:disable-asset-staging":             true,
		"aws:cdk:bundling-stacks":                   []any{"**"},
		"@aws-cdk/core:failSynthOnValidationErrors": false,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CDK_CONTEXT_JSON = %v\nwant %v", got, want)
	}
	env, _ := os.ReadFile(filepath.Join(dir, "env.txt"))
	for _, kv := range []string{"CDK_OUTDIR=" + out, "CDK_DEFAULT_REGION=us-east-1", "CDK_DEPLOY_ACCOUNT=123456789012", "CDK_DEPLOY_REGION=ap-northeast-1"} {
		if !strings.Contains("\n"+string(env), "\n"+kv+"\n") {
			t.Errorf("the app's environment has no %s:\n%s", kv, env)
		}
	}
}

func TestContextKeysOfTheCDKAreRefused(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"cdk.json": `{"app": "true"}`})
	p, err := LoadProject(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Synth(context.Background(), filepath.Join(dir, "cdk.out"), map[string]string{"aws:cdk:enable-path-metadata": "false"}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "-c aws:cdk:enable-path-metadata: context keys starting with aws: are reserved") {
		t.Errorf("Synth with -c aws:…: %v, want the reserved-key error", err)
	}
}

func TestAppThatWritesNoAssemblyIsAnError(t *testing.T) {
	pathWithout(t, "cdk")
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"cdk.json": `{"app": "echo hello"}`})
	p, err := LoadProject(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Synth(context.Background(), filepath.Join(dir, "cdk.out"), nil, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "wrote no cloud assembly") {
		t.Errorf("Synth of an app that does not synthesize: %v, want it to say no assembly was written", err)
	}
}
