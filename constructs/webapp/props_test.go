package webapp

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/tools/cdktest"
)

// newWebAppError builds a WebApp in a fresh stack in region and returns the
// message it panicked with, or "" if it did not panic.
func newWebAppError(t *testing.T, region string, edit func(stack awscdk.Stack, p *Props)) (msg string) {
	t.Helper()
	app := cdktest.NewApp(t, nil)
	var env *awscdk.Environment
	if region != "" {
		env = &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String(region)}
	}
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{Env: env})
	p := baseProps()
	edit(stack, &p)
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	NewWebApp(stack, "Site", &p)
	return ""
}

func exampleZone(stack awscdk.Stack) awsroute53.IHostedZone {
	return awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String("Z0123456789ABCDEFGHIJ"), ZoneName: jsii.String("example.com"),
	})
}

func importedCertificate(stack awscdk.Stack, region string) awscertificatemanager.ICertificate {
	return awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("Cert"),
		jsii.String("arn:aws:acm:"+region+":123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100"))
}

func TestWebAppFailsOnPropsThatCannotWork(t *testing.T) {
	tests := []struct {
		name   string
		region string
		edit   func(stack awscdk.Stack, p *Props)
		want   string
	}{
		{"MissingFunctionDir", "us-east-1", func(_ awscdk.Stack, p *Props) { p.FunctionDir = "" },
			`webapp Test/Site: FunctionDir is required: the directory of the function's Go main package, for example "lambda" (or give prebuilt Code)`},
		{"FunctionDirDoesNotExist", "us-east-1", func(_ awscdk.Stack, p *Props) { p.FunctionDir = "testdata/nope" },
			`webapp Test/Site: FunctionDir "testdata/nope" does not exist`},
		{"FunctionDirIsAFile", "us-east-1", func(_ awscdk.Stack, p *Props) { p.FunctionDir = "testdata/function/main.go" },
			`webapp Test/Site: FunctionDir "testdata/function/main.go" is not a directory`},
		{"MissingStaticDir", "us-east-1", func(_ awscdk.Stack, p *Props) { p.StaticDir = "" },
			`webapp Test/Site: StaticDir is required`},
		{"StageWithSpace", "us-east-1", func(_ awscdk.Stack, p *Props) { p.Stage = "v 1" },
			`webapp Test/Site: Stage "v 1" is invalid: use 1 to 128 letters, digits, '-' or '_'`},
		{"StageWithSlash", "us-east-1", func(_ awscdk.Stack, p *Props) { p.Stage = "/v1" },
			`webapp Test/Site: Stage "/v1" is invalid`},
		{"TimeoutAboveApiGatewayLimit", "us-east-1", func(_ awscdk.Stack, p *Props) { p.FunctionTimeout = awscdk.Duration_Seconds(jsii.Number(29)) },
			`webapp Test/Site: FunctionTimeout 29s is out of range: use 1 to 28 seconds`},
		{"MemoryTooSmall", "us-east-1", func(_ awscdk.Stack, p *Props) { p.FunctionMemorySize = 64 },
			`webapp Test/Site: FunctionMemorySize 64 is out of range`},
		{"UnknownOriginAccess", "us-east-1", func(_ awscdk.Stack, p *Props) { p.StaticOriginAccess = "public" },
			`webapp Test/Site: StaticOriginAccess "public" is unknown`},
		{"EmptyStaticPaths", "us-east-1", func(_ awscdk.Stack, p *Props) { p.StaticPaths = []string{} },
			`webapp Test/Site: StaticPaths is empty`},
		{"StaticPathWithoutSlash", "us-east-1", func(_ awscdk.Stack, p *Props) { p.StaticPaths = []string{"css/*"} },
			`webapp Test/Site: StaticPaths entry "css/*" is invalid: start with '/'`},
		{"StaticPathCatchAll", "us-east-1", func(_ awscdk.Stack, p *Props) { p.StaticPaths = []string{"/*"} },
			`webapp Test/Site: StaticPaths entry "/*" would send every request to the bucket`},
		{"StaticPathTwice", "us-east-1", func(_ awscdk.Stack, p *Props) { p.StaticPaths = []string{"/css/*", "/css/*"} },
			`webapp Test/Site: StaticPaths entry "/css/*" is listed twice`},
		{"ZoneWithoutDomain", "us-east-1", func(s awscdk.Stack, p *Props) { p.HostedZone = exampleZone(s) },
			`webapp Test/Site: HostedZone is set but DomainName is empty`},
		{"DomainWithoutZoneOrCertificate", "us-east-1", func(_ awscdk.Stack, p *Props) { p.DomainName = "www.example.com" },
			`webapp Test/Site: DomainName "www.example.com" needs HostedZone`},
		{"DomainOutsideZone", "us-east-1", func(s awscdk.Stack, p *Props) { p.DomainName, p.HostedZone = "www.example.org", exampleZone(s) },
			`webapp Test/Site: DomainName "www.example.org" is not in HostedZone "example.com"`},
		{"DomainNotADnsName", "us-east-1", func(s awscdk.Stack, p *Props) { p.DomainName, p.HostedZone = "WWW Example.com", exampleZone(s) },
			`webapp Test/Site: DomainName "WWW Example.com" is not a valid lower-case DNS name`},
		{"DomainInOtherRegionWithoutCertificate", "ap-northeast-1", func(s awscdk.Stack, p *Props) { p.DomainName, p.HostedZone = "www.example.com", exampleZone(s) },
			`webapp Test/Site: DomainName "www.example.com" needs a certificate in us-east-1, but the stack is in ap-northeast-1: pass Certificate, for example from webapp.NewCertificateStack`},
		{"DomainInEnvironmentAgnosticStack", "", func(s awscdk.Stack, p *Props) { p.DomainName, p.HostedZone = "www.example.com", exampleZone(s) },
			`webapp Test/Site: DomainName "www.example.com" needs a certificate in us-east-1, but the stack has no region at synth time`},
		{"CertificateOutsideUsEast1", "ap-northeast-1", func(s awscdk.Stack, p *Props) {
			p.DomainName, p.HostedZone, p.Certificate = "www.example.com", exampleZone(s), importedCertificate(s, "eu-west-1")
		}, `webapp Test/Site: Certificate "arn:aws:acm:eu-west-1:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100" is in eu-west-1: CloudFront only uses certificates in us-east-1`},
		{"WebAclNotCloudFrontScope", "us-east-1", func(_ awscdk.Stack, p *Props) {
			p.WebAclArn = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/site/0f0e"
		}, `webapp Test/Site: WebAclArn "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/site/0f0e" is not a CloudFront web ACL`},
		{"NegativeProvisionedConcurrency", "us-east-1", func(_ awscdk.Stack, p *Props) { p.FunctionProvisionedConcurrency = -1 },
			`webapp Test/Site: FunctionProvisionedConcurrency -1 is negative`},
		{"ProvisionedAboveReserved", "us-east-1", func(_ awscdk.Stack, p *Props) {
			p.FunctionProvisionedConcurrency, p.FunctionReservedConcurrency = 11, new(10)
		}, `webapp Test/Site: FunctionProvisionedConcurrency 11 is above FunctionReservedConcurrency 10: provisioned executions come out of the reserved ones`},
		{"ProvisionedWithKillSwitch", "us-east-1", func(_ awscdk.Stack, p *Props) {
			p.FunctionProvisionedConcurrency, p.FunctionReservedConcurrency = 1, new(0)
		}, `webapp Test/Site: FunctionProvisionedConcurrency 1 is above FunctionReservedConcurrency 0`},
		{"ProvisionedAboveDefaultReservation", "us-east-1", func(_ awscdk.Stack, p *Props) { p.FunctionProvisionedConcurrency = 101 },
			`webapp Test/Site: FunctionProvisionedConcurrency 101 is above FunctionReservedConcurrency 100`},
		{"CanaryPercentageZero", "us-east-1", func(_ awscdk.Stack, p *Props) {
			p.Rollout = &RolloutOptions{Type: RolloutCanary, Percentage: 0, Interval: awscdk.Duration_Minutes(jsii.Number(5))}
		}, `webapp Test/Site: Rollout.Percentage 0 is out of range: use a whole percentage from 1 to 99`},
		{"CanaryPercentageHundred", "us-east-1", func(_ awscdk.Stack, p *Props) {
			p.Rollout = &RolloutOptions{Type: RolloutCanary, Percentage: 100, Interval: awscdk.Duration_Minutes(jsii.Number(5))}
		}, `webapp Test/Site: Rollout.Percentage 100 is out of range`},
		{"LinearPercentageFraction", "us-east-1", func(_ awscdk.Stack, p *Props) {
			p.Rollout = &RolloutOptions{Type: RolloutLinear, Percentage: 12.5, Interval: awscdk.Duration_Minutes(jsii.Number(5))}
		}, `webapp Test/Site: Rollout.Percentage 12.5 is out of range`},
		{"RolloutWithoutInterval", "us-east-1", func(_ awscdk.Stack, p *Props) {
			p.Rollout = &RolloutOptions{Type: RolloutCanary, Percentage: 10}
		}, `webapp Test/Site: Rollout.Interval is required with a canary rollout`},
		{"RolloutZeroInterval", "us-east-1", func(_ awscdk.Stack, p *Props) {
			p.Rollout = &RolloutOptions{Type: RolloutLinear, Percentage: 10, Interval: awscdk.Duration_Minutes(jsii.Number(0))}
		}, `webapp Test/Site: Rollout.Interval 0s is invalid: give whole minutes from 1 to 2880`},
		{"RolloutIntervalInSeconds", "us-east-1", func(_ awscdk.Stack, p *Props) {
			p.Rollout = &RolloutOptions{Type: RolloutLinear, Percentage: 10, Interval: awscdk.Duration_Seconds(jsii.Number(90))}
		}, `webapp Test/Site: Rollout.Interval 90s is invalid`},
		{"RolloutTypeUnknown", "us-east-1", func(_ awscdk.Stack, p *Props) { p.Rollout = &RolloutOptions{Type: "blueGreen"} },
			`webapp Test/Site: Rollout.Type "blueGreen" is unknown: use webapp.RolloutAllAtOnce, RolloutCanary or RolloutLinear`},
		{"NegativeReservedConcurrency", "us-east-1", func(_ awscdk.Stack, p *Props) { p.FunctionReservedConcurrency = new(-2) },
			`webapp Test/Site: FunctionReservedConcurrency -2 is invalid: reserve a number of executions, 0 to stop the function, or webapp.UnreservedConcurrency (-1) to reserve none`},
		{"NegativeThrottle", "us-east-1", func(_ awscdk.Stack, p *Props) { p.ApiThrottleRateLimit = -5 },
			`webapp Test/Site: ApiThrottleRateLimit -5 and ApiThrottleBurstLimit 200 must not be negative`},
		{"SecretVersionWithoutKey", "us-east-1", func(_ awscdk.Stack, p *Props) { p.AllowDirectApiAccess, p.OriginSecretVersionId = true, "v2" },
			`webapp Test/Site: OriginSecretVersionId is set but AllowDirectApiAccess turns the origin key off`},
		{"MultiLineCSP", "us-east-1", func(_ awscdk.Stack, p *Props) { p.ContentSecurityPolicy = new("default-src 'self';\nscript-src *") },
			`webapp Test/Site: ContentSecurityPolicy must be one line`},
		{"IamBehindCloudFront", "us-east-1", func(_ awscdk.Stack, p *Props) { p.IamAuthorization = true },
			`webapp Test/Site: IamAuthorization cannot work behind CloudFront: SigV4 signs the Host header`},
		{"PublicPathsWithoutProtection", "us-east-1", func(_ awscdk.Stack, p *Props) { p.PublicPaths = []string{"/healthz"} },
			`webapp Test/Site: PublicPaths is set but nothing is protected`},
		{"PublicPathWithWildcard", "us-east-1", func(_ awscdk.Stack, p *Props) {
			p.IamAuthorization, p.AllowDirectApiAccess, p.PublicPaths = true, true, []string{"/css/*"}
		}, `webapp Test/Site: PublicPaths entry "/css/*" is invalid`},
		{"CorsWildcardWithCredentials", "us-east-1", func(_ awscdk.Stack, p *Props) {
			p.Cors = &CorsOptions{AllowOrigins: []string{"*"}, AllowCredentials: true}
		}, `webapp Test/Site: Cors: cors: AllowOrigins "*" cannot be used with AllowCredentials`},
		{"CorsWithoutOrigins", "us-east-1", func(_ awscdk.Stack, p *Props) { p.Cors = &CorsOptions{} },
			`webapp Test/Site: Cors.AllowOrigins is empty`},
		{"ClientKeysWithDirectAccess", "us-east-1", func(_ awscdk.Stack, p *Props) {
			p.ClientApiKeyPaths, p.AllowDirectApiAccess = []string{"/todos"}, true
		}, `webapp Test/Site: ClientApiKeyPaths needs API keys, which AllowDirectApiAccess turns off`},
		{"ClientKeyPathIsStatic", "us-east-1", func(_ awscdk.Stack, p *Props) { p.ClientApiKeyPaths = []string{"/css/*"} },
			`webapp Test/Site: ClientApiKeyPaths entry "/css/*" is also in StaticPaths`},
		{"CertificateWithoutDomain", "us-east-1", func(s awscdk.Stack, p *Props) { p.Certificate = importedCertificate(s, "us-east-1") },
			`webapp Test/Site: Certificate is set but DomainName is empty`},
		{"UnknownPriceClass", "us-east-1", func(_ awscdk.Stack, p *Props) { p.PriceClass = "PriceClass_300" },
			`webapp Test/Site: PriceClass "PriceClass_300" is unknown`},

		// Props that contradict each other: neither may silently win.
		{"ContentSecurityPolicyWithResponseHeadersPolicy", "us-east-1", func(_ awscdk.Stack, p *Props) {
			p.ResponseHeadersPolicy, p.ContentSecurityPolicy = awscloudfront.ResponseHeadersPolicy_SECURITY_HEADERS(), new("default-src 'self'")
		}, `webapp Test/Site: ContentSecurityPolicy is set but ResponseHeadersPolicy replaces the policy it belongs to`},
		{"EmptyContentSecurityPolicyWithResponseHeadersPolicy", "us-east-1", func(_ awscdk.Stack, p *Props) {
			p.ResponseHeadersPolicy, p.ContentSecurityPolicy = awscloudfront.ResponseHeadersPolicy_SECURITY_HEADERS(), new("")
		}, `webapp Test/Site: ContentSecurityPolicy is set but ResponseHeadersPolicy replaces`},
		{"CodeWithFunctionDir", "us-east-1", func(s awscdk.Stack, p *Props) { p.Code = bucketCode(s) },
			`webapp Test/Site: Code and FunctionDir are both set`},
		{"CodeWithFunctionBuild", "us-east-1", func(s awscdk.Stack, p *Props) {
			p.FunctionDir, p.Code, p.FunctionBuild = "", bucketCode(s), &GoBuildOptions{Tags: []string{"prod"}}
		}, `webapp Test/Site: FunctionBuild is set but Code is prebuilt, so nothing is built`},
		{"ClientKeyLimitsWithoutPaths", "us-east-1", func(_ awscdk.Stack, p *Props) { p.ClientApiKeyQuota = 100 },
			`webapp Test/Site: ClientApiKeyRateLimit, ClientApiKeyBurstLimit and ClientApiKeyQuota apply to client keys, but ClientApiKeyPaths is empty`},
		{"CorsConfigInFunctionEnvironment", "us-east-1", func(_ awscdk.Stack, p *Props) {
			p.Cors = &CorsOptions{AllowOrigins: []string{"https://app.example.com"}}
			p.FunctionEnvironment = map[string]string{"CORS_CONFIG": "{}"}
		}, `webapp Test/Site: FunctionEnvironment sets CORS_CONFIG, which Cors sets`},

		// Go build options that go build would misread or the construct overrides.
		{"BuildFlagReplacesTags", "us-east-1", func(_ awscdk.Stack, p *Props) { p.FunctionBuild = &GoBuildOptions{Flags: []string{"-tags=prod"}} },
			`webapp Test/Site: FunctionBuild.Flags entry "-tags=prod" would replace the construct's own: use FunctionBuild.Tags or FunctionBuild.LdflagsX`},
		{"BuildFlagNotAFlag", "us-east-1", func(_ awscdk.Stack, p *Props) { p.FunctionBuild = &GoBuildOptions{Flags: []string{"./cmd/app"}} },
			`webapp Test/Site: FunctionBuild.Flags entry "./cmd/app" is not a flag`},
		{"BuildTagWithComma", "us-east-1", func(_ awscdk.Stack, p *Props) { p.FunctionBuild = &GoBuildOptions{Tags: []string{"a,b"}} },
			`webapp Test/Site: FunctionBuild.Tags entry "a,b" is invalid`},
		{"LdflagsXWithoutPackage", "us-east-1", func(_ awscdk.Stack, p *Props) {
			p.FunctionBuild = &GoBuildOptions{LdflagsX: map[string]string{"version": "1"}}
		},
			`webapp Test/Site: FunctionBuild.LdflagsX name "version" is invalid: use the import path and the variable`},
		{"LdflagsXToken", "us-east-1", func(s awscdk.Stack, p *Props) {
			p.FunctionBuild = &GoBuildOptions{LdflagsX: map[string]string{"main.region": *awscdk.Aws_REGION()}}
		}, `webapp Test/Site: FunctionBuild.LdflagsX value of main.region is a token: the build runs at synth`},
		{"BuildEnvironmentSetsTarget", "us-east-1", func(_ awscdk.Stack, p *Props) {
			p.FunctionBuild = &GoBuildOptions{Environment: map[string]string{"GOARCH": "amd64"}}
		}, `webapp Test/Site: FunctionBuild.Environment sets GOARCH: the function runs on linux/arm64 without cgo`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := newWebAppError(t, tt.region, tt.edit)
			if msg == "" {
				t.Fatalf("NewWebApp accepted the props; want a panic with %q", tt.want)
			}
			if !strings.Contains(msg, tt.want) {
				t.Errorf("message = %q\nwant it to contain %q", msg, tt.want)
			}
		})
	}
}

func TestWebAppReportsEveryProblemAtOnce(t *testing.T) {
	msg := newWebAppError(t, "us-east-1", func(_ awscdk.Stack, p *Props) {
		p.FunctionDir, p.Stage, p.FunctionMemorySize = "", "bad stage", 1
	})
	for _, prop := range []string{"FunctionDir", "Stage", "FunctionMemorySize"} {
		if !strings.Contains(msg, "webapp Test/Site: "+prop) {
			t.Errorf("message does not name %s:\n%s", prop, msg)
		}
	}
}

// TestMessagesNameTheConstructPath tells two sites in one stack apart: the
// message names the one whose props are wrong.
func TestMessagesNameTheConstructPath(t *testing.T) {
	app := cdktest.NewApp(t, nil)
	stack := awscdk.NewStack(app, jsii.String("Stack"), nil)
	docs := baseProps()
	NewWebApp(stack, "Blog", &docs)
	bad := baseProps()
	bad.Stage = "v 1"
	var msg string
	func() {
		defer func() { msg = fmt.Sprint(recover()) }()
		NewWebApp(stack, "Docs", &bad)
	}()
	if want := `webapp Stack/Docs: Stage "v 1" is invalid`; !strings.Contains(msg, want) || strings.Contains(msg, "Blog") {
		t.Errorf("message = %q, want it to contain %q and not name Blog", msg, want)
	}
}

// bucketCode is prebuilt code in a bucket of another team's.
func bucketCode(stack awscdk.Stack) awslambda.Code {
	bucket := awss3.Bucket_FromBucketName(stack, jsii.String("Artifacts"), jsii.String("team-artifacts"))
	return awslambda.Code_FromBucket(bucket, jsii.String("site/function.zip"), nil)
}

func TestMeaningfulZerosAreAccepted(t *testing.T) {
	for name, edit := range map[string]func(awscdk.Stack, *Props){
		"ReservedConcurrencyZero":    func(_ awscdk.Stack, p *Props) { p.FunctionReservedConcurrency = new(0) },
		"Unreserved":                 func(_ awscdk.Stack, p *Props) { p.FunctionReservedConcurrency = new(UnreservedConcurrency) },
		"EmptyContentSecurityPolicy": func(_ awscdk.Stack, p *Props) { p.ContentSecurityPolicy = new("") },
		"CodeWithoutFunctionDir":     func(s awscdk.Stack, p *Props) { p.FunctionDir, p.Code = "", bucketCode(s) },
	} {
		t.Run(name, func(t *testing.T) {
			if msg := newWebAppError(t, "us-east-1", edit); msg != "" {
				t.Errorf("NewWebApp failed: %s", msg)
			}
		})
	}
}

func TestWebAppAcceptsWorkingDomainSetups(t *testing.T) {
	tests := []struct {
		name, region string
		edit         func(s awscdk.Stack, p *Props)
	}{
		{"ZoneApexInUsEast1", "us-east-1", func(s awscdk.Stack, p *Props) { p.DomainName, p.HostedZone = "example.com", exampleZone(s) }},
		{"ImportedCertificateInOtherRegionStack", "ap-northeast-1", func(s awscdk.Stack, p *Props) {
			p.DomainName, p.HostedZone, p.Certificate = "www.example.com", exampleZone(s), importedCertificate(s, "us-east-1")
		}},
		{"CertificateWithoutZone", "eu-west-1", func(s awscdk.Stack, p *Props) {
			p.DomainName, p.Certificate = "www.example.com", importedCertificate(s, "us-east-1")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if msg := newWebAppError(t, tt.region, tt.edit); msg != "" {
				t.Errorf("NewWebApp failed: %s", msg)
			}
		})
	}
}

func TestUnservedStaticFilesAreWarnedAbout(t *testing.T) {
	app := cdktest.NewApp(t, nil)
	stack := awscdk.NewStack(app, jsii.String("Test"), nil)
	p := baseProps()
	p.StaticDir = "testdata/static-extra"
	w := NewWebApp(stack, "Site", &p)
	var found bool
	for _, m := range *w.Node().Metadata() {
		// An acknowledgeable warning (addWarningV2) ends with its id.
		data := fmt.Sprint(m.Data)
		if *m.Type == "aws:cdk:warning" && strings.Contains(data, "/robots.txt") && strings.HasSuffix(data, "[ack: webapp:unservedStaticFiles]") {
			found = true
		}
	}
	if !found {
		t.Errorf("no acknowledgeable warning names /robots.txt, which no static path serves; metadata: %v", *w.Node().Metadata())
	}
}

func TestCertificateStackFailsWithoutZone(t *testing.T) {
	app := cdktest.NewApp(t, nil)
	var msg string
	func() {
		defer func() { msg = fmt.Sprint(recover()) }()
		NewCertificateStack(app, "SiteCertificate", &CertificateStackProps{DomainName: "www.example.com"})
	}()
	if want := "webapp SiteCertificate: NewCertificateStack needs DomainName and HostedZone"; !strings.HasPrefix(msg, want) {
		t.Errorf("message = %q, want it to start with %q", msg, want)
	}
}
