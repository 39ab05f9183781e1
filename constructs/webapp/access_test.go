package webapp

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gowebapp/webapp/tools/cdktest"
)

// methodsByPath returns each API method's authorization and key requirement,
// keyed like "ANY /{proxy+}", resolving resource ids to their path parts.
func methodsByPath(t *testing.T, name string) map[string]map[string]any {
	t.Helper()
	tpl := config(t, name).tpl
	parts := map[string]string{}
	parents := map[string]string{}
	for id, r := range cdktest.Resources(tpl, "AWS::ApiGateway::Resource") {
		props := r["Properties"].(map[string]any)
		parts[id] = props["PathPart"].(string)
		if ref, ok := props["ParentId"].(map[string]any)["Ref"].(string); ok {
			parents[id] = ref
		}
	}
	var pathOf func(id string) string
	pathOf = func(id string) string {
		if id == "" {
			return ""
		}
		return pathOf(parents[id]) + "/" + parts[id]
	}
	out := map[string]map[string]any{}
	for _, m := range cdktest.Resources(tpl, "AWS::ApiGateway::Method") {
		props := m["Properties"].(map[string]any)
		path := "/"
		if ref, ok := props["ResourceId"].(map[string]any)["Ref"].(string); ok {
			path = pathOf(ref)
		}
		out[props["HttpMethod"].(string)+" "+path] = props
	}
	return out
}

func TestAuthorizerProtectsAllButPublicPaths(t *testing.T) {
	methods := methodsByPath(t, "cors-auth")
	want := map[string]string{
		"ANY /":                 "NONE",
		"ANY /{proxy+}":         "CUSTOM",
		"OPTIONS /{proxy+}":     "NONE", // preflights reach the app without credentials
		"ANY /healthz":          "NONE",
		"ANY /healthz/{proxy+}": "NONE",
		"ANY /search":           "NONE",
		"ANY /search/{proxy+}":  "NONE",
	}
	if len(methods) != len(want) {
		t.Errorf("methods = %v, want %d", keys(methods), len(want))
	}
	for key, auth := range want {
		m, ok := methods[key]
		if !ok {
			t.Errorf("no method %s", key)
			continue
		}
		if m["AuthorizationType"] != auth {
			t.Errorf("%s authorization = %v, want %s", key, m["AuthorizationType"], auth)
		}
		if (auth == "CUSTOM") != (m["AuthorizerId"] != nil) {
			t.Errorf("%s authorizer id = %v", key, m["AuthorizerId"])
		}
		if m["ApiKeyRequired"] != true {
			t.Errorf("%s does not require CloudFront's origin key", key)
		}
	}
}

func TestCorsReachesTheFunction(t *testing.T) {
	tpl := config(t, "cors-auth").tpl
	var found string
	for _, r := range cdktest.Resources(tpl, "AWS::Lambda::Function") {
		props := r["Properties"].(map[string]any)
		if props["Runtime"] != "provided.al2023" {
			continue
		}
		env, _ := props["Environment"].(map[string]any)
		vars, _ := env["Variables"].(map[string]any)
		found, _ = vars["CORS_CONFIG"].(string)
	}
	var got struct {
		AllowOrigins     []string `json:"allowOrigins"`
		AllowHeaders     []string `json:"allowHeaders"`
		MaxAgeSeconds    int      `json:"maxAgeSeconds"`
		AllowCredentials bool     `json:"allowCredentials"`
	}
	if err := json.Unmarshal([]byte(found), &got); err != nil {
		t.Fatalf("CORS_CONFIG = %q: %v", found, err)
	}
	if strings.Join(got.AllowOrigins, " ") != "https://app.example.com https://admin.example.com" || !got.AllowCredentials || got.MaxAgeSeconds != 600 {
		t.Errorf("CORS_CONFIG = %+v, want both origins, credentials, 600 s", got)
	}
	if raw, _ := json.Marshal(config(t, "default").tpl.ToJSON()); strings.Contains(string(raw), "CORS_CONFIG") {
		t.Error("CORS_CONFIG is set without Cors: CORS must be off by default")
	}
}

func TestIamAuthorizationWithDirectAccess(t *testing.T) {
	methods := methodsByPath(t, "iam-direct")
	for key, auth := range map[string]string{"ANY /": "NONE", "ANY /{proxy+}": "AWS_IAM", "ANY /healthz": "NONE"} {
		if m := methods[key]; m == nil || m["AuthorizationType"] != auth || m["ApiKeyRequired"] != false {
			t.Errorf("%s = %v, want %s without an API key", key, m, auth)
		}
	}
}

func TestClientApiKeysPassThroughCloudFront(t *testing.T) {
	tpl := config(t, "client-keys").tpl
	dist := distributionConfig(t, tpl)
	origins := map[string]map[string]any{}
	for _, o := range dist["Origins"].([]any) {
		om := o.(map[string]any)
		origins[om["Id"].(string)] = om
	}
	def := origins[dist["DefaultCacheBehavior"].(map[string]any)["TargetOriginId"].(string)]
	if def["OriginCustomHeaders"] == nil {
		t.Error("the default behaviour's origin lost CloudFront's origin key")
	}
	seen := 0
	for _, b := range dist["CacheBehaviors"].([]any) {
		bm := b.(map[string]any)
		if p := bm["PathPattern"]; p != "/todos" && p != "/todos/*" {
			continue
		}
		seen++
		o := origins[bm["TargetOriginId"].(string)]
		if o["CustomOriginConfig"] == nil || o["OriginCustomHeaders"] != nil || o["OriginPath"] != "/v1" {
			t.Errorf("%s goes to %v, want the API (origin path /v1) without CloudFront's key", bm["PathPattern"], o)
		}
		if bm["OriginRequestPolicyId"] != allViewerExceptHostHeader || bm["CachePolicyId"] != cachingDisabled {
			t.Errorf("%s must forward the client's x-api-key and cache nothing: %v", bm["PathPattern"], bm)
		}
	}
	if seen != 2 {
		t.Errorf("found %d client key behaviours, want 2", seen)
	}
	cdktest.Has(t, tpl, "AWS::ApiGateway::UsagePlan", map[string]any{
		"Throttle": map[string]any{"RateLimit": 10, "BurstLimit": 20},
		"Quota":    map[string]any{"Limit": 1000, "Period": "DAY"},
	})
	// Preflights carry no key: OPTIONS must not require one, or CORS breaks.
	methods := methodsByPath(t, "client-keys")
	for _, key := range []string{"OPTIONS /", "OPTIONS /{proxy+}"} {
		if m := methods[key]; m == nil || m["ApiKeyRequired"] != false || m["AuthorizationType"] != "NONE" {
			t.Errorf("%s = %v, want a method without key or authorizer", key, m)
		}
	}
	for _, key := range []string{"ANY /", "ANY /{proxy+}"} {
		if m := methods[key]; m == nil || m["ApiKeyRequired"] != true {
			t.Errorf("%s = %v, want the key required", key, m)
		}
	}
	if config(t, "client-keys").sites[0].ClientUsagePlan == nil {
		t.Error("ClientUsagePlan is nil: a stack could not add its clients' keys")
	}
}
