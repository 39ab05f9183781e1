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
