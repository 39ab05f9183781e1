package localsite

import (
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	"github.com/gowebapp/webapp/internal/cli/assembly"
)

// fixtureSite is the site of testdata/assembly, a hand-written cloud
// assembly with what the derivation must handle: intrinsic functions, a
// secret read through dynamic references, an API key and usage plan,
// policies, a CloudFront Function and two bucket deployment sources.
func fixtureSite(t *testing.T) *Site {
	t.Helper()
	asm, err := assembly.Load("testdata/assembly")
	if err != nil {
		t.Fatal(err)
	}
	stack, ok := asm.Stack("Web")
	if !ok {
		t.Fatal("no stack Web in testdata/assembly")
	}
	site, err := NewSite(stack, "")
	if err != nil {
		t.Fatalf("NewSite: %v", err)
	}
	return site
}

// fakeFunction stands in for the Lambda function: it records the events
// and answers with respond.
type fakeFunction struct {
	mu      sync.Mutex
	events  []restEvent
	respond func(e restEvent) (any, error)
}

func (f *fakeFunction) invoke(_ context.Context, _ *Function, payload []byte) ([]byte, error) {
	var e restEvent
	if err := json.Unmarshal(payload, &e); err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.events = append(f.events, e)
	f.mu.Unlock()
	resp, err := f.respond(e)
	if err != nil {
		return nil, err
	}
	if b, ok := resp.([]byte); ok {
		return b, nil
	}
	return json.Marshal(resp)
}

func (f *fakeFunction) last(t *testing.T) restEvent {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.events) == 0 {
		t.Fatal("the function was not invoked")
	}
	return f.events[len(f.events)-1]
}

func ok(restEvent) (any, error) {
	return restResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "text/plain"}, Body: "ok"}, nil
}

// needNode skips a test that runs CloudFront Functions where node is
// missing, saying so loudly.
func needNode(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Log("SKIP: node is not installed: CloudFront Functions cannot run")
		t.Skip("node is not installed: CloudFront Functions cannot run")
	}
}

// testEdge returns the site's edge with a fake function and, for the
// viewer function, a node worker.
func testEdge(t *testing.T, site *Site, respond func(restEvent) (any, error)) (*edge, *fakeFunction, *lockedLog) {
	t.Helper()
	needNode(t)
	log := &lockedLog{}
	n, err := startNode(site.ViewerFunctions, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	fn := &fakeFunction{respond: respond}
	return newEdge(site, fn.invoke, n, nil, log), fn, log
}

func serve(h http.Handler, r *http.Request) *http.Response {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSiteFollowsTheTemplate(t *testing.T) {
	site := fixtureSite(t) // the distribution's Logging refers to a missing resource: it is never evaluated

	var patterns []string
	for _, b := range site.Behaviors {
		patterns = append(patterns, b.PathPattern)
	}
	if want := []string{"/css/*", "/js/*", "*.txt", "/img/*", "*"}; !slices.Equal(patterns, want) {
		t.Errorf("behaviours = %q, want %q (template order, default last)", patterns, want)
	}
	img, def := site.Behaviors[3], site.Behaviors[4]
	if !slices.Equal(img.AllowedMethods, []string{"GET", "HEAD"}) {
		t.Errorf("/img/* allowed methods = %v, want CloudFront's default GET, HEAD", img.AllowedMethods)
	}
	if img.Origin.Bucket == nil || def.Origin.API == nil {
		t.Fatalf("origins: /img/* bucket %v, default API %v; want the bucket and the REST API", img.Origin.Bucket, def.Origin.API)
	}
	if def.ViewerRequest == nil || def.ViewerRequest.Name != "WebViewerFn" {
		t.Errorf("default viewer-request function = %v, want WebViewerFn", def.ViewerRequest)
	}
	if !def.Forward.headers.includes("accept") || def.Forward.headers.includes("host") || !def.Forward.allCloudFront {
		t.Errorf("AllViewerExceptHostHeader forwards %+v, want every header but Host, and CloudFront's", def.Forward)
	}
	api := def.Origin.API
	if def.Origin.Path != "/prod" || api.Stages["prod"] == nil || api.Stages["prod"].Variables["env"] != "testing" {
		t.Errorf("origin path %q, stages %v: want /prod and stage prod with env=testing (Fn::If on a false condition)", def.Origin.Path, api.Stages)
	}
	if want := api.ID + ".execute-api.eu-west-1.amazonaws.com"; def.Origin.DomainName != want || api.Domain != want {
		t.Errorf("API origin domain %q, API domain %q, want %q", def.Origin.DomainName, api.Domain, want)
	}

	if len(site.Functions) != 1 {
		t.Fatalf("functions = %v, want the one behind the API", site.Functions)
	}
	fn := site.Functions["Fn"]
	if fn.Architecture != "arm64" || fn.Timeout != 5*time.Second || fn.MemoryMB != 512 || fn.LogFormat != "JSON" {
		t.Errorf("function = %+v, want arm64, 5 s, 512 MB, JSON logs", fn)
	}
	if len(site.Tables) != 1 || fn.Environment["TABLE_NAME"] != site.Tables[0].Name {
		t.Errorf("TABLE_NAME = %q, tables %v: want the table's stand-in name", fn.Environment["TABLE_NAME"], site.Tables)
	}
	if want := "https://" + api.ID + ".execute-api.eu-west-1.amazonaws.com/prod/"; fn.Environment["API_URL"] != want {
		t.Errorf("API_URL = %q, want %q", fn.Environment["API_URL"], want)
	}
	if _, ok := fn.Environment["OPTIONAL"]; ok {
		t.Error("OPTIONAL is set, want it removed (Fn::If to AWS::NoValue)")
	}
}

func TestBucketHoldsWhatTheDeploymentUploads(t *testing.T) {
	b := fixtureSite(t).Behaviors[0].Origin.Bucket
	tests := []struct{ key, contentType, body string }{
		{"css/a.css", "text/css", "body { color: #abcdef; }\n"}, // the second source wins
		{"js/app.js", "text/javascript", "\"use strict\";\n"},
		{"js/data.json", "application/json", "{\"a\":1}\n"},
		{"img/logo.svg", "image/svg+xml", ""},
		{"robots.txt", "text/plain", "User-agent: *\n"},
	}
	for _, tt := range tests {
		o := b.Objects[tt.key]
		if o == nil {
			t.Errorf("%s is missing", tt.key)
			continue
		}
		if o.ContentType != tt.contentType || (tt.body != "" && string(o.Body) != tt.body) {
			t.Errorf("%s: %s %q, want %s %q", tt.key, o.ContentType, o.Body, tt.contentType, tt.body)
		}
		sum := md5.Sum(o.Body)
		if want := `"` + hex.EncodeToString(sum[:]) + `"`; o.ETag != want {
			t.Errorf("%s: ETag %s, want the MD5 %s", tt.key, o.ETag, want)
		}
		if got := o.Header.Get("Cache-Control"); got != "public, max-age=60" {
			t.Errorf("%s: Cache-Control %q, want the deployment's system metadata", tt.key, got)
		}
	}
	if _, ok := b.Objects["js/app.js.map"]; ok {
		t.Error("js/app.js.map was uploaded, want it excluded (Exclude *.map)")
	}
}

func TestStaticFileHasS3AndPolicyHeaders(t *testing.T) {
	e, _, _ := testEdge(t, fixtureSite(t), ok)
	resp := serve(e, httptest.NewRequest("GET", "/css/a.css", nil))
	if resp.StatusCode != 200 || body(t, resp) != "body { color: #abcdef; }\n" {
		t.Fatalf("GET /css/a.css = %d", resp.StatusCode)
	}
	want := map[string]string{
		"Content-Type":                 "text/css",
		"Server":                       "AmazonS3",
		"X-Amz-Server-Side-Encryption": "AES256",
		"Cache-Control":                "public, max-age=60",
		"X-Cache":                      "Miss from cloudfront",
		"Content-Security-Policy":      "default-src 'self'",
		"Strict-Transport-Security":    "max-age=600; includeSubDomains",
		"X-Frame-Options":              "DENY",
		"X-Site":                       "local",
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	for _, k := range []string{"ETag", "Last-Modified", "Via", "X-Amz-Cf-Id"} {
		if resp.Header.Get(k) == "" {
			t.Errorf("%s is missing", k)
		}
	}
	if resp.Header.Get("X-Content-Type-Options") != "" {
		t.Error("X-Content-Type-Options is set on /css/*, whose policy does not add it")
	}
	// HEAD: no body, but the length of the GET's.
	head := serve(e, httptest.NewRequest("HEAD", "/css/a.css", nil))
	if got, want := head.Header.Get("Content-Length"), fmt.Sprint(len("body { color: #abcdef; }\n")); head.StatusCode != 200 || got != want {
		t.Errorf("HEAD /css/a.css = %d with Content-Length %q, want 200 and %s", head.StatusCode, got, want)
	}
	// The managed SecurityHeadersPolicy of *.txt.
	resp = serve(e, httptest.NewRequest("GET", "/robots.txt", nil))
	if got := resp.Header.Get("X-Content-Type-Options"); resp.StatusCode != 200 || got != "nosniff" {
		t.Errorf("GET /robots.txt = %d with X-Content-Type-Options %q, want 200 and nosniff", resp.StatusCode, got)
	}
}

func TestMissingStaticFileIsS3sAnswer(t *testing.T) {
	site := fixtureSite(t)
	e, fn, _ := testEdge(t, site, ok)
	resp := serve(e, httptest.NewRequest("GET", "/css/missing.css", nil))
	if b := body(t, resp); resp.StatusCode != 403 || !strings.Contains(b, "<Code>AccessDenied</Code>") || resp.Header.Get("Content-Type") != "application/xml" {
		t.Errorf("GET /css/missing.css = %d %s %q, want S3's 403 AccessDenied XML (OAI without ListBucket)", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	// A new edge, as after a deploy: the edge caches the 403 for the error
	// caching minimum TTL, 10 seconds in this template.
	site.Behaviors[0].Origin.Bucket.ListAllowed = true
	e, listed, _ := testEdge(t, site, ok)
	resp = serve(e, httptest.NewRequest("GET", "/css/missing.css", nil))
	if b := body(t, resp); resp.StatusCode != 404 || !strings.Contains(b, "<Code>NoSuchKey</Code>") {
		t.Errorf("GET /css/missing.css with ListBucket = %d %q, want 404 NoSuchKey", resp.StatusCode, b)
	}
	if len(fn.events)+len(listed.events) != 0 {
		t.Error("a static path reached the function")
	}
}

func TestMethodNotAllowedByTheBehaviourIsCloudFronts403(t *testing.T) {
	e, fn, _ := testEdge(t, fixtureSite(t), ok)
	for _, r := range []*http.Request{
		httptest.NewRequest("POST", "/css/a.css", strings.NewReader("x")),
		httptest.NewRequest("OPTIONS", "/js/app.js", nil),
		httptest.NewRequest("DELETE", "/img/logo.svg", nil),
	} {
		resp := serve(e, r)
		if b := body(t, resp); resp.StatusCode != 403 || !strings.Contains(b, "not configured to allow the HTTP request method") ||
			resp.Header.Get("X-Cache") != "Error from cloudfront" {
			t.Errorf("%s %s = %d %q, want CloudFront's 403 page", r.Method, r.URL, resp.StatusCode, b)
		}
	}
	if len(fn.events) != 0 {
		t.Error("a refused request reached the function")
	}
}

func TestCompressionAndConditionalRequests(t *testing.T) {
	e, _, _ := testEdge(t, fixtureSite(t), ok)
	r := httptest.NewRequest("GET", "/css/big.css", nil)
	r.Header.Set("Accept-Encoding", "gzip, deflate, br")
	if resp := serve(e, r); resp.Header.Get("Content-Encoding") != "br" ||
		!strings.HasSuffix(body(t, &http.Response{Body: io.NopCloser(brotli.NewReader(resp.Body))}), "body { margin: 0; }\n") {
		t.Fatalf("GET /css/big.css accepting gzip and br: Content-Encoding %q, want br (CachingOptimized, Compress)", resp.Header.Get("Content-Encoding"))
	}
	r.Header.Set("Accept-Encoding", "gzip, br;q=0")
	resp := serve(e, r)
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("GET /css/big.css accepting gzip only: Content-Encoding %q, want gzip", resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !strings.HasSuffix(string(plain), "body { margin: 0; }\n") {
		t.Errorf("the gzipped body is %q", plain)
	}
	// Small files are not compressed.
	if resp := serve(e, r.Clone(r.Context())); resp.Header.Get("Content-Encoding") != "gzip" {
		t.Error("second request not compressed")
	}
	small := httptest.NewRequest("GET", "/css/a.css", nil)
	small.Header.Set("Accept-Encoding", "gzip")
	resp = serve(e, small)
	if resp.Header.Get("Content-Encoding") != "" {
		t.Error("a file under 1,000 bytes was compressed")
	}
	cond := httptest.NewRequest("GET", "/css/a.css", nil)
	cond.Header.Set("If-None-Match", resp.Header.Get("ETag"))
	if resp := serve(e, cond); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match with the ETag = %d, want 304 from the edge", resp.StatusCode)
	}
}

func TestRequestReachesTheFunctionAsAPIGatewaySendsIt(t *testing.T) {
	site := fixtureSite(t)
	e, fn, _ := testEdge(t, site, func(restEvent) (any, error) {
		return restResponse{
			StatusCode: 201,
			MultiValueHeaders: map[string][]string{
				"Set-Cookie":              {"a=1; Path=/", "b=2; Path=/"},
				"X-Powered-By":            {"app"},
				"Content-Security-Policy": {"default-src *"},
			},
			Headers: map[string]string{"X-Frame-Options": "SAMEORIGIN", "Server": "app", "Content-Type": "text/plain"},
			Body:    "created",
		}, nil
	})
	r := httptest.NewRequest("GET", "/items/42?q=a%20b&drop=1&q=c", nil)
	r.Host = "site.example:8080"
	r.RemoteAddr = "192.0.2.7:50000"
	r.Header.Set("X-Forwarded-Host", "evil.example")
	r.Header.Set("Cookie", "session=abc")
	r.Header.Set("User-Agent", "test-agent")
	resp := serve(e, r)
	if b := body(t, resp); resp.StatusCode != 201 || b != "created" {
		t.Fatalf("GET /items/42 = %d %q", resp.StatusCode, b)
	}

	ev := fn.last(t)
	api := site.Behaviors[4].Origin.API
	key := api.Keys[0]
	checks := []struct {
		what, got, want string
	}{
		{"resource", ev.Resource, "/items/{id}"},
		{"path", ev.Path, "/items/42"},
		{"httpMethod", ev.HTTPMethod, "GET"},
		{"Host", ev.Headers["Host"], api.Domain},
		{"X-Forwarded-Host (set by the viewer function)", ev.Headers["X-Forwarded-Host"], "site.example:8080"},
		{"X-Viewer-Function", ev.Headers["X-Viewer-Function"], "viewer-request"},
		{"X-Api-Key (origin custom header)", ev.Headers["X-Api-Key"], key.Value},
		{"CloudFront-Forwarded-Proto", ev.Headers["CloudFront-Forwarded-Proto"], "https"},
		{"X-Forwarded-For", ev.Headers["X-Forwarded-For"], "192.0.2.7, 127.0.0.1"},
		{"X-Forwarded-Proto", ev.Headers["X-Forwarded-Proto"], "https"},
		{"Cookie", ev.Headers["Cookie"], "session=abc"},
		{"User-Agent", ev.Headers["User-Agent"], "test-agent"},
		{"q", strings.Join(ev.MultiValueQueryStringParameters["q"], "|"), "a b|c"},
		{"queryStringParameters.q", ev.QueryStringParameters["q"], "c"},
		{"pathParameters.id", ev.PathParameters["id"], "42"},
		{"stage", ev.RequestContext.Stage, "prod"},
		{"requestContext.path", ev.RequestContext.Path, "/prod/items/42"},
		{"domainName", ev.RequestContext.DomainName, api.Domain},
		{"apiId", ev.RequestContext.APIID, api.ID},
		{"accountId", ev.RequestContext.AccountID, "111122223333"},
		{"stageVariables.env", ev.StageVariables["env"], "testing"},
		{"identity.sourceIp", ev.RequestContext.Identity.SourceIP, "127.0.0.1"},
		{"identity.apiKeyId", deref(ev.RequestContext.Identity.APIKeyID), key.ID},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if len(key.Value) != 40 || strings.ContainsAny(key.Value, "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") {
		t.Errorf("the API key %q is not the secret's stand-in (40 characters, no punctuation)", key.Value)
	}
	if _, ok := ev.MultiValueQueryStringParameters["drop"]; ok {
		t.Error("the query string drop reached the function; the viewer function deletes it")
	}
	if ev.Body != nil || ev.IsBase64Encoded {
		t.Errorf("body = %v, base64 %v; want null for a GET", ev.Body, ev.IsBase64Encoded)
	}

	if got := resp.Header.Values("Set-Cookie"); len(got) != 2 {
		t.Errorf("Set-Cookie = %q, want both cookies", got)
	}
	for k, want := range map[string]string{
		"X-Powered-By":            "", // removed by the policy
		"Content-Security-Policy": "default-src 'self'",
		"X-Frame-Options":         "SAMEORIGIN", // the origin's: the policy does not override it
		"Server":                  "",
		"X-Amzn-Remapped-Server":  "app",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("response %s = %q, want %q", k, got, want)
		}
	}
	if resp.Header.Get("X-Amzn-Requestid") != ev.RequestContext.RequestID {
		t.Errorf("x-amzn-RequestId %q, want the event's request id %q", resp.Header.Get("X-Amzn-Requestid"), ev.RequestContext.RequestID)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

func TestViewerFunctionCanAnswerByItself(t *testing.T) {
	e, fn, _ := testEdge(t, fixtureSite(t), ok)
	resp := serve(e, httptest.NewRequest("GET", "/old", nil))
	if b := body(t, resp); resp.StatusCode != 301 || resp.Header.Get("Location") != "/new" || b != "moved" {
		t.Errorf("GET /old = %d Location %q %q, want the function's 301 to /new", resp.StatusCode, resp.Header.Get("Location"), b)
	}
	if len(fn.events) != 0 {
		t.Error("the function's own response still reached the origin")
	}
}

func TestBodiesAreBase64ForBinaryMediaTypes(t *testing.T) {
	e, fn, _ := testEdge(t, fixtureSite(t), func(restEvent) (any, error) {
		return restResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "image/png"},
			Body: base64.StdEncoding.EncodeToString([]byte("\x89PNG bytes")), IsBase64Encoded: true}, nil
	})
	r := httptest.NewRequest("POST", "/search", strings.NewReader("q=%E7%89%9B%E4%B9%B3"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Accept", "text/html,*/*")
	resp := serve(e, r)
	if b := body(t, resp); b != "\x89PNG bytes" {
		t.Errorf("response body %q, want the decoded bytes (binary media type */*)", b)
	}
	ev := fn.last(t)
	if !ev.IsBase64Encoded || ev.Body == nil || *ev.Body != base64.StdEncoding.EncodeToString([]byte("q=%E7%89%9B%E4%B9%B3")) {
		t.Errorf("event body %v (base64 %v), want the form base64-encoded", deref(ev.Body), ev.IsBase64Encoded)
	}
	if ev.Headers["Content-Length"] != "20" {
		t.Errorf("Content-Length %q, want 20", ev.Headers["Content-Length"])
	}
}

func TestFunctionFailuresAreAPIGateways502(t *testing.T) {
	for name, respond := range map[string]func(restEvent) (any, error){
		"error":     func(restEvent) (any, error) { return nil, errors.New("boom") },
		"malformed": func(restEvent) (any, error) { return []byte(`{"statusCode":"x"}`), nil },
	} {
		e, _, _ := testEdge(t, fixtureSite(t), respond)
		resp := serve(e, httptest.NewRequest("GET", "/", nil))
		if b := body(t, resp); resp.StatusCode != 502 || b != `{"message":"Internal server error"}` {
			t.Errorf("%s: GET / = %d %q, want 502 Internal server error", name, resp.StatusCode, b)
		}
	}
}

// originRequest is a request as CloudFront would send it to the API.
func originRequest(api *RestAPI, method, path, key string) *http.Request {
	r := httptest.NewRequest(method, "https://"+api.Domain+path, nil)
	if key != "" {
		r.Header.Set("X-Api-Key", key)
	}
	return r
}

func TestAPIGatewayRefusesWhatItWouldRefuse(t *testing.T) {
	site := fixtureSite(t)
	e, fn, _ := testEdge(t, site, ok)
	api := site.Behaviors[4].Origin.API
	gw := e.api[api]
	valid := api.Keys[0].Value
	foreignHost := originRequest(api, "GET", "/prod/", valid)
	foreignHost.Host = "site.example"
	tests := []struct {
		name   string
		r      *http.Request
		status int
		body   string
	}{
		{"no key", originRequest(api, "GET", "/prod/todos", ""), 403, `{"message":"Forbidden"}`},
		{"a key in no usage plan", originRequest(api, "GET", "/prod/todos", "not-in-a-usage-plan"), 403, `{"message":"Forbidden"}`},
		{"a foreign Host", foreignHost, 403, `{"message":"Forbidden"}`},
		{"an unknown stage", originRequest(api, "GET", "/test/todos", valid), 403, `{"message":"Forbidden"}`},
		{"a resource without methods", originRequest(api, "GET", "/prod/items", valid), 403, `{"message":"Missing Authentication Token"}`},
		{"a method the resource lacks", originRequest(api, "POST", "/prod/items/1", valid), 403, `{"message":"Missing Authentication Token"}`},
		{"the key", originRequest(api, "GET", "/prod/items/1", valid), 200, "ok"},
		{"the root", originRequest(api, "DELETE", "/prod/", valid), 200, "ok"},
	}
	for _, tt := range tests {
		resp := serve(gw, tt.r)
		if b := body(t, resp); resp.StatusCode != tt.status || b != tt.body {
			t.Errorf("%s: %s %s = %d %q, want %d %q", tt.name, tt.r.Method, tt.r.URL.Path, resp.StatusCode, b, tt.status, tt.body)
		}
	}
	if ev := fn.last(t); ev.Resource != "/" || ev.Path != "/" || ev.PathParameters != nil {
		t.Errorf("root event: resource %q path %q params %v, want /, / and null", ev.Resource, ev.Path, ev.PathParameters)
	}
}

func TestStageThrottlingAndAccessLog(t *testing.T) {
	site := fixtureSite(t)
	e, _, log := testEdge(t, site, ok)
	stage := site.Behaviors[4].Origin.API.Stages["prod"]
	stage.RateLimit, stage.BurstLimit = 0.001, 1
	first := serve(e, httptest.NewRequest("GET", "/items/1", nil))
	second := serve(e, httptest.NewRequest("GET", "/items/1", nil))
	// The fixture customizes THROTTLED (ThrottledResponse).
	if first.StatusCode != 200 || second.StatusCode != 429 {
		t.Errorf("two requests on a stage with a burst of 1: %d then %d, want 200 then 429", first.StatusCode, second.StatusCode)
	}
	if b, want := body(t, second), `{"Code":"TooManyRequestsError","Message":"slow down (THROTTLED)"}`; b != want {
		t.Errorf("throttled body = %q, want the fixture's gateway response %q", b, want)
	}
	if want := " GET /items/{id} 200 -\n"; !strings.Contains(log.String(), want) {
		t.Errorf("access log:\n%s\nwant a line ending %q (unknown variables as -)", log, want)
	}
}
