package webapp

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/tools/cdktest"
)

// edgeSite is a site in region with its edge alarms from NewSiteEdgeAlarms.
func edgeSite(t *testing.T, region string) (site *WebApp, edge *EdgeAlarms) {
	t.Helper()
	app := cdktest.NewApp(t, nil)
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String(region)},
	})
	site = NewWebApp(stack, "Site", &Props{FunctionDir: functionDir, StaticDir: staticDir})
	return site, NewSiteEdgeAlarms(app, site, nil)
}

// edgeAlarmProps is the one CloudFront alarm of tpl.
func edgeAlarmProps(t *testing.T, tpl assertions.Template) map[string]any {
	t.Helper()
	for _, a := range cdktest.Resources(tpl, "AWS::CloudWatch::Alarm") {
		if p := a["Properties"].(map[string]any); p["Namespace"] == "AWS/CloudFront" {
			return p
		}
	}
	t.Fatal("no alarm on AWS/CloudFront")
	return nil
}

func checkEdgeAlarm(t *testing.T, a map[string]any, distributionID any, topic string) {
	t.Helper()
	if a["MetricName"] != "5xxErrorRate" || a["Threshold"] != 5.0 || a["Statistic"] != "Average" || a["Period"] != 60.0 ||
		a["EvaluationPeriods"] != 3.0 || a["DatapointsToAlarm"] != 2.0 || a["TreatMissingData"] != "notBreaching" ||
		a["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" {
		t.Errorf("alarm = %v, want 5xxErrorRate average ≥ 5 in 2 of 3 minutes, missing data not breaching", a)
	}
	if !strings.HasPrefix(a["AlarmDescription"].(string), string(AlarmCloudFront5xx)+" ") {
		t.Errorf("description %q does not start with %s", a["AlarmDescription"], AlarmCloudFront5xx)
	}
	wantDims, _ := json.Marshal([]any{
		map[string]any{"Name": "DistributionId", "Value": distributionID},
		map[string]any{"Name": "Region", "Value": "Global"},
	})
	if got, _ := json.Marshal(a["Dimensions"]); string(got) != string(wantDims) {
		t.Errorf("dimensions = %s, want %s", got, wantDims)
	}
	for _, actions := range []string{"AlarmActions", "OKActions"} {
		if got, _ := json.Marshal(a[actions]); string(got) != `[{"Ref":"`+topic+`"}]` {
			t.Errorf("%s = %s, want the topic %s", actions, got, topic)
		}
	}
}

func TestSiteInOtherRegionGetsEdgeAlarmsInUsEast1Stack(t *testing.T) {
	site, edge := edgeSite(t, "ap-northeast-1")
	siteStack := awscdk.Stack_Of(site.Construct)
	edgeStack := awscdk.Stack_Of(edge.Construct)
	cdktest.CheckGates(t, siteStack, edgeStack)
	if *edgeStack.StackName() != "Test-EdgeAlarms" || *edgeStack.Region() != "us-east-1" || *edgeStack.Account() != "123456789012" {
		t.Errorf("edge alarms in %s (%s, %s), want Test-EdgeAlarms in us-east-1, 123456789012",
			*edgeStack.StackName(), *edgeStack.Region(), *edgeStack.Account())
	}
	deps := *edgeStack.Dependencies()
	if len(deps) != 1 || *deps[0].StackName() != "Test" {
		t.Errorf("edge stack depends on %v, want the site's stack Test (deployed first)", deps)
	}
	tpl := assertions.Template_FromStack(edgeStack, nil)
	topic, ok := edge.Topic.(awssns.Topic)
	if !ok {
		t.Fatalf("topic = %T, want one created in the edge stack", edge.Topic)
	}
	if *awscdk.Stack_Of(topic).Region() != "us-east-1" {
		t.Errorf("topic in %s, want us-east-1", *awscdk.Stack_Of(topic).Region())
	}
	a := edgeAlarmProps(t, tpl)
	// The id crosses regions as the feature flag
	// @aws-cdk/core:defaultCrossStackReferences says: cdk.json's "weak" reads
	// the site stack's output; CDK's default ("strong") reads the SSM
	// parameter that the site stack's export writer puts in us-east-1.
	id := a["Dimensions"].([]any)[0].(map[string]any)["Value"]
	switch ref := id.(map[string]any); {
	case ref["Fn::GetStackOutput"] != nil:
		out := ref["Fn::GetStackOutput"].(map[string]any)
		if out["StackName"] != "Test" || out["Region"] != "ap-northeast-1" {
			t.Errorf("distribution id read from %v, want the site stack's output", out)
		}
	case ref["Fn::GetAtt"] != nil:
		if got := fmt.Sprint(ref["Fn::GetAtt"]); !strings.Contains(got, "ExportsReader") || !strings.Contains(got, "RefSiteDistribution") {
			t.Errorf("distribution id read from %s, want CDK's export reader", got)
		}
	default:
		t.Errorf("distribution id = %v, want a cross-region reference to the site's stack", id)
	}
	checkEdgeAlarm(t, a, id, *edgeStack.GetLogicalId(topic.Node().DefaultChild().(awscdk.CfnElement)))
	cdktest.Has(t, tpl, "AWS::SNS::Topic", map[string]any{"KmsMasterKeyId": assertions.Match_AnyValue()})
	cdktest.Count(t, assertions.Template_FromStack(siteStack, nil), "AWS::CloudWatch::Alarm", len(alarmNames()))
	if edge.Alarms[AlarmCloudFront5xx] == nil {
		t.Error("EdgeAlarms.Alarms has no CloudFront5xx")
	}
}

// TestSiteInOtherRegionGetsEdgeAlarmsUnderDefaultFlags: without cdk.json's
// "weak" references, CDK makes the distribution's id a strong reference
// (an export writer and reader), which still synthesizes, passes the gates
// and needs no CrossRegionReferences.
func TestSiteInOtherRegionGetsEdgeAlarmsUnderDefaultFlags(t *testing.T) {
	cdktest.RunWithDefaultFlags(t, "^TestSiteInOtherRegionGetsEdgeAlarmsInUsEast1Stack$")
}

func TestSiteInUsEast1GetsEdgeAlarmsInItsOwnStack(t *testing.T) {
	site, edge := edgeSite(t, "us-east-1")
	siteStack := awscdk.Stack_Of(site.Construct)
	cdktest.CheckGates(t, siteStack)
	if got := awscdk.Stack_Of(edge.Construct); got != siteStack {
		t.Errorf("edge alarms in %s, want the site's stack", *got.StackName())
	}
	if edge.Topic != site.AlarmTopic {
		t.Error("edge alarms do not send to the site's AlarmTopic")
	}
	tpl := assertions.Template_FromStack(siteStack, nil)
	cdktest.Count(t, tpl, "AWS::SNS::Topic", 1)
	checkEdgeAlarm(t, edgeAlarmProps(t, tpl), map[string]any{"Ref": logicalIDIn(siteStack, site.Distribution)},
		logicalIDIn(siteStack, site.AlarmTopic.(awssns.Topic)))
}

func logicalIDIn(stack awscdk.Stack, c constructs.IConstruct) string {
	return *stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

func TestEdgeAlarmsFailOnPropsThatCannotWork(t *testing.T) {
	dist := func(stack awscdk.Stack) awscloudfront.IDistribution {
		return awscloudfront.Distribution_FromDistributionAttributes(stack, jsii.String("Dist"), &awscloudfront.DistributionAttributes{
			DistributionId: jsii.String("E123"), DomainName: jsii.String("d123.cloudfront.net"),
		})
	}
	tests := []struct {
		name   string
		region string
		edit   func(awscdk.Stack, *EdgeAlarmsProps)
		want   string
	}{
		{"NoDistribution", "us-east-1", func(_ awscdk.Stack, p *EdgeAlarmsProps) { p.Distribution = nil }, "Distribution is required"},
		{"OtherRegion", "eu-west-1", func(awscdk.Stack, *EdgeAlarmsProps) {}, "the stack is in eu-west-1: CloudFront's metrics are only in us-east-1"},
		{"NaN", "us-east-1", func(_ awscdk.Stack, p *EdgeAlarmsProps) { p.CloudFront5xxPercent = jsii.Number(math.NaN()) }, "CloudFront5xxPercent NaN is not a number"},
		{"Zero", "us-east-1", func(_ awscdk.Stack, p *EdgeAlarmsProps) { p.CloudFront5xxPercent = jsii.Number(0) }, "CloudFront5xxPercent 0 is out of range"},
		{"Over100", "us-east-1", func(_ awscdk.Stack, p *EdgeAlarmsProps) { p.CloudFront5xxPercent = jsii.Number(150) }, "CloudFront5xxPercent 150 is out of range"},
		{"EmailWithTopic", "us-east-1", func(s awscdk.Stack, p *EdgeAlarmsProps) {
			p.Email, p.Topic = "ops@example.com", awssns.NewTopic(s, jsii.String("Mine"), nil)
		}, "Email is set with Topic"},
		{"BadEmail", "us-east-1", func(_ awscdk.Stack, p *EdgeAlarmsProps) { p.Email = "ops" }, `Email "ops" is not an e-mail address`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := awscdk.NewApp(nil)
			stack := awscdk.NewStack(app, jsii.String("Stack"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String(tt.region)}})
			p := EdgeAlarmsProps{Distribution: dist(stack)}
			tt.edit(stack, &p)
			var msg string
			func() {
				defer func() { msg = fmt.Sprint(recover()) }()
				NewEdgeAlarms(stack, "Edge", &p)
			}()
			if want := "webapp Stack/Edge: " + tt.want; !strings.Contains(msg, want) {
				t.Errorf("message = %q, want it to contain %q", msg, want)
			}
		})
	}
}

func TestEdgeAlarmsThresholdAndEmailAreProps(t *testing.T) {
	app := awscdk.NewApp(nil)
	other := awscdk.NewStack(app, jsii.String("Other"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("us-east-1")}})
	dist := awscloudfront.Distribution_FromDistributionAttributes(other, jsii.String("Dist"), &awscloudfront.DistributionAttributes{
		DistributionId: jsii.String("E123"), DomainName: jsii.String("d123.cloudfront.net"),
	})
	stack := NewEdgeAlarmsStack(app, "Edge", &EdgeAlarmsStackProps{EdgeAlarmsProps: EdgeAlarmsProps{
		Distribution: dist, CloudFront5xxPercent: jsii.Number(2.5), Email: "ops@example.com",
	}})
	tpl := assertions.Template_FromStack(stack.Stack, nil)
	cdktest.Has(t, tpl, "AWS::CloudWatch::Alarm", map[string]any{
		"MetricName": "5xxErrorRate", "Threshold": 2.5,
		"Dimensions": assertions.Match_ArrayWith(&[]any{map[string]any{"Name": "DistributionId", "Value": "E123"}}),
	})
	cdktest.Has(t, tpl, "AWS::SNS::Subscription", map[string]any{"Protocol": "email", "Endpoint": "ops@example.com"})
	if *stack.Region() != "us-east-1" {
		t.Errorf("region = %s, want us-east-1", *stack.Region())
	}
}
