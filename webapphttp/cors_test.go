package webapphttp

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// app answers "app" with 200, so a test sees whether a request reached it.
var app = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Reached", "app")
	w.Write([]byte("app"))
})

// request is one request to the middleware: method, origin and, for a
// preflight, the requested method and headers.
type request struct {
	method, origin, reqMethod, reqHeaders string
}

func send(t *testing.T, c CorsConfig, rq request) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(rq.method, "/todos", nil)
	if rq.origin != "" {
		r.Header.Set("Origin", rq.origin)
	}
	if rq.reqMethod != "" {
		r.Header.Set("Access-Control-Request-Method", rq.reqMethod)
	}
	if rq.reqHeaders != "" {
		r.Header.Set("Access-Control-Request-Headers", rq.reqHeaders)
	}
	w := httptest.NewRecorder()
	CorsHandler(c, app).ServeHTTP(w, r)
	return w
}

const (
	appOrigin     = "https://app.example.com"
	adminOrigin   = "http://localhost:5173"
	evilOrigin    = "https://evil.example.net"
	preflightVary = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
)

var (
	twoOrigins  = CorsConfig{AllowOrigins: []string{appOrigin, adminOrigin}}
	anyOrigin   = CorsConfig{AllowOrigins: []string{"*"}}
	credentials = CorsConfig{
		AllowOrigins:     []string{appOrigin},
		AllowMethods:     []string{"GET", "POST", "PUT", "DELETE"},
		AllowHeaders:     []string{"Content-Type", "Authorization"},
		ExposeHeaders:    []string{"Location", "X-Request-Id"},
		MaxAgeSeconds:    600,
		AllowCredentials: true,
	}
)

// corsHeaders are the response headers a test compares; "" is absent.
var corsHeaders = []string{
	"Access-Control-Allow-Origin",
	"Access-Control-Allow-Methods",
	"Access-Control-Allow-Headers",
	"Access-Control-Allow-Credentials",
	"Access-Control-Expose-Headers",
	"Access-Control-Max-Age",
	"Vary",
	"X-Reached",
}

func TestCorsHandler(t *testing.T) {
	tests := []struct {
		name   string
		config CorsConfig
		rq     request
		status int
		want   map[string]string // of corsHeaders; the others must be absent
	}{
		{
			"preflight from an allowed origin, headers echoed", twoOrigins,
			request{"OPTIONS", adminOrigin, "PUT", "content-type, x-trace"}, 204,
			map[string]string{
				"Access-Control-Allow-Origin":  adminOrigin,
				"Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, PATCH, DELETE",
				"Access-Control-Allow-Headers": "content-type, x-trace",
				"Vary":                         preflightVary,
			},
		},
		{
			"preflight from the other allowed origin", twoOrigins,
			request{"OPTIONS", appOrigin, "DELETE", ""}, 204,
			map[string]string{
				"Access-Control-Allow-Origin":  appOrigin,
				"Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, PATCH, DELETE",
				"Vary":                         preflightVary,
			},
		},
		{
			"preflight with credentials and fixed lists", credentials,
			request{"OPTIONS", appOrigin, "PUT", "content-type"}, 204,
			map[string]string{
				"Access-Control-Allow-Origin":      appOrigin,
				"Access-Control-Allow-Methods":     "GET, POST, PUT, DELETE",
				"Access-Control-Allow-Headers":     "Content-Type, Authorization",
				"Access-Control-Allow-Credentials": "true",
				"Access-Control-Max-Age":           "600",
				"Vary":                             preflightVary,
			},
		},
		{
			"preflight, any origin", anyOrigin,
			request{"OPTIONS", evilOrigin, "PUT", ""}, 204,
			map[string]string{
				"Access-Control-Allow-Origin":  "*",
				"Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, PATCH, DELETE",
				"Vary":                         preflightVary,
			},
		},
		{
			"preflight from a disallowed origin: 403, not the app", twoOrigins,
			request{"OPTIONS", evilOrigin, "PUT", "content-type"}, 403,
			map[string]string{"Vary": preflightVary},
		},
		{
			"preflight, origin in another case and with the default port", CorsConfig{AllowOrigins: []string{"https://App.Example.com:443"}},
			request{"OPTIONS", appOrigin, "PUT", ""}, 204,
			map[string]string{
				"Access-Control-Allow-Origin":  appOrigin,
				"Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, PATCH, DELETE",
				"Vary":                         preflightVary,
			},
		},
		{
			"preflight asking for malformed headers: not echoed", twoOrigins,
			request{"OPTIONS", appOrigin, "PUT", "x-ok, bad header"}, 204,
			map[string]string{
				"Access-Control-Allow-Origin":  appOrigin,
				"Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, PATCH, DELETE",
				"Vary":                         preflightVary,
			},
		},
		{
			"OPTIONS without Access-Control-Request-Method is not a preflight", twoOrigins,
			request{"OPTIONS", appOrigin, "", ""}, 200,
			map[string]string{"Access-Control-Allow-Origin": appOrigin, "Vary": "Origin", "X-Reached": "app"},
		},
		{
			"OPTIONS without Origin is not a preflight", twoOrigins,
			request{"OPTIONS", "", "PUT", ""}, 200,
			map[string]string{"Vary": "Origin", "X-Reached": "app"},
		},
		{
			"actual request from an allowed origin", twoOrigins,
			request{"GET", appOrigin, "", ""}, 200,
			map[string]string{"Access-Control-Allow-Origin": appOrigin, "Vary": "Origin", "X-Reached": "app"},
		},
		{
			"actual request with credentials", credentials,
			request{"POST", appOrigin, "", ""}, 200,
			map[string]string{
				"Access-Control-Allow-Origin":      appOrigin,
				"Access-Control-Allow-Credentials": "true",
				"Access-Control-Expose-Headers":    "Location, X-Request-Id",
				"Vary":                             "Origin",
				"X-Reached":                        "app",
			},
		},
		{
			"actual request from a disallowed origin: no CORS headers", twoOrigins,
			request{"GET", evilOrigin, "", ""}, 200,
			map[string]string{"Vary": "Origin", "X-Reached": "app"},
		},
		{
			"same-origin request (no Origin): still Vary", twoOrigins,
			request{"GET", "", "", ""}, 200,
			map[string]string{"Vary": "Origin", "X-Reached": "app"},
		},
		{
			"actual request, any origin: no Vary", anyOrigin,
			request{"GET", evilOrigin, "", ""}, 200,
			map[string]string{"Access-Control-Allow-Origin": "*", "X-Reached": "app"},
		},
		{
			"no Origin, any origin: nothing", anyOrigin,
			request{"GET", "", "", ""}, 200,
			map[string]string{"X-Reached": "app"},
		},
		{
			"origin that only starts like an allowed one", twoOrigins,
			request{"GET", appOrigin + ".evil.example.net", "", ""}, 200,
			map[string]string{"Vary": "Origin", "X-Reached": "app"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := send(t, tt.config, tt.rq)
			if w.Code != tt.status {
				t.Errorf("status = %d, want %d", w.Code, tt.status)
			}
			for _, name := range corsHeaders {
				if got, want := strings.Join(w.Header().Values(name), "; "), tt.want[name]; got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
		})
	}
}

func TestCorsHandlerKeepsTheAppsVary(t *testing.T) {
	h := CorsHandler(twoOrigins, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept")
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if got, want := w.Header().Values("Vary"), []string{"Origin", "Accept"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Vary = %q, want %q", got, want)
	}
}

func TestCorsHandlerPanicsOnAnInvalidConfig(t *testing.T) {
	defer func() {
		got, _ := recover().(string)
		if want := `cors: AllowOrigins "*" cannot be used with AllowCredentials: list the origins`; got != want {
			t.Errorf("panic = %q, want %q", got, want)
		}
	}()
	CorsHandler(CorsConfig{AllowOrigins: []string{"*"}, AllowCredentials: true}, app)
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		config CorsConfig
		want   string // "" for valid
	}{
		{"one origin", CorsConfig{AllowOrigins: []string{appOrigin}}, ""},
		{"everything", credentials, ""},
		{"any origin, wildcards", CorsConfig{AllowOrigins: []string{"*"}, AllowMethods: []string{"*"}, AllowHeaders: []string{"*"}, MaxAgeSeconds: 86400}, ""},
		{"an app's scheme", CorsConfig{AllowOrigins: []string{"capacitor://localhost", "http://[::1]:8080"}}, ""},
		{"no origins", CorsConfig{}, `cors: AllowOrigins is empty: list the origins allowed, such as "https://app.example.com", or "*" for any`},
		{"any origin with credentials", CorsConfig{AllowOrigins: []string{"*"}, AllowCredentials: true}, `cors: AllowOrigins "*" cannot be used with AllowCredentials: list the origins`},
		{"any origin and others", CorsConfig{AllowOrigins: []string{appOrigin, "*"}}, `cors: AllowOrigins "*" must be the only entry: it already allows every origin`},
		{"trailing slash", CorsConfig{AllowOrigins: []string{appOrigin + "/"}}, `cors: AllowOrigins "https://app.example.com/" has a path: browsers send the origin without one, use "https://app.example.com"`},
		{"path", CorsConfig{AllowOrigins: []string{appOrigin + "/app"}}, `cors: AllowOrigins "https://app.example.com/app" has a path: browsers send the origin without one, use "https://app.example.com"`},
		{"query", CorsConfig{AllowOrigins: []string{appOrigin + "?a=1"}}, `cors: AllowOrigins "https://app.example.com?a=1" is not an origin: use "https://app.example.com"`},
		{"user", CorsConfig{AllowOrigins: []string{"https://me@app.example.com"}}, `cors: AllowOrigins "https://me@app.example.com" is not an origin: use "https://app.example.com"`},
		{"no scheme", CorsConfig{AllowOrigins: []string{"app.example.com"}}, `cors: AllowOrigins "app.example.com" has no scheme: use "https://app.example.com"`},
		{"empty origin", CorsConfig{AllowOrigins: []string{""}}, `cors: AllowOrigins "" has no scheme: use "https://"`},
		{"wildcard subdomain", CorsConfig{AllowOrigins: []string{"https://*.example.com"}}, `cors: AllowOrigins "https://*.example.com" has a wildcard: list each origin, or use "*" alone`},
		{"null", CorsConfig{AllowOrigins: []string{"null"}}, `cors: AllowOrigins "null" is not allowed: sandboxed frames and local files all send it, so it would let any of them in`},
		{"bad port", CorsConfig{AllowOrigins: []string{"https://app.example.com:https"}}, `cors: AllowOrigins "https://app.example.com:https" is not an origin: use "scheme://host[:port]", such as "https://app.example.com"`},
		{"method not a token", CorsConfig{AllowOrigins: []string{appOrigin}, AllowMethods: []string{"GET,POST"}}, `cors: AllowMethods "GET,POST" is not a valid method name`},
		{"method in lower case", CorsConfig{AllowOrigins: []string{appOrigin}, AllowMethods: []string{"patch"}}, `cors: AllowMethods "patch" is not upper case: methods are case-sensitive, use "PATCH"`},
		{"method wildcard with credentials", CorsConfig{AllowOrigins: []string{appOrigin}, AllowMethods: []string{"*"}, AllowCredentials: true}, `cors: AllowMethods "*" cannot be used with AllowCredentials: browsers then read it as a method named "*"; list them`},
		{"header not a token", CorsConfig{AllowOrigins: []string{appOrigin}, AllowHeaders: []string{"X Trace"}}, `cors: AllowHeaders "X Trace" is not a valid header name`},
		{"header wildcard with credentials", CorsConfig{AllowOrigins: []string{appOrigin}, AllowHeaders: []string{"*"}, AllowCredentials: true}, `cors: AllowHeaders "*" cannot be used with AllowCredentials: browsers then read it as a header named "*"; list them`},
		{"exposed header empty", CorsConfig{AllowOrigins: []string{appOrigin}, ExposeHeaders: []string{""}}, `cors: ExposeHeaders "" is not a valid header name`},
		{"max age negative", CorsConfig{AllowOrigins: []string{appOrigin}, MaxAgeSeconds: -1}, `cors: MaxAgeSeconds -1 is out of range: use 0 to 86400`},
		{"max age too long", CorsConfig{AllowOrigins: []string{appOrigin}, MaxAgeSeconds: 86401}, `cors: MaxAgeSeconds 86401 is out of range: use 0 to 86400`},
		{
			"every problem at once",
			CorsConfig{AllowOrigins: []string{"*", appOrigin + "/"}, AllowHeaders: []string{"*"}, AllowCredentials: true, MaxAgeSeconds: -5},
			`cors: AllowOrigins "*" cannot be used with AllowCredentials: list the origins` + "\n" +
				`cors: AllowOrigins "https://app.example.com/" has a path: browsers send the origin without one, use "https://app.example.com"` + "\n" +
				`cors: AllowHeaders "*" cannot be used with AllowCredentials: browsers then read it as a header named "*"; list them` + "\n" +
				`cors: MaxAgeSeconds -5 is out of range: use 0 to 86400`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if err := tt.config.Validate(); err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("Validate() = %q\nwant         %q", got, tt.want)
			}
		})
	}
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name, value string
		want        *CorsConfig
		wantErr     string
	}{
		{"unset: CORS off", "", nil, ""},
		{"blank: CORS off", "  ", nil, ""},
		{
			"every field",
			`{"allowOrigins":["https://app.example.com"],"allowMethods":["GET"],"allowHeaders":["Content-Type"],"exposeHeaders":["Location"],"maxAgeSeconds":60,"allowCredentials":true}`,
			&CorsConfig{AllowOrigins: []string{appOrigin}, AllowMethods: []string{"GET"}, AllowHeaders: []string{"Content-Type"}, ExposeHeaders: []string{"Location"}, MaxAgeSeconds: 60, AllowCredentials: true},
			"",
		},
		{"not JSON", `https://app.example.com`, nil, "cors: CORS_CONFIG is not a JSON object of allowOrigins, allowMethods, allowHeaders, exposeHeaders, maxAgeSeconds and allowCredentials: invalid character 'h' looking for beginning of value"},
		{"unknown field", `{"allowOrigin":["*"]}`, nil, `cors: CORS_CONFIG is not a JSON object of allowOrigins, allowMethods, allowHeaders, exposeHeaders, maxAgeSeconds and allowCredentials: json: unknown field "allowOrigin"`},
		{"two values", `{"allowOrigins":["*"]} {}`, nil, "cors: CORS_CONFIG holds more than one JSON value"},
		{"invalid config", `{"allowOrigins":["*"],"allowCredentials":true,"maxAgeSeconds":-1}`, nil, `cors: CORS_CONFIG: AllowOrigins "*" cannot be used with AllowCredentials: list the origins` + "\n" + `cors: CORS_CONFIG: MaxAgeSeconds -1 is out of range: use 0 to 86400`},
		{"null", `null`, nil, `cors: CORS_CONFIG: AllowOrigins is empty: list the origins allowed, such as "https://app.example.com", or "*" for any`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CorsConfigFromEnv(func(k string) string {
				if k != CorsConfigEnv {
					t.Errorf("CorsConfigFromEnv read %q, want only %q", k, CorsConfigEnv)
				}
				return tt.value
			})
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tt.wantErr {
				t.Errorf("err = %q, want %q", gotErr, tt.wantErr)
			}
			if (got == nil) != (tt.want == nil) || got != nil && !reflect.DeepEqual(*got, *tt.want) {
				t.Errorf("config = %+v, want %+v", got, tt.want)
			}
		})
	}
}
