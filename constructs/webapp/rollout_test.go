package webapp

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/gowebapp/webapp/tools/cdktest"
)

// logicalID is the template's id of c's default child.
func logicalID(s *synthesized, c constructs.IConstruct) string {
	return *s.stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

func TestEveryDeployPublishesAVersionBehindTheLiveAlias(t *testing.T) {
	s := config(t, "default")
	w := s.sites[0]
	cdktest.Count(t, s.tpl, "AWS::Lambda::Version", 1)
	cdktest.Has(t, s.tpl, "AWS::Lambda::Version", map[string]any{
		"FunctionName": map[string]any{"Ref": logicalID(s, w.Function)},
	})
	// The version's id ends with the hash of the code and configuration, so
	// a change publishes a new one; it is read from the template.
	var version string
	for id := range cdktest.Resources(s.tpl, "AWS::Lambda::Version") {
		version = id
	}
	cdktest.Has(t, s.tpl, "AWS::Lambda::Alias", map[string]any{
		"Name":            "live",
		"FunctionName":    map[string]any{"Ref": logicalID(s, w.Function)},
		"FunctionVersion": map[string]any{"Fn::GetAtt": []any{version, "Version"}},
	})
	if got := cdktest.Props(t, s.tpl, "AWS::Lambda::Alias")["ProvisionedConcurrencyConfig"]; got != nil {
		t.Errorf("ProvisionedConcurrencyConfig = %v by default, want none", got)
	}
}

// TestApiGatewayInvokesTheAliasOnly checks every integration and every
// permission of every configuration: nothing may invoke $LATEST, or a
// rollback of the alias would not roll the site back.
func TestApiGatewayInvokesTheAliasOnly(t *testing.T) {
	for _, name := range allConfigs {
		s := config(t, name)
		for _, w := range s.sites {
			alias, fn := logicalID(s, w.FunctionAlias), logicalID(s, w.Function)
			for id, m := range cdktest.Resources(s.tpl, "AWS::ApiGateway::Method") {
				if !strings.HasPrefix(id, *w.Node().Id()) {
					continue
				}
				uri, _ := json.Marshal(m["Properties"].(map[string]any)["Integration"].(map[string]any)["Uri"])
				if !strings.Contains(string(uri), `{"Ref":"`+alias+`"}`) || strings.Contains(string(uri), `"`+fn+`"`) {
					t.Errorf("%s: method %s integrates %s, want the alias %s", name, id, uri, alias)
				}
			}
			for id, perm := range cdktest.Resources(s.tpl, "AWS::Lambda::Permission") {
				target, _ := json.Marshal(perm["Properties"].(map[string]any)["FunctionName"])
				if strings.Contains(string(target), `"`+fn+`"`) {
					t.Errorf("%s: permission %s names the function itself (%s), want the alias %s", name, id, target, alias)
				}
			}
			permissions := 0
			for _, perm := range cdktest.Resources(s.tpl, "AWS::Lambda::Permission") {
				if target, _ := json.Marshal(perm["Properties"].(map[string]any)["FunctionName"]); string(target) == `{"Ref":"`+alias+`"}` {
					permissions++
				}
			}
			if permissions == 0 {
				t.Errorf("%s %s: no permission names the alias %s", name, *w.Node().Path(), alias)
			}
		}
	}
}

func TestProvisionedConcurrencyIsOnTheAlias(t *testing.T) {
	s := config(t, "rollout")
	cdktest.Has(t, s.tpl, "AWS::Lambda::Alias", map[string]any{
		"Name": "live", "ProvisionedConcurrencyConfig": map[string]any{"ProvisionedConcurrentExecutions": 2},
	})
}

func TestAllAtOnceNeedsNoCodeDeploy(t *testing.T) {
	s := config(t, "default")
	cdktest.Count(t, s.tpl, "AWS::CodeDeploy::DeploymentGroup", 0)
	cdktest.Count(t, s.tpl, "AWS::CodeDeploy::Application", 0)
	if s.sites[0].Rollout != nil {
		t.Error("Rollout is set without Props.Rollout")
	}
	if policy := cdktest.Resources(s.tpl, "AWS::Lambda::Alias"); len(policy) != 1 {
		t.Fatalf("%d aliases, want 1", len(policy))
	} else {
		for _, alias := range policy {
			if alias["UpdatePolicy"] != nil {
				t.Errorf("the alias has an UpdatePolicy %v without a rollout, want CloudFormation to move it", alias["UpdatePolicy"])
			}
		}
	}
}

func TestCanaryRollsOutThroughCodeDeployAndRollsBack(t *testing.T) {
	s := config(t, "rollout")
	w := s.sites[0]
	if w.Rollout == nil {
		t.Fatal("Rollout is nil with a canary")
	}
	group := logicalID(s, w.Rollout)
	cdktest.Has(t, s.tpl, "AWS::CodeDeploy::DeploymentGroup", map[string]any{
		"DeploymentConfigName": "CodeDeployDefault.LambdaCanary10Percent5Minutes",
		"DeploymentStyle":      map[string]any{"DeploymentOption": "WITH_TRAFFIC_CONTROL", "DeploymentType": "BLUE_GREEN"},
	})
	rollback, _ := json.Marshal(cdktest.Resources(s.tpl, "AWS::CodeDeploy::DeploymentGroup")[group]["Properties"].(map[string]any)["AutoRollbackConfiguration"])
	for _, event := range []string{"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST"} {
		if !strings.Contains(string(rollback), event) {
			t.Errorf("AutoRollbackConfiguration = %s, want %s among its events", rollback, event)
		}
	}
	// CloudFormation hands the alias to CodeDeploy instead of moving it.
	alias := cdktest.Resources(s.tpl, "AWS::Lambda::Alias")[logicalID(s, w.FunctionAlias)]
	update, _ := json.Marshal(alias["UpdatePolicy"])
	if !strings.Contains(string(update), `"CodeDeployLambdaAliasUpdate"`) || !strings.Contains(string(update), `"`+group+`"`) {
		t.Errorf("the alias's UpdatePolicy = %s, want CodeDeployLambdaAliasUpdate with the group %s", update, group)
	}
}

func TestRolloutWithoutAPredefinedConfigGetsItsOwn(t *testing.T) {
	s := config(t, "rollout")
	cdktest.Has(t, s.tpl, "AWS::CodeDeploy::DeploymentConfig", map[string]any{
		"ComputePlatform": "Lambda",
		"TrafficRoutingConfig": map[string]any{
			"Type":            "TimeBasedLinear",
			"TimeBasedLinear": map[string]any{"LinearInterval": 2, "LinearPercentage": 20},
		},
	})
	cdktest.Count(t, s.tpl, "AWS::CodeDeploy::DeploymentConfig", 1)
}

func TestParseRollout(t *testing.T) {
	for in, want := range map[string]RolloutOptions{
		"allAtOnce":   {Type: RolloutAllAtOnce},
		"canary10:5":  {Type: RolloutCanary, Percentage: 10},
		"linear25:10": {Type: RolloutLinear, Percentage: 25},
	} {
		got, err := ParseRollout(in)
		if err != nil {
			t.Fatalf("ParseRollout(%q): %v", in, err)
		}
		if got.Type != want.Type || got.Percentage != want.Percentage {
			t.Errorf("ParseRollout(%q) = %+v, want %+v", in, *got, want)
		}
	}
	if got, _ := ParseRollout("linear25:10"); *got.Interval.ToMinutes(nil) != 10 {
		t.Errorf("linear25:10 has an interval of %g minutes, want 10", *got.Interval.ToMinutes(nil))
	}
	for _, bad := range []string{"", "canary", "canary10", "canary10:", "Canary10:5", "canary-1:5", "canary10:5m", "blue-green"} {
		if _, err := ParseRollout(bad); err == nil || !strings.Contains(err.Error(), "is not allAtOnce, canaryP:M or linearP:M") {
			t.Errorf("ParseRollout(%q) = %v, want it refused", bad, err)
		}
	}
}
