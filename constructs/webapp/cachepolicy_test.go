package webapp

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"

	"github.com/gowebapp/webapp/tools/cdktest"
)

// appCachePolicy returns the properties of the site's AppCachePolicy.
func appCachePolicy(t *testing.T, s *synthesized) map[string]any {
	t.Helper()
	r, ok := cdktest.Resources(s.tpl, "AWS::CloudFront::CachePolicy")[logicalID(s, s.sites[0].AppCachePolicy)]
	if !ok {
		t.Fatal("no AppCachePolicy in the template")
	}
	return r["Properties"].(map[string]any)["CachePolicyConfig"].(map[string]any)
}

// TestAppCachePolicyHonoursTheOriginAndCompresses: TTLs 0/0/1 year, so only
// what the function's Cache-Control allows is kept; gzip and Brotli; keyed on
// the path and every query string, never on cookies or (without an
// authorizer or CORS) any header, Host included.
func TestAppCachePolicyHonoursTheOriginAndCompresses(t *testing.T) {
	cfg := appCachePolicy(t, config(t, "default"))
	for k, want := range map[string]any{"MinTTL": 0.0, "DefaultTTL": 0.0, "MaxTTL": 31536000.0} {
		if cfg[k] != want {
			t.Errorf("%s = %v, want %v", k, cfg[k], want)
		}
	}
	cdktest.Has(t, config(t, "default").tpl, "AWS::CloudFront::CachePolicy", map[string]any{
		"CachePolicyConfig": map[string]any{"ParametersInCacheKeyAndForwardedToOrigin": assertions.Match_Exact(map[string]any{
			"EnableAcceptEncodingGzip":   true,
			"EnableAcceptEncodingBrotli": true,
			"QueryStringsConfig":         map[string]any{"QueryStringBehavior": "all"},
			"CookiesConfig":              map[string]any{"CookieBehavior": "none"},
			"HeadersConfig":              map[string]any{"HeaderBehavior": "none"},
		})},
	})
}

// TestAppCachePolicyKeysOnAuthorizationWithAnAuthorizerAndOriginWithCors:
// the authorizer must get the token on GET, and a cached answer to one token
// or one origin must never answer another.
func TestAppCachePolicyKeysOnAuthorizationWithAnAuthorizerAndOriginWithCors(t *testing.T) {
	tests := map[string][]any{
		"cors-auth":   {"Authorization", "Origin"},
		"client-keys": {"Origin"},
	}
	for name, headers := range tests {
		cfg := appCachePolicy(t, config(t, name))
		got := cfg["ParametersInCacheKeyAndForwardedToOrigin"].(map[string]any)["HeadersConfig"].(map[string]any)
		want := map[string]any{"HeaderBehavior": "whitelist", "Headers": headers}
		if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
			t.Errorf("%s: HeadersConfig = %v, want %v", name, got, want)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestErrorsAreNeverCached: every error status CloudFront would keep for
// 10 seconds has an error caching minimum TTL of 0, and no custom page.
func TestErrorsAreNeverCached(t *testing.T) {
	var want []any
	for _, status := range cachedErrorStatuses() {
		want = append(want, map[string]any{"ErrorCode": status, "ErrorCachingMinTTL": 0})
	}
	for _, name := range []string{"default", "cors-auth"} {
		got := distributionConfig(t, config(t, name).tpl)["CustomErrorResponses"]
		if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
			t.Errorf("%s: CustomErrorResponses = %s, want %s", name, g, w)
		}
	}
}
