package localsite

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowebapp/webapp/webappsecret"
)

// TestSecretsAreServedUnderTheTemplatesReferences gives the functions'
// secrets this machine's value or a stand-in, under the references the
// template holds, and reads them as the function would.
func TestSecretsAreServedUnderTheTemplatesReferences(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".secrets.local.json"), []byte(`{"TWILIO_AUTH_TOKEN": "local-token"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	generated := "arn:aws:secretsmanager:eu-west-1:123456789012:secret:SiteSecretsSESSIONKEY-AbCdEf" // as the stand-ins resolve a Ref
	env := map[string]string{
		"WEBAPP_SECRET_TWILIO_AUTH_TOKEN": "ssm:/app/twilio",
		"WEBAPP_SECRET_SESSION_KEY":       generated,
		"TABLE_NAME":                      "todos",
	}
	inst := &instance{site: &Site{Functions: map[string]*Function{"SiteFunction": {Environment: env}}}}
	l := &Local{Project: &Project{Dir: dir}}
	if err := l.startSecrets(inst); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(inst.close)

	notes := strings.Join(inst.notes, "\n")
	for _, want := range []string{
		"secret SESSION_KEY is a STAND-IN (made up): give it a value in .secrets.local.json or WEBAPP_SECRET_SESSION_KEY_VALUE",
		"secret TWILIO_AUTH_TOKEN has its local value from .secrets.local.json",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	for _, kv := range append(inst.secretsEnv, "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "AWS_SESSION_TOKEN=", "AWS_REGION=eu-west-1",
		"AWS_PROFILE=", "AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull, "AWS_EC2_METADATA_DISABLED=true") {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	r := &webappsecret.Reader{Getenv: func(k string) string { return env[k] }}
	for name, want := range map[string]string{"TWILIO_AUTH_TOKEN": "local-token", "SESSION_KEY": "local-stand-in-for-SESSION_KEY"} {
		if got, err := r.Get(context.Background(), name); err != nil || got != want {
			t.Errorf("Get(%s) = %q, %v; want %q", name, got, err, want)
		}
	}
}

func TestNoSecretsStartNoServer(t *testing.T) {
	inst := &instance{site: &Site{Functions: map[string]*Function{"F": {Environment: map[string]string{"TABLE_NAME": "t"}}}}}
	if err := (&Local{Project: &Project{Dir: t.TempDir()}}).startSecrets(inst); err != nil || inst.secretsEnv != nil || len(inst.closers) != 0 {
		t.Errorf("startSecrets without secrets = %v, env %v, %d closers; want nothing started", err, inst.secretsEnv, len(inst.closers))
	}
}
