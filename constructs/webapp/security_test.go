package webapp

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/tools/cdktest"
)

var dynamicSecretReference = regexp.MustCompile(`^\{\{resolve:secretsmanager:[^}]+\}\}$`)

// apiOrigin returns the distribution's API origin.
func apiOrigin(t *testing.T, tpl assertions.Template) map[string]any {
	t.Helper()
	_, _, api := originsByKind(t, distributionConfig(t, tpl))
	return api
}

// resolvedJoin flattens a rendered Fn::Join of literal parts and references
// into one string, references shown as <Ref:Id>, to compare its shape.
func resolvedJoin(v any) string {
	raw, _ := json.Marshal(v)
	var join struct {
		Join []json.RawMessage `json:"Fn::Join"`
	}
	if json.Unmarshal(raw, &join) != nil || len(join.Join) != 2 {
		s, _ := v.(string)
		return s
	}
	var parts []any
	_ = json.Unmarshal(join.Join[1], &parts)
	var b strings.Builder
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			b.WriteString(p)
		default:
			b.WriteString(fmt.Sprintf("<%v>", p))
		}
	}
	return b.String()
}

func TestDirectApiAccessNeedsCloudFrontsKey(t *testing.T) {
	tpl := config(t, "default").tpl
	methods := cdktest.Resources(tpl, "AWS::ApiGateway::Method")
	for id, m := range methods {
		if m["Properties"].(map[string]any)["ApiKeyRequired"] != true {
			t.Errorf("method %s does not require the origin key: execute-api is open", id)
		}
	}
	key := cdktest.Props(t, tpl, "AWS::ApiGateway::ApiKey")
	keyValue := resolvedJoin(key["Value"])
	if !dynamicSecretReference.MatchString(keyValue) {
		t.Errorf("API key value = %q, want a Secrets Manager dynamic reference, never a literal", keyValue)
	}
	var header map[string]any
	for _, h := range apiOrigin(t, tpl)["OriginCustomHeaders"].([]any) {
		if hm := h.(map[string]any); hm["HeaderName"] == "x-api-key" {
			header = hm
		}
	}
	if header == nil {
		t.Fatal("the API origin sends no x-api-key header: CloudFront would be refused too")
	}
	if got := resolvedJoin(header["HeaderValue"]); got != keyValue {
		t.Errorf("CloudFront sends %q, API Gateway expects %q", got, keyValue)
	}
	cdktest.Has(t, tpl, "AWS::SecretsManager::Secret", map[string]any{
		"GenerateSecretString": map[string]any{"ExcludePunctuation": true, "PasswordLength": 40},
	})
	cdktest.Has(t, tpl, "AWS::ApiGateway::UsagePlan", map[string]any{
		"ApiStages": []any{assertions.Match_ObjectLike(&map[string]any{"Stage": assertions.Match_AnyValue()})},
	})
	cdktest.Count(t, tpl, "AWS::ApiGateway::UsagePlanKey", 1)
}

func TestOriginSecretVersionPinsTheReference(t *testing.T) {
	tpl := config(t, "hardened").tpl
	value := resolvedJoin(cdktest.Props(t, tpl, "AWS::ApiGateway::ApiKey")["Value"])
	if !strings.HasSuffix(value, ":SecretString:::EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE}}") {
		t.Errorf("key value = %q, want the reference pinned to the version id", value)
	}
}

func TestAllowDirectApiAccessDropsTheKey(t *testing.T) {
	tpl := config(t, "two-sites").tpl
	cdktest.Count(t, tpl, "AWS::ApiGateway::ApiKey", 1) // Blog's only
	cdktest.CountMatching(t, tpl, "AWS::ApiGateway::Method", map[string]any{"ApiKeyRequired": false}, 2)
}

func TestSecurityHeadersOnEveryBehaviour(t *testing.T) {
	for name, csp := range map[string]string{"default": DefaultContentSecurityPolicy, "hardened": "default-src 'self'; img-src 'self' https://images.example.com"} {
		t.Run(name, func(t *testing.T) {
			tpl := config(t, name).tpl
			cdktest.Has(t, tpl, "AWS::CloudFront::ResponseHeadersPolicy", map[string]any{
				"ResponseHeadersPolicyConfig": assertions.Match_ObjectLike(&map[string]any{
					"SecurityHeadersConfig": map[string]any{
						"StrictTransportSecurity": map[string]any{"AccessControlMaxAgeSec": 63072000, "IncludeSubdomains": true, "Override": true},
						"ContentTypeOptions":      map[string]any{"Override": true},
						"FrameOptions":            map[string]any{"FrameOption": "DENY", "Override": true},
						"ReferrerPolicy":          map[string]any{"ReferrerPolicy": "strict-origin-when-cross-origin", "Override": true},
						"ContentSecurityPolicy":   map[string]any{"ContentSecurityPolicy": csp, "Override": true},
					},
				}),
			})
			dist := distributionConfig(t, tpl)
			behaviours := []any{dist["DefaultCacheBehavior"]}
			behaviours = append(behaviours, dist["CacheBehaviors"].([]any)...)
			for _, b := range behaviours {
				bm := b.(map[string]any)
				if bm["ResponseHeadersPolicyId"] == nil {
					t.Errorf("behaviour %v has no response headers policy", bm["PathPattern"])
				}
			}
		})
	}
}

func TestStageIsThrottledAndLogged(t *testing.T) {
	for name, limits := range map[string][2]float64{"default": {DefaultThrottleRateLimit, DefaultThrottleBurstLimit}, "hardened": {10, 20}} {
		t.Run(name, func(t *testing.T) {
			tpl := config(t, name).tpl
			stage := cdktest.Props(t, tpl, "AWS::ApiGateway::Stage")
			settings, _ := json.Marshal(stage["MethodSettings"])
			for _, want := range []string{
				fmt.Sprintf(`"ThrottlingRateLimit":%g`, limits[0]), fmt.Sprintf(`"ThrottlingBurstLimit":%g`, limits[1]),
				// The execution logs' level follows ApiCloudWatchRole
				// (TestApiCloudWatchRoleFollowsTheFeatureFlag); bodies never.
				`"DataTraceEnabled":false`, `"HttpMethod":"*"`, `"ResourcePath":"/*"`,
			} {
				if !strings.Contains(string(settings), want) {
					t.Errorf("stage method settings %s lack %s", settings, want)
				}
			}
			als, _ := stage["AccessLogSetting"].(map[string]any)
			if als["DestinationArn"] == nil || !strings.Contains(fmt.Sprint(als["Format"]), "requestId") {
				t.Errorf("access log setting = %v, want a log group and the JSON standard fields", als)
			}
		})
	}
}

func TestFunctionRoleOnlyWritesItsLogs(t *testing.T) {
	tpl := config(t, "default").tpl
	for id, r := range cdktest.Resources(tpl, "AWS::IAM::Role") {
		props := r["Properties"].(map[string]any)
		if strings.Contains(id, "FunctionRole") && props["ManagedPolicyArns"] != nil {
			t.Errorf("function role %s has managed policies %v, want none", id, props["ManagedPolicyArns"])
		}
	}
	for _, r := range cdktest.Resources(tpl, "AWS::IAM::Policy") {
		doc, _ := json.Marshal(r["Properties"].(map[string]any)["PolicyDocument"])
		if strings.Contains(string(doc), "logs:CreateLogStream") && strings.Contains(string(doc), `"Resource":"*"`) {
			t.Errorf("a policy writes logs anywhere: %s", doc)
		}
	}
	cdktest.Has(t, tpl, "AWS::IAM::Policy", map[string]any{
		"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
			"Action": []any{"logs:CreateLogStream", "logs:PutLogEvents"}, "Effect": "Allow",
			"Resource": map[string]any{"Fn::GetAtt": assertions.Match_ArrayWith(&[]any{"Arn"})},
		}}},
	})
	// The function's, the API's access logs and the static expiry's.
	cdktest.CountMatching(t, tpl, "AWS::Logs::LogGroup", map[string]any{"RetentionInDays": 30}, 3)
}

func TestHardeningOptions(t *testing.T) {
	tpl := config(t, "hardened").tpl
	dist := distributionConfig(t, tpl)
	if dist["WebACLId"] == nil {
		t.Error("WebAclArn did not reach the distribution")
	}
	if logging, _ := dist["Logging"].(map[string]any); logging["Bucket"] == nil {
		t.Errorf("distribution logging = %v, want the log bucket", dist["Logging"])
	}
	cdktest.Has(t, tpl, "AWS::S3::Bucket", map[string]any{
		"OwnershipControls":              map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerPreferred"}}},
		"PublicAccessBlockConfiguration": map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
	})
	cdktest.Has(t, tpl, "AWS::S3::Bucket", map[string]any{
		"LoggingConfiguration": map[string]any{"LogFilePrefix": "s3/static/"},
	})
	cdktest.Has(t, tpl, "AWS::Lambda::Function", map[string]any{
		"Runtime": "provided.al2023", "TracingConfig": map[string]any{"Mode": "Active"}, "ReservedConcurrentExecutions": 20,
	})
	cdktest.Has(t, tpl, "AWS::ApiGateway::Stage", map[string]any{"TracingEnabled": true})
}

// suppressedRules returns the cdk-nag rule ids suppressed on resources of typ.
func suppressedRules(tpl assertions.Template, typ string) map[string]string {
	rules := map[string]string{}
	for _, r := range cdktest.Resources(tpl, typ) {
		meta, _ := r["Metadata"].(map[string]any)
		nag, _ := meta["cdk_nag"].(map[string]any)
		list, _ := nag["rules_to_suppress"].([]any)
		for _, s := range list {
			sm := s.(map[string]any)
			rules[fmt.Sprint(sm["id"])] = fmt.Sprint(sm["reason"])
		}
	}
	return rules
}

func TestSuppressionsAreScopedAndGoAwayWithTheFeature(t *testing.T) {
	def := suppressedRules(config(t, "default").tpl, "AWS::CloudFront::Distribution")
	for _, id := range []string{"AwsSolutions-CFR1", "AwsSolutions-CFR2", "AwsSolutions-CFR3", "AwsSolutions-CFR4", "AwsSolutions-CFR7"} {
		if len(def[id]) < 40 {
			t.Errorf("default: %s suppression missing or without a real reason: %q", id, def[id])
		}
	}
	if _, ok := suppressedRules(config(t, "custom-stage").tpl, "AWS::CloudFront::Distribution")["AwsSolutions-CFR7"]; ok {
		t.Error("with OriginAccessControl the OAI suppression (CFR7) must disappear")
	}
	hardened := suppressedRules(config(t, "hardened").tpl, "AWS::CloudFront::Distribution")
	for _, id := range []string{"AwsSolutions-CFR2", "AwsSolutions-CFR3"} {
		if _, ok := hardened[id]; ok {
			t.Errorf("with WebAclArn and AccessLogging the %s suppression must disappear", id)
		}
	}
	if _, ok := suppressedRules(config(t, "domain-us-east-1").tpl, "AWS::CloudFront::Distribution")["AwsSolutions-CFR4"]; ok {
		t.Error("with a custom domain the TLS suppression (CFR4) must disappear")
	}
}

func TestNoSecretLiteralInTemplates(t *testing.T) {
	for _, name := range allConfigs {
		raw, _ := json.Marshal(config(t, name).tpl.ToJSON())
		// A generated key is 40 letters and digits; none may appear as a
		// literal value. Property names (followed by ':') may be that long:
		// ParametersInCacheKeyAndForwardedToOrigin is.
		if m := regexp.MustCompile(`"[A-Za-z0-9]{40}"[^:]`).Find(raw); m != nil {
			t.Errorf("%s: template holds a 40-character literal that looks like a key: %s", name, m)
		}
	}
}

func TestRedundantRoleDependsOnIsGone(t *testing.T) {
	// destroy adds the auto-delete provider, whose function is a plain CfnResource.
	for _, s := range []*synthesized{config(t, "default"), boundaryConfig(t, "destroy")} {
		checkNoRoleDependsOn(t, s.tpl)
	}
}

func checkNoRoleDependsOn(t *testing.T, tpl assertions.Template) {
	t.Helper()
	for id, r := range cdktest.Resources(tpl, "AWS::Lambda::Function") {
		deps, _ := json.Marshal(r["DependsOn"])
		role, _ := json.Marshal(r["Properties"].(map[string]any)["Role"])
		var getAtt struct {
			GetAtt []string `json:"Fn::GetAtt"`
		}
		_ = json.Unmarshal(role, &getAtt)
		if len(getAtt.GetAtt) > 0 && strings.Contains(string(deps), `"`+getAtt.GetAtt[0]+`"`) {
			t.Errorf("function %s still DependsOn its role %s (W3005)", id, getAtt.GetAtt[0])
		}
	}
}

// TestConstructDoesNotLinkCdkNag holds the library boundary: the suppressions
// are metadata that cdk-nag reads, so an importer that does not run cdk-nag
// does not depend on it.
func TestConstructDoesNotLinkCdkNag(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.Contains(pkg, "cdk-nag") {
			t.Errorf("the construct package depends on %s; write suppressions as cdk_nag metadata instead", pkg)
		}
	}
}

// TestSuppressionsMergeAsCdkNagDoes checks the metadata that replaces
// NagSuppressions.addResourceSuppressions: existing entries stay, a rule is
// added once, applyToChildren reaches every CfnResource below, and a reason
// beyond Latin-1 is encoded the way cdk-nag decodes it.
func TestSuppressionsMergeAsCdkNagDoes(t *testing.T) {
	stack := awscdk.NewStack(cdktest.NewApp(t, nil), jsii.String("Test"), nil)
	parent := constructs.NewConstruct(stack, jsii.String("Parent"))
	topic := awssns.NewTopic(parent, jsii.String("Topic"), nil)
	queue := awssqs.NewQueue(parent, jsii.String("Queue"), nil)
	suppress(topic, false, [2]string{"AwsSolutions-SNS2", "first reason, long enough"})
	suppress(topic, false, [2]string{"AwsSolutions-SNS2", "first reason, long enough"}, [2]string{"AwsSolutions-SNS3", "second reason, long enough"})
	suppress(parent, true, [2]string{"AwsSolutions-SQS3", "a reason — with a dash"})

	rules := func(c constructs.IConstruct) []any {
		res := c.Node().DefaultChild().(awscdk.CfnResource)
		m, _ := res.GetMetadata(jsii.String("cdk_nag")).(map[string]any)
		list, _ := m["rules_to_suppress"].([]any)
		return list
	}
	got, _ := json.Marshal(rules(topic))
	encoded := base64.StdEncoding.EncodeToString([]byte("a reason — with a dash"))
	want := `[{"id":"AwsSolutions-SNS2","reason":"first reason, long enough"},{"id":"AwsSolutions-SNS3","reason":"second reason, long enough"},{"id":"AwsSolutions-SQS3","is_reason_encoded":true,"reason":"` + encoded + `"}]`
	if string(got) != want {
		t.Errorf("topic's cdk_nag rules = %s, want %s", got, want)
	}
	if got, _ := json.Marshal(rules(queue)); !strings.Contains(string(got), `"AwsSolutions-SQS3"`) || len(rules(queue)) != 1 {
		t.Errorf("applyToChildren: queue's rules = %s, want the one SQS3 rule", got)
	}
}

// TestApiCloudWatchRoleFollowsTheFeatureFlag: without ApiCloudWatchRole the
// construct does what CDK's RestApi does under the app's flag
// @aws-cdk/aws-apigateway:disableCloudWatchRole, and execution logging
// (which API Gateway refuses without the account's role) follows the role
// unless ApiExecutionLogging says otherwise.
func TestApiCloudWatchRoleFollowsTheFeatureFlag(t *testing.T) {
	flagOn := map[string]any{disableCloudWatchRoleFlag: true}
	flagOff := map[string]any{disableCloudWatchRoleFlag: false}
	tests := []struct {
		name             string
		context          map[string]any // nil: CDK's defaults
		role, logging    *bool
		wantRole         bool
		wantLoggingLevel string
	}{
		{"flag true: no role, no execution logs", flagOn, nil, nil, false, "OFF"},
		{"CDK's default flags: role and execution logs", nil, nil, nil, true, "ERROR"},
		{"flag false: role and execution logs", flagOff, nil, nil, true, "ERROR"},
		{"flag true, role asked for", flagOn, new(true), nil, true, "ERROR"},
		{"flag false, role refused", flagOff, new(false), nil, false, "OFF"},
		{"no role, the account has one", flagOn, nil, new(true), false, "ERROR"},
		{"role without execution logs", flagOff, nil, new(false), true, "OFF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := cdktest.NewDefaultFlagsApp(t, tt.context)
			stack := newTestStack(app)
			p := baseProps()
			p.ApiCloudWatchRole, p.ApiExecutionLogging = tt.role, tt.logging
			NewWebApp(stack, "Site", &p)
			tpl := assertions.Template_FromStack(stack, nil)
			n := 0
			if tt.wantRole {
				n = 1
			}
			cdktest.Count(t, tpl, "AWS::ApiGateway::Account", n)
			cdktest.CountMatching(t, tpl, "AWS::IAM::Role", map[string]any{
				"ManagedPolicyArns": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
					"Fn::Join": assertions.Match_ArrayWith(&[]any{assertions.Match_ArrayWith(&[]any{
						assertions.Match_StringLikeRegexp(jsii.String("AmazonAPIGatewayPushToCloudWatchLogs")),
					})}),
				})}),
			}, n)
			stage := cdktest.Props(t, tpl, "AWS::ApiGateway::Stage")
			settings, _ := stage["MethodSettings"].([]any)
			if len(settings) != 1 || settings[0].(map[string]any)["LoggingLevel"] != tt.wantLoggingLevel {
				t.Errorf("stage MethodSettings = %v, want LoggingLevel %s", stage["MethodSettings"], tt.wantLoggingLevel)
			}
			if stage["AccessLogSetting"] == nil {
				t.Error("the access logs must be on whatever the execution logs")
			}
			if tt.wantRole {
				cdktest.Try(t, "the account setting is kept on delete", func() {
					tpl.HasResource(jsii.String("AWS::ApiGateway::Account"), map[string]any{"DeletionPolicy": "Retain"})
				})
			}
		})
	}
}

// TestOutputsCanBeTurnedOff: the four outputs by default, each described,
// and none of the REST API's own; none with Outputs false.
func TestOutputsCanBeTurnedOff(t *testing.T) {
	outputs := cdktest.Outputs(config(t, "default").tpl)
	if len(outputs) != 4 {
		t.Errorf("default: %d outputs, want SiteUrl, DistributionId, ApiUrl, StaticBucketName: %v", len(outputs), outputs)
	}
	for id, o := range outputs {
		if o["Description"] == nil {
			t.Errorf("output %s has no description (the REST API's own Endpoint output must be gone)", id)
		}
	}
	stack := newTestStack(cdktest.NewApp(t, nil))
	p := baseProps()
	p.Outputs = new(false)
	NewWebApp(stack, "Site", &p)
	if got := cdktest.Outputs(assertions.Template_FromStack(stack, nil)); len(got) != 0 {
		t.Errorf("Outputs false: outputs %v, want none", got)
	}
}
