package webappaws_test

import (
	"debug/buildinfo"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/gowebapp/webapp/internal/lambdabuild"
	"github.com/gowebapp/webapp/tools/dynalitetest"
	"github.com/gowebapp/webapp/webappaws"
)

var host = lambdabuild.Target{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH}

// The lister (testdata/lister), built once per test binary: as the
// construct builds a function (lambdabuild.Flags, with the Lambda tag), and
// as webapp dev does (lambdabuild.LocalFlags, without).
var listers = sync.OnceValues(func() (bins [2]string, err error) {
	dir, err := os.MkdirTemp("", "webappaws-")
	if err != nil {
		return bins, err
	}
	bins = [2]string{filepath.Join(dir, "lambda", "bootstrap"), filepath.Join(dir, "local", "lister")}
	if err := lambdabuild.Build(filepath.Join("testdata", "lister"), bins[0], host); err != nil {
		return bins, err
	}
	cmd := exec.Command("go", append(append([]string{"build"}, lambdabuild.LocalFlags...), "-o", bins[1], "./testdata/lister")...)
	cmd.Env = lambdabuild.Env(os.Environ(), host)
	if out, err := cmd.CombinedOutput(); err != nil {
		return bins, fmt.Errorf("go build without the Lambda tag: %v\n%s", err, out)
	}
	return bins, nil
})

func lister(t *testing.T, lambda bool) string {
	t.Helper()
	bins, err := listers()
	if err != nil {
		t.Fatalf("build the lister: %v", err)
	}
	if lambda {
		return bins[0]
	}
	return bins[1]
}

// run runs bin with env alone, as Lambda starts a function: nothing of this
// machine's environment (its credentials, its AWS_PROFILE) reaches it.
func run(bin string, env map[string]string) (string, error) {
	cmd := exec.Command(bin)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// lambdaEnv is what Lambda sets, with the endpoint pointed at dynalite and
// a profile and config file that do not exist, on which the SDK's standard
// chain fails: a function that reads shared configuration cannot pass.
func lambdaEnv(endpoint string) map[string]string {
	return map[string]string{
		"AWS_REGION": dynalitetest.Region, "AWS_DEFAULT_REGION": dynalitetest.Region,
		"AWS_ACCESS_KEY_ID": "dynalite", "AWS_SECRET_ACCESS_KEY": "dynalite", "AWS_SESSION_TOKEN": "session",
		"AWS_LAMBDA_FUNCTION_NAME": "lister", "AWS_EXECUTION_ENV": "AWS_Lambda_provided.al2023",
		"AWS_ENDPOINT_URL_DYNAMODB": endpoint,
		"AWS_PROFILE":               "webappaws-no-such-profile",
		"AWS_CONFIG_FILE":           "/nonexistent/webappaws/config",
		"HOME":                      "/nonexistent",
	}
}

func TestTheLambdaBuildCallsDynamoDBFromLambdasEnvironment(t *testing.T) {
	db := dynalitetest.Start(t)
	_, table := db.Table(t)
	out, err := run(lister(t, true), lambdaEnv(db.Endpoint))
	if err != nil {
		t.Fatalf("the Lambda build failed: %v\n%s", err, out)
	}
	source, tables, _ := strings.Cut(out, " ")
	if source != webappaws.CredentialsSource || !strings.Contains(","+tables+",", ","+table+",") {
		t.Errorf("output = %q, want %s and the tables, %s among them", out, webappaws.CredentialsSource, table)
	}
}

func TestTheLocalBuildKeepsTheStandardChain(t *testing.T) {
	// The same environment: the standard chain reads AWS_PROFILE and fails.
	out, err := run(lister(t, false), lambdaEnv("http://127.0.0.1:9"))
	if err == nil || !strings.Contains(out, "webappaws-no-such-profile") {
		t.Fatalf("the build without the Lambda tag gave %q, %v; want the standard chain's failure on the missing profile", out, err)
	}
}

func TestTheLambdaBuildFailsLoudlyWithoutCredentials(t *testing.T) {
	env := lambdaEnv("http://127.0.0.1:9")
	delete(env, "AWS_ACCESS_KEY_ID")
	out, err := run(lister(t, true), env)
	if code := exitCode(err); code != 2 || !strings.Contains(out, "AWS_ACCESS_KEY_ID") {
		t.Fatalf("exit %d, output %q; want exit 2 from webappaws.Config, naming AWS_ACCESS_KEY_ID", code, out)
	}
}

// TestTheLambdaBuildLinksNoSharedConfig: the point of the tag. The SDK's
// config module, and the clients it brings, are not in the binary.
func TestTheLambdaBuildLinksNoSharedConfig(t *testing.T) {
	for _, c := range []struct {
		lambda bool
		want   bool
	}{{lambda: true, want: false}, {lambda: false, want: true}} {
		bi, err := buildinfo.ReadFile(lister(t, c.lambda))
		if err != nil {
			t.Fatal(err)
		}
		linked := map[string]bool{}
		for _, m := range bi.Deps {
			linked[m.Path] = true
		}
		for _, m := range []string{"github.com/aws/aws-sdk-go-v2/config", "github.com/aws/aws-sdk-go-v2/service/sso", "github.com/aws/aws-sdk-go-v2/service/sts"} {
			if linked[m] != c.want {
				t.Errorf("Lambda build %v: %s linked = %v, want %v", c.lambda, m, linked[m], c.want)
			}
		}
	}
}

func exitCode(err error) int {
	if e, ok := err.(*exec.ExitError); ok {
		return e.ExitCode()
	}
	return -1
}
