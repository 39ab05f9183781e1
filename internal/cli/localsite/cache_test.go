package localsite

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	"github.com/gowebapp/webapp/internal/cli/assembly"
)

// appCachePolicy is the cache policy the WebApp construct gives its app
// behaviour, as CloudFormation writes it.
var appCachePolicy = map[string]any{
	"Type": "AWS::CloudFront::CachePolicy",
	"Properties": map[string]any{"CachePolicyConfig": map[string]any{
		"Name": "app", "MinTTL": 0, "DefaultTTL": 0, "MaxTTL": 31536000,
		"ParametersInCacheKeyAndForwardedToOrigin": map[string]any{
			"EnableAcceptEncodingGzip": true, "EnableAcceptEncodingBrotli": true,
			"QueryStringsConfig": map[string]any{"QueryStringBehavior": "all"},
			"CookiesConfig":      map[string]any{"CookieBehavior": "none"},
			"HeadersConfig":      map[string]any{"HeaderBehavior": "none"},
		},
	}},
}

// cachingSite is the fixture site with the construct's cache policy on its
// default (API) behaviour, and customErrors as the distribution's
// CustomErrorResponses, derived from the template as `webapp local` does.
func cachingSite(t *testing.T, customErrors ...any) *Site {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/assembly")); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "Web.template.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tpl map[string]any
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	resources := tpl["Resources"].(map[string]any)
	resources["AppCachePolicy"] = appCachePolicy
	dist := resources["Distribution"].(map[string]any)["Properties"].(map[string]any)["DistributionConfig"].(map[string]any)
	dist["DefaultCacheBehavior"].(map[string]any)["CachePolicyId"] = map[string]any{"Ref": "AppCachePolicy"}
	if len(customErrors) > 0 {
		dist["CustomErrorResponses"] = customErrors
	}
	if raw, err = json.Marshal(tpl); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	asm, err := assembly.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	stack, _ := asm.Stack("Web")
	site, err := NewSite(stack, "")
	if err != nil {
		t.Fatalf("NewSite: %v", err)
	}
	return site
}

func TestCachePolicyIsDerivedFromTheTemplate(t *testing.T) {
	site := cachingSite(t)
	b := site.Behaviors[len(site.Behaviors)-1]
	c := b.Cache
	if c.minTTL != 0 || c.defaultTTL != 0 || c.maxTTL != 31536000 || !c.gzip || !c.brotli || !c.caches() {
		t.Errorf("default behaviour's cache = %+v, want TTLs 0/0/31536000 with gzip and Brotli", c)
	}
	if !c.key.queries.includes("q") || c.key.headers.includes("authorization") || c.key.cookies.includes("session") {
		t.Errorf("cache key = %+v, want every query string and no header or cookie", c.key)
	}
	// What reaches the origin is still the origin request policy's too.
	if !b.Forward.cookies.includes("session") || !b.Forward.headers.includes("accept") {
		t.Errorf("forwarded = %+v, want the origin request policy's headers and cookies", b.Forward)
	}
}

func TestCacheTTLFollowsCacheControl(t *testing.T) {
	app := cacheRule{maxTTL: 31536000}
	optimized := managedCachePolicies["658327ea-f89d-4fab-a63d-7e88639e58f6"].rule
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		rule   cacheRule
		header http.Header
		want   time.Duration
	}{
		{app, http.Header{}, 0}, // default TTL 0
		{app, http.Header{"Cache-Control": {"private, no-store"}}, 0},
		{app, http.Header{"Cache-Control": {"public, max-age=60"}}, time.Minute},
		{app, http.Header{"Cache-Control": {"public, max-age=60, s-maxage=5"}}, 5 * time.Second},
		{app, http.Header{"Cache-Control": {"no-cache, max-age=60"}}, 0},
		{app, http.Header{"Cache-Control": {"max-age=99999999999"}}, 31536000 * time.Second},
		{app, http.Header{"Expires": {now.Add(time.Hour).Format(http.TimeFormat)}}, time.Hour},
		{optimized, http.Header{}, 24 * time.Hour},
		{optimized, http.Header{"Cache-Control": {"no-store"}}, time.Second},   // minimum TTL 1 wins
		{cacheRule{}, http.Header{"Cache-Control": {"public, max-age=60"}}, 0}, // CachingDisabled
	}
	for _, tt := range tests {
		if got := tt.rule.ttl(tt.header, now); got != tt.want {
			t.Errorf("%+v with %v: ttl %v, want %v", tt.rule, tt.header, got, tt.want)
		}
	}
}

// countingFunction answers every request with a page of its own: the
// Cache-Control cc, and a body that says how many requests it served.
func countingFunction(cc string) (func(restEvent) (any, error), *atomic.Int32) {
	var n atomic.Int32
	return func(e restEvent) (any, error) {
		i := n.Add(1)
		return restResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "text/html; charset=utf-8", "Cache-Control": cc},
			Body: strings.Repeat("<p>the same words, again and again</p>\n", 50) + fmt.Sprintf("<p>request %d</p>", i)}, nil
	}, &n
}

func getVia(t *testing.T, e http.Handler, target string, header ...string) *http.Response {
	t.Helper()
	r := httptest.NewRequest("GET", target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	return serve(e, r)
}

func TestPrivatePagesAreNeverCached(t *testing.T) {
	respond, n := countingFunction("private, no-store")
	e, _, _ := testEdge(t, cachingSite(t), respond)
	for i := range 3 {
		if resp := getVia(t, e, "/account"); resp.Header.Get("X-Cache") != "Miss from cloudfront" {
			t.Errorf("request %d: X-Cache %q, want a miss", i, resp.Header.Get("X-Cache"))
		}
	}
	if n.Load() != 3 {
		t.Errorf("the function served %d of 3 requests for a private page, want all", n.Load())
	}
}

func TestPublicPagesAreCachedUntilTheyExpire(t *testing.T) {
	respond, n := countingFunction("public, max-age=60")
	e, _, _ := testEdge(t, cachingSite(t), respond)
	now := time.Now()
	e.cache.now = func() time.Time { return now }
	first := body(t, getVia(t, e, "/hello"))
	now = now.Add(59 * time.Second)
	resp := getVia(t, e, "/hello")
	if got := body(t, resp); resp.Header.Get("X-Cache") != "Hit from cloudfront" || resp.Header.Get("Age") != "59" || got != first {
		t.Errorf("repeat within max-age: X-Cache %q, Age %q, same body %v; want a hit aged 59 s with the first body",
			resp.Header.Get("X-Cache"), resp.Header.Get("Age"), got == first)
	}
	if n.Load() != 1 {
		t.Errorf("the function served %d requests, want 1", n.Load())
	}
	now = now.Add(time.Second)
	if resp := getVia(t, e, "/hello"); resp.Header.Get("X-Cache") != "Miss from cloudfront" || n.Load() != 2 {
		t.Errorf("after max-age: X-Cache %q, function served %d; want a miss reaching it", resp.Header.Get("X-Cache"), n.Load())
	}
}

func TestQueryStringsSeparateCacheEntries(t *testing.T) {
	respond, n := countingFunction("public, max-age=60")
	e, _, _ := testEdge(t, cachingSite(t), respond)
	getVia(t, e, "/search?q=milk&page=1")
	getVia(t, e, "/search?q=eggs&page=1")
	if n.Load() != 2 {
		t.Fatalf("two queries: the function served %d, want 2", n.Load())
	}
	// The order of the parameters does not matter; the values do.
	if resp := getVia(t, e, "/search?page=1&q=milk"); resp.Header.Get("X-Cache") != "Hit from cloudfront" || n.Load() != 2 {
		t.Errorf("the first query again: X-Cache %q, function served %d; want a hit", resp.Header.Get("X-Cache"), n.Load())
	}
	// Cookies and other headers are not in the key.
	if resp := getVia(t, e, "/search?q=milk&page=1", "Cookie", "session=other", "User-Agent", "another"); resp.Header.Get("X-Cache") != "Hit from cloudfront" {
		t.Errorf("with other cookies: X-Cache %q, want a hit", resp.Header.Get("X-Cache"))
	}
}

func TestCachedPagesAreCompressedPerEncoding(t *testing.T) {
	respond, n := countingFunction("public, max-age=60")
	e, _, _ := testEdge(t, cachingSite(t), respond)
	resp := getVia(t, e, "/hello", "Accept-Encoding", "gzip, deflate, br")
	plain, _ := io.ReadAll(brotli.NewReader(resp.Body))
	if resp.Header.Get("Content-Encoding") != "br" || !strings.Contains(string(plain), "request 1") {
		t.Fatalf("Accept-Encoding gzip, br: Content-Encoding %q, body %.40q; want br", resp.Header.Get("Content-Encoding"), plain)
	}
	if resp := getVia(t, e, "/hello", "Accept-Encoding", "br, gzip"); resp.Header.Get("X-Cache") != "Hit from cloudfront" {
		t.Errorf("br again: X-Cache %q, want a hit", resp.Header.Get("X-Cache"))
	}
	// Another normalized encoding is another object in the cache.
	if resp := getVia(t, e, "/hello", "Accept-Encoding", "gzip"); resp.Header.Get("Content-Encoding") != "gzip" || n.Load() != 2 {
		t.Errorf("gzip: Content-Encoding %q, function served %d; want gzip from a second origin request", resp.Header.Get("Content-Encoding"), n.Load())
	}
	if resp := getVia(t, e, "/hello"); resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("without Accept-Encoding: Content-Encoding %q, want none", resp.Header.Get("Content-Encoding"))
	}
}

// TestAuthorizationReachesACachingOriginOnlyWhenKeyed: CloudFront drops
// Authorization from the GET and HEAD requests of a behaviour that caches
// unless its cache key holds it; other methods keep it.
func TestAuthorizationReachesACachingOriginOnlyWhenKeyed(t *testing.T) {
	site := cachingSite(t)
	e, fn, _ := testEdge(t, site, ok)
	getVia(t, e, "/todos", "Authorization", "Bearer t0ken")
	if got := fn.last(t).Headers["Authorization"]; got != "" {
		t.Errorf("GET with a cache policy that does not key on it: Authorization %q reached the origin, want none", got)
	}
	r := httptest.NewRequest("POST", "/todos", strings.NewReader("{}"))
	r.Header.Set("Authorization", "Bearer t0ken")
	serve(e, r)
	if got := fn.last(t).Headers["Authorization"]; got != "Bearer t0ken" {
		t.Errorf("POST: Authorization %q, want the viewer's", got)
	}

	def := site.Behaviors[len(site.Behaviors)-1]
	def.Cache.key.headers = list("whitelist", []string{"Authorization"})
	respond, n := countingFunction("public, max-age=60")
	e, fn, _ = testEdge(t, site, respond)
	getVia(t, e, "/todos", "Authorization", "Bearer alice")
	if got := fn.last(t).Headers["Authorization"]; got != "Bearer alice" {
		t.Errorf("GET with Authorization in the key: %q reached the origin, want the viewer's", got)
	}
	if resp := getVia(t, e, "/todos", "Authorization", "Bearer bob"); resp.Header.Get("X-Cache") != "Miss from cloudfront" || n.Load() != 2 {
		t.Errorf("another token: X-Cache %q, function served %d; want its own miss", resp.Header.Get("X-Cache"), n.Load())
	}
}

// erroring answers every request with status and the Cache-Control cc.
func erroring(status int, cc string) (func(restEvent) (any, error), *atomic.Int32) {
	var n atomic.Int32
	return func(e restEvent) (any, error) {
		n.Add(1)
		h := map[string]string{"Content-Type": "application/json"}
		if cc != "" {
			h["Cache-Control"] = cc
		}
		return restResponse{StatusCode: status, Headers: h, Body: `{"message":"no"}`}, nil
	}, &n
}

// TestErrorsAreCachedForTheErrorCachingMinTTL: CloudFront keeps a 502 for
// 10 seconds by default, even with no-store; a 404 that says no-store not
// at all; and none of them when the distribution sets the minimum to 0, as
// the WebApp construct does.
func TestErrorsAreCachedForTheErrorCachingMinTTL(t *testing.T) {
	tests := []struct {
		name       string
		site       *Site
		status     int
		cc         string
		wantOrigin int32 // requests of three that reach the function
	}{
		{"502, CloudFront's default", cachingSite(t), 502, "", 1},
		{"502 with no-store", cachingSite(t), 502, "no-store", 1},
		{"404 with no-store", cachingSite(t), 404, "private, no-store", 3},
		{"502, minimum TTL 0", cachingSite(t, map[string]any{"ErrorCode": 502, "ErrorCachingMinTTL": 0}), 502, "", 3},
	}
	for _, tt := range tests {
		respond, n := erroring(tt.status, tt.cc)
		e, _, _ := testEdge(t, tt.site, respond)
		for range 3 {
			if resp := getVia(t, e, "/todos"); resp.StatusCode != tt.status {
				t.Fatalf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.status)
			}
		}
		if n.Load() != tt.wantOrigin {
			t.Errorf("%s: %d of 3 requests reached the function, want %d", tt.name, n.Load(), tt.wantOrigin)
		}
	}
}
