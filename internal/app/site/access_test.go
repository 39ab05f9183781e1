package site

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gowebapp/webapp/webapphttp"
)

// accessSite is a site over a store holding "Buy milk", with the caller
// setting of cfg, wrapped as webapphttp.Start wraps it in Lambda with
// CORS_CONFIG set to corsConfig ("": unset), and the buffer its logs go to.
// The site's logger is slog's default too while the test runs, as the
// function's main sets it, so that the buffer has Wrap's lines as well.
func accessSite(t *testing.T, cfg Config, corsConfig string) (http.Handler, *memStore, *bytes.Buffer) {
	t.Helper()
	store := newMemStore()
	store.add("Buy milk")
	logs := &bytes.Buffer{}
	cfg.Store, cfg.Logger = store, slog.New(slog.NewJSONHandler(logs, nil))
	defaultLogger := slog.Default()
	slog.SetDefault(cfg.Logger)
	t.Cleanup(func() { slog.SetDefault(defaultLogger) })
	h, err := webapphttp.Wrap(New(cfg), func(k string) string {
		if k == webapphttp.CorsConfigEnv {
			return corsConfig
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	return h, store, logs
}

// send serves one request with the headers (name, value, ...) and, when
// authorizer is not nil, the authorizer context API Gateway would give.
func send(h http.Handler, method, target string, authorizer map[string]any, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	if authorizer != nil {
		r = r.WithContext(webapphttp.WithInfo(r.Context(), webapphttp.Info{RequestID: "req-1", Authorizer: authorizer}))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// wantHeaders fails the test for each header of want that h does not have
// with that value (several values joined by "; ").
func wantHeaders(t *testing.T, h http.Header, want map[string]string) {
	t.Helper()
	for name, value := range want {
		if got := strings.Join(h.Values(name), "; "); got != value {
			t.Errorf("%s = %q, want %q", name, got, value)
		}
	}
}

// appCORS is a CORS_CONFIG as the construct passes it.
const appCORS = `{"allowOrigins":["https://app.example.com","http://localhost:5173"],` +
	`"allowHeaders":["Content-Type","Authorization"],"exposeHeaders":["Location","X-Request-Id"],` +
	`"maxAgeSeconds":600,"allowCredentials":true}`

func TestCORSPreflightToTodos(t *testing.T) {
	h, store, logs := accessSite(t, Config{}, appCORS)
	w := send(h, "OPTIONS", "/todos", nil,
		"Origin", "http://localhost:5173",
		"Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "content-type, authorization")
	if w.Code != http.StatusNoContent {
		t.Fatalf("status = %d, want 204; body %s", w.Code, w.Body)
	}
	wantHeaders(t, w.Header(), map[string]string{
		"Access-Control-Allow-Origin":      "http://localhost:5173",
		"Access-Control-Allow-Methods":     "GET, HEAD, POST, PUT, PATCH, DELETE",
		"Access-Control-Allow-Headers":     "Content-Type, Authorization",
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Max-Age":           "600",
		"Vary":                             "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
	})
	// Wrap answers it outside the site, as for any WebApp function: API
	// Gateway's access log and x-amzn-RequestId header record it in Lambda.
	if logs.Len() != 0 || store.calls != 0 {
		t.Errorf("the preflight reached the site: %d store calls, logs:\n%s", store.calls, logs)
	}
}

func TestCORSPreflightFromAnotherOriginIsRefused(t *testing.T) {
	h, store, _ := accessSite(t, Config{}, appCORS)
	w := send(h, "OPTIONS", "/todos", nil, "Origin", "https://evil.example.net", "Access-Control-Request-Method", "DELETE")
	if w.Code != http.StatusForbidden {
		t.Errorf("status = %d, want 403", w.Code)
	}
	for name := range w.Header() {
		if strings.HasPrefix(name, "Access-Control-") {
			t.Errorf("refused preflight has %s: %q", name, w.Header().Get(name))
		}
	}
	if store.calls != 0 {
		t.Errorf("a refused preflight called the store %d times", store.calls)
	}
}

func TestCORSActualRequests(t *testing.T) {
	h, _, _ := accessSite(t, Config{}, appCORS)
	w := send(h, "GET", "/todos", nil, "Origin", "https://app.example.com")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Buy milk") {
		t.Fatalf("GET /todos = %d %s, want 200 with the todos", w.Code, w.Body)
	}
	wantHeaders(t, w.Header(), map[string]string{
		"Access-Control-Allow-Origin":      "https://app.example.com",
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Expose-Headers":    "Location, X-Request-Id",
		"Vary":                             "Origin",
	})

	// An error is an answer too: the script must be able to read it.
	w = send(h, "GET", "/todos/nope", nil, "Origin", "https://app.example.com")
	if w.Code != http.StatusNotFound || w.Header().Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Errorf("404 from an allowed origin: status %d, Allow-Origin %q; want 404 with the origin", w.Code, w.Header().Get("Access-Control-Allow-Origin"))
	}

	w = send(h, "GET", "/todos", nil, "Origin", "https://evil.example.net")
	if got := w.Header().Get("Access-Control-Allow-Origin"); got != "" || w.Header().Get("Vary") != "Origin" {
		t.Errorf("another origin: Allow-Origin %q, Vary %q; want none and Origin", got, w.Header().Get("Vary"))
	}

	// OPTIONS that is not a preflight reaches the routes: 405 as before.
	w = send(h, "OPTIONS", "/todos", nil, "Origin", "https://app.example.com")
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("OPTIONS without Access-Control-Request-Method: status %d, want 405", w.Code)
	}
}

func TestCORSThroughTheLambdaAdapter(t *testing.T) {
	h, _, _ := accessSite(t, Config{}, appCORS)
	resp, err := webapphttp.Handler(h)(context.Background(), events.APIGatewayProxyRequest{
		HTTPMethod: "OPTIONS",
		Path:       "/todos",
		MultiValueHeaders: map[string][]string{
			"Origin":                        {"https://app.example.com"},
			"Access-Control-Request-Method": {"PUT"},
			"X-Forwarded-Host":              {"todo.example.com"},
		},
		RequestContext: events.APIGatewayProxyRequestContext{RequestID: "req-1", Stage: "v1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("status = %d, want 204", resp.StatusCode)
	}
	wantHeaders(t, http.Header(resp.MultiValueHeaders), map[string]string{
		"Access-Control-Allow-Origin":  "https://app.example.com",
		"Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, PATCH, DELETE",
		"Vary":                         "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
	})
}

func TestCORSIsOffByDefault(t *testing.T) {
	h, _, _ := accessSite(t, Config{}, "")
	w := send(h, "OPTIONS", "/todos", nil, "Origin", "https://app.example.com", "Access-Control-Request-Method", "POST")
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("preflight without CORS: status %d, want 405", w.Code)
	}
	w = send(h, "GET", "/todos", nil, "Origin", "https://app.example.com")
	for name := range w.Header() {
		if strings.HasPrefix(name, "Access-Control-") || name == "Vary" {
			t.Errorf("without CORS, GET has %s: %q", name, w.Header().Get(name))
		}
	}
}

func TestTodoAPIRequireCaller(t *testing.T) {
	lambdaCaller := map[string]any{"principalId": "user-42", "integrationLatency": 12.0}
	cognitoCaller := map[string]any{"claims": map[string]any{"sub": "a1b2", "email": "alice@example.com"}}
	tests := []struct {
		name       string
		method     string
		target     string
		authorizer map[string]any
		accept     string
		status     int
	}{
		{"list without a caller", "GET", "/todos", nil, "", 401},
		{"create without a caller", "POST", "/todos", nil, "", 401},
		{"get without a caller", "GET", "/todos/{id}", nil, "", 401},
		{"update without a caller", "PUT", "/todos/{id}", nil, "", 401},
		{"delete without a caller", "DELETE", "/todos/{id}", nil, "", 401},
		{"authorizer that identified nobody", "GET", "/todos", map[string]any{"principalId": ""}, "", 401},
		{"list, Lambda authorizer", "GET", "/todos", lambdaCaller, "", 200},
		{"get, Cognito authorizer", "GET", "/todos/{id}", cognitoCaller, "", 200},
		{"delete, Lambda authorizer", "DELETE", "/todos/{id}", lambdaCaller, "", 204},
		{"home page stays open", "GET", "/", nil, browserHTML, 200},
		{"search page stays open", "GET", "/search?q=milk", nil, browserHTML, 200},
		{"healthz stays open", "GET", "/healthz", nil, "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, store, _ := accessSite(t, Config{TodoAPIRequireCaller: true}, "")
			id := store.add("Call mum")[0].ID
			w := send(h, tt.method, strings.ReplaceAll(tt.target, "{id}", id), tt.authorizer, "Accept", tt.accept)
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d; body %s", w.Code, tt.status, w.Body)
			}
			if tt.status != 401 {
				return
			}
			if e := decodeError(t, w); e.Code != "UnauthorizedError" || e.Message != "sign in to use the todo API" {
				t.Errorf("body = %+v, want UnauthorizedError: sign in to use the todo API", e)
			}
			if store.calls != 0 {
				t.Errorf("a refused request called the store %d times", store.calls)
			}
		})
	}
}

func TestTodoAPIRequireCallerAnswersABrowserWithAPage(t *testing.T) {
	h, _, _ := accessSite(t, Config{TodoAPIRequireCaller: true}, "")
	w := send(h, "POST", "/todos", nil, "Accept", browserHTML, "Content-Type", formURLEncoded)
	if w.Code != http.StatusUnauthorized || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") ||
		!strings.Contains(w.Body.String(), "sign in to use the todo API") {
		t.Errorf("form post without a caller: %d %q, want 401 as an HTML page; body %.300s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
}

func TestTodoAPIIsOpenByDefault(t *testing.T) {
	h, _, _ := accessSite(t, Config{}, "")
	if w := send(h, "GET", "/todos", nil); w.Code != http.StatusOK {
		t.Errorf("GET /todos without a caller: status %d, want 200", w.Code)
	}
}

func TestConfigReadEnv(t *testing.T) {
	tests := []struct {
		name          string
		env           map[string]string
		requireCaller bool
		wantErr       string
	}{
		{"nothing set", nil, false, ""},
		{"caller on", map[string]string{"TODO_API_REQUIRE_CALLER": "1"}, true, ""},
		{"caller off", map[string]string{"TODO_API_REQUIRE_CALLER": "false"}, false, ""},
		{"caller not a boolean", map[string]string{"TODO_API_REQUIRE_CALLER": "yes"}, false, `site: TODO_API_REQUIRE_CALLER "yes" is not true, false, 1 or 0`},
		// CORS_CONFIG is webapphttp.Wrap's (TestWrapFailsOnInvalidCorsConfig there).
		{"CORS not read", map[string]string{"CORS_CONFIG": `{"allowOrigins":["*"],"allowCredentials":true}`}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg Config
			err := cfg.ReadEnv(func(k string) string { return tt.env[k] })
			if got := errText(err); got != tt.wantErr {
				t.Fatalf("ReadEnv error = %q, want %q", got, tt.wantErr)
			}
			if cfg.TodoAPIRequireCaller != tt.requireCaller {
				t.Errorf("TodoAPIRequireCaller = %v, want %v", cfg.TodoAPIRequireCaller, tt.requireCaller)
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
