// Command reuse is a CDK app in its own Go module that imports the WebApp
// construct, as a team would from their own repository: it puts a site into a
// stack of its own in eu-west-1, with CORS for two origins and a custom
// domain whose certificate lives in us-east-1 (CloudFront reads certificates
// only there), and extends it through the exposed resources.
//
// Synth is offline: the hosted zone is imported by id and name, never looked
// up, and the account is AWS's documentation account.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/constructs/webapp"
)

// The example's fixed configuration; a real app would read it from the
// context or the environment.
const (
	account      = "123456789012"
	region       = "eu-west-1"
	stage        = "docs"
	domainName   = "docs.example.com"
	hostedZoneId = "Z0123456789ABCDEFGHIJ"
	zoneName     = "example.com"
)

// allowOrigins are the other sites whose scripts may call the API.
var allowOrigins = []string{"https://app.example.com", "https://admin.example.org"}

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	newStacks(app)
	app.Synth(nil)
}

// stacks is what newStacks defines, for the tests.
type stacks struct {
	Site        awscdk.Stack
	Certificate *webapp.CertificateStack
	Docs        *webapp.WebApp
	Uploads     awss3.Bucket
}

func newStacks(app awscdk.App) *stacks {
	env := &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)}
	stack := awscdk.NewStack(app, jsii.String("ReuseExample"), &awscdk.StackProps{
		Env: env,
		// The certificate comes from the us-east-1 stack below; its ARN is a
		// plain reference, so no CrossRegionReferences is needed.
	})

	// Imported by id and name, not looked up: synth needs no credentials, and
	// the certificate stack can use the same literal id without a reference.
	zone := awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String(hostedZoneId),
		ZoneName:     jsii.String(zoneName),
	})
	cert := webapp.NewCertificateStack(app, "ReuseExample-Certificate", &webapp.CertificateStackProps{
		StackProps: awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String(account)}},
		DomainName: domainName,
		HostedZone: zone,
	})

	site := webapp.NewWebApp(stack, "Docs", &webapp.Props{
		FunctionDir: "function",
		StaticDir:   "public",
		StaticPaths: []string{"/css/*"},
		Stage:       stage,
		DomainName:  domainName,
		HostedZone:  zone,
		Certificate: cert.Certificate,
		Cors: &webapp.CorsOptions{
			AllowOrigins: allowOrigins,
			MaxAge:       awscdk.Duration_Hours(jsii.Number(1)),
		},
	})

	// Extend what the construct made: an uploads bucket the function may write.
	uploads := awss3.NewBucket(stack, jsii.String("Uploads"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
	})
	uploads.GrantPut(site.Function, nil)
	site.Function.AddEnvironment(jsii.String("UPLOADS_BUCKET"), uploads.BucketName(), nil)

	return &stacks{Site: stack, Certificate: cert, Docs: site, Uploads: uploads}
}
