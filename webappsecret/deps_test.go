package webappsecret_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestLinksNeitherCDKNorHeavySDKClients holds the package to what keeps a
// function's cold start as it was: no CDK (the synth side), and not the
// SDK's ssm or secretsmanager clients, whose init builds their schemas
// (client.go).
func TestLinksNeitherCDKNorHeavySDKClients(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	cmd := exec.Command(goTool, "list", "-deps", "github.com/gowebapp/webapp/webappsecret")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for dep := range strings.Lines(string(out)) {
		for _, banned := range []string{"aws-cdk-go", "jsii-runtime-go", "constructs-go", "aws-sdk-go-v2/service/ssm", "aws-sdk-go-v2/service/secretsmanager"} {
			if strings.Contains(dep, banned) {
				t.Errorf("webappsecret links %s", strings.TrimSpace(dep))
			}
		}
	}
}
