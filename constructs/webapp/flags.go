package webapp

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// The CDK feature flags that the construct pins for its own subtree.
const (
	serverAccessLogsUseBucketPolicyFlag       = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"
	logGroupDestinationArnWithoutWildcardFlag = "@aws-cdk/aws-apigateway:logGroupDestinationArnWithoutWildcard"
)

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
