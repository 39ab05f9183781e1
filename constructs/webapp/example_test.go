package webapp_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/constructs/webapp"
)

// A team's own role, build options and price class, and an override of the
// generated CloudFormation for what no prop covers.
func ExampleNewWebApp_escapeHatches() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Docs"), nil)
	role := awsiam.Role_FromRoleArn(stack, jsii.String("TeamRole"),
		jsii.String("arn:aws:iam::123456789012:role/docs-function"), nil)

	site := webapp.NewWebApp(stack, "Site", &webapp.Props{
		FunctionDir: "lambda",
		StaticDir:   "static",
		Role:        role,
		FunctionBuild: &webapp.GoBuildOptions{
			Tags:        []string{"prod"},
			LdflagsX:    map[string]string{"main.version": "1.4.2"},
			Environment: map[string]string{"GOPRIVATE": "example.com/*"},
		},
		PriceClass:                  awscloudfront.PriceClass_PRICE_CLASS_100,
		FunctionReservedConcurrency: new(50),
	})

	// Escape hatch: the distribution's CloudFormation resource.
	cfn := site.Distribution.Node().DefaultChild().(awscloudfront.CfnDistribution)
	cfn.AddPropertyOverride(jsii.String("DistributionConfig.ContinuousDeploymentPolicyId"), jsii.String("abcd-1234"))
	// The exposed parts: a longer retention for the API's access logs.
	site.ApiAccessLogGroup.Node().DefaultChild().(awscdk.CfnResource).AddPropertyOverride(jsii.String("RetentionInDays"), 365)
}
