package webapp

import (
	"fmt"
	"math"
	"regexp"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// AlarmName names one of the site's alarms (WebApp.Alarms, AlarmOptions.Off).
type AlarmName string

// The site's alarms. Each watches one-minute periods and fires when two of
// the last three breach, so one bad minute does not page anyone, and a bad
// canary is caught within its first minutes.
const (
	// AlarmFunctionErrors: the function returned errors or crashed.
	AlarmFunctionErrors AlarmName = "FunctionErrors"
	// AlarmFunctionThrottles: Lambda refused invocations, because the
	// function's reserved concurrency is used up.
	AlarmFunctionThrottles AlarmName = "FunctionThrottles"
	// AlarmFunctionDuration: the slowest 1 % of invocations come near the
	// function's timeout.
	AlarmFunctionDuration AlarmName = "FunctionDuration"
	// AlarmApi5xx: the stage answers too many requests with a 5XX.
	AlarmApi5xx AlarmName = "Api5xx"
	// AlarmApiLatency: the slowest 1 % of requests take too long.
	AlarmApiLatency AlarmName = "ApiLatency"
)

// alarmNames are the alarms in the order they are created and shown.
func alarmNames() []AlarmName {
	return []AlarmName{AlarmFunctionErrors, AlarmFunctionThrottles, AlarmFunctionDuration, AlarmApi5xx, AlarmApiLatency}
}

// Defaults of AlarmOptions.
const (
	DefaultFunctionErrorsAlarm    = 5
	DefaultFunctionThrottlesAlarm = 1
	// DefaultFunctionDurationAlarmPercent of FunctionTimeout.
	DefaultFunctionDurationAlarmPercent = 80
	DefaultApi5xxAlarmPercent           = 5
	DefaultApiLatencyAlarmSeconds       = 3
)

// AlarmOptions tune the site's alarms (Props.Alarms). Each threshold is per
// minute, breached in two minutes of three.
type AlarmOptions struct {
	// Topic receives every alarm and its return to OK.
	// Default: a topic of the site's (WebApp.AlarmTopic), SSL only and
	// encrypted with a KMS key of its own that CloudWatch may use.
	Topic awssns.ITopic
	// Email is subscribed to the site's topic; the address must confirm
	// the subscription AWS mails it. Not with Topic: subscribe to your own
	// topic yourself.
	// Default: no subscription.
	Email string
	// FunctionErrors is the number of errors a minute that fires
	// AlarmFunctionErrors.
	// Default: 5.
	FunctionErrors *float64
	// FunctionThrottles is the number of throttled invocations a minute that
	// fires AlarmFunctionThrottles.
	// Default: 1.
	FunctionThrottles *float64
	// FunctionDuration is the p99 duration that fires AlarmFunctionDuration.
	// Default: 80 % of FunctionTimeout.
	FunctionDuration awscdk.Duration
	// Api5xxPercent is the share of the stage's requests answered with a
	// 5XX, in percent, that fires AlarmApi5xx.
	// Default: 5.
	Api5xxPercent *float64
	// ApiLatency is the stage's p99 latency that fires AlarmApiLatency.
	// Default: 3 seconds.
	ApiLatency awscdk.Duration
	// Off lists the alarms not to create.
	// Default: every alarm is created.
	Off []AlarmName
}

var emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// validate adds a problem for each option that cannot work.
func (o *AlarmOptions) validate(add func(string, ...any)) {
	if o == nil {
		return
	}
	checkNumber := func(prop string, v *float64, max float64) {
		switch {
		case v == nil:
		case math.IsNaN(*v) || math.IsInf(*v, 0):
			add("Alarms.%s %g is not a number: give a threshold above 0", prop, *v)
		case *v <= 0 || *v > max:
			add("Alarms.%s %g is out of range: give a threshold above 0 and at most %g, or list the alarm in Alarms.Off", prop, *v, max)
		}
	}
	checkNumber("FunctionErrors", o.FunctionErrors, math.MaxFloat64)
	checkNumber("FunctionThrottles", o.FunctionThrottles, math.MaxFloat64)
	checkNumber("Api5xxPercent", o.Api5xxPercent, 100)
	for prop, d := range map[string]awscdk.Duration{"FunctionDuration": o.FunctionDuration, "ApiLatency": o.ApiLatency} {
		if d != nil && !unresolved(d) && *d.ToMilliseconds(nil) <= 0 {
			add("Alarms.%s is not positive: give a duration such as awscdk.Duration_Seconds(3), or list the alarm in Alarms.Off", prop)
		}
	}
	for _, name := range o.Off {
		if !slices.Contains(alarmNames(), name) {
			add("Alarms.Off entry %q is unknown: the alarms are %v", name, alarmNames())
		}
	}
	switch {
	case o.Email != "" && o.Topic != nil:
		add("Alarms.Email is set with Alarms.Topic: subscribe the address to your own topic, or drop Topic for the site's")
	case o.Email != "" && !unresolved(o.Email) && !emailPattern.MatchString(o.Email):
		add("Alarms.Email %q is not an e-mail address", o.Email)
	}
}

// siteAlarm is one alarm as the construct defines it.
type siteAlarm struct {
	name      AlarmName
	metric    awscloudwatch.Metric
	threshold float64
	// meaning says what the alarm means and what to do, in its description.
	meaning string
}

// newAlarms creates the site's alarms, sending each to the topic, which it
// creates unless o gives one. Nil when every alarm is off.
func newAlarms(scope constructs.Construct, o AlarmOptions, p Props, w *WebApp) (map[AlarmName]awscloudwatch.Alarm, awssns.ITopic) {
	minute := awscdk.Duration_Minutes(jsii.Number(1))
	number := func(v *float64, def float64) float64 {
		if v == nil {
			return def
		}
		return *v
	}
	millis := func(d awscdk.Duration, def float64) float64 {
		if d == nil {
			return def
		}
		return *d.ToMilliseconds(nil)
	}
	timeoutMs := *p.FunctionTimeout.ToMilliseconds(nil)
	stage := w.Api.DeploymentStage()
	all := []siteAlarm{
		{AlarmFunctionErrors, w.Function.MetricErrors(&awscloudwatch.MetricOptions{Period: minute, Statistic: jsii.String("Sum")}),
			number(o.FunctionErrors, DefaultFunctionErrorsAlarm),
			"The function returns errors or crashes: read its log group for the errors; if they started with a deploy, roll the alias live back"},
		{AlarmFunctionThrottles, w.Function.MetricThrottles(&awscloudwatch.MetricOptions{Period: minute, Statistic: jsii.String("Sum")}),
			number(o.FunctionThrottles, DefaultFunctionThrottlesAlarm),
			"Lambda refuses invocations (users get a 500): the reserved concurrency is used up by slow requests or a flood; check Duration and the API's Count, then raise FunctionReservedConcurrency or fix what is slow"},
		{AlarmFunctionDuration, w.Function.MetricDuration(&awscloudwatch.MetricOptions{Period: minute, Statistic: jsii.String("p99")}),
			millis(o.FunctionDuration, timeoutMs*DefaultFunctionDurationAlarmPercent/100),
			"The slowest requests come near the function's timeout: a dependency (the table, a remote call) is slow; find it in the logs or traces before requests time out"},
		{AlarmApi5xx, stage.MetricServerError(&awscloudwatch.MetricOptions{Period: minute, Statistic: jsii.String("Average")}),
			number(o.Api5xxPercent, DefaultApi5xxAlarmPercent) / 100,
			"API Gateway answers too many requests with a 5XX (the value is the share of requests): look at the function's errors and throttles, and at the stage's access logs for the status"},
		{AlarmApiLatency, stage.MetricLatency(&awscloudwatch.MetricOptions{Period: minute, Statistic: jsii.String("p99")}),
			millis(o.ApiLatency, DefaultApiLatencyAlarmSeconds*1000),
			"The slowest requests take too long end to end: compare with the function's Duration to see whether the function or API Gateway is slow"},
	}
	alarms := map[AlarmName]awscloudwatch.Alarm{}
	topic := o.Topic
	for _, a := range all {
		if slices.Contains(o.Off, a.name) {
			continue
		}
		if topic == nil {
			topic = newAlarmTopic(scope, o.Email)
		}
		alarms[a.name] = a.create(scope, topic)
	}
	if len(alarms) == 0 {
		return nil, nil
	}
	return alarms, topic
}

// create adds the alarm to scope, firing when two minutes of three breach
// its threshold and telling topic when it fires and when it returns to OK.
func (a siteAlarm) create(scope constructs.Construct, topic awssns.ITopic) awscloudwatch.Alarm {
	alarm := a.metric.CreateAlarm(scope, jsii.String(string(a.name)+"Alarm"), &awscloudwatch.CreateAlarmOptions{
		Threshold:          jsii.Number(a.threshold),
		EvaluationPeriods:  jsii.Number(3),
		DatapointsToAlarm:  jsii.Number(2),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		// No requests is no failure.
		TreatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
		AlarmDescription: jsii.String(fmt.Sprintf("%s (threshold %g). %s.", a.name, a.threshold, a.meaning)),
	})
	action := awscloudwatchactions.NewSnsAction(topic)
	alarm.AddAlarmAction(action)
	alarm.AddOkAction(action)
	return alarm
}

// newAlarmTopic is the site's alarm topic. CloudWatch cannot publish to a
// topic encrypted with the AWS managed key (aws/sns), whose policy it cannot
// be given, so the topic has a key of its own that allows CloudWatch.
func newAlarmTopic(scope constructs.Construct, email string) awssns.Topic {
	key := awskms.NewKey(scope, jsii.String("AlarmTopicKey"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the web app's alarm topic; CloudWatch may use it to publish"),
		EnableKeyRotation: jsii.Bool(true),
	})
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"), // in a key policy, * is this key
		Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Stack_Of(scope).Account()}},
	}), nil)
	topic := awssns.NewTopic(scope, jsii.String("AlarmTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("Web app alarms"),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	if email != "" {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(email), nil))
	}
	return topic
}

// newDashboard shows the site's traffic, errors and latency on one page,
// with the alarms' states at the top.
func newDashboard(scope constructs.Construct, p Props, w *WebApp) awscloudwatch.Dashboard {
	minute := awscdk.Duration_Minutes(jsii.Number(1))
	stage := w.Api.DeploymentStage()
	opts := func(stat, label string) *awscloudwatch.MetricOptions {
		return &awscloudwatch.MetricOptions{Period: minute, Statistic: jsii.String(stat), Label: jsii.String(label)}
	}
	graph := func(title string, left []awscloudwatch.IMetric, right []awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(title), Left: &left, Right: &right, Width: jsii.Number(8),
		})
	}
	timeout := awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
		Title: jsii.String("Function duration (ms)"), Width: jsii.Number(8),
		Left: &[]awscloudwatch.IMetric{
			w.Function.MetricDuration(opts("p50", "p50")), w.Function.MetricDuration(opts("p99", "p99")),
		},
		LeftAnnotations: &[]*awscloudwatch.HorizontalAnnotation{{
			Value: p.FunctionTimeout.ToMilliseconds(nil), Label: jsii.String("timeout"), Color: jsii.String("#d62728"),
		}},
	})
	var widgets []*[]awscloudwatch.IWidget
	if len(w.Alarms) > 0 {
		var alarms []interfacesawscloudwatch.IAlarmRef
		for _, name := range alarmNames() {
			if a, ok := w.Alarms[name]; ok {
				alarms = append(alarms, a)
			}
		}
		widgets = append(widgets, &[]awscloudwatch.IWidget{awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
			Title: jsii.String("Alarms"), Alarms: &alarms, Width: jsii.Number(24),
		})})
	}
	widgets = append(widgets,
		&[]awscloudwatch.IWidget{
			graph("Requests and errors (API stage)",
				[]awscloudwatch.IMetric{stage.MetricCount(opts("Sum", "requests"))},
				[]awscloudwatch.IMetric{stage.MetricClientError(opts("Sum", "4XX")), stage.MetricServerError(opts("Sum", "5XX"))}),
			graph("API latency (ms)",
				[]awscloudwatch.IMetric{stage.MetricLatency(opts("p50", "p50")), stage.MetricLatency(opts("p99", "p99")),
					stage.MetricIntegrationLatency(opts("p99", "integration p99"))}, nil),
			graph("Function invocations, errors, throttles",
				[]awscloudwatch.IMetric{w.Function.MetricInvocations(opts("Sum", "invocations"))},
				[]awscloudwatch.IMetric{w.Function.MetricErrors(opts("Sum", "errors")), w.Function.MetricThrottles(opts("Sum", "throttles"))}),
		},
		&[]awscloudwatch.IWidget{
			timeout,
			graph("Function concurrency",
				[]awscloudwatch.IMetric{w.Function.Metric(jsii.String("ConcurrentExecutions"), opts("Maximum", "concurrent executions"))}, nil),
		},
	)
	return awscloudwatch.NewDashboard(scope, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{Widgets: &widgets})
}
