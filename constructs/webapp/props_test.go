package webapp

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
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
			`webapp: FunctionDir is required`},
		{"FunctionDirDoesNotExist", "us-east-1", func(_ awscdk.Stack, p *Props) { p.FunctionDir = "testdata/nope" },
			`webapp: FunctionDir "testdata/nope" does not exist`},
		{"FunctionDirIsAFile", "us-east-1", func(_ awscdk.Stack, p *Props) { p.FunctionDir = "testdata/function/main.go" },
			`webapp: FunctionDir "testdata/function/main.go" is not a directory`},
		{"MissingStaticDir", "us-east-1", func(_ awscdk.Stack, p *Props) { p.StaticDir = "" },
			`webapp: StaticDir is required`},
		{"StageWithSpace", "us-east-1", func(_ awscdk.Stack, p *Props) { p.Stage = "v 1" },
			`webapp: Stage "v 1" is invalid: use 1 to 128 letters, digits, '-' or '_'`},
		{"StageWithSlash", "us-east-1", func(_ awscdk.Stack, p *Props) { p.Stage = "/v1" },
			`webapp: Stage "/v1" is invalid`},
		{"TimeoutAboveApiGatewayLimit", "us-east-1", func(_ awscdk.Stack, p *Props) { p.FunctionTimeout = awscdk.Duration_Seconds(jsii.Number(29)) },
			`webapp: FunctionTimeout 29s is out of range: use 1 to 28 seconds`},
		{"MemoryTooSmall", "us-east-1", func(_ awscdk.Stack, p *Props) { p.FunctionMemorySize = 64 },
			`webapp: FunctionMemorySize 64 is out of range`},
		{"UnknownOriginAccess", "us-east-1", func(_ awscdk.Stack, p *Props) { p.StaticOriginAccess = "public" },
			`webapp: StaticOriginAccess "public" is unknown`},
		{"EmptyStaticPaths", "us-east-1", func(_ awscdk.Stack, p *Props) { p.StaticPaths = []string{} },
			`webapp: StaticPaths is empty`},
		{"StaticPathWithoutSlash", "us-east-1", func(_ awscdk.Stack, p *Props) { p.StaticPaths = []string{"css/*"} },
			`webapp: StaticPaths entry "css/*" is invalid: start with '/'`},
		{"StaticPathCatchAll", "us-east-1", func(_ awscdk.Stack, p *Props) { p.StaticPaths = []string{"/*"} },
			`webapp: StaticPaths entry "/*" would send every request to the bucket`},
		{"StaticPathTwice", "us-east-1", func(_ awscdk.Stack, p *Props) { p.StaticPaths = []string{"/css/*", "/css/*"} },
			`webapp: StaticPaths entry "/css/*" is listed twice`},
		{"ZoneWithoutDomain", "us-east-1", func(s awscdk.Stack, p *Props) { p.HostedZone = exampleZone(s) },
			`webapp: HostedZone is set but DomainName is empty`},
		{"DomainWithoutZoneOrCertificate", "us-east-1", func(_ awscdk.Stack, p *Props) { p.DomainName = "www.example.com" },
			`webapp: DomainName "www.example.com" needs HostedZone`},
		{"DomainOutsideZone", "us-east-1", func(s awscdk.Stack, p *Props) { p.DomainName, p.HostedZone = "www.example.org", exampleZone(s) },
			`webapp: DomainName "www.example.org" is not in HostedZone "example.com"`},
		{"DomainNotADnsName", "us-east-1", func(s awscdk.Stack, p *Props) { p.DomainName, p.HostedZone = "WWW Example.com", exampleZone(s) },
			`webapp: DomainName "WWW Example.com" is not a valid lower-case DNS name`},
		{"DomainInOtherRegionWithoutCertificate", "ap-northeast-1", func(s awscdk.Stack, p *Props) { p.DomainName, p.HostedZone = "www.example.com", exampleZone(s) },
			`webapp: DomainName "www.example.com" needs a certificate in us-east-1, but the stack is in ap-northeast-1: pass Certificate, for example from webapp.NewCertificateStack`},
		{"DomainInEnvironmentAgnosticStack", "", func(s awscdk.Stack, p *Props) { p.DomainName, p.HostedZone = "www.example.com", exampleZone(s) },
			`webapp: DomainName "www.example.com" needs a certificate in us-east-1, but the stack has no region at synth time`},
		{"CertificateOutsideUsEast1", "ap-northeast-1", func(s awscdk.Stack, p *Props) {
			p.DomainName, p.HostedZone, p.Certificate = "www.example.com", exampleZone(s), importedCertificate(s, "eu-west-1")
		}, `webapp: Certificate "arn:aws:acm:eu-west-1:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100" is in eu-west-1: CloudFront only uses certificates in us-east-1`},
		{"WebAclNotCloudFrontScope", "us-east-1", func(_ awscdk.Stack, p *Props) {
			p.WebAclArn = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/site/0f0e"
		}, `webapp: WebAclArn "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/site/0f0e" is not a CloudFront web ACL`},
		{"NegativeReservedConcurrency", "us-east-1", func(_ awscdk.Stack, p *Props) { p.FunctionReservedConcurrency = -1 },
			`webapp: FunctionReservedConcurrency -1 must not be negative`},
		{"NegativeThrottle", "us-east-1", func(_ awscdk.Stack, p *Props) { p.ApiThrottleRateLimit = -5 },
			`webapp: ApiThrottleRateLimit -5 and ApiThrottleBurstLimit 200 must not be negative`},
		{"SecretVersionWithoutKey", "us-east-1", func(_ awscdk.Stack, p *Props) { p.AllowDirectApiAccess, p.OriginSecretVersionId = true, "v2" },
			`webapp: OriginSecretVersionId is set but AllowDirectApiAccess turns the origin key off`},
		{"MultiLineCSP", "us-east-1", func(_ awscdk.Stack, p *Props) { p.ContentSecurityPolicy = "default-src 'self';\nscript-src *" },
			`webapp: ContentSecurityPolicy must be one line`},
		{"IamBehindCloudFront", "us-east-1", func(_ awscdk.Stack, p *Props) { p.IamAuthorization = true },
			`webapp: IamAuthorization cannot work behind CloudFront: SigV4 signs the Host header`},
		{"PublicPathsWithoutProtection", "us-east-1", func(_ awscdk.Stack, p *Props) { p.PublicPaths = []string{"/healthz"} },
			`webapp: PublicPaths is set but nothing is protected`},
		{"PublicPathWithWildcard", "us-east-1", func(_ awscdk.Stack, p *Props) {
			p.IamAuthorization, p.AllowDirectApiAccess, p.PublicPaths = true, true, []string{"/css/*"}
		}, `webapp: PublicPaths entry "/css/*" is invalid`},
		{"CorsWildcardWithCredentials", "us-east-1", func(_ awscdk.Stack, p *Props) {
			p.Cors = &CorsOptions{AllowOrigins: []string{"*"}, AllowCredentials: true}
		}, `webapp: Cors: cors: AllowOrigins "*" cannot be used with AllowCredentials`},
		{"CorsWithoutOrigins", "us-east-1", func(_ awscdk.Stack, p *Props) { p.Cors = &CorsOptions{} },
			`webapp: Cors.AllowOrigins is empty`},
		{"ClientKeysWithDirectAccess", "us-east-1", func(_ awscdk.Stack, p *Props) {
			p.ClientApiKeyPaths, p.AllowDirectApiAccess = []string{"/todos"}, true
		}, `webapp: ClientApiKeyPaths needs API keys, which AllowDirectApiAccess turns off`},
		{"ClientKeyPathIsStatic", "us-east-1", func(_ awscdk.Stack, p *Props) { p.ClientApiKeyPaths = []string{"/css/*"} },
			`webapp: ClientApiKeyPaths entry "/css/*" is also in StaticPaths`},
		{"CertificateWithoutDomain", "us-east-1", func(s awscdk.Stack, p *Props) { p.Certificate = importedCertificate(s, "us-east-1") },
			`webapp: Certificate is set but DomainName is empty`},
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
		if !strings.Contains(msg, "webapp: "+prop) {
			t.Errorf("message does not name %s:\n%s", prop, msg)
		}
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
