package webapp

import (
	"fmt"
	"math"
	"regexp"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodedeploy"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// RolloutType says how a deploy moves the live alias to the new version.
type RolloutType string

const (
	// RolloutAllAtOnce moves every request to the new version as soon as
	// CloudFormation updates the alias, without CodeDeploy.
	RolloutAllAtOnce RolloutType = "allAtOnce"
	// RolloutCanary sends Percentage of the requests to the new version for
	// Interval, then all of them.
	RolloutCanary RolloutType = "canary"
	// RolloutLinear adds Percentage of the requests to the new version every
	// Interval until it has all of them.
	RolloutLinear RolloutType = "linear"
)

// maxRolloutMinutes is CodeDeploy's longest interval of a time-based
// deployment configuration: two days.
const maxRolloutMinutes = 2880

// RolloutOptions say how a deploy shifts traffic to the new version (see
// Props.Rollout).
type RolloutOptions struct {
	// Type is RolloutAllAtOnce, RolloutCanary or RolloutLinear. Required.
	Type RolloutType
	// Percentage is the canary's share of the requests (RolloutCanary), or
	// the share added at every step (RolloutLinear): a whole number from 1
	// to 99. Unused with RolloutAllAtOnce.
	Percentage float64
	// Interval is how long the canary runs before every request follows
	// (RolloutCanary), or the time between steps (RolloutLinear): whole
	// minutes, 1 to 2880. Unused with RolloutAllAtOnce.
	Interval awscdk.Duration
}

// shifted reports whether o moves traffic through CodeDeploy.
func (o *RolloutOptions) shifted() bool {
	return o != nil && o.Type != RolloutAllAtOnce
}

// rolloutPattern is a stage's rollout setting: canary10:5 is 10 % for 5
// minutes, linear10:1 adds 10 % every minute.
var rolloutPattern = regexp.MustCompile(`^(canary|linear)([0-9]+):([0-9]+)$`)

// ParseRollout reads a rollout as a stage's "rollout" setting writes it:
// "allAtOnce", "canaryP:M" (P percent of the requests for M minutes, then
// all) or "linearP:M" (P percent more every M minutes). The ranges are
// checked by the WebApp, which names the prop.
func ParseRollout(s string) (*RolloutOptions, error) {
	if s == string(RolloutAllAtOnce) {
		return &RolloutOptions{Type: RolloutAllAtOnce}, nil
	}
	m := rolloutPattern.FindStringSubmatch(s)
	if m == nil {
		return nil, fmt.Errorf("%q is not allAtOnce, canaryP:M or linearP:M (P percent, M minutes), for example canary10:5", s)
	}
	percent, _ := strconv.Atoi(m[2]) // digits only: it cannot fail short of overflow, which the range check refuses
	minutes, _ := strconv.Atoi(m[3])
	return &RolloutOptions{
		Type: RolloutType(m[1]), Percentage: float64(percent),
		Interval: awscdk.Duration_Minutes(jsii.Number(float64(minutes))),
	}, nil
}

// validate adds a problem for each option that CodeDeploy would refuse.
func (o *RolloutOptions) validate(add func(string, ...any)) {
	if o == nil {
		return
	}
	switch o.Type {
	case RolloutAllAtOnce:
		return
	case RolloutCanary, RolloutLinear:
	default:
		add("Rollout.Type %q is unknown: use webapp.RolloutAllAtOnce, RolloutCanary or RolloutLinear", o.Type)
		return
	}
	if p := o.Percentage; p < 1 || p > 99 || p != math.Trunc(p) {
		add("Rollout.Percentage %g is out of range: use a whole percentage from 1 to 99", p)
	}
	switch {
	case o.Interval == nil:
		add("Rollout.Interval is required with a %s rollout: give whole minutes, for example awscdk.Duration_Minutes(5)", o.Type)
	case unresolved(o.Interval):
	default:
		if m := *o.Interval.ToSeconds(nil) / 60; m <= 0 || m > maxRolloutMinutes || m != math.Trunc(m) {
			add("Rollout.Interval %gs is invalid: give whole minutes from 1 to %d", *o.Interval.ToSeconds(nil), maxRolloutMinutes)
		}
	}
}

// deploymentConfig is CodeDeploy's predefined configuration for o when
// there is one (no resource to deploy), else a configuration of the site's.
func (o *RolloutOptions) deploymentConfig(scope constructs.Construct) awscodedeploy.ILambdaDeploymentConfig {
	minutes := *o.Interval.ToMinutes(nil)
	if o.Percentage == 10 {
		predefined := map[RolloutType]map[float64]func() awscodedeploy.ILambdaDeploymentConfig{
			RolloutCanary: {
				5: awscodedeploy.LambdaDeploymentConfig_CANARY_10PERCENT_5MINUTES, 10: awscodedeploy.LambdaDeploymentConfig_CANARY_10PERCENT_10MINUTES,
				15: awscodedeploy.LambdaDeploymentConfig_CANARY_10PERCENT_15MINUTES, 30: awscodedeploy.LambdaDeploymentConfig_CANARY_10PERCENT_30MINUTES,
			},
			RolloutLinear: {
				1: awscodedeploy.LambdaDeploymentConfig_LINEAR_10PERCENT_EVERY_1MINUTE, 2: awscodedeploy.LambdaDeploymentConfig_LINEAR_10PERCENT_EVERY_2MINUTES,
				3: awscodedeploy.LambdaDeploymentConfig_LINEAR_10PERCENT_EVERY_3MINUTES, 10: awscodedeploy.LambdaDeploymentConfig_LINEAR_10PERCENT_EVERY_10MINUTES,
			},
		}
		if config, ok := predefined[o.Type][minutes]; ok {
			return config()
		}
	}
	var routing awscodedeploy.TrafficRouting
	if o.Type == RolloutCanary {
		routing = awscodedeploy.TrafficRouting_TimeBasedCanary(&awscodedeploy.TimeBasedCanaryTrafficRoutingProps{
			Percentage: jsii.Number(o.Percentage), Interval: o.Interval,
		})
	} else {
		routing = awscodedeploy.TrafficRouting_TimeBasedLinear(&awscodedeploy.TimeBasedLinearTrafficRoutingProps{
			Percentage: jsii.Number(o.Percentage), Interval: o.Interval,
		})
	}
	return awscodedeploy.NewLambdaDeploymentConfig(scope, jsii.String("RolloutConfig"), &awscodedeploy.LambdaDeploymentConfigProps{
		TrafficRouting: routing,
	})
}

// newDeploymentGroup lets CodeDeploy move the alias for o, and move it back
// when the deployment fails, is stopped, or one of alarms fires before it
// has finished.
func newDeploymentGroup(scope constructs.Construct, o *RolloutOptions, alias awslambda.Alias, alarms []awscloudwatch.IAlarm) awscodedeploy.LambdaDeploymentGroup {
	rollback := &awscodedeploy.AutoRollbackConfig{
		FailedDeployment: jsii.Bool(true), StoppedDeployment: jsii.Bool(true),
		DeploymentInAlarm: jsii.Bool(len(alarms) > 0),
	}
	group := awscodedeploy.NewLambdaDeploymentGroup(scope, jsii.String("Rollout"), &awscodedeploy.LambdaDeploymentGroupProps{
		Alias:            alias,
		DeploymentConfig: o.deploymentConfig(scope),
		AutoRollback:     rollback,
	})
	for _, alarm := range alarms {
		group.AddAlarm(alarm)
	}
	suppress(group, true, [2]string{"AwsSolutions-IAM4",
		"AWSCodeDeployRoleForLambdaLimited is the policy AWS documents for CodeDeploy's Lambda service role, which CDK attaches to every LambdaDeploymentGroup's role: it may update aliases and read alarms"})
	return group
}
