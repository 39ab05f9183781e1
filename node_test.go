package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestNodeIsThePinnedOne checks that the node every test, jsii and the CDK
// CLI start is the one package.json pins (a supported Node 22, which jsii
// runs without its end-of-life banner), not whatever the machine has: the
// Makefile puts node_modules/.bin first on PATH.
func TestNodeIsThePinnedOne(t *testing.T) {
	raw, err := os.ReadFile("package.json")
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		DevDependencies map[string]string `json:"devDependencies"`
	}
	if err := json.Unmarshal(raw, &pkg); err != nil {
		t.Fatalf("package.json: %v", err)
	}
	pinned := pkg.DevDependencies["node"]
	if !strings.HasPrefix(pinned, "22.") {
		t.Fatalf("package.json pins node %q, want an exact 22.x (a supported Node LTS)", pinned)
	}
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		t.Fatalf("node --version: %v", err)
	}
	if got := strings.TrimSpace(string(out)); got != "v"+pinned {
		path, _ := exec.LookPath("node")
		t.Errorf("node on PATH is %s (%s), want the pinned v%s: run the tests with `make test`, which puts node_modules/.bin first", got, path, pinned)
	}
}
