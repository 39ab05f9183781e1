package webapphttp

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// CorsConfigEnv is the environment variable that carries the CorsConfig as JSON.
const CorsConfigEnv = "CORS_CONFIG"

// MaxCorsMaxAgeSeconds is the largest MaxAgeSeconds: a day, Firefox's own cap.
const MaxCorsMaxAgeSeconds = 86400

// defaultAllowMethods is what a preflight allows when CorsConfig.AllowMethods
// is empty: every method a script may send but OPTIONS.
const defaultAllowMethods = "GET, HEAD, POST, PUT, PATCH, DELETE"

// CorsConfig says which origins may call the app from scripts, and how. Only
// AllowOrigins is required.
type CorsConfig struct {
	// AllowOrigins are the origins allowed, each "scheme://host[:port]"
	// without path or trailing slash (as browsers send Origin), or the single
	// entry "*" for any origin (not with AllowCredentials). Required.
	AllowOrigins []string `json:"allowOrigins"`
	// AllowMethods are the methods a preflight allows.
	// Default: GET, HEAD, POST, PUT, PATCH and DELETE.
	AllowMethods []string `json:"allowMethods"`
	// AllowHeaders are the request headers a preflight allows. "*" allows any
	// but Authorization (not with AllowCredentials).
	// Default: the headers the preflight asks for, whatever they are.
	AllowHeaders []string `json:"allowHeaders"`
	// ExposeHeaders are the response headers, beyond the CORS-safelisted
	// ones, that scripts may read, for example "Location" or "X-Request-Id".
	// Default: only the safelisted ones (Content-Type and a few others).
	ExposeHeaders []string `json:"exposeHeaders"`
	// MaxAgeSeconds is how long a browser may reuse a preflight's answer,
	// 0 to 86400; browsers cap it lower (Chromium at 7200).
	// Default: 0, no Access-Control-Max-Age, so browsers keep it 5 seconds.
	MaxAgeSeconds int `json:"maxAgeSeconds"`
	// AllowCredentials lets scripts send cookies and HTTP authentication
	// (fetch's credentials: "include") and read the response.
	// Default: false, credentialed requests are refused by the browser.
	AllowCredentials bool `json:"allowCredentials"`
}

// Validate checks every field and returns all problems at once, one line
// each, naming the field and the fix.
func (c CorsConfig) Validate() error {
	return joinProblems("cors: ", c.problems())
}

// joinProblems is the error of the problems, one line each after prefix,
// or nil if there are none.
func joinProblems(prefix string, problems []string) error {
	if len(problems) == 0 {
		return nil
	}
	return errors.New(prefix + strings.Join(problems, "\n"+prefix))
}

func (c CorsConfig) problems() []string {
	var problems []string
	add := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	if len(c.AllowOrigins) == 0 {
		add(`AllowOrigins is empty: list the origins allowed, such as "https://app.example.com", or "*" for any`)
	}
	for _, o := range c.AllowOrigins {
		switch {
		case o == "*" && c.AllowCredentials:
			add(`AllowOrigins "*" cannot be used with AllowCredentials: list the origins`)
		case o == "*" && len(c.AllowOrigins) > 1:
			add(`AllowOrigins "*" must be the only entry: it already allows every origin`)
		case o != "*":
			if msg := originProblem(o); msg != "" {
				add("AllowOrigins %q %s", o, msg)
			}
		}
	}
	checkTokens := func(field string, values []string, what string) {
		for _, v := range values {
			switch {
			case v == "*" && c.AllowCredentials:
				add("%s %q cannot be used with AllowCredentials: browsers then read it as a %s named \"*\"; list them", field, v, what)
			case !isToken(v):
				add("%s %q is not a valid %s name", field, v, what)
			case field == "AllowMethods" && isLowerStandardMethod(v):
				add("%s %q is not upper case: methods are case-sensitive, use %q", field, v, strings.ToUpper(v))
			}
		}
	}
	checkTokens("AllowMethods", c.AllowMethods, "method")
	checkTokens("AllowHeaders", c.AllowHeaders, "header")
	checkTokens("ExposeHeaders", c.ExposeHeaders, "header")
	if c.MaxAgeSeconds < 0 || c.MaxAgeSeconds > MaxCorsMaxAgeSeconds {
		add("MaxAgeSeconds %d is out of range: use 0 to %d", c.MaxAgeSeconds, MaxCorsMaxAgeSeconds)
	}
	return problems
}

// originProblem says what is wrong with a configured origin, "" if nothing.
func originProblem(o string) string {
	u, err := url.Parse(o)
	switch {
	case o == "null":
		return `is not allowed: sandboxed frames and local files all send it, so it would let any of them in`
	case strings.Contains(o, "*"):
		return "has a wildcard: list each origin, or use \"*\" alone"
	case !strings.Contains(o, "://"):
		return fmt.Sprintf("has no scheme: use %q", "https://"+strings.TrimSuffix(o, "/"))
	case err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "":
		return `is not an origin: use "scheme://host[:port]", such as "https://app.example.com"`
	case u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(o, "#"):
		return fmt.Sprintf("is not an origin: use %q", u.Scheme+"://"+u.Host)
	case u.Path != "":
		return fmt.Sprintf("has a path: browsers send the origin without one, use %q", u.Scheme+"://"+u.Host)
	}
	return ""
}

// CorsConfigFromEnv reads the CorsConfig from the environment variable CORS_CONFIG, a JSON
// object with the fields' json names, for example
//
//	{"allowOrigins":["https://app.example.com"],"allowCredentials":true}
//
// It returns nil, CORS off, when the variable is unset or empty, and an
// error when it is not such an object or Validate refuses it: the function
// must then refuse to start rather than serve without the CORS wanted.
func CorsConfigFromEnv(getenv func(string) string) (*CorsConfig, error) {
	v := strings.TrimSpace(getenv(CorsConfigEnv))
	if v == "" {
		return nil, nil
	}
	var c CorsConfig
	dec := json.NewDecoder(strings.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("cors: %s is not a JSON object of allowOrigins, allowMethods, allowHeaders, exposeHeaders, maxAgeSeconds and allowCredentials: %v", CorsConfigEnv, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("cors: %s holds more than one JSON value", CorsConfigEnv)
	}
	if err := joinProblems("cors: "+CorsConfigEnv+": ", c.problems()); err != nil {
		return nil, err
	}
	return &c, nil
}

// CorsHandler answers the CORS preflights that c allows, with 403 the ones it
// does not, and adds the CORS headers to the actual requests of the origins
// it allows before passing them to next. Any other request, an OPTIONS
// without Access-Control-Request-Method included, passes to next untouched
// but for Vary. It panics if c is not valid: call Validate (or CorsConfigFromEnv)
// first. Start and Wrap apply it, outermost, with the construct's
// CORS_CONFIG; to place it elsewhere in a chain of middleware, call it with
// CorsConfigFromEnv's configuration and serve with lambda.Start(Handler(h))
// rather than Start, which would apply it a second time. Such a program
// does without Wrap's cross-site check, or protects its writes itself.
func CorsHandler(c CorsConfig, next http.Handler) http.Handler {
	if err := c.Validate(); err != nil {
		panic(err.Error())
	}
	p := newPolicy(c)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		origin := r.Header.Get("Origin")
		allowed := origin != "" && p.allows(origin)
		if r.Method == http.MethodOptions && origin != "" && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Add("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
			if !allowed {
				w.WriteHeader(http.StatusForbidden)
				return
			}
			p.setOrigin(h, origin)
			h.Set("Access-Control-Allow-Methods", p.methods)
			if headers := p.headers; headers != "" {
				h.Set("Access-Control-Allow-Headers", headers)
			} else if asked := requestedHeaders(r); asked != "" {
				h.Set("Access-Control-Allow-Headers", asked)
			}
			if p.maxAge != "" {
				h.Set("Access-Control-Max-Age", p.maxAge)
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if !p.any {
			// The answer depends on Origin even when it is refused or absent:
			// a shared cache must not give one origin's answer to another.
			h.Add("Vary", "Origin")
		}
		if allowed {
			p.setOrigin(h, origin)
			if p.expose != "" {
				h.Set("Access-Control-Expose-Headers", p.expose)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// policy is a valid CorsConfig, ready to answer with.
type policy struct {
	any         bool            // AllowOrigins is "*"
	origins     map[string]bool // canonical origins allowed
	credentials bool
	methods     string
	headers     string // "" echoes the requested headers
	expose      string
	maxAge      string // "" sends no Access-Control-Max-Age
}

func newPolicy(c CorsConfig) *policy {
	p := &policy{
		any:         len(c.AllowOrigins) == 1 && c.AllowOrigins[0] == "*",
		origins:     make(map[string]bool, len(c.AllowOrigins)),
		credentials: c.AllowCredentials,
		methods:     defaultAllowMethods,
		headers:     strings.Join(c.AllowHeaders, ", "),
		expose:      strings.Join(c.ExposeHeaders, ", "),
	}
	for _, o := range c.AllowOrigins {
		p.origins[canonicalOrigin(o)] = true
	}
	if len(c.AllowMethods) > 0 {
		p.methods = strings.Join(c.AllowMethods, ", ")
	}
	if c.MaxAgeSeconds > 0 {
		p.maxAge = strconv.Itoa(c.MaxAgeSeconds)
	}
	return p
}

func (p *policy) allows(origin string) bool {
	return p.any || p.origins[canonicalOrigin(origin)]
}

// setOrigin allows origin: "*" when any origin is and no credentials go
// with it, the origin itself otherwise.
func (p *policy) setOrigin(h http.Header, origin string) {
	if p.any && !p.credentials {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
	}
	if p.credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
}

// canonicalOrigin is an origin as browsers serialize it: scheme and host in
// lower case, without the scheme's default port. A configured
// "https://App.example.com:443" thus matches what browsers send.
func canonicalOrigin(o string) string {
	o = strings.ToLower(o)
	if s, ok := strings.CutSuffix(o, ":443"); ok && strings.HasPrefix(o, "https://") {
		return s
	}
	if s, ok := strings.CutSuffix(o, ":80"); ok && strings.HasPrefix(o, "http://") {
		return s
	}
	return o
}

// requestedHeaders is the preflight's Access-Control-Request-Headers, as one
// list, or "" when it is absent or not a list of header names (it is then
// not echoed, and the browser refuses the request).
func requestedHeaders(r *http.Request) string {
	var names []string
	for _, v := range r.Header.Values("Access-Control-Request-Headers") {
		for name := range strings.SplitSeq(v, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			if !isToken(name) {
				return ""
			}
			names = append(names, name)
		}
	}
	return strings.Join(names, ", ")
}

// isLowerStandardMethod reports whether m is a standard method in the wrong
// case, which would never match: browsers upper-case only some methods.
func isLowerStandardMethod(m string) bool {
	upper := strings.ToUpper(m)
	switch upper {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
		return m != upper
	}
	return false
}
