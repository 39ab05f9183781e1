package webapphttp

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestWrapWithoutEnvironmentServesTheHandler(t *testing.T) {
	h := http.NotFoundHandler()
	got, err := Wrap(h, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	got.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != http.StatusNotFound || w.Header().Get("Vary") != "" {
		t.Errorf("without CORS_CONFIG: status %d, Vary %q; want h's 404 and no Vary", w.Code, w.Header().Get("Vary"))
	}
}

func TestWrapAppliesCorsConfig(t *testing.T) {
	reached := false
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = true })
	env := map[string]string{CorsConfigEnv: `{"allowOrigins":["https://app.example.com"],"maxAgeSeconds":600}`}
	got, err := Wrap(h, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("OPTIONS", "/todos", nil)
	r.Header.Set("Origin", "https://app.example.com")
	r.Header.Set("Access-Control-Request-Method", "PUT")
	w := httptest.NewRecorder()
	got.ServeHTTP(w, r)
	if w.Code != http.StatusNoContent || w.Header().Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		w.Header().Get("Access-Control-Max-Age") != "600" {
		t.Errorf("preflight: status %d, headers %v; want 204 allowing the origin for 600 s", w.Code, w.Header())
	}
	if reached {
		t.Error("the preflight reached the handler")
	}
}

func TestWrapFailsOnInvalidCorsConfig(t *testing.T) {
	env := map[string]string{CorsConfigEnv: `{"allowOrigins":["app.example.com"]}`}
	h, err := Wrap(http.NotFoundHandler(), func(k string) string { return env[k] })
	want := `cors: CORS_CONFIG: AllowOrigins "app.example.com" has no scheme: use "https://app.example.com"`
	if h != nil || err == nil || err.Error() != want {
		t.Errorf("Wrap = %v, %v; want nil, %q", h, err, want)
	}
}

// startChild, when set, makes the test binary call Start instead of running
// the tests: Start exits, so it runs in a process of its own.
const startChild = "WEBAPPHTTP_TEST_START"

func TestMain(m *testing.M) {
	if os.Getenv(startChild) == "1" {
		Start(http.NotFoundHandler())
		return
	}
	os.Exit(m.Run())
}

// runStart runs Start in a child process with the environment variable
// CORS_CONFIG set to cors and returns its exit code and standard error.
func runStart(t *testing.T, cors string) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), startChild+"=1", CorsConfigEnv+"="+cors,
		"AWS_LAMBDA_RUNTIME_API=", "_LAMBDA_SERVER_PORT=") // not in Lambda: lambda.Start refuses to run
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), stderr.String()
}

func TestStartExitsOnInvalidEnvironment(t *testing.T) {
	code, stderr := runStart(t, `{"allowOrigins":["*"],"allowCredentials":true}`)
	if code != 1 {
		t.Errorf("exit code = %d, want 1; stderr:\n%s", code, stderr)
	}
	for _, want := range []string{
		"webapphttp: cannot start: the environment the WebApp construct set is invalid",
		`cors: CORS_CONFIG: AllowOrigins \"*\" cannot be used with AllowCredentials: list the origins`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %s:\n%s", want, stderr)
		}
	}
}

func TestStartWithValidEnvironmentStartsLambda(t *testing.T) {
	// Outside Lambda, lambda.Start itself stops the process: that it does,
	// and says so, shows Start got past the environment.
	_, stderr := runStart(t, `{"allowOrigins":["https://app.example.com"]}`)
	if strings.Contains(stderr, "cannot start") || !strings.Contains(stderr, "AWS_LAMBDA_RUNTIME_API") {
		t.Errorf("Start with a valid CORS_CONFIG did not reach lambda.Start; stderr:\n%s", stderr)
	}
}
