package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// actionlint runs the pinned actionlint (go.mod's tool) in the module's root
// on the given workflow files, or on .github/workflows when none are given.
func actionlint(t *testing.T, files ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("go", append([]string{"tool", "actionlint", "-oneline", "-no-color"}, files...)...)
	out, err := cmd.CombinedOutput()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("go tool actionlint did not run: %v\n%s", err, out)
	}
	return string(out), err
}

// TestWorkflowsPassActionlint holds .github/workflows to actionlint, as make
// test does, and shows the gate can fail: each broken copy of a workflow is
// refused with the message that names its fault.
func TestWorkflowsPassActionlint(t *testing.T) {
	if out, err := actionlint(t); err != nil {
		t.Fatalf("actionlint on .github/workflows: %v\n%s", err, out)
	}
	deploy, err := os.ReadFile(filepath.Join(".github", "workflows", "deploy.yml"))
	if err != nil {
		t.Fatal(err)
	}
	reusable, err := os.ReadFile(filepath.Join(".github", "workflows", "test.yml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, old, new, want string
	}{
		{"UnknownJobNeeded", "needs: test\n", "needs: tests\n", `job "dev" needs job "tests" which does not exist`},
		{"BadPermission", "id-token: write", "id-token: writ", `"writ" is invalid as permission of scope "id-token"`},
		{"UnknownContext", "if: github.ref == 'refs/heads/main'", "if: gihub.ref == 'refs/heads/main'", `undefined variable "gihub"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			broken := strings.Replace(string(deploy), tt.old, tt.new, 1)
			if broken == string(deploy) {
				t.Fatalf("deploy.yml has no %q to break", tt.old)
			}
			// In a copy of the repository's layout, beside the reusable
			// workflow it calls (./.github/workflows/test.yml), which
			// actionlint reads from the project's root.
			dir := filepath.Join(t.TempDir(), ".github", "workflows")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "test.yml"), reusable, 0o644); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "deploy.yml")
			if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := actionlint(t, path)
			if err == nil || !strings.Contains(out, tt.want) {
				t.Errorf("actionlint on a deploy.yml with %q: %v\n%s\nwant a failure saying %q", tt.new, err, out, tt.want)
			}
		})
	}
}

// TestDeployReadsTheSiteUrlOutput keeps deploy.yml's smoke test pointed at
// the site: the output key it selects from cdk deploy's outputs file
// (startswith("SiteSiteUrl")) is exactly one output of the site's stack.
func TestDeployReadsTheSiteUrlOutput(t *testing.T) {
	deploy, err := os.ReadFile(filepath.Join(".github", "workflows", "deploy.yml"))
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "SiteSiteUrl"
	if !strings.Contains(string(deploy), `startswith("`+prefix+`")`) {
		t.Fatalf("deploy.yml does not select the output %s…", prefix)
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "no-domain.GoWebApp-v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct{ Outputs map[string]any }
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	var matching []string
	for k := range tpl.Outputs {
		if strings.HasPrefix(k, prefix) {
			matching = append(matching, k)
		}
	}
	if len(matching) != 1 {
		t.Errorf("outputs starting with %s: %v, want exactly one, the site's URL", prefix, matching)
	}
}
