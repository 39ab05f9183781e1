package webapp

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/tools/cdktest"
)

// TestRecommendedAndPinnedFlagsAreCdkJsons: this repository's cdk.json, the
// sample app's, holds what the construct recommends and what it pins.
func TestRecommendedAndPinnedFlagsAreCdkJsons(t *testing.T) {
	context := cdktest.CdkJSONContext(t)
	for name, flags := range map[string]map[string]any{"RecommendedContext": RecommendedContext(), "pinnedFlags": pinnedFlags()} {
		for flag, want := range flags {
			if got, ok := context[flag]; !ok || !reflect.DeepEqual(got, want) {
				t.Errorf("cdk.json sets %s to %v, want %s's %v", flag, got, name, want)
			}
		}
	}
}

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

// warningIDs returns the acknowledgeable warnings on c, message by id.
func warningIDs(c constructs.IConstruct) map[string]string {
	warnings := map[string]string{}
	for _, m := range *c.Node().Metadata() {
		data := fmt.Sprint(m.Data)
		if *m.Type != "aws:cdk:warning" || !strings.HasSuffix(data, "]") {
			continue
		}
		if i := strings.LastIndex(data, " [ack: "); i >= 0 {
			warnings[data[i+len(" [ack: "):len(data)-1]] = data[:i]
		}
	}
	return warnings
}

// TestUnsetFlagsAreWarnedAbout: an app that leaves a flag of
// RecommendedContext unset is told, by a warning that names the flag and
// the value for cdk.json; an app that sets it either way is not.
func TestUnsetFlagsAreWarnedAbout(t *testing.T) {
	role, logGroup := "webapp:"+disableCloudWatchRoleFlag, "webapp:"+useCdkManagedLogGroupFlag
	tests := []struct {
		name    string
		context map[string]any
		edit    func(*Props)
		want    []string
	}{
		{"CDK's defaults", nil, nil, []string{role, logGroup}},
		{"RecommendedContext", RecommendedContext(), nil, nil},
		{"both set to false: the app's choice", map[string]any{disableCloudWatchRoleFlag: false, useCdkManagedLogGroupFlag: false}, nil, nil},
		{"ApiCloudWatchRole says which", nil, func(p *Props) { p.ApiCloudWatchRole = new(false) }, []string{logGroup}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, _ := defaultFlagsSite(t, tt.context, tt.edit)
			warnings := warningIDs(w)
			var got []string
			for id, message := range warnings {
				flag, isFlag := strings.CutPrefix(id, "webapp:@aws-cdk/")
				if !isFlag {
					continue
				}
				got = append(got, id)
				if want := fmt.Sprintf("put \"@aws-cdk/%s\": true into cdk.json's context", flag); !strings.Contains(message, want) {
					t.Errorf("warning %s = %q, want it to say %s", id, message, want)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("flag warnings = %q, want %q; all warnings: %v", got, tt.want, warnings)
			}
		})
	}
}

// TestCertificateCrossesRegionsWithoutCrossRegionReferences holds what
// NewCertificateStack says: neither stack sets CrossRegionReferences, and
// @aws-cdk/core:defaultCrossStackReferences of the site's stack decides how
// the distribution reads the certificate's ARN.
func TestCertificateCrossesRegionsWithoutCrossRegionReferences(t *testing.T) {
	for _, tt := range []struct {
		name    string
		context map[string]any
		strong  bool
	}{
		{"weak: Fn::GetStackOutput", map[string]any{defaultCrossStackReferencesFlag: "weak"}, false},
		{"unset: CDK's strong, through SSM", nil, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			app := cdktest.NewDefaultFlagsApp(t, tt.context)
			site := newTestStack(app)
			zone := awsroute53.HostedZone_FromHostedZoneAttributes(site, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
				HostedZoneId: jsii.String("Z0123456789ABCDEFGHIJ"), ZoneName: jsii.String("example.com"),
			})
			cert := NewCertificateStack(app, "TestCertificate", &CertificateStackProps{
				StackProps: awscdk.StackProps{Env: &awscdk.Environment{Account: site.Account()}},
				DomainName: "www.example.com", HostedZone: zone,
			})
			p := baseProps()
			p.DomainName, p.HostedZone, p.Certificate = "www.example.com", zone, cert.Certificate
			NewWebApp(site, "Site", &p)
			tpl := assertions.Template_FromStack(site, nil)

			arn, _ := json.Marshal(distributionConfig(t, tpl)["ViewerCertificate"].(map[string]any)["AcmCertificateArn"])
			readers := 0
			if tt.strong {
				readers = 1
			}
			if got := strings.Contains(string(arn), "Fn::GetStackOutput"); got == tt.strong {
				t.Errorf("AcmCertificateArn = %s, want Fn::GetStackOutput: %v", arn, !tt.strong)
			}
			cdktest.Count(t, tpl, "Custom::CrossRegionExportReader", readers)
			cdktest.Count(t, assertions.Template_FromStack(cert.Stack, nil), "Custom::CrossRegionExportWriter", readers)
		})
	}
}
