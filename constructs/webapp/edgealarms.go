package webapp

import (
	"fmt"
	"math"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// AlarmCloudFront5xx: CloudFront answers too many viewer requests with a 5xx,
// whether the origin (API Gateway, S3) or CloudFront itself made it. It is
// an edge alarm (EdgeAlarms), not one of WebApp.Alarms: CloudFront
// publishes its metrics only in us-east-1.
const AlarmCloudFront5xx AlarmName = "CloudFront5xx"

// DefaultCloudFront5xxAlarmPercent is EdgeAlarmsProps.CloudFront5xxPercent's
// default.
const DefaultCloudFront5xxAlarmPercent = 5

// edgeRegion is the only region where CloudFront publishes its metrics, and
// an alarm can watch only a metric of its own region (aws-cdk#30483).
const edgeRegion = "us-east-1"

// EdgeAlarmsProps configure NewEdgeAlarms, NewEdgeAlarmsStack and
// NewSiteEdgeAlarms.
type EdgeAlarmsProps struct {
	// Distribution is the site's distribution (WebApp.Distribution).
	// Required, except by NewSiteEdgeAlarms, which takes the site's.
	Distribution awscloudfront.IDistribution
	// CloudFront5xxPercent is the share of viewer requests answered with a
	// 5xx, in percent, in two minutes of three, that fires
	// AlarmCloudFront5xx.
	// Default: 5.
	CloudFront5xxPercent *float64
	// Topic receives the alarms and their return to OK; it must be in
	// us-east-1, as an alarm notifies only topics of its own region.
	// Default: a topic of its own in us-east-1, SSL only and encrypted with
	// a KMS key that CloudWatch may use, like the site's (AlarmOptions.Topic);
	// NewSiteEdgeAlarms uses the site's WebApp.AlarmTopic when the site is in
	// us-east-1.
	Topic awssns.ITopic
	// Email is subscribed to the topic created. Not with Topic.
	// Default: no subscription.
	Email string
}

// EdgeAlarms are the alarms on a site's CloudFront distribution, in
// us-east-1.
type EdgeAlarms struct {
	constructs.Construct
	// Alarms by name: AlarmCloudFront5xx.
	Alarms map[AlarmName]awscloudwatch.Alarm
	// Topic receives the alarms: EdgeAlarmsProps.Topic or the one created.
	Topic awssns.ITopic
}

// NewEdgeAlarms adds the alarms on a distribution to scope, which must be in
// a stack in us-east-1 (or one whose region is decided at deploy time, then
// deployed there): elsewhere the alarm would watch a metric that is never
// published. Props that cannot work panic naming the prop.
func NewEdgeAlarms(scope constructs.Construct, id string, props *EdgeAlarmsProps) *EdgeAlarms {
	path := id
	if parent := *scope.Node().Path(); parent != "" {
		path = parent + "/" + id
	}
	if err := props.validate(path, *awscdk.Stack_Of(scope).Region()); err != nil {
		panic(err)
	}
	this := constructs.NewConstruct(scope, &id)
	percent := float64(DefaultCloudFront5xxAlarmPercent)
	if props.CloudFront5xxPercent != nil {
		percent = *props.CloudFront5xxPercent
	}
	metric := awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:  jsii.String("AWS/CloudFront"),
		MetricName: jsii.String("5xxErrorRate"),
		DimensionsMap: &map[string]*string{
			"DistributionId": props.Distribution.DistributionId(),
			// CloudFront's metrics are global, published under this dimension.
			"Region": jsii.String("Global"),
		},
		Period:    awscdk.Duration_Minutes(jsii.Number(1)),
		Statistic: jsii.String("Average"),
	})
	topic := props.Topic
	if topic == nil {
		topic = newAlarmTopic(this, props.Email)
	}
	alarm := siteAlarm{AlarmCloudFront5xx, metric, percent,
		"Viewers get a 5xx from CloudFront (the value is the share of requests, in percent): if the site's Api5xx alarm fires too, the API is failing (see its alarms); " +
			"if not, look at the distribution's 5xx by status in the CloudFront console: 502/504 are the origin refusing or too slow (the origin key, API Gateway's limits), 500/503 may be CloudFront's own (see the AWS Health Dashboard)"}
	return &EdgeAlarms{
		Construct: this,
		Alarms:    map[AlarmName]awscloudwatch.Alarm{AlarmCloudFront5xx: alarm.create(this, topic)},
		Topic:     topic,
	}
}

func (p *EdgeAlarmsProps) validate(path, region string) error {
	if p == nil {
		return fmt.Errorf("webapp %s: EdgeAlarmsProps are required: give the Distribution to watch", path)
	}
	var problems []string
	add := func(format string, args ...any) {
		problems = append(problems, "webapp "+path+": "+fmt.Sprintf(format, args...))
	}
	if p.Distribution == nil {
		add("Distribution is required: the site's distribution (WebApp.Distribution)")
	}
	if !unresolved(region) && region != edgeRegion {
		add("the stack is in %s: CloudFront's metrics are only in %s, and an alarm watches only its own region's; put the alarms in a stack in %s (NewEdgeAlarmsStack, NewSiteEdgeAlarms)", region, edgeRegion, edgeRegion)
	}
	if v := p.CloudFront5xxPercent; v != nil {
		switch {
		case math.IsNaN(*v) || math.IsInf(*v, 0):
			add("CloudFront5xxPercent %g is not a number: give a percentage above 0 and at most 100", *v)
		case *v <= 0 || *v > 100:
			add("CloudFront5xxPercent %g is out of range: give a percentage above 0 and at most 100", *v)
		}
	}
	switch {
	case p.Email != "" && p.Topic != nil:
		add("Email is set with Topic: subscribe the address to your own topic, or drop Topic for one created")
	case p.Email != "" && !unresolved(p.Email) && !emailPattern.MatchString(p.Email):
		add("Email %q is not an e-mail address", p.Email)
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(problems, "\n"))
}

// EdgeAlarmsStackProps configure NewEdgeAlarmsStack.
type EdgeAlarmsStackProps struct {
	// StackProps are passed to the stack; Env.Region is forced to
	// us-east-1. Env.Account should be the site stack's account.
	awscdk.StackProps
	EdgeAlarmsProps
}

// EdgeAlarmsStack is a us-east-1 stack that holds a site's edge alarms.
type EdgeAlarmsStack struct {
	awscdk.Stack
	// Alarms are the stack's child "EdgeAlarms".
	Alarms *EdgeAlarms
}

// NewEdgeAlarmsStack creates a stack in us-east-1 with the alarms on the
// distribution of a site whose own stack is in another region. The
// distribution's id is a plain cross-region reference, as the certificate's
// ARN is for NewCertificateStack, but the other way round: CDK deploys the
// site's stack first. With @aws-cdk/core:defaultCrossStackReferences "weak"
// (RecommendedContext) the alarm reads the id with Fn::GetStackOutput from an
// output of the site's stack; unset, CDK warns and makes it "strong", with
// a custom resource in the site's stack writing the id to an SSM parameter
// in us-east-1 and one here reading it, which keeps the site's stack from
// changing the id while this stack uses it. Either way synth needs no
// CrossRegionReferences on the stacks.
func NewEdgeAlarmsStack(scope constructs.Construct, id string, props *EdgeAlarmsStackProps) *EdgeAlarmsStack {
	if props == nil {
		props = &EdgeAlarmsStackProps{}
	}
	sp := props.StackProps
	env := awscdk.Environment{Region: jsii.String(edgeRegion)}
	if sp.Env != nil {
		env.Account = sp.Env.Account
	}
	sp.Env = &env
	if sp.Description == nil {
		sp.Description = jsii.String("Alarms in us-east-1 on a web app's CloudFront distribution")
	}
	stack := awscdk.NewStack(scope, &id, &sp)
	alarms := NewEdgeAlarms(stack, "EdgeAlarms", &props.EdgeAlarmsProps)
	// The export reader of a strong cross-region reference, as for the sites.
	stack.Node().AddValidation(&sharedHandlerTidy{stack: stack})
	return &EdgeAlarmsStack{Stack: stack, Alarms: alarms}
}

// NewSiteEdgeAlarms adds the edge alarms of site where CloudWatch can hold
// them. When the site's stack is in us-east-1, they are the child
// "EdgeAlarms" of site and, unless props give a Topic, send to the site's
// WebApp.AlarmTopic (then Email is not used: the site's topic has its own,
// Alarms.Email) or, with the site's alarms off, to a topic of their own.
// When the site's stack is in another region, they go into
// NewEdgeAlarmsStack, added to scope (the app, or the Stage that holds the
// site's stack) with the id of the site's stack followed by "-EdgeAlarms", in
// the site's account. props.Distribution defaults to the site's. It returns
// nil when the site's stack has no region at synth time: where CloudFront's
// metrics are cannot be decided; give the stack an env.
func NewSiteEdgeAlarms(scope constructs.Construct, site *WebApp, props *EdgeAlarmsProps) *EdgeAlarms {
	p := EdgeAlarmsProps{}
	if props != nil {
		p = *props // a copy: the caller's props are not changed
	}
	if p.Distribution == nil {
		p.Distribution = site.Distribution
	}
	siteStack := awscdk.Stack_Of(site.Construct)
	switch region := *siteStack.Region(); {
	case unresolved(region):
		return nil
	case region == edgeRegion:
		if p.Topic == nil && site.AlarmTopic != nil {
			p.Topic, p.Email = site.AlarmTopic, ""
		}
		return NewEdgeAlarms(site.Construct, "EdgeAlarms", &p)
	default:
		stack := NewEdgeAlarmsStack(scope, *siteStack.Node().Id()+"-EdgeAlarms", &EdgeAlarmsStackProps{
			StackProps:      awscdk.StackProps{Env: &awscdk.Environment{Account: siteStack.Account()}},
			EdgeAlarmsProps: p,
		})
		return stack.Alarms
	}
}
