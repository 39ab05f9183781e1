package webapp

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"

	"github.com/gowebapp/webapp/tools/cdktest"
)

// defaultFlagsSite is a WebApp in an app whose cdk.json sets no feature
// flag but those of context, as an importer's may. Its code is prebuilt:
// no flag concerns the build.
func defaultFlagsSite(t *testing.T, context map[string]any, edit func(*Props)) (*WebApp, assertions.Template) {
	t.Helper()
	stack := newTestStack(cdktest.NewDefaultFlagsApp(t, context))
	p := baseProps()
	p.FunctionDir, p.Code = "", bucketCode(stack)
	if edit != nil {
		edit(&p)
	}
	w := NewWebApp(stack, "Site", &p)
	return w, assertions.Template_FromStack(stack, nil)
}

// TestPinnedFlagsHoldUnderDefaultFlags: what pinnedFlags give, in an app
// that sets none of them.
func TestPinnedFlagsHoldUnderDefaultFlags(t *testing.T) {
	w, tpl := defaultFlagsSite(t, nil, func(p *Props) { p.AccessLogging = true })
	stack := awscdk.Stack_Of(w.Function)

	t.Run(serverAccessLogsUseBucketPolicyFlag, func(t *testing.T) {
		cdktest.CountMatching(t, tpl, "AWS::S3::Bucket", map[string]any{"AccessControl": "LogDeliveryWrite"}, 0)
		logBucket := *stack.GetLogicalId(w.LogBucket.Node().DefaultChild().(awscdk.CfnElement))
		cdktest.Has(t, tpl, "AWS::S3::BucketPolicy", map[string]any{
			"Bucket": map[string]any{"Ref": logBucket},
			"PolicyDocument": assertions.Match_ObjectLike(&map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectLike(&map[string]any{
					"Action": "s3:PutObject", "Effect": "Allow",
					"Principal": map[string]any{"Service": "logging.s3.amazonaws.com"},
				}),
			})}),
		})
	})
	t.Run(logGroupDestinationArnWithoutWildcardFlag, func(t *testing.T) {
		stage := cdktest.Props(t, tpl, "AWS::ApiGateway::Stage")
		dest, _ := json.Marshal(stage["AccessLogSetting"].(map[string]any)["DestinationArn"])
		logGroup := *stack.GetLogicalId(w.ApiAccessLogGroup.Node().DefaultChild().(awscdk.CfnElement))
		// The log group's Arn attribute is the one that ends with ":*".
		if strings.Contains(string(dest), "Fn::GetAtt") || !strings.Contains(string(dest), ":log-group:") || !strings.Contains(string(dest), `{"Ref":"`+logGroup+`"}`) {
			t.Errorf("access log DestinationArn = %s, want arn:…:log-group:<name of %s> without the Arn attribute's :*", dest, logGroup)
		}
	})
}
