package webapphttp_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// cdkPaths are the module paths of the synth side: none may be linked into
// a function.
var cdkPaths = []string{"aws-cdk-go", "jsii-runtime-go", "constructs-go", "cdk-nag"}

// cdkDeps lists, with go list -deps, the packages that pkg links when built
// for Lambda (linux/arm64, no cgo) and returns those of the CDK.
func cdkDeps(t *testing.T, pkg string) []string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs go list")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	cmd := exec.Command(goTool, "list", "-deps", pkg)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if exit, ok := err.(*exec.ExitError); ok {
			stderr = string(exit.Stderr)
		}
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, stderr)
	}
	var found []string
	for dep := range strings.Lines(string(out)) {
		for _, p := range cdkPaths {
			if strings.Contains(dep, p) {
				found = append(found, strings.TrimSpace(dep))
				break
			}
		}
	}
	return found
}

// TestFunctionLinksNoCDK holds the package's promise to importers: a
// function that imports it, like the web app's own, links no CDK or jsii
// code (the construct imports this package, never the other way round).
func TestFunctionLinksNoCDK(t *testing.T) {
	for _, pkg := range []string{
		"github.com/gowebapp/webapp/webapphttp",
		"github.com/gowebapp/webapp/webappassets",
		"github.com/gowebapp/webapp/webappaws",
		"github.com/gowebapp/webapp/webappsecret",
		"github.com/gowebapp/webapp/lambda",
	} {
		if found := cdkDeps(t, pkg); len(found) > 0 {
			t.Errorf("%s links CDK packages (a synth-side import crept in): %s", pkg, strings.Join(found, ", "))
		}
	}
}

// TestNoCDKCheckCanFail shows that cdkDeps sees a CDK import where there is
// one, so TestFunctionLinksNoCDK would fail if the function had one.
func TestNoCDKCheckCanFail(t *testing.T) {
	found := cdkDeps(t, "github.com/gowebapp/webapp/constructs/webapp")
	if !strings.Contains(strings.Join(found, " "), "github.com/aws/aws-cdk-go/awscdk/v2") {
		t.Errorf("the construct's CDK dependencies = %q, want them to include github.com/aws/aws-cdk-go/awscdk/v2", found)
	}
}
