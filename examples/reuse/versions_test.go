package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// supportedCdk is the range of aws-cdk-go the construct supports, lowest and
// newest; the README states it. Below v2.270.0 the construct does not
// compile; the newest is what this module's go.mod requires.
var supportedCdk = []string{"v2.270.0", "v2.277.0"}

const (
	cdkModule    = "github.com/aws/aws-cdk-go/awscdk/v2"
	webappModule = "github.com/gowebapp/webapp"
)

// TestExampleBuildsAndSynthesizesWithSupportedCdk builds the example against
// each end of the supported range and runs the result, which synthesizes:
// the construct must compile against either, and the JavaScript library of
// that version must accept what it defines.
//
// Go's minimal version selection never picks a version lower than one that a
// dependency's go.mod requires, and the construct's module requires the
// newest. So the test builds against a copy of the construct's packages whose
// go.mod requires the version under test, with the example's go.mod and
// go.sum copied beside it (-modfile), and checks which version was selected:
// a build that silently used another version would prove nothing.
func TestExampleBuildsAndSynthesizesWithSupportedCdk(t *testing.T) {
	if testing.Short() {
		t.Skip("builds aws-cdk-go at each version (a minute or more each when not cached): skipped with -short")
	}
	for _, version := range supportedCdk {
		t.Run(version, func(t *testing.T) {
			dir := t.TempDir()
			lib := filepath.Join(dir, "webapp")
			copyImportedPackages(t, lib)
			gomod := filepath.Join(dir, "go.mod")
			copyFile(t, "go.mod", gomod)
			copyFile(t, "go.sum", filepath.Join(dir, "go.sum"))
			run(t, "", "go", "mod", "edit", "-require="+cdkModule+"@"+version, filepath.Join(lib, "go.mod"))
			run(t, "", "go", "mod", "edit", "-require="+cdkModule+"@"+version, "-replace="+webappModule+"="+lib, gomod)

			bin := filepath.Join(dir, "reuse")
			run(t, "", "go", "build", "-modfile="+gomod, "-mod=mod", "-o", bin, ".")
			if got := strings.TrimSpace(run(t, "", "go", "list", "-modfile="+gomod, "-m", "-f", "{{.Version}}", cdkModule)); got != version {
				t.Fatalf("the build selected %s %s, want %s", cdkModule, got, version)
			}
			t.Logf("built with %s", strings.Join(strings.Fields(run(t, "", "go", "list", "-modfile="+gomod, "-m", cdkModule,
				"github.com/aws/constructs-go/constructs/v10", "github.com/aws/jsii-runtime-go")), " "))

			out := filepath.Join(dir, "cdk.out")
			run(t, out, bin)
			tree, err := os.ReadFile(filepath.Join(out, "tree.json"))
			if err != nil {
				t.Fatal(err)
			}
			// Every construct records the library version that defined it.
			if want := `"version":"` + strings.TrimPrefix(version, "v") + `"`; !bytes.Contains(tree, []byte(want)) {
				t.Errorf("tree.json does not record aws-cdk-lib %s", version)
			}
			for _, stack := range []string{"ReuseExample", "ReuseExample-Certificate"} {
				if _, err := os.Stat(filepath.Join(out, stack+".template.json")); err != nil {
					t.Errorf("synth with %s: %v", version, err)
				}
			}
		})
	}
}

// run runs a command in this directory and returns its output; with outdir
// set, the command is the example's app and synthesizes there.
func run(t *testing.T, outdir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = os.Environ()
	if outdir != "" {
		cmd.Env = append(cmd.Env, "CDK_OUTDIR="+outdir)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return string(out)
}

// copyImportedPackages copies the construct's module as far as the example
// app imports it (go.mod, and each imported package's Go and embedded files)
// to dir.
func copyImportedPackages(t *testing.T, dir string) {
	t.Helper()
	root := strings.TrimSpace(run(t, "", "go", "list", "-m", "-f", "{{.Dir}}", webappModule))
	copyFile(t, filepath.Join(root, "go.mod"), filepath.Join(dir, "go.mod"))
	dec := json.NewDecoder(strings.NewReader(run(t, "", "go", "list", "-deps", "-json=Dir,GoFiles,EmbedFiles,Module", ".")))
	for {
		var p struct {
			Dir                 string
			GoFiles, EmbedFiles []string
			Module              *struct{ Path string }
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if p.Module == nil || p.Module.Path != webappModule {
			continue
		}
		rel, err := filepath.Rel(root, p.Dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range append(p.GoFiles, p.EmbedFiles...) {
			copyFile(t, filepath.Join(p.Dir, f), filepath.Join(dir, rel, f))
		}
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
