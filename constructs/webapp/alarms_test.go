package webapp

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/tools/cdktest"
)

// alarmsByName are the site's alarms in the template, by the AlarmName that
// starts their description.
func alarmsByName(t *testing.T, s *synthesized) map[AlarmName]map[string]any {
	t.Helper()
	out := map[AlarmName]map[string]any{}
	for _, a := range cdktest.Resources(s.tpl, "AWS::CloudWatch::Alarm") {
		props := a["Properties"].(map[string]any)
		name, _, _ := strings.Cut(props["AlarmDescription"].(string), " ")
		out[AlarmName(name)] = props
	}
	return out
}

func TestAlarmsAreOnByDefaultWithTheirThresholds(t *testing.T) {
	s := config(t, "default")
	w := s.sites[0]
	want := map[AlarmName]struct {
		metric    string
		threshold float64
	}{
		AlarmFunctionErrors:    {"Errors", 5},
		AlarmFunctionThrottles: {"Throttles", 1},
		AlarmFunctionDuration:  {"Duration", 8000}, // 80 % of the 10 s timeout
		AlarmApi5xx:            {"5XXError", 0.05},
		AlarmApiLatency:        {"Latency", 3000},
	}
	got := alarmsByName(t, s)
	if len(got) != len(want) || len(w.Alarms) != len(want) {
		t.Fatalf("%d alarms in the template, %d in WebApp.Alarms; want %d", len(got), len(w.Alarms), len(want))
	}
	topic := logicalID(s, w.AlarmTopic.(awssns.Topic))
	for name, wa := range want {
		a := got[name]
		if a["MetricName"] != wa.metric || a["Threshold"] != wa.threshold {
			t.Errorf("%s watches %v at %v, want %s at %g", name, a["MetricName"], a["Threshold"], wa.metric, wa.threshold)
		}
		if a["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" || a["TreatMissingData"] != "notBreaching" ||
			a["EvaluationPeriods"] != 3.0 || a["DatapointsToAlarm"] != 2.0 || a["Period"] != 60.0 {
			t.Errorf("%s: %v", name, a)
		}
		for _, actions := range []string{"AlarmActions", "OKActions"} {
			if got, _ := json.Marshal(a[actions]); string(got) != `[{"Ref":"`+topic+`"}]` {
				t.Errorf("%s's %s = %s, want the topic %s", name, actions, got, topic)
			}
		}
		if w.Alarms[name] == nil {
			t.Errorf("WebApp.Alarms[%s] is nil", name)
		}
	}
	// The stage's metrics are the stage's, not every stage of the API.
	if dims, _ := json.Marshal(got[AlarmApi5xx]["Dimensions"]); !strings.Contains(string(dims), `"Stage"`) {
		t.Errorf("Api5xx's dimensions = %s, want the stage among them", dims)
	}
}

func TestAlarmTopicIsEncryptedForCloudWatch(t *testing.T) {
	s := config(t, "default")
	cdktest.Count(t, s.tpl, "AWS::SNS::Topic", 1)
	cdktest.Count(t, s.tpl, "AWS::SNS::Subscription", 0)
	key := cdktest.Resources(s.tpl, "AWS::KMS::Key")
	if len(key) != 1 {
		t.Fatalf("%d KMS keys, want the topic's", len(key))
	}
	for id, k := range key {
		cdktest.Has(t, s.tpl, "AWS::SNS::Topic", map[string]any{"KmsMasterKeyId": map[string]any{"Fn::GetAtt": []any{id, "Arn"}}})
		props := k["Properties"].(map[string]any)
		if props["EnableKeyRotation"] != true {
			t.Error("the topic's key does not rotate")
		}
		if policy, _ := json.Marshal(props["KeyPolicy"]); !strings.Contains(string(policy), `"cloudwatch.amazonaws.com"`) {
			t.Errorf("the key's policy %s does not let CloudWatch publish", policy)
		}
	}
	cdktest.Count(t, s.tpl, "AWS::SNS::TopicPolicy", 1) // EnforceSSL
}

func TestAlarmsAreTunedAndSubscribed(t *testing.T) {
	s := config(t, "rollout")
	cdktest.Has(t, s.tpl, "AWS::SNS::Subscription", map[string]any{"Protocol": "email", "Endpoint": "oncall@example.com"})
	site := alarmsByName(t, s)
	if site[AlarmFunctionErrors]["Threshold"] != 2.0 || site[AlarmApiLatency]["Threshold"] != 1500.0 {
		t.Errorf("thresholds %v and %v, want the props' 2 and 1500", site[AlarmFunctionErrors]["Threshold"], site[AlarmApiLatency]["Threshold"])
	}
	// The linear site turned every alarm off, and its dashboard.
	linear := s.sites[1]
	if linear.Alarms != nil || linear.AlarmTopic != nil || linear.Dashboard != nil {
		t.Errorf("Alarms %v, AlarmTopic %v, Dashboard %v with every alarm and the dashboard off, want nil", linear.Alarms, linear.AlarmTopic, linear.Dashboard)
	}
	cdktest.Count(t, s.tpl, "AWS::CloudWatch::Alarm", len(alarmNames()))
	cdktest.Count(t, s.tpl, "AWS::SNS::Topic", 1)
	cdktest.Count(t, s.tpl, "AWS::CloudWatch::Dashboard", 1)
}

// TestCanaryRollsBackOnTheSitesAlarms: the deployment group watches every
// alarm of its site, and a rollout without alarms still rolls back a failed
// deployment.
func TestCanaryRollsBackOnTheSitesAlarms(t *testing.T) {
	s := config(t, "rollout")
	groups := cdktest.Resources(s.tpl, "AWS::CodeDeploy::DeploymentGroup")
	site, linear := groups[logicalID(s, s.sites[0].Rollout)], groups[logicalID(s, s.sites[1].Rollout)]
	config, _ := json.Marshal(site["Properties"].(map[string]any)["AlarmConfiguration"])
	for name, alarm := range s.sites[0].Alarms {
		if !strings.Contains(string(config), `{"Ref":"`+logicalID(s, alarm)+`"}`) {
			t.Errorf("the canary's AlarmConfiguration %s lacks %s", config, name)
		}
	}
	if !strings.Contains(string(config), `"Enabled":true`) {
		t.Errorf("AlarmConfiguration = %s, want it enabled", config)
	}
	rollback, _ := json.Marshal(site["Properties"].(map[string]any)["AutoRollbackConfiguration"])
	if !strings.Contains(string(rollback), "DEPLOYMENT_STOP_ON_ALARM") {
		t.Errorf("AutoRollbackConfiguration = %s, want a rollback on alarm", rollback)
	}
	linearConfig, _ := json.Marshal(linear["Properties"].(map[string]any)["AlarmConfiguration"])
	if strings.Contains(string(linearConfig), "Ref") {
		t.Errorf("the linear site has no alarms, but its group watches %s", linearConfig)
	}
}

func TestDashboardShowsTheSite(t *testing.T) {
	s := config(t, "default")
	cdktest.Count(t, s.tpl, "AWS::CloudWatch::Dashboard", 1)
	body, _ := json.Marshal(cdktest.Props(t, s.tpl, "AWS::CloudWatch::Dashboard")["DashboardBody"])
	for _, want := range []string{"Requests and errors", "API latency", "Function duration", "Function concurrency", "Alarms", "5XXError", "Throttles"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the dashboard lacks %q", want)
		}
	}
	if s.sites[0].Dashboard == nil {
		t.Error("WebApp.Dashboard is nil")
	}
}

func TestBadAlarmOptionsFailSynth(t *testing.T) {
	tests := []struct {
		name string
		opts func(stack awscdk.Stack) *AlarmOptions
		want string
	}{
		{"NaN", func(awscdk.Stack) *AlarmOptions { return &AlarmOptions{FunctionErrors: new(math.NaN())} },
			`webapp Test/Site: Alarms.FunctionErrors NaN is not a number`},
		{"Zero", func(awscdk.Stack) *AlarmOptions { return &AlarmOptions{FunctionThrottles: new(0.0)} },
			`webapp Test/Site: Alarms.FunctionThrottles 0 is out of range: give a threshold above 0`},
		{"PercentAbove100", func(awscdk.Stack) *AlarmOptions { return &AlarmOptions{Api5xxPercent: new(150.0)} },
			`webapp Test/Site: Alarms.Api5xxPercent 150 is out of range: give a threshold above 0 and at most 100`},
		{"NegativeLatency", func(awscdk.Stack) *AlarmOptions {
			return &AlarmOptions{ApiLatency: awscdk.Duration_Millis(jsii.Number(0))}
		}, `webapp Test/Site: Alarms.ApiLatency is not positive`},
		{"UnknownOff", func(awscdk.Stack) *AlarmOptions { return &AlarmOptions{Off: []AlarmName{"CloudFront5xx"}} },
			`webapp Test/Site: Alarms.Off entry "CloudFront5xx" is unknown`},
		{"BadEmail", func(awscdk.Stack) *AlarmOptions { return &AlarmOptions{Email: "oncall"} },
			`webapp Test/Site: Alarms.Email "oncall" is not an e-mail address`},
		{"EmailWithTopic", func(stack awscdk.Stack) *AlarmOptions {
			return &AlarmOptions{Email: "oncall@example.com", Topic: awssns.NewTopic(stack, jsii.String("Own"), nil)}
		}, `webapp Test/Site: Alarms.Email is set with Alarms.Topic`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := newWebAppError(t, "us-east-1", func(stack awscdk.Stack, p *Props) { p.Alarms = tt.opts(stack) })
			if !strings.Contains(msg, tt.want) {
				t.Errorf("message %q, want %q", msg, tt.want)
			}
		})
	}
}

func TestGivenTopicReceivesTheAlarms(t *testing.T) {
	app := cdktest.NewApp(t, nil)
	stack := awscdk.NewStack(app, jsii.String("Test"), nil)
	topic := awssns.Topic_FromTopicArn(stack, jsii.String("Team"), jsii.String("arn:aws:sns:eu-west-1:123456789012:oncall"))
	p := baseProps()
	p.Alarms = &AlarmOptions{Topic: topic}
	w := NewWebApp(stack, "Site", &p)
	if w.AlarmTopic != topic {
		t.Error("AlarmTopic is not the given topic")
	}
	tpl := assertions.Template_FromStack(stack, nil)
	cdktest.Count(t, tpl, "AWS::SNS::Topic", 0)
	cdktest.Count(t, tpl, "AWS::KMS::Key", 0)
	cdktest.CountMatching(t, tpl, "AWS::CloudWatch::Alarm",
		map[string]any{"AlarmActions": []any{"arn:aws:sns:eu-west-1:123456789012:oncall"}}, len(alarmNames()))
}

// TestApiMetricsAreTheSites: API Gateway's metrics are per API name, so
// each site's API has its own name, and its alarms name it.
func TestApiMetricsAreTheSites(t *testing.T) {
	s := config(t, "two-sites")
	names := map[string]bool{}
	for _, api := range cdktest.Resources(s.tpl, "AWS::ApiGateway::RestApi") {
		names[api["Properties"].(map[string]any)["Name"].(string)] = true
	}
	if len(names) != 2 {
		t.Fatalf("the two sites' APIs are named %v, want two names", keys(names))
	}
	for _, w := range s.sites {
		dims, _ := json.Marshal(cdktest.Resources(s.tpl, "AWS::CloudWatch::Alarm")[logicalID(s, w.Alarms[AlarmApi5xx])]["Properties"].(map[string]any)["Dimensions"])
		if !strings.Contains(string(dims), *w.Node().Id()) {
			t.Errorf("%s's Api5xx alarm watches %s, want its own API", *w.Node().Id(), dims)
		}
	}
}
