package webapp

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// The CDK feature flags that change what a WebApp deploys. Of CDK's
// recommended flags (those `cdk init` writes into cdk.json), these are the
// ones whose value changes the construct's templates; besides them only
// @aws-cdk/aws-iam:minimizePolicies and @aws-cdk/core:enablePartitionLiterals
// do, in form alone (statements merged, "arn:aws" written out), which the
// construct neither depends on nor pins.
const (
	serverAccessLogsUseBucketPolicyFlag       = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"
	logGroupDestinationArnWithoutWildcardFlag = "@aws-cdk/aws-apigateway:logGroupDestinationArnWithoutWildcard"
	useCdkManagedLogGroupFlag                 = "@aws-cdk/aws-lambda:useCdkManagedLogGroup"
	defaultCrossStackReferencesFlag           = "@aws-cdk/core:defaultCrossStackReferences"
	// disableCloudWatchRoleFlag is in api.go, beside apiLogging, which reads it.
)

// RecommendedContext returns the cdk.json context that WebApp's documented
// behaviour assumes, for feature flags that act beyond the construct's own
// subtree, so that it cannot set them itself. A new project's cdk.json should
// hold them, beside CDK's own recommended flags:
//
//   - @aws-cdk/aws-apigateway:disableCloudWatchRole true: no account-wide API
//     Gateway CloudWatch role unless Props.ApiCloudWatchRole asks for one;
//   - @aws-cdk/aws-lambda:useCdkManagedLogGroup true: the log group of the
//     handler that StaticDeployment adds to the stack is the stack's, and
//     expires its logs;
//   - @aws-cdk/core:defaultCrossStackReferences "weak": the site's stack reads
//     NewCertificateStack's certificate with Fn::GetStackOutput.
//
// An app that leaves one of the first two unset gets a synth warning that
// names it (CDK itself warns about the third). The flags that act on the
// construct's subtree alone, @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy
// and @aws-cdk/aws-apigateway:logGroupDestinationArnWithoutWildcard, it sets
// there itself, whatever cdk.json says.
func RecommendedContext() map[string]any {
	return map[string]any{
		// No account-wide API Gateway CloudWatch role unless ApiCloudWatchRole
		// asks for one: AWS::ApiGateway::Account is one setting per account
		// and region, which every stack that sets it overwrites. Unset, CDK's
		// RestApi (and so the construct, see Props.ApiCloudWatchRole)
		// creates the role and sets it.
		disableCloudWatchRoleFlag: true,
		// The handler that BucketDeployment adds to the stack for StaticDir
		// logs to a log group in the stack (two years' retention, the stack's
		// tags). Unset, Lambda creates the log group on the handler's first
		// run, outside the stack, and its logs never expire.
		useCdkManagedLogGroupFlag: true,
		// The site's stack reads the ARN of NewCertificateStack's certificate
		// with Fn::GetStackOutput. Unset, CDK warns and makes the reference
		// "strong": custom resources (two more Lambda functions) pass the ARN
		// through SSM parameters and keep it from changing while it is used.
		defaultCrossStackReferencesFlag: "weak",
	}
}

// pinnedFlags are the feature flags that act on the construct's subtree
// only and whose CDK default would make its templates worse; pinFeatureFlags
// sets them there, so that its subtree renders the same whatever the app's
// cdk.json says about them.
func pinnedFlags() map[string]any {
	return map[string]any{
		// The static bucket's server access logs (AccessLogging) are let
		// into the log bucket by a bucket policy rather than the
		// LogDeliveryWrite ACL, which the CloudFormation validator reports as
		// deprecated (W3045).
		serverAccessLogsUseBucketPolicyFlag: true,
		// The API stage's access log destination is the log group's ARN
		// without the trailing ":*", as API Gateway stores it, so that drift
		// detection does not report the stage as modified on every run.
		logGroupDestinationArnWithoutWildcardFlag: true,
	}
}

// pinFeatureFlags sets pinnedFlags on the construct's own node, as Solutions
// Constructs do with node.setContext: the context reaches the construct's
// subtree and nothing else. It must run before the construct has children.
func pinFeatureFlags(this constructs.Construct) {
	for flag, value := range pinnedFlags() {
		this.Node().SetContext(jsii.String(flag), value)
	}
}

// warnUnsetFlags adds a synth warning for each flag of RecommendedContext
// that the app leaves unset where CDK's default changes what this WebApp
// deploys beyond its subtree. A flag set to false is the app's choice and
// gets no warning. (CDK itself warns when defaultCrossStackReferences is
// unset and a reference crosses stacks.)
func warnUnsetFlags(this constructs.Construct, p Props) {
	unset := func(scope constructs.IConstruct, flag string) bool {
		return scope.Node().TryGetContext(jsii.String(flag)) == nil
	}
	if p.ApiCloudWatchRole == nil && unset(this, disableCloudWatchRoleFlag) {
		addWarning(this, "webapp:"+disableCloudWatchRoleFlag,
			"the app does not set "+disableCloudWatchRoleFlag+", so this site creates an IAM role and makes it the account's "+
				"API Gateway CloudWatch role (AWS::ApiGateway::Account, one setting per account and region, which every stack "+
				"that sets it overwrites): put \""+disableCloudWatchRoleFlag+"\": true into cdk.json's context "+
				"(webapp.RecommendedContext), or set ApiCloudWatchRole")
	}
	// BucketDeployment's handler is a child of the stack, and reads the flag there.
	if unset(awscdk.Stack_Of(this), useCdkManagedLogGroupFlag) {
		addWarning(this, "webapp:"+useCdkManagedLogGroupFlag,
			"the app does not set "+useCdkManagedLogGroupFlag+", so the handler that StaticDeployment adds to the stack logs "+
				"to a log group that Lambda creates on its first run, outside the stack, whose logs never expire: put \""+
				useCdkManagedLogGroupFlag+"\": true into cdk.json's context (webapp.RecommendedContext) for a log group in the "+
				"stack; where the stack is deployed already, delete the handler's log group /aws/lambda/<its name> first, "+
				"or the deploy fails because it exists")
	}
}
