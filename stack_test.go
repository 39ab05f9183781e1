package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/constructs/webapp"
	"github.com/gowebapp/webapp/tools/cdktest"
)

func TestMain(m *testing.M) {
	cdktest.Main(m)
}

var update = flag.Bool("update", false, "rewrite the template snapshots in testdata/ (review the diff before committing)")

// The configurations a user runs `cdk synth` with, each synthesized once.
var configs = map[string]SiteConfig{
	"no-domain":           {Stage: webapp.Stage{Name: "v1"}, Account: "123456789012", Region: "ap-northeast-1"},
	"domain-us-east-1":    {Stage: webapp.Stage{Name: "v1", StageSettings: exampleDomain}, Account: "123456789012", Region: "us-east-1"},
	"domain-other-region": {Stage: webapp.Stage{Name: "v1", StageSettings: exampleDomain}, Account: "123456789012", Region: "ap-northeast-1"},
	"custom-stage":        {Stage: webapp.Stage{Name: "prod", StageSettings: webapp.StageSettings{Waf: true}}, Account: "123456789012", Region: "eu-west-1"},
	"several-names":       {Stage: webapp.Stage{Name: "v1", StageSettings: severalNames}, Account: "123456789012", Region: "ap-northeast-1"},
}

// severalNames is exampleDomain with the zone apex beside it and a name in
// a zone of its own, both redirected to www.
var severalNames = func() webapp.StageSettings {
	s := exampleDomain
	s.AlternateDomainNames = []string{"example.com", "www.example.net"}
	s.AlternateHostedZoneIds = map[string]string{"example.net": "Z0987654321ZYXWVUTSRQ"}
	return s
}()

var exampleDomain = webapp.StageSettings{DomainName: "www.example.com", HostedZoneId: "Z0123456789ABCDEFGHIJ", HostedZoneName: "example.com"}

type synthesizedApp struct {
	assembly cxapi.CloudAssembly
	stacks   map[string]awscdk.Stack
	site     *SiteStack
}

var synthesized = map[string]*synthesizedApp{}

func synth(t *testing.T, name string) *synthesizedApp {
	t.Helper()
	if s, ok := synthesized[name]; ok {
		return s
	}
	cfg, ok := configs[name]
	if !ok {
		t.Fatalf("unknown configuration %q", name)
	}
	app := cdktest.NewApp(t, nil)
	site := NewSite(app, cfg)
	s := &synthesizedApp{assembly: app.Synth(nil), stacks: map[string]awscdk.Stack{}, site: site}
	for _, c := range *app.Node().Children() {
		if st, ok := c.(awscdk.Stack); ok {
			s.stacks[*st.StackName()] = st
		}
	}
	synthesized[name] = s
	return s
}

func (s *synthesizedApp) template(t *testing.T, stackName string) assertions.Template {
	t.Helper()
	st, ok := s.stacks[stackName]
	if !ok {
		t.Fatalf("no stack %s; stacks: %v", stackName, s.stacks)
	}
	return assertions.Template_FromStack(st, nil)
}

func TestStacksPerConfiguration(t *testing.T) {
	tests := map[string]map[string]string{ // stack name → region
		"no-domain":        {"GoWebApp-v1": "ap-northeast-1", "GoWebApp-v1-EdgeAlarms": "us-east-1"},
		"domain-us-east-1": {"GoWebApp-v1": "us-east-1"},
		"domain-other-region": {"GoWebApp-v1": "ap-northeast-1", "GoWebApp-v1-Certificate": "us-east-1",
			"GoWebApp-v1-EdgeAlarms": "us-east-1"},
		"custom-stage": {"GoWebApp-prod": "eu-west-1", "GoWebApp-prod-Edge": "us-east-1", "GoWebApp-prod-EdgeAlarms": "us-east-1"},
	}
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			s := synth(t, name)
			if len(s.stacks) != len(want) {
				t.Errorf("stacks = %d, want %d: %v", len(s.stacks), len(want), want)
			}
			for stackName, region := range want {
				st, ok := s.stacks[stackName]
				if !ok {
					t.Errorf("no stack %s", stackName)
					continue
				}
				if got := *st.Region(); got != region {
					t.Errorf("%s is in %s, want %s", stackName, got, region)
				}
				if got := *st.Account(); got != "123456789012" {
					t.Errorf("%s account = %s, want CDK_DEFAULT_ACCOUNT's 123456789012", stackName, got)
				}
			}
		})
	}
}

func TestTablesKeepDataAndAreRecoverable(t *testing.T) {
	tpl := synth(t, "no-domain").template(t, "GoWebApp-v1")
	cdktest.Count(t, tpl, "AWS::DynamoDB::Table", 2)
	for keys, maxWrites := range map[*[]string]int{{"id"}: 200, {"gram", "todo"}: 4000} {
		var schema, attrs []any
		for i, k := range *keys {
			schema = append(schema, map[string]any{"AttributeName": k, "KeyType": []string{"HASH", "RANGE"}[i]})
			attrs = append(attrs, map[string]any{"AttributeName": k, "AttributeType": "S"})
		}
		cdktest.Has(t, tpl, "AWS::DynamoDB::Table", map[string]any{
			"KeySchema":                        schema,
			"AttributeDefinitions":             attrs,
			"BillingMode":                      "PAY_PER_REQUEST",
			"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
			"SSESpecification":                 map[string]any{"SSEEnabled": true},
			// Writes are capped: what a flood of creates can cost is bounded.
			"OnDemandThroughput": map[string]any{"MaxWriteRequestUnits": maxWrites},
		})
	}
	for id, table := range cdktest.Resources(tpl, "AWS::DynamoDB::Table") {
		if table["DeletionPolicy"] != "Retain" || table["UpdateReplacePolicy"] != "Retain" {
			t.Errorf("table %s: DeletionPolicy %v, UpdateReplacePolicy %v, want both Retain", id, table["DeletionPolicy"], table["UpdateReplacePolicy"])
		}
	}
}

func TestFunctionGetsTableNamesAndOnlyTheCallsTheAppMakes(t *testing.T) {
	s := synth(t, "no-domain")
	tpl := s.template(t, "GoWebApp-v1")
	logicalID := func(table awsdynamodb.Table) string {
		return *s.site.Stack.GetLogicalId(table.Node().DefaultChild().(awscdk.CfnElement))
	}
	tableID, indexID := logicalID(s.site.Table), logicalID(s.site.IndexTable)
	cdktest.Has(t, tpl, "AWS::Lambda::Function", map[string]any{
		"Runtime": "provided.al2023",
		"Environment": map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{
			"TABLE_NAME":       map[string]any{"Ref": tableID},
			"INDEX_TABLE_NAME": map[string]any{"Ref": indexID},
		})},
	})
	actions := map[string][]string{}
	for _, p := range cdktest.Resources(tpl, "AWS::IAM::Policy") {
		doc := p["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)
		for _, st := range doc["Statement"].([]any) {
			stm := st.(map[string]any)
			res, _ := json.Marshal(stm["Resource"])
			acts, _ := json.Marshal(stm["Action"])
			for _, id := range []string{tableID, indexID} {
				if strings.Contains(string(res), `"`+id+`"`) {
					actions[id] = append(actions[id], string(acts))
				}
			}
		}
	}
	for id, want := range map[string]string{
		tableID: `["dynamodb:BatchGetItem","dynamodb:DeleteItem","dynamodb:GetItem","dynamodb:PutItem"]`,
		indexID: `["dynamodb:BatchWriteItem","dynamodb:DeleteItem","dynamodb:PutItem","dynamodb:Query"]`,
	} {
		if got := actions[id]; len(got) != 1 || got[0] != want {
			t.Errorf("statements on %s allow %v, want exactly %s (no Scan, no administration)", id, got, want)
		}
	}
}

// TestFunctionReadsTheTwilioAuthTokenByReference: the function gets the
// parameter's name, never its value, and may read that parameter alone.
func TestFunctionReadsTheTwilioAuthTokenByReference(t *testing.T) {
	tpl := synth(t, "no-domain").template(t, "GoWebApp-v1")
	cdktest.Has(t, tpl, "AWS::Lambda::Function", map[string]any{
		"Environment": map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{
			"WEBAPP_SECRET_TWILIO_AUTH_TOKEN": "ssm:/GoWebApp-v1/twilio-auth-token",
		})},
	})
	cdktest.Has(t, tpl, "AWS::IAM::Policy", map[string]any{
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
			"Action": "ssm:GetParameter", "Effect": "Allow",
			"Resource": "arn:aws:ssm:ap-northeast-1:123456789012:parameter/GoWebApp-v1/twilio-auth-token",
		}})},
	})
}

func TestCustomStageNamesStackAndApiStage(t *testing.T) {
	tpl := synth(t, "custom-stage").template(t, "GoWebApp-prod")
	cdktest.Has(t, tpl, "AWS::ApiGateway::Stage", map[string]any{"StageName": "prod"})
	cdktest.Has(t, tpl, "AWS::CloudFront::Distribution", map[string]any{
		"DistributionConfig": assertions.Match_ObjectLike(&map[string]any{
			"Origins": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{"OriginPath": "/prod"})}),
		}),
	})
}

func TestDomainInOtherRegionPutsCertificateInUsEast1(t *testing.T) {
	s := synth(t, "domain-other-region")
	cdktest.Count(t, s.template(t, "GoWebApp-v1"), "AWS::CertificateManager::Certificate", 0)
	cdktest.Has(t, s.template(t, "GoWebApp-v1-Certificate"), "AWS::CertificateManager::Certificate", map[string]any{
		"DomainName": "www.example.com", "ValidationMethod": "DNS",
	})
	cdktest.Has(t, s.template(t, "GoWebApp-v1"), "AWS::Route53::RecordSet", map[string]any{"Type": "AAAA", "Name": "www.example.com."})
}

// TestProdStageHasWebAclInUsEast1: with waf, a site outside us-east-1 gets
// its web ACL from a us-east-1 sibling stack and attaches it.
func TestProdStageHasWebAclInUsEast1(t *testing.T) {
	s := synth(t, "custom-stage")
	cdktest.Has(t, s.template(t, "GoWebApp-prod-Edge"), "AWS::WAFv2::WebACL", map[string]any{"Scope": "CLOUDFRONT"})
	site := s.template(t, "GoWebApp-prod")
	cdktest.Count(t, site, "AWS::WAFv2::WebACL", 0)
	if dist := cdktest.Props(t, site, "AWS::CloudFront::Distribution")["DistributionConfig"].(map[string]any); dist["WebACLId"] == nil {
		t.Error("the prod distribution has no WebACLId")
	}
	for _, name := range []string{"no-domain", "domain-other-region"} {
		dist := cdktest.Props(t, synth(t, name).template(t, "GoWebApp-v1"), "AWS::CloudFront::Distribution")["DistributionConfig"].(map[string]any)
		if dist["WebACLId"] != nil {
			t.Errorf("%s: WebACLId = %v, want none without waf", name, dist["WebACLId"])
		}
	}
}

// TestCloudFrontAlarmIsInUsEast1: CloudFront publishes its metrics only in
// us-east-1, so a site elsewhere gets its 5xx alarm in a stack there, with a
// topic there (an alarm notifies only its own region's topics), and a site in
// us-east-1 in its own stack, sending to the site's topic.
func TestCloudFrontAlarmIsInUsEast1(t *testing.T) {
	tests := []struct {
		config, alarmStack string
		siteTopic          bool
	}{
		{"no-domain", "GoWebApp-v1-EdgeAlarms", false},
		{"domain-us-east-1", "GoWebApp-v1", true},
	}
	for _, tt := range tests {
		t.Run(tt.config, func(t *testing.T) {
			s := synth(t, tt.config)
			stack := s.stacks[tt.alarmStack]
			edge := s.site.EdgeAlarms
			if edge == nil || stack == nil || awscdk.Stack_Of(edge.Construct) != stack {
				t.Fatalf("edge alarms %v not in %s", edge, tt.alarmStack)
			}
			if *stack.Region() != "us-east-1" || *awscdk.Stack_Of(edge.Topic).Region() != "us-east-1" {
				t.Errorf("alarm in %s, topic in %s; want both in us-east-1", *stack.Region(), *awscdk.Stack_Of(edge.Topic).Region())
			}
			if got := edge.Topic == s.site.Site.AlarmTopic; got != tt.siteTopic {
				t.Errorf("alarm sends to the site's topic: %v, want %v", got, tt.siteTopic)
			}
			topic := *stack.GetLogicalId(edge.Topic.Node().DefaultChild().(awscdk.CfnElement))
			cdktest.Has(t, s.template(t, tt.alarmStack), "AWS::CloudWatch::Alarm", map[string]any{
				"Namespace": "AWS/CloudFront", "MetricName": "5xxErrorRate", "Threshold": webapp.DefaultCloudFront5xxAlarmPercent,
				"Dimensions":   assertions.Match_ArrayWith(&[]any{map[string]any{"Name": "Region", "Value": "Global"}}),
				"AlarmActions": []any{map[string]any{"Ref": topic}},
				"OKActions":    []any{map[string]any{"Ref": topic}},
			})
		})
	}
	cdktest.Count(t, synth(t, "no-domain").template(t, "GoWebApp-v1"), "AWS::CloudWatch::Alarm", 5)
}

// TestContextConfiguration: the stage comes from the context (its parsing
// is the construct's, tested there), the account and region from the
// environment, CDK_DEPLOY_* before the CLI's CDK_DEFAULT_*.
func TestContextConfiguration(t *testing.T) {
	env := func(k string) string {
		return map[string]string{"CDK_DEFAULT_ACCOUNT": "111111111111", "CDK_DEFAULT_REGION": "us-east-1", "CDK_DEPLOY_REGION": "eu-central-1"}[k]
	}
	tests := []struct {
		name    string
		context map[string]any
		want    SiteConfig
		wantErr string
	}{
		{"Defaults", nil, SiteConfig{Stage: webapp.Stage{Name: "v1"}, Account: "111111111111", Region: "eu-central-1"}, ""},
		{"StageFromContext", map[string]any{"stage": "prod", "domainName": "www.example.com", "stages": map[string]any{
			"prod": map[string]any{"memorySize": 512, "hostedZoneId": "Z1", "hostedZoneName": "example.com"},
		}}, SiteConfig{Stage: webapp.Stage{Name: "prod", StageSettings: webapp.StageSettings{MemorySize: 512, DomainName: "www.example.com", HostedZoneId: "Z1", HostedZoneName: "example.com"}},
			Account: "111111111111", Region: "eu-central-1"}, ""},
		{"ContextError", map[string]any{"stage": "dev", "stages": map[string]any{"dev": map[string]any{"logLevel": "verbose"}}}, SiteConfig{},
			`context: stages.dev.logLevel "verbose" is not debug, info, warn or error`},
		{"TwilioAuthTokenParameter", map[string]any{"twilioAuthTokenParameter": "/mysite/twilio"},
			SiteConfig{Stage: webapp.Stage{Name: "v1"}, Account: "111111111111", Region: "eu-central-1", TwilioAuthTokenParameter: "/mysite/twilio"}, ""},
		{"TwilioAuthTokenParameterNotAString", map[string]any{"twilioAuthTokenParameter": 42}, SiteConfig{},
			`context: twilioAuthTokenParameter 42 is not a string: give the parameter's name, such as "/mysite/twilio-auth-token"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := awscdk.NewApp(&awscdk.AppProps{Context: &tt.context})
			got, err := configFromContext(app, env)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("config = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

// TestTemplatesPassNagAndValidator holds every configuration of the app to
// the two gates (see the construct's test of the same name).
func TestTemplatesPassNagAndValidator(t *testing.T) {
	var paths []string
	for name := range configs {
		t.Run(name, func(t *testing.T) {
			for _, st := range synth(t, name).stacks {
				for _, f := range cdktest.NagFindings(st) {
					t.Errorf("cdk-nag: %s", f)
				}
				paths = append(paths, cdktest.TemplatePath(st))
			}
		})
	}
	cdktest.CheckTemplates(t, paths...)
}

// TestStagesLiveSideBySide synthesizes dev and prod, with their settings from
// cdk.json, into one app: one account can hold both.
func TestStagesLiveSideBySide(t *testing.T) {
	app := cdktest.NewApp(t, nil)
	env := func(k string) string {
		return map[string]string{"CDK_DEPLOY_ACCOUNT": "123456789012", "CDK_DEPLOY_REGION": "eu-west-1"}[k]
	}
	var sites []*SiteStack
	for _, stage := range []string{"dev", "prod"} {
		stageApp := cdktest.NewApp(t, map[string]any{"stage": stage})
		cfg, err := configFromContext(stageApp, env)
		if err != nil {
			t.Fatal(err)
		}
		sites = append(sites, NewSite(app, cfg))
	}
	// cdk.json's dev and prod, as deployed, with every sibling stack they
	// add (certificate, web ACL, edge alarms), pass both gates.
	var stacks []awscdk.Stack
	for _, child := range *app.Node().Children() {
		if stack, ok := child.(awscdk.Stack); ok {
			stacks = append(stacks, stack)
		}
	}
	if len(stacks) < 4 {
		t.Fatalf("found %d stacks, want at least dev's and prod's with their us-east-1 siblings", len(stacks))
	}
	cdktest.CheckGates(t, stacks...)
	dev, prod := assertions.Template_FromStack(sites[0].Stack, nil), assertions.Template_FromStack(sites[1].Stack, nil)
	if *sites[0].StackName() != "GoWebApp-dev" || *sites[1].StackName() != "GoWebApp-prod" {
		t.Errorf("stack names = %s, %s; want GoWebApp-dev, GoWebApp-prod", *sites[0].StackName(), *sites[1].StackName())
	}
	for _, c := range []struct {
		tpl         assertions.Template
		memory      int
		logLevel    string
		rate, burst int
		stage       string
	}{{dev, 256, "debug", 20, 40, "dev"}, {prod, 512, "info", 200, 400, "prod"}} {
		cdktest.Has(t, c.tpl, "AWS::Lambda::Function", map[string]any{
			"Runtime": "provided.al2023", "MemorySize": c.memory,
			"Environment": map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{"LOG_LEVEL": c.logLevel})},
		})
		cdktest.Has(t, c.tpl, "AWS::ApiGateway::Stage", map[string]any{
			"StageName":      c.stage,
			"MethodSettings": []any{assertions.Match_ObjectLike(&map[string]any{"ThrottlingRateLimit": c.rate, "ThrottlingBurstLimit": c.burst})},
		})
	}
	cdktest.Has(t, prod, "AWS::Lambda::Function", map[string]any{"Runtime": "provided.al2023", "TracingConfig": map[string]any{"Mode": "Active"}})
	cdktest.Count(t, prod, "AWS::CloudFront::Distribution", 1)
	// cdk.json's prod has waf: its ACL is in us-east-1, beside the site.
	edge, ok := app.Node().TryFindChild(jsii.String("GoWebApp-prod-Edge")).(awscdk.Stack)
	if !ok {
		t.Fatal("no stack GoWebApp-prod-Edge for prod's web ACL")
	}
	cdktest.Has(t, assertions.Template_FromStack(edge, nil), "AWS::WAFv2::WebACL", map[string]any{"Scope": "CLOUDFRONT"})
	if app.Node().TryFindChild(jsii.String("GoWebApp-dev-Edge")) != nil {
		t.Error("dev has a web ACL stack; dev stays without WAF")
	}
	// Names CloudFormation cannot generate must differ between the stages.
	names := map[string]string{}
	for i, tpl := range []assertions.Template{dev, prod} {
		for _, r := range cdktest.Resources(tpl, "AWS::CloudFront::Function") {
			name := r["Properties"].(map[string]any)["Name"].(string)
			if other, ok := names[name]; ok {
				t.Errorf("CloudFront function name %s is used by %s and stage %d", name, other, i)
			}
			names[name] = fmt.Sprint(i)
		}
	}
}

// TestSnapshots keeps the whole templates for review: a change to any
// resource shows up as a diff in testdata/ in the pull request.
func TestSnapshots(t *testing.T) {
	for name := range configs {
		t.Run(name, func(t *testing.T) {
			s := synth(t, name)
			for stackName := range s.stacks {
				artifact := s.assembly.GetStackByName(jsii.String(stackName))
				got, err := cdktest.Normalize(artifact.Template())
				if err != nil {
					t.Fatal(err)
				}
				cdktest.Golden(t, name+"."+stackName, got, *update)
			}
		})
	}
}

// TestSeveralNamesOneSite: the other names are on the certificate in
// us-east-1, have their alias records in their zones beside www's, and the
// viewer-request function redirects them to www.
func TestSeveralNamesOneSite(t *testing.T) {
	s := synth(t, "several-names")
	cdktest.Has(t, s.template(t, "GoWebApp-v1-Certificate"), "AWS::CertificateManager::Certificate", map[string]any{
		"DomainName": "www.example.com", "SubjectAlternativeNames": []any{"example.com", "www.example.net"},
	})
	site := s.template(t, "GoWebApp-v1")
	cdktest.Has(t, site, "AWS::CloudFront::Distribution", map[string]any{
		"DistributionConfig": assertions.Match_ObjectLike(&map[string]any{"Aliases": []any{"www.example.com", "example.com", "www.example.net"}}),
	})
	for name, zone := range map[string]string{"www.example.com.": "Z0123456789ABCDEFGHIJ", "example.com.": "Z0123456789ABCDEFGHIJ", "www.example.net.": "Z0987654321ZYXWVUTSRQ"} {
		cdktest.CountMatching(t, site, "AWS::Route53::RecordSet", map[string]any{"Name": name, "HostedZoneId": zone}, 2)
	}
	code, _ := cdktest.Props(t, site, "AWS::CloudFront::Function")["FunctionCode"].(string)
	if !strings.Contains(code, `var mainHost = "www.example.com";`) || !strings.Contains(code, `var redirectHosts = ["example.com","www.example.net"];`) {
		t.Errorf("the viewer-request function does not redirect example.com to www.example.com:\n%s", code)
	}
}
