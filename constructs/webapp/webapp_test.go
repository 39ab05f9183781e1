package webapp

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/tools/cdktest"
)

// Managed CloudFront policy ids, published by AWS and fixed across accounts.
const (
	cachingDisabled           = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	cachingOptimized          = "658327ea-f89d-4fab-a63d-7e88639e58f6"
	allViewerExceptHostHeader = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

const (
	functionDir = "testdata/function"
	staticDir   = "testdata/static"
)

func baseProps() Props {
	return Props{FunctionDir: functionDir, StaticDir: staticDir}
}

// synthesized is one configuration, synthesized once per test binary.
type synthesized struct {
	tpl   assertions.Template
	stack awscdk.Stack
	// certStack is the us-east-1 certificate stack, if any.
	certStack awscdk.Stack
	sites     []*WebApp
	// certTpl is the template of the us-east-1 certificate stack, if any.
	certTpl assertions.Template
	// teamRole is the role given to the site, if any.
	teamRole awsiam.Role
}

var cache = map[string]*synthesized{}

// config synthesizes a named configuration once, whichever test asks first.
func config(t *testing.T, name string) *synthesized {
	t.Helper()
	if s, ok := cache[name]; ok {
		return s
	}
	app := cdktest.NewApp(t, nil)
	s := &synthesized{}
	env := func(region string) *awscdk.Environment {
		return &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String(region)}
	}
	newStack := func(region string, crossRegion bool) awscdk.Stack {
		return awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{Env: env(region), CrossRegionReferences: jsii.Bool(crossRegion)})
	}
	zone := func(stack awscdk.Stack) awsroute53.IHostedZone {
		return awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
			HostedZoneId: jsii.String("Z0123456789ABCDEFGHIJ"), ZoneName: jsii.String("example.com"),
		})
	}
	var stack awscdk.Stack
	switch name {
	case "default":
		stack = newStack("ap-northeast-1", false)
		s.sites = append(s.sites, NewWebApp(stack, "Site", &Props{FunctionDir: functionDir, StaticDir: staticDir}))
	case "domain-us-east-1":
		stack = newStack("us-east-1", false)
		p := baseProps()
		p.DomainName, p.HostedZone = "www.example.com", zone(stack)
		s.sites = append(s.sites, NewWebApp(stack, "Site", &p))
	case "domain-other-region":
		stack = newStack("ap-northeast-1", true)
		p := baseProps()
		p.DomainName, p.HostedZone = "www.example.com", zone(stack)
		cert := NewCertificateStack(app, "TestCertificate", &CertificateStackProps{
			StackProps: awscdk.StackProps{Env: env("us-east-1")}, DomainName: p.DomainName, HostedZone: p.HostedZone,
		})
		p.Certificate = cert.Certificate
		s.sites = append(s.sites, NewWebApp(stack, "Site", &p))
		s.certTpl = assertions.Template_FromStack(cert.Stack, nil)
		s.certStack = cert.Stack
	case "custom-stage":
		stack = newStack("eu-west-1", false)
		p := baseProps()
		p.Stage, p.StaticPaths, p.StaticOriginAccess = "prod_2", []string{"/assets/*", "/robots.txt"}, OriginAccessControl
		p.FunctionMemorySize, p.FunctionTimeout = 512, awscdk.Duration_Seconds(jsii.Number(20))
		p.FunctionEnvironment = map[string]string{"LOG_LEVEL": "debug"}
		s.sites = append(s.sites, NewWebApp(stack, "Site", &p))
	case "two-sites":
		stack = newStack("ap-northeast-1", false)
		s.sites = append(s.sites, NewWebApp(stack, "Blog", &Props{FunctionDir: functionDir, StaticDir: staticDir}))
		s.sites = append(s.sites, NewWebApp(stack, "Shop", &Props{FunctionDir: functionDir, StaticDir: staticDir, Stage: "shop", AllowDirectApiAccess: true,
			FunctionReservedConcurrency: new(UnreservedConcurrency)}))
	case "cors-auth":
		stack = newStack("us-east-1", false)
		owned := constructs.NewConstruct(stack, jsii.String("UserOwned"))
		authFn := awslambda.NewFunction(owned, jsii.String("AuthorizerFunction"), &awslambda.FunctionProps{
			Runtime: awslambda.Runtime_NODEJS_22_X(), Handler: jsii.String("index.handler"),
			Code: awslambda.Code_FromInline(jsii.String("exports.handler = async () => ({principalId: 'x'});")),
		})
		p := baseProps()
		p.Cors = &CorsOptions{AllowOrigins: []string{"https://app.example.com", "https://admin.example.com"}, AllowCredentials: true,
			AllowHeaders: []string{"Content-Type", "Authorization"}, MaxAge: awscdk.Duration_Minutes(jsii.Number(10))}
		// The authorizer is the user's, not the construct's: its findings are theirs.
		suppress(owned, true, [2]string{"AwsSolutions-IAM4", "test fixture: a user's authorizer"}, [2]string{"AwsSolutions-L1", "test fixture: a user's authorizer"})
		p.Authorizer = awsapigateway.NewTokenAuthorizer(owned, jsii.String("Authorizer"), &awsapigateway.TokenAuthorizerProps{Handler: authFn})
		p.PublicPaths = []string{"/", "/healthz", "/search/"}
		s.sites = append(s.sites, NewWebApp(stack, "Site", &p))
	case "client-keys":
		stack = newStack("us-east-1", false)
		p := baseProps()
		p.ClientApiKeyPaths, p.ClientApiKeyQuota = []string{"/todos", "/todos/*"}, 1000
		p.Cors = &CorsOptions{AllowOrigins: []string{"https://app.example.com"}}
		s.sites = append(s.sites, NewWebApp(stack, "Site", &p))
	case "iam-direct":
		stack = newStack("us-east-1", false)
		p := baseProps()
		p.IamAuthorization, p.AllowDirectApiAccess, p.PublicPaths = true, true, []string{"/", "/healthz"}
		s.sites = append(s.sites, NewWebApp(stack, "Site", &p))
	case "hardened":
		stack = newStack("us-east-1", false)
		p := baseProps()
		p.AccessLogging, p.Tracing, p.FunctionReservedConcurrency = true, true, new(20)
		p.PriceClass = awscloudfront.PriceClass_PRICE_CLASS_100
		p.WebAclArn = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/site/0f0e0d0c-0b0a-0908-0706-050403020100"
		p.ApiThrottleRateLimit, p.ApiThrottleBurstLimit = 10, 20
		p.OriginSecretVersionId = "EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE"
		p.ContentSecurityPolicy = new("default-src 'self'; img-src 'self' https://images.example.com")
		s.sites = append(s.sites, NewWebApp(stack, "Site", &p))
	case "team-role":
		// What a team brings: its own role and prebuilt code.
		stack = newStack("us-east-1", false)
		s.teamRole = awsiam.NewRole(stack, jsii.String("TeamRole"), &awsiam.RoleProps{
			AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		})
		p := baseProps()
		p.FunctionDir, p.Code, p.Role = "", bucketCode(stack), s.teamRole
		s.sites = append(s.sites, NewWebApp(stack, "Site", &p))
	case "build-options":
		// The same package built with and without options, and a kill switch.
		stack = newStack("us-east-1", false)
		p := baseProps()
		p.FunctionDir = "testdata/version"
		p.FunctionReservedConcurrency = new(0)
		p.ContentSecurityPolicy = new("")
		s.sites = append(s.sites, NewWebApp(stack, "Untagged", &p))
		p.FunctionBuild = &GoBuildOptions{
			Tags:        []string{"webapptest"},
			LdflagsX:    map[string]string{"main.version": versionMarker},
			Flags:       []string{"-mod=mod"},
			Environment: map[string]string{"GOPRIVATE": "example.com/*"},
		}
		p.Stage = "built"
		s.sites = append(s.sites, NewWebApp(stack, "Tagged", &p))
	case "rollout":
		stack = newStack("eu-west-1", false)
		p := baseProps()
		p.FunctionReservedConcurrency, p.FunctionProvisionedConcurrency = new(20), 2
		p.Rollout = &RolloutOptions{Type: RolloutCanary, Percentage: 10, Interval: awscdk.Duration_Minutes(jsii.Number(5))}
		p.Alarms = &AlarmOptions{Email: "oncall@example.com", FunctionErrors: new(2.0), ApiLatency: awscdk.Duration_Millis(jsii.Number(1500))}
		s.sites = append(s.sites, NewWebApp(stack, "Site", &p))
		linear := baseProps()
		linear.Alarms = &AlarmOptions{Off: alarmNames()}
		linear.Dashboard = new(false)
		linear.Stage = "linear"
		linear.Rollout = &RolloutOptions{Type: RolloutLinear, Percentage: 20, Interval: awscdk.Duration_Minutes(jsii.Number(2))}
		s.sites = append(s.sites, NewWebApp(stack, "Linear", &linear))
	case "several-names":
		stack = newStack("us-east-1", false)
		s.sites = append(s.sites, NewWebApp(stack, "Site", severalNamesProps(stack)))
	default:
		t.Fatalf("unknown configuration %q", name)
	}
	s.tpl = assertions.Template_FromStack(stack, nil)
	s.stack = stack
	cache[name] = s
	return s
}

var allConfigs = []string{"default", "domain-us-east-1", "domain-other-region", "custom-stage", "two-sites", "hardened", "cors-auth", "client-keys", "iam-direct", "team-role", "build-options", "rollout", "several-names"}

func TestFunctionIsGoOnGraviton(t *testing.T) {
	for _, name := range allConfigs {
		t.Run(name, func(t *testing.T) {
			s := config(t, name)
			cdktest.CountMatching(t, s.tpl, "AWS::Lambda::Function", map[string]any{
				"Runtime":       "provided.al2023",
				"Architectures": []any{"arm64"},
				"Handler":       "bootstrap",
				"LoggingConfig": map[string]any{"LogFormat": "JSON"},
			}, len(s.sites))
		})
	}
}

func TestFunctionDefaultsAndOverrides(t *testing.T) {
	cdktest.Has(t, config(t, "default").tpl, "AWS::Lambda::Function", map[string]any{
		"MemorySize": DefaultMemorySize, "Timeout": DefaultTimeoutSeconds,
	})
	cdktest.Has(t, config(t, "custom-stage").tpl, "AWS::Lambda::Function", map[string]any{
		"MemorySize": 512, "Timeout": 20,
		"Environment": map[string]any{"Variables": map[string]any{"LOG_LEVEL": "debug"}},
	})
}

func TestApiIsRegionalProxyWithNamedStage(t *testing.T) {
	tests := map[string]string{"default": "v1", "custom-stage": "prod_2", "domain-us-east-1": "v1"}
	for name, stage := range tests {
		t.Run(name, func(t *testing.T) {
			tpl := config(t, name).tpl
			cdktest.Has(t, tpl, "AWS::ApiGateway::RestApi", map[string]any{
				"EndpointConfiguration": map[string]any{"Types": []any{"REGIONAL"}},
				"BinaryMediaTypes":      assertions.Match_ArrayWith(&[]any{"multipart/form-data", "*/*"}),
			})
			cdktest.Has(t, tpl, "AWS::ApiGateway::Stage", map[string]any{"StageName": stage})
			// ANY on / and on /{proxy+}: every method and path reaches the function.
			cdktest.Count(t, tpl, "AWS::ApiGateway::Method", 2)
			cdktest.Has(t, tpl, "AWS::ApiGateway::Resource", map[string]any{"PathPart": "{proxy+}"})
			cdktest.Has(t, tpl, "AWS::ApiGateway::Method", map[string]any{
				"HttpMethod":  "ANY",
				"Integration": map[string]any{"Type": "AWS_PROXY"},
			})
		})
	}
}

func TestStaticBucketIsPrivateEncryptedAndRetained(t *testing.T) {
	tpl := config(t, "default").tpl
	cdktest.Has(t, tpl, "AWS::S3::Bucket", map[string]any{
		"PublicAccessBlockConfiguration": map[string]any{
			"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
		},
		"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{
			map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}},
		}},
		"OwnershipControls": map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}},
	})
	cdktest.Try(t, "bucket retained", func() {
		tpl.HasResource(jsii.String("AWS::S3::Bucket"), map[string]any{"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})
	})
	cdktest.Has(t, tpl, "AWS::S3::BucketPolicy", map[string]any{
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Effect": "Deny", "Action": "s3:*",
			"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
		})})},
	})
}

// bucketPolicyStatements returns the Allow statements of the only bucket policy.
func bucketPolicyAllows(t *testing.T, tpl assertions.Template) []map[string]any {
	t.Helper()
	doc := cdktest.Props(t, tpl, "AWS::S3::BucketPolicy")["PolicyDocument"].(map[string]any)
	var allows []map[string]any
	for _, st := range doc["Statement"].([]any) {
		if m := st.(map[string]any); m["Effect"] == "Allow" {
			allows = append(allows, m)
		}
	}
	return allows
}

func TestOriginAccessIdentityMayOnlyGetObjects(t *testing.T) {
	tpl := config(t, "default").tpl
	cdktest.Count(t, tpl, "AWS::CloudFront::CloudFrontOriginAccessIdentity", 1)
	cdktest.Count(t, tpl, "AWS::CloudFront::OriginAccessControl", 0)
	allows := bucketPolicyAllows(t, tpl)
	if len(allows) != 1 {
		t.Fatalf("bucket policy has %d Allow statements, want 1 (the OAI's): %v", len(allows), allows)
	}
	if got := allows[0]["Action"]; got != "s3:GetObject" {
		t.Errorf("OAI is allowed %v, want s3:GetObject only (no List, no Put)", got)
	}
	if p, _ := json.Marshal(allows[0]["Principal"]); !strings.Contains(string(p), "CanonicalUser") {
		t.Errorf("OAI statement principal = %s, want the OAI's CanonicalUser", p)
	}
}

func TestOriginAccessControlReplacesIdentity(t *testing.T) {
	tpl := config(t, "custom-stage").tpl
	cdktest.Count(t, tpl, "AWS::CloudFront::OriginAccessControl", 1)
	cdktest.Count(t, tpl, "AWS::CloudFront::CloudFrontOriginAccessIdentity", 0)
	allows := bucketPolicyAllows(t, tpl)
	if len(allows) != 1 || allows[0]["Action"] != "s3:GetObject" {
		t.Fatalf("bucket policy allows %v, want one s3:GetObject statement", allows)
	}
	if p, _ := json.Marshal(allows[0]["Principal"]); !strings.Contains(string(p), "cloudfront.amazonaws.com") {
		t.Errorf("OAC statement principal = %s, want the CloudFront service", p)
	}
	if c, _ := json.Marshal(allows[0]["Condition"]); !strings.Contains(string(c), "AWS:SourceArn") {
		t.Errorf("OAC statement has no AWS:SourceArn condition: any distribution could read the bucket: %s", c)
	}
	// Never both on one origin.
	dist := distributionConfig(t, tpl)
	for _, o := range dist["Origins"].([]any) {
		om := o.(map[string]any)
		if om["OriginAccessControlId"] != nil {
			if s3, ok := om["S3OriginConfig"].(map[string]any); ok && s3["OriginAccessIdentity"] != "" && s3["OriginAccessIdentity"] != nil {
				t.Errorf("origin %v has both an OAC and an OAI", om["Id"])
			}
		}
	}
}

func distributionConfig(t *testing.T, tpl assertions.Template) map[string]any {
	t.Helper()
	return cdktest.Props(t, tpl, "AWS::CloudFront::Distribution")["DistributionConfig"].(map[string]any)
}

// originsByKind returns the distribution's origin ids: the S3 one and the API one.
func originsByKind(t *testing.T, dist map[string]any) (s3ID, apiID string, api map[string]any) {
	t.Helper()
	for _, o := range dist["Origins"].([]any) {
		om := o.(map[string]any)
		switch {
		case om["S3OriginConfig"] != nil:
			s3ID = om["Id"].(string)
		case om["CustomOriginConfig"] != nil:
			apiID, api = om["Id"].(string), om
		}
	}
	if s3ID == "" || apiID == "" {
		t.Fatalf("distribution origins = %v, want one S3 and one API origin", dist["Origins"])
	}
	return s3ID, apiID, api
}

func TestDefaultBehaviorGoesToApiStage(t *testing.T) {
	tests := map[string]string{"default": "/v1", "custom-stage": "/prod_2", "domain-other-region": "/v1"}
	for name, originPath := range tests {
		t.Run(name, func(t *testing.T) {
			dist := distributionConfig(t, config(t, name).tpl)
			_, apiID, api := originsByKind(t, dist)
			if got := api["OriginPath"]; got != originPath {
				t.Errorf("API origin path = %v, want %q (the site must live at the root)", got, originPath)
			}
			if cfg := api["CustomOriginConfig"].(map[string]any); cfg["OriginProtocolPolicy"] != "https-only" {
				t.Errorf("API origin protocol = %v, want https-only", cfg["OriginProtocolPolicy"])
			}
			def := dist["DefaultCacheBehavior"].(map[string]any)
			want := map[string]any{
				"TargetOriginId":        apiID,
				"ViewerProtocolPolicy":  "redirect-to-https",
				"OriginRequestPolicyId": allViewerExceptHostHeader,
				"Compress":              true,
			}
			for k, v := range want {
				if def[k] != v {
					t.Errorf("default behaviour %s = %v, want %v", k, def[k], v)
				}
			}
			s := config(t, name)
			if got, want := fmt.Sprint(def["CachePolicyId"]), fmt.Sprint(map[string]any{"Ref": logicalID(s, s.sites[0].AppCachePolicy)}); got != want {
				t.Errorf("default behaviour CachePolicyId = %s, want the site's AppCachePolicy %s", got, want)
			}
			if got, _ := json.Marshal(def["AllowedMethods"]); string(got) != `["GET","HEAD","OPTIONS","PUT","PATCH","POST","DELETE"]` {
				t.Errorf("default behaviour allows %s, want every method", got)
			}
			fas, _ := def["FunctionAssociations"].([]any)
			if len(fas) != 1 || fas[0].(map[string]any)["EventType"] != "viewer-request" {
				t.Errorf("default behaviour functions = %v, want one viewer-request function", fas)
			}
			if _, ok := dist["DefaultRootObject"]; ok {
				t.Errorf("DefaultRootObject = %v, want none: the app serves /", dist["DefaultRootObject"])
			}
			if dist["HttpVersion"] != "http2and3" {
				t.Errorf("HttpVersion = %v, want http2and3", dist["HttpVersion"])
			}
		})
	}
}

func TestStaticPathsGoToBucket(t *testing.T) {
	tests := map[string][]string{
		"default":      {"/css/*", "/js/*", "/images/*", "/favicon.ico"},
		"custom-stage": {"/assets/*", "/robots.txt"},
	}
	for name, paths := range tests {
		t.Run(name, func(t *testing.T) {
			dist := distributionConfig(t, config(t, name).tpl)
			s3ID, _, _ := originsByKind(t, dist)
			got := map[string]map[string]any{}
			for _, b := range dist["CacheBehaviors"].([]any) {
				bm := b.(map[string]any)
				got[bm["PathPattern"].(string)] = bm
			}
			if len(got) != len(paths) {
				t.Errorf("cache behaviours = %d, want %d (%v)", len(got), len(paths), paths)
			}
			for _, p := range paths {
				b, ok := got[p]
				if !ok {
					t.Errorf("no behaviour for %s", p)
					continue
				}
				if b["TargetOriginId"] != s3ID || b["CachePolicyId"] != cachingOptimized || b["ViewerProtocolPolicy"] != "redirect-to-https" {
					t.Errorf("behaviour %s = origin %v, cache %v, viewer %v; want the bucket, CachingOptimized, redirect-to-https",
						p, b["TargetOriginId"], b["CachePolicyId"], b["ViewerProtocolPolicy"])
				}
			}
		})
	}
}

func TestViewerRequestFunctionForwardsHost(t *testing.T) {
	props := cdktest.Props(t, config(t, "default").tpl, "AWS::CloudFront::Function")
	cfg := props["FunctionConfig"].(map[string]any)
	if cfg["Runtime"] != "cloudfront-js-2.0" {
		t.Errorf("runtime = %v, want cloudfront-js-2.0", cfg["Runtime"])
	}
	code, _ := props["FunctionCode"].(string)
	if !strings.Contains(code, "x-forwarded-host") || !strings.Contains(code, "headers.host") {
		t.Errorf("function code does not copy Host into X-Forwarded-Host:\n%s", code)
	}
}

func TestStaticFilesAreDeployedAndInvalidated(t *testing.T) {
	tpl := config(t, "default").tpl
	cdktest.Has(t, tpl, "Custom::CDKBucketDeployment", map[string]any{
		"DistributionPaths": []any{"/css/*", "/js/*", "/images/*", "/favicon.ico"},
		"Prune":             false,
	})
}

func TestWithoutDomainServesOnDistributionDomain(t *testing.T) {
	s := config(t, "default")
	dist := distributionConfig(t, s.tpl)
	for _, k := range []string{"Aliases", "ViewerCertificate"} {
		if dist[k] != nil {
			t.Errorf("%s = %v, want none without a domain", k, dist[k])
		}
	}
	cdktest.Count(t, s.tpl, "AWS::CertificateManager::Certificate", 0)
	cdktest.Count(t, s.tpl, "AWS::Route53::RecordSet", 0)
	if s.sites[0].Certificate != nil {
		t.Error("Certificate field is set without a domain")
	}
}

func assertDomain(t *testing.T, tpl assertions.Template) {
	t.Helper()
	dist := distributionConfig(t, tpl)
	if got, _ := json.Marshal(dist["Aliases"]); string(got) != `["www.example.com"]` {
		t.Errorf("Aliases = %s, want [www.example.com]", got)
	}
	vc, _ := dist["ViewerCertificate"].(map[string]any)
	if vc["MinimumProtocolVersion"] != "TLSv1.2_2021" || vc["SslSupportMethod"] != "sni-only" || vc["AcmCertificateArn"] == nil {
		t.Errorf("ViewerCertificate = %v, want an ACM certificate, TLSv1.2_2021, sni-only", vc)
	}
	for _, typ := range []string{"A", "AAAA"} {
		cdktest.Has(t, tpl, "AWS::Route53::RecordSet", map[string]any{
			"Name": "www.example.com.", "Type": typ, "HostedZoneId": "Z0123456789ABCDEFGHIJ",
			"AliasTarget": map[string]any{"DNSName": map[string]any{"Fn::GetAtt": assertions.Match_ArrayWith(&[]any{"DomainName"})}},
		})
	}
}

func assertCertificate(t *testing.T, tpl assertions.Template) {
	t.Helper()
	cdktest.Has(t, tpl, "AWS::CertificateManager::Certificate", map[string]any{
		"DomainName":       "www.example.com",
		"ValidationMethod": "DNS",
		"DomainValidationOptions": []any{map[string]any{
			"DomainName": "www.example.com", "HostedZoneId": "Z0123456789ABCDEFGHIJ",
		}},
	})
}

func TestDomainInUsEast1CreatesCertificateInStack(t *testing.T) {
	s := config(t, "domain-us-east-1")
	assertDomain(t, s.tpl)
	assertCertificate(t, s.tpl)
	if s.sites[0].Certificate == nil {
		t.Error("Certificate field is nil with a domain")
	}
}

func TestDomainInOtherRegionUsesUsEast1CertificateStack(t *testing.T) {
	s := config(t, "domain-other-region")
	assertDomain(t, s.tpl)
	cdktest.Count(t, s.tpl, "AWS::CertificateManager::Certificate", 0)
	assertCertificate(t, s.certTpl)
	// The ARN is read from the us-east-1 stack's output at deploy time.
	arn, _ := json.Marshal(distributionConfig(t, s.tpl)["ViewerCertificate"].(map[string]any)["AcmCertificateArn"])
	if want := `{"Fn::GetStackOutput":{"OutputName":`; !strings.HasPrefix(string(arn), want) || !strings.Contains(string(arn), `"Region":"us-east-1","StackName":"TestCertificate"`) {
		t.Errorf("AcmCertificateArn = %s, want a reference to TestCertificate's output in us-east-1", arn)
	}
}

func TestOutputs(t *testing.T) {
	for _, name := range allConfigs {
		t.Run(name, func(t *testing.T) {
			s := config(t, name)
			outputs := cdktest.Outputs(s.tpl)
			for _, want := range []string{"SiteUrl", "DistributionId", "ApiUrl", "StaticBucketName"} {
				n := 0
				for id := range outputs {
					if strings.Contains(id, want) {
						n++
					}
				}
				if n != len(s.sites) {
					t.Errorf("%d outputs named like %s, want %d (one per site); outputs: %v", n, want, len(s.sites), keys(outputs))
				}
			}
		})
	}
	for id, o := range cdktest.Outputs(config(t, "domain-us-east-1").tpl) {
		if strings.Contains(id, "SiteUrl") {
			if v, _ := json.Marshal(o["Value"]); !strings.Contains(string(v), "https://") || !strings.Contains(string(v), "www.example.com") {
				t.Errorf("SiteUrl = %s, want https://www.example.com/", v)
			}
		}
	}
}

func keys[M ~map[string]V, V any](m M) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestTwoSitesInOneStackDoNotCollide(t *testing.T) {
	s := config(t, "two-sites")
	for typ, n := range map[string]int{
		"AWS::Lambda::Function":         2*2 + 1, // each site's and its static expiry's + the bucket deployment's handler, shared
		"AWS::ApiGateway::RestApi":      2,
		"AWS::CloudFront::Distribution": 2,
		"AWS::CloudFront::Function":     2,
		"AWS::S3::Bucket":               2,
	} {
		cdktest.Count(t, s.tpl, typ, n)
	}
	cdktest.Has(t, s.tpl, "AWS::ApiGateway::Stage", map[string]any{"StageName": "shop"})
	names := map[string]bool{}
	for _, r := range cdktest.Resources(s.tpl, "AWS::CloudFront::Function") {
		name := fmt.Sprint(r["Properties"].(map[string]any)["Name"])
		if names[name] {
			t.Errorf("two CloudFront functions are named %s", name)
		}
		names[name] = true
	}
}

func TestExposedResourcesAreSet(t *testing.T) {
	for _, name := range allConfigs {
		for _, w := range config(t, name).sites {
			for field, v := range map[string]any{
				"Function": w.Function, "Api": w.Api, "StaticBucket": w.StaticBucket,
				"Distribution": w.Distribution, "ViewerRequest": w.ViewerRequest, "SiteUrl": w.SiteUrl,
				"ResponseHeadersPolicy": w.ResponseHeadersPolicy, "FunctionLogGroup": w.FunctionLogGroup,
				"ApiAccessLogGroup": w.ApiAccessLogGroup, "StaticDeployment": w.StaticDeployment,
				"StaticExpiry":    w.StaticExpiry,
				"FunctionVersion": w.FunctionVersion, "FunctionAlias": w.FunctionAlias, "AppCachePolicy": w.AppCachePolicy,
			} {
				if v == nil {
					t.Errorf("%s %s: %s is nil", name, *w.Node().Path(), field)
				}
			}
			if w.StageName == "" {
				t.Errorf("%s: StageName is empty", name)
			}
			// custom-stage's StaticPaths (/assets/*, /robots.txt) serve no
			// hashed name of its files: there is nothing to upload hashed.
			if (w.HashedStaticDeployment == nil) != (name == "custom-stage") {
				t.Errorf("%s %s: HashedStaticDeployment = %v, want it set exactly when a pattern serves a hashed name", name, *w.Node().Path(), w.HashedStaticDeployment)
			}
			// The origin key's parts exist exactly when the key does.
			direct := w.OriginSecret == nil
			for field, v := range map[string]any{"OriginUsagePlan": w.OriginUsagePlan, "OriginApiKey": w.OriginApiKey} {
				if (v == nil) != direct {
					t.Errorf("%s %s: %s = %v with OriginSecret %v: want both set or both nil", name, *w.Node().Path(), field, v, w.OriginSecret)
				}
			}
		}
	}
	if config(t, "client-keys").sites[0].ClientUsagePlan == nil {
		t.Error("client-keys: ClientUsagePlan is nil")
	}
	if config(t, "hardened").sites[0].LogBucket == nil {
		t.Error("hardened: LogBucket is nil with AccessLogging")
	}
}

// TestExposedPartsAreTheDeployedOnes checks that each exposed part is the
// resource in the template that does the job, not merely some construct.
func TestExposedPartsAreTheDeployedOnes(t *testing.T) {
	s := config(t, "default")
	w := s.sites[0]
	id := func(c constructs.IConstruct) string {
		return *s.stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
	}
	cdktest.Has(t, s.tpl, "AWS::Lambda::Function", map[string]any{
		"LoggingConfig": map[string]any{"LogGroup": map[string]any{"Ref": id(w.FunctionLogGroup)}},
	})
	if dest, _ := json.Marshal(cdktest.Props(t, s.tpl, "AWS::ApiGateway::Stage")["AccessLogSetting"]); !strings.Contains(string(dest), `"`+id(w.ApiAccessLogGroup)+`"`) {
		t.Errorf("the stage's access logs go to %s, not to ApiAccessLogGroup %s", dest, id(w.ApiAccessLogGroup))
	}
	cdktest.Has(t, s.tpl, "AWS::ApiGateway::UsagePlanKey", map[string]any{
		"KeyId": map[string]any{"Ref": id(w.OriginApiKey)}, "UsagePlanId": map[string]any{"Ref": id(w.OriginUsagePlan)},
	})
	cdktest.Has(t, s.tpl, "Custom::CDKBucketDeployment", map[string]any{
		"DestinationBucketName": map[string]any{"Ref": id(w.StaticBucket)},
	})
	if w.StaticDeployment.Node().Scope() != w.Construct {
		t.Error("StaticDeployment is not the WebApp's own")
	}
}

func TestGivenRoleIsUsedAndNoneIsCreated(t *testing.T) {
	s := config(t, "team-role")
	w := s.sites[0]
	roleID := *s.stack.GetLogicalId(s.teamRole.Node().DefaultChild().(awscdk.CfnElement))
	cdktest.Has(t, s.tpl, "AWS::Lambda::Function", map[string]any{
		"Role": map[string]any{"Fn::GetAtt": []any{roleID, "Arn"}},
	})
	if w.Node().TryFindChild(jsii.String("FunctionRole")) != nil {
		t.Error("the construct created a FunctionRole although Role was given")
	}
	// As many roles as a site with its own role: the team's replaces it.
	if got, want := len(cdktest.Resources(s.tpl, "AWS::IAM::Role")), len(cdktest.Resources(config(t, "default").tpl, "AWS::IAM::Role")); got != want {
		t.Errorf("%d roles, want %d (the team's instead of the construct's)", got, want)
	}
	// The given role may write to the function's log group.
	logsID := *s.stack.GetLogicalId(w.FunctionLogGroup.Node().DefaultChild().(awscdk.CfnElement))
	cdktest.Has(t, s.tpl, "AWS::IAM::Policy", map[string]any{
		"Roles": []any{map[string]any{"Ref": roleID}},
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Action": []any{"logs:CreateLogStream", "logs:PutLogEvents"}, "Effect": "Allow",
			"Resource": map[string]any{"Fn::GetAtt": []any{logsID, "Arn"}},
		})})},
	})
}

func TestPrebuiltCodeIsUsedAndNothingIsBuilt(t *testing.T) {
	s := config(t, "team-role")
	cdktest.Has(t, s.tpl, "AWS::Lambda::Function", map[string]any{
		"Code":    map[string]any{"S3Bucket": "team-artifacts", "S3Key": "site/function.zip"},
		"Handler": "bootstrap",
	})
	// The only file asset left is the static files'.
	manifest, err := os.ReadFile(filepath.Join(*awscdk.Stage_Of(s.stack).Outdir(), *s.stack.ArtifactId()+".assets.json"))
	if err != nil {
		t.Fatal(err)
	}
	var assets struct {
		Files map[string]struct{ Source struct{ Path string } }
	}
	if err := json.Unmarshal(manifest, &assets); err != nil {
		t.Fatal(err)
	}
	for hash, a := range assets.Files {
		dir := filepath.Join(*awscdk.Stage_Of(s.stack).Outdir(), a.Source.Path)
		if _, err := os.Stat(filepath.Join(dir, "bootstrap")); err == nil {
			t.Errorf("asset %s holds a bootstrap: something was built", hash)
		}
	}
}

// versionMarker is what -X main.version sets in the build-options config.
const versionMarker = "v9.8.7-ldflag-reached-the-binary"

// functionAsset returns the bootstrap of the function whose site is w.
func functionAsset(t *testing.T, s *synthesized, w *WebApp) (key string, bootstrap []byte) {
	t.Helper()
	fn := *s.stack.GetLogicalId(w.Function.Node().DefaultChild().(awscdk.CfnElement))
	key, _ = cdktest.Resources(s.tpl, "AWS::Lambda::Function")[fn]["Properties"].(map[string]any)["Code"].(map[string]any)["S3Key"].(string)
	if !strings.HasSuffix(key, ".zip") {
		t.Fatalf("function %s has S3Key %q, want an asset's hash.zip", fn, key)
	}
	bin, err := os.ReadFile(filepath.Join(*awscdk.Stage_Of(s.stack).Outdir(), "asset."+strings.TrimSuffix(key, ".zip"), "bootstrap"))
	if err != nil {
		t.Fatal(err)
	}
	return key, bin
}

func TestBuildOptionsReachTheBinaryAndChangeTheAsset(t *testing.T) {
	s := config(t, "build-options")
	plainKey, plain := functionAsset(t, s, s.sites[0])
	builtKey, built := functionAsset(t, s, s.sites[1])
	if !bytes.Contains(built, []byte(versionMarker)) {
		t.Errorf("the built bootstrap does not contain %q: -X main.version did not reach it", versionMarker)
	}
	if !bytes.Contains(built, []byte("tagged")) || bytes.Contains(built, []byte("untagged")) {
		t.Error("the built bootstrap was not built with the webapptest tag")
	}
	if bytes.Contains(plain, []byte(versionMarker)) || !bytes.Contains(plain, []byte("untagged")) {
		t.Error("the plain bootstrap has the other site's options")
	}
	if plainKey == builtKey {
		t.Errorf("both functions deploy asset %s: build options must change the asset", plainKey)
	}
	if f, err := elf.NewFile(bytes.NewReader(built)); err != nil || f.Machine != elf.EM_AARCH64 || f.Section(".symtab") != nil {
		t.Errorf("the built bootstrap is not a stripped linux/arm64 binary (%v): options must add to the defaults", err)
	}
}

func TestReservedConcurrency(t *testing.T) {
	reserved := func(t *testing.T, s *synthesized, site int) (any, bool) {
		t.Helper()
		fn := s.stack.Resolve(s.sites[site].Function.Node().DefaultChild().(awslambda.CfnFunction).LogicalId()).(string)
		props := (*s.tpl.ToJSON())["Resources"].(map[string]any)[fn].(map[string]any)["Properties"].(map[string]any)
		v, ok := props["ReservedConcurrentExecutions"]
		return v, ok
	}
	for _, c := range []struct {
		config string
		site   int
		want   any // nil: no reservation
	}{
		{"default", 0, DefaultReservedConcurrency},
		{"hardened", 0, 20.0},
		{"build-options", 0, 0.0}, // the kill switch
		{"build-options", 1, 0.0},
		{"two-sites", 0, DefaultReservedConcurrency},
		{"two-sites", 1, nil}, // UnreservedConcurrency, beside a site with the default
	} {
		t.Run(fmt.Sprintf("%s/%d", c.config, c.site), func(t *testing.T) {
			got, ok := reserved(t, config(t, c.config), c.site)
			switch {
			case c.want == nil && ok:
				t.Errorf("ReservedConcurrentExecutions = %v, want none (the account's unreserved pool)", got)
			case c.want != nil && fmt.Sprint(got) != fmt.Sprint(c.want):
				t.Errorf("ReservedConcurrentExecutions = %v, want %v", got, c.want)
			}
		})
	}
}

func TestNoContentSecurityPolicy(t *testing.T) {
	tpl := config(t, "build-options").tpl
	for _, r := range cdktest.Resources(tpl, "AWS::CloudFront::ResponseHeadersPolicy") {
		cfg := r["Properties"].(map[string]any)["ResponseHeadersPolicyConfig"].(map[string]any)
		sec := cfg["SecurityHeadersConfig"].(map[string]any)
		if _, ok := sec["ContentSecurityPolicy"]; ok {
			t.Errorf("ContentSecurityPolicy = %v with new(\"\"), want no header", sec["ContentSecurityPolicy"])
		}
		if sec["StrictTransportSecurity"] == nil {
			t.Error("no HSTS: an empty CSP must drop only the CSP")
		}
	}
	cdktest.Has(t, config(t, "default").tpl, "AWS::CloudFront::ResponseHeadersPolicy", map[string]any{
		"ResponseHeadersPolicyConfig": map[string]any{"SecurityHeadersConfig": map[string]any{
			"ContentSecurityPolicy": map[string]any{"ContentSecurityPolicy": DefaultContentSecurityPolicy, "Override": true},
		}},
	})
}

func TestPriceClass(t *testing.T) {
	if got := distributionConfig(t, config(t, "hardened").tpl)["PriceClass"]; got != "PriceClass_100" {
		t.Errorf("hardened PriceClass = %v, want PriceClass_100", got)
	}
	if got, ok := distributionConfig(t, config(t, "default").tpl)["PriceClass"]; ok && got != "PriceClass_All" {
		t.Errorf("default PriceClass = %v, want CloudFront's default (all edge locations)", got)
	}
}

func TestWebAppIsAConstructScope(t *testing.T) {
	// A user can hang their own constructs under the WebApp.
	w := config(t, "default").sites[0]
	if got := *w.Node().Path(); got != "Test/Site" {
		t.Errorf("path = %q, want Test/Site", got)
	}
}
