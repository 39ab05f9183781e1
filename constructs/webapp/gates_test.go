package webapp

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/tools/cdktest"
)

// TestTemplatesPassNagAndValidator holds every configuration to two gates: no
// unsuppressed cdk-nag AwsSolutions finding, and no error or warning from the
// official CloudFormation validator (run once over all templates: its start-up
// costs seconds, a template a fraction of one).
func TestTemplatesPassNagAndValidator(t *testing.T) {
	var paths []string
	gate := func(t *testing.T, s *synthesized) {
		stacks := []awscdk.Stack{s.stack}
		if s.certStack != nil {
			stacks = append(stacks, s.certStack)
		}
		for _, st := range stacks {
			for _, f := range cdktest.NagFindings(st) {
				t.Errorf("cdk-nag: %s", f)
			}
			paths = append(paths, cdktest.TemplatePath(st))
		}
	}
	for _, name := range allConfigs {
		t.Run(name, func(t *testing.T) { gate(t, config(t, name)) })
	}
	for _, name := range boundaryConfigs {
		t.Run(name, func(t *testing.T) { gate(t, boundaryConfig(t, name)) })
	}
	// Resources under a "UserOwned" construct stand for the user's own.
	cdktest.CheckTemplatesExcept(t, []string{"UserOwned"}, paths...)
}

// TestTemplatesPassNagAndValidatorUnderDefaultFlags runs the gates again in
// an app without this repository's cdk.json context: an importer's app may
// set no feature flag at all, and the construct must pass there too.
func TestTemplatesPassNagAndValidatorUnderDefaultFlags(t *testing.T) {
	cdktest.RunWithDefaultFlags(t, "^TestTemplatesPassNagAndValidator$")
}

// boundaryConfigs are gated beside allConfigs: the stack-level resources CDK
// creates for the construct, and the user's own resources beside it.
var boundaryConfigs = []string{"destroy", "beside-user-code"}

var boundaryCache = map[string]*synthesized{}

// boundaryConfig synthesizes a configuration of boundaryConfigs once.
func boundaryConfig(t *testing.T, name string) *synthesized {
	t.Helper()
	if s, ok := boundaryCache[name]; ok {
		return s
	}
	stack := newTestStack(cdktest.NewApp(t, nil))
	s := &synthesized{stack: stack}
	switch name {
	case "destroy":
	case "beside-user-code":
		addUserCode(stack)
	default:
		t.Fatalf("unknown configuration %q", name)
	}
	// Both with auto-delete-objects, which adds a provider at the stack's top
	// level.
	p := baseProps()
	p.StaticBucketRemovalPolicy = awscdk.RemovalPolicy_DESTROY
	s.sites = append(s.sites, NewWebApp(stack, "Site", &p))
	s.tpl = assertions.Template_FromStack(stack, nil)
	boundaryCache[name] = s
	return s
}

func newTestStack(app awscdk.App) awscdk.Stack {
	return awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("ap-northeast-1")},
	})
}

// addUserCode adds what a user's stack holds beside a WebApp: a Function (CDK
// makes it DependsOn its role) and a CfnFunction with an explicit DependsOn on
// the role it names. Their findings are the user's, suppressed here.
func addUserCode(stack awscdk.Stack) constructs.Construct {
	owned := constructs.NewConstruct(stack, jsii.String("UserOwned"))
	awslambda.NewFunction(owned, jsii.String("Function"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_NODEJS_22_X(), Handler: jsii.String("index.handler"),
		Code: awslambda.Code_FromInline(jsii.String("exports.handler = async () => ({});")),
	})
	role := awsiam.NewRole(owned, jsii.String("CfnFunctionRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
	})
	fn := awslambda.NewCfnFunction(owned, jsii.String("CfnFunction"), &awslambda.CfnFunctionProps{
		Runtime: jsii.String("nodejs22.x"), Handler: jsii.String("index.handler"), Role: role.RoleArn(),
		Code: &awslambda.CfnFunction_CodeProperty{ZipFile: jsii.String("exports.handler = async () => ({});")},
	})
	fn.AddDependency(role.Node().DefaultChild().(awscdk.CfnResource))
	suppress(owned, true, [2]string{"AwsSolutions-IAM4", "test fixture: a user's function"}, [2]string{"AwsSolutions-L1", "test fixture: a user's function"})
	return owned
}

// TestUserCodeBesideWebAppKeepsItsTemplate holds the construct to its own
// subtree: a user's functions in the same stack render exactly as they do
// without a WebApp (the construct's DependsOn cleanup and suppressions do not
// reach them).
func TestUserCodeBesideWebAppKeepsItsTemplate(t *testing.T) {
	alone := newTestStack(cdktest.NewApp(t, nil))
	addUserCode(alone)
	want := assertions.Template_FromStack(alone, nil).ToJSON()
	got := boundaryConfig(t, "beside-user-code").tpl.ToJSON()
	wantRes := (*want)["Resources"].(map[string]any)
	gotRes := (*got)["Resources"].(map[string]any)
	if len(wantRes) < 4 {
		t.Fatalf("the user's stack has %d resources, want at least the two functions and their roles", len(wantRes))
	}
	for id, w := range wantRes {
		wj, _ := json.Marshal(w)
		gj, _ := json.Marshal(gotRes[id])
		if string(wj) != string(gj) {
			t.Errorf("user's resource %s changed beside a WebApp:\n got %s\nwant %s", id, gj, wj)
		}
	}
}
