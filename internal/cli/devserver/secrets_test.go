package devserver

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowebapp/webapp/internal/cli/modroot"
)

// TestRunServesLocalSecrets runs a function that reads its secrets with
// webappsecret: the local value from .secrets.local.json, a stand-in from
// the example file, and the notes that say which is which.
func TestRunServesLocalSecrets(t *testing.T) {
	p := newProject(t, "unused")
	p.requireAll()
	for _, kv := range []string{"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "AWS_SESSION_TOKEN=", "AWS_REGION=us-east-1",
		"AWS_PROFILE=", "AWS_CONFIG_FILE=" + os.DevNull, "AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull, "AWS_EC2_METADATA_DISABLED=true"} {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	p.write(".secrets.local.json", `{"TOKEN": "dev-token"}`)
	p.write("secrets.local.example.json", `{"TOKEN": "example-token", "PARTNER_KEY": "example-partner"}`)
	p.write("lambda/main.go", `package main

import (
	"fmt"
	"net/http"

	"github.com/gowebapp/webapp/webapphttp"
	"github.com/gowebapp/webapp/webappsecret"
)

func main() {
	webapphttp.Start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := webappsecret.Get(r.Context(), r.URL.Query().Get("name"))
		fmt.Fprintf(w, "value=%s err=%v", v, err)
	}))
}
`)
	p.run()
	p.waitFor("secret PARTNER_KEY is a STAND-IN (secrets.local.example.json): give it a value in .secrets.local.json or WEBAPP_SECRET_PARTNER_KEY_VALUE")
	p.waitFor("secret TOKEN has its local value from .secrets.local.json")
	p.waitFor("started ./lambda in ")
	p.wantPage("/?name=TOKEN", 200, "value=dev-token err=<nil>")
	p.wantPage("/?name=PARTNER_KEY", 200, "value=example-partner err=<nil>")
	p.wantPage("/?name=OTHER", 200, "err=webappsecret: secret OTHER: WEBAPP_SECRET_OTHER is not set")
	p.out.mu.Lock()
	defer p.out.mu.Unlock()
	if strings.Contains(string(p.out.text), "dev-token") {
		t.Error("the output shows a secret's value")
	}
}

// requireAll makes the project require every module this one does, so
// that a function importing webappsecret builds offline from the module
// cache.
func (p *project) requireAll() {
	p.t.Helper()
	root, err := modroot.Find()
	if err != nil {
		p.t.Fatal(err)
	}
	out, err := exec.Command("go", "mod", "edit", "-json", filepath.Join(root, "go.mod")).Output()
	if err != nil {
		p.t.Fatalf("go mod edit -json: %v", err)
	}
	var mod struct {
		Go      string
		Require []struct{ Path, Version string }
	}
	if err := json.Unmarshal(out, &mod); err != nil {
		p.t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "module example.com/site\n\ngo %s\n\nrequire github.com/gowebapp/webapp v0.0.0\n\nrequire (\n", mod.Go)
	for _, r := range mod.Require {
		fmt.Fprintf(&b, "\t%s %s // indirect\n", r.Path, r.Version)
	}
	fmt.Fprintf(&b, ")\n\nreplace github.com/gowebapp/webapp => %s\n", root)
	p.write("go.mod", b.String())
}
