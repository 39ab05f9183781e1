package webapp

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// CertificateStackProps configure NewCertificateStack.
type CertificateStackProps struct {
	// StackProps are passed to the stack; Env.Region is forced to us-east-1
	// and CrossRegionReferences to true. Env.Account should be the site
	// stack's account.
	awscdk.StackProps
	// DomainName is the name the certificate covers. Required.
	DomainName string
	// HostedZone is the Route 53 zone used to validate it by DNS. Required.
	HostedZone awsroute53.IHostedZone
}

// CertificateStack is a us-east-1 stack that holds a site's certificate.
type CertificateStack struct {
	awscdk.Stack
	// Certificate is the DNS-validated certificate, for Props.Certificate.
	Certificate awscertificatemanager.Certificate
}

// NewCertificateStack creates a stack in us-east-1 with a DNS-validated
// certificate for a site whose own stack is in another region: CloudFront only
// reads certificates from us-east-1. The site's stack must set
// CrossRegionReferences: true to use the certificate; CDK deploys this stack
// first and passes the ARN across regions — with the cdk.json flag
// @aws-cdk/core:defaultCrossStackReferences "weak", as Fn::GetStackOutput,
// which does not stop the certificate stack from being deleted while the
// distribution uses it: delete the site's stack first.
func NewCertificateStack(scope constructs.Construct, id string, props *CertificateStackProps) *CertificateStack {
	if props == nil || props.DomainName == "" || props.HostedZone == nil {
		path := id
		if parent := *scope.Node().Path(); parent != "" {
			path = parent + "/" + id
		}
		panic(fmt.Errorf("webapp %s: NewCertificateStack needs DomainName and HostedZone: the name the certificate covers and the zone that validates it", path))
	}
	sp := props.StackProps
	env := awscdk.Environment{Region: jsii.String("us-east-1")}
	if sp.Env != nil {
		env.Account = sp.Env.Account
	}
	sp.Env = &env
	sp.CrossRegionReferences = jsii.Bool(true)
	if sp.Description == nil {
		sp.Description = jsii.String("Certificate in us-east-1 for the CloudFront distribution of " + props.DomainName)
	}
	stack := awscdk.NewStack(scope, &id, &sp)
	cert := awscertificatemanager.NewCertificate(stack, jsii.String("Certificate"), &awscertificatemanager.CertificateProps{
		DomainName: jsii.String(props.DomainName),
		Validation: awscertificatemanager.CertificateValidation_FromDns(props.HostedZone),
	})
	// The export writer of a strong cross-region reference, as for the sites.
	stack.Node().AddValidation(&sharedHandlerTidy{stack: stack})
	return &CertificateStack{Stack: stack, Certificate: cert}
}
