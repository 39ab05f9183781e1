package main

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/gowebapp/webapp/internal/lambdabuild"
)

// TestTheFunctionLinksNoSharedConfig: built as the construct builds it, the
// function makes its AWS clients with webappaws from Lambda's environment,
// and the SDK's config package — whose package init, and that of the sso,
// ssooidc, sts and signin clients it links, was 0.8 ms of the function's
// 2.8 ms of package initialization (docs/benchmarks.md) — is not in its
// import graph.
func TestTheFunctionLinksNoSharedConfig(t *testing.T) {
	args := slices.Concat([]string{"list", "-deps"}, lambdabuild.Flags, []string{"."})
	cmd := exec.Command("go", args...)
	cmd.Env = lambdabuild.Env(os.Environ(), lambdabuild.Lambda)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v", strings.Join(args, " "), err)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "github.com/gowebapp/webapp/webappaws") {
		t.Fatal("the function does not import webappaws: this test checks nothing")
	}
	for _, pkg := range deps {
		if strings.HasPrefix(pkg, "github.com/aws/aws-sdk-go-v2/config") || strings.HasPrefix(pkg, "github.com/aws/aws-sdk-go-v2/service/sts") ||
			strings.HasPrefix(pkg, "github.com/aws/aws-sdk-go-v2/service/sso") || strings.HasPrefix(pkg, "github.com/aws/aws-sdk-go-v2/feature/ec2/imds") {
			t.Errorf("the function's Lambda build imports %s", pkg)
		}
	}
}
