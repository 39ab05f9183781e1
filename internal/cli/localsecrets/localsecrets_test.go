package localsecrets

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gowebapp/webapp/webappsecret"
)

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestLoadTakesTheEnvironmentThenTheFileThenTheExample(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, File, `{"A": "file-a", "B": "file-b"}`)
	writeFile(t, dir, ExampleFile, `{"A": "example-a", "B": "example-b", "C": "example-c"}`)
	environ := []string{"WEBAPP_SECRET_A_VALUE=env-a", "WEBAPP_SECRET_A=ssm:/x", "OTHER=1"}

	got, err := Load(dir, environ, []string{"D", "C", "B", "A"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Secret{
		{Name: "A", Value: "env-a", From: "WEBAPP_SECRET_A_VALUE"},
		{Name: "B", Value: "file-b", From: File},
		{Name: "C", Value: "example-c", From: ExampleFile, StandIn: true},
		{Name: "D", Value: "local-stand-in-for-D", From: "made up", StandIn: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load =\n%+v\nwant\n%+v", got, want)
	}

	all, err := Load(dir, environ, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range all {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "A,B,C" {
		t.Errorf("Load without names gives %v, want every name given: A,B,C", names)
	}
}

func TestLoadRefusesABadFileWithoutShowingIt(t *testing.T) {
	for _, content := range []string{`{"A": "hunter2"`, `{"bad-name": "hunter2"}`, `{"A": 42}`} {
		dir := t.TempDir()
		writeFile(t, dir, File, content)
		_, err := Load(dir, nil, nil)
		if err == nil || !strings.Contains(err.Error(), File) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Load of %s = %v, want an error naming the file and not its values", content, err)
		}
	}
}

// TestServedSecretsReachTheReader runs what a local function does: the
// SDK's default configuration, pointed at the server by the environment
// Env gives, read by webappsecret from references of both kinds.
func TestServedSecretsReachTheReader(t *testing.T) {
	secrets := []Secret{
		{Name: "TOKEN", Value: "local-token", From: File},
		{Name: "KEY", Value: "local-stand-in-for-KEY", From: "made up", StandIn: true},
	}
	refs := map[string][]string{
		"TOKEN": {DevReference("TOKEN")},
		"KEY":   {"arn:aws:secretsmanager:us-east-1:123456789012:secret:key-AbCdEf"},
	}
	srv, err := Serve(secrets, refs)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, kv := range append(srv.Env(), "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "AWS_SESSION_TOKEN=",
		"AWS_REGION=us-east-1", "AWS_PROFILE=", "AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull, "AWS_EC2_METADATA_DISABLED=true") {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	r := &webappsecret.Reader{Getenv: func(k string) string {
		name, _ := strings.CutPrefix(k, webappsecret.EnvPrefix)
		return refs[name][0]
	}}
	for name, want := range map[string]string{"TOKEN": "local-token", "KEY": "local-stand-in-for-KEY"} {
		if got, err := r.Get(context.Background(), name); err != nil || got != want {
			t.Errorf("Get(%s) = %q, %v; want %q", name, got, err, want)
		}
	}
	notes := strings.Join(srv.Notes(), "\n")
	for _, want := range []string{
		"secret TOKEN has its local value from " + File,
		"secret KEY is a STAND-IN (made up): give it a value in " + File + " or WEBAPP_SECRET_KEY_VALUE",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if strings.Contains(notes, "local-token") {
		t.Errorf("notes show a value:\n%s", notes)
	}
}
