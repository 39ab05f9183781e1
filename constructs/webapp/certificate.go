package webapp

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// CertificateStackProps configure NewCertificateStack.
type CertificateStackProps struct {
	// StackProps are passed to the stack; Env.Region is forced to
	// us-east-1. Env.Account should be the site stack's account.
	awscdk.StackProps
	// DomainName is the name the certificate covers. Required.
	DomainName string
	// HostedZone is the Route 53 zone used to validate it by DNS. Required.
	HostedZone awsroute53.IHostedZone
	// AlternateDomainNames are the site's other names (Props'), which the
	// certificate covers as subject alternative names, each validated in
	// its zone: HostedZone or one of AlternateHostedZones.
	// Default: DomainName alone.
	AlternateDomainNames []string
	// AlternateHostedZones are the zones of the AlternateDomainNames that
	// are not in HostedZone (Props').
	// Default: every alternate name is in HostedZone.
	AlternateHostedZones []awsroute53.IHostedZone
}

// CertificateStack is a us-east-1 stack that holds a site's certificate.
type CertificateStack struct {
	awscdk.Stack
	// Certificate is the DNS-validated certificate, for Props.Certificate.
	Certificate awscertificatemanager.Certificate
}

// NewCertificateStack creates a stack in us-east-1 with a DNS-validated
// certificate for a site whose own stack is in another region: CloudFront only
// reads certificates from us-east-1. Pass its Certificate as
// Props.Certificate (Stage.Certificate does both). Neither stack needs
// CrossRegionReferences: the certificate's ARN is a plain reference, which
// CDK carries across regions, deploying this stack first, in the form that
// the feature flag @aws-cdk/core:defaultCrossStackReferences of the site's
// stack gives. With "weak" (RecommendedContext) the distribution reads it
// with Fn::GetStackOutput, which does not stop this stack from being deleted
// while the distribution uses the certificate: delete the site's stack first.
// Unset, CDK warns and makes it "strong": a custom resource here writes the
// ARN to SSM parameters in the site's region and one in the site's stack
// reads them, which keeps this stack from deleting or changing the ARN while
// the site's stack uses it.
func NewCertificateStack(scope constructs.Construct, id string, props *CertificateStackProps) *CertificateStack {
	path := id
	if parent := *scope.Node().Path(); parent != "" {
		path = parent + "/" + id
	}
	if props == nil || props.DomainName == "" || props.HostedZone == nil {
		panic(fmt.Errorf("webapp %s: NewCertificateStack needs DomainName and HostedZone: the name the certificate covers and the zone that validates it", path))
	}
	if err := props.validateAlternateDomains(path); err != nil {
		panic(err)
	}
	sp := props.StackProps
	env := awscdk.Environment{Region: jsii.String("us-east-1")}
	if sp.Env != nil {
		env.Account = sp.Env.Account
	}
	sp.Env = &env
	if sp.Description == nil {
		sp.Description = jsii.String("Certificate in us-east-1 for the CloudFront distribution of " + props.DomainName)
	}
	stack := awscdk.NewStack(scope, &id, &sp)
	cert := awscertificatemanager.NewCertificate(stack, jsii.String("Certificate"),
		certificateProps(props.DomainName, props.HostedZone, props.AlternateDomainNames, props.AlternateHostedZones))
	// The export writer of a strong cross-region reference, as for the sites.
	stack.Node().AddValidation(&sharedHandlerTidy{stack: stack})
	return &CertificateStack{Stack: stack, Certificate: cert}
}

// validateAlternateDomains checks the alternate names as WebApp does, so
// that a wrong list fails here, in the stack that would hold the
// certificate, with the same messages.
func (props *CertificateStackProps) validateAlternateDomains(path string) error {
	p := Props{DomainName: props.DomainName, HostedZone: props.HostedZone,
		AlternateDomainNames: props.AlternateDomainNames, AlternateHostedZones: props.AlternateHostedZones}
	var problems []string
	p.validateAlternateDomains(func(format string, args ...any) {
		problems = append(problems, "webapp "+path+": "+fmt.Sprintf(format, args...))
	})
	if len(problems) == 0 {
		return nil
	}
	return errors.New(strings.Join(problems, "\n"))
}
