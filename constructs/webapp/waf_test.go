package webapp

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/tools/cdktest"
)

func usEast1Stack(app constructs.Construct, id string) awscdk.Stack {
	return awscdk.NewStack(app, jsii.String(id), &awscdk.StackProps{Env: &awscdk.Environment{
		Account: jsii.String("123456789012"), Region: jsii.String("us-east-1"),
	}})
}

// TestWebAclRules: a CloudFront ACL that allows by default, blocks a client
// IP above the rate limit first, then applies the three managed groups with
// their own actions, every rule with metrics and sampled requests.
func TestWebAclRules(t *testing.T) {
	stack := usEast1Stack(cdktest.NewApp(t, nil), "Edge")
	NewWebAcl(stack, "WebAcl", &WebAclProps{RateLimit: 500})
	visible := func(metric string) map[string]any {
		return map[string]any{"CloudWatchMetricsEnabled": true, "MetricName": metric, "SampledRequestsEnabled": true}
	}
	managed := func(priority int, name string) map[string]any {
		return map[string]any{
			"Name": name, "Priority": priority, "OverrideAction": map[string]any{"None": map[string]any{}},
			"Statement":        map[string]any{"ManagedRuleGroupStatement": map[string]any{"VendorName": "AWS", "Name": name}},
			"VisibilityConfig": visible("Edge-WebAcl-" + name),
		}
	}
	tpl := assertions.Template_FromStack(stack, nil)
	cdktest.Count(t, tpl, "AWS::WAFv2::WebACL", 1)
	cdktest.Has(t, tpl, "AWS::WAFv2::WebACL", map[string]any{
		"Scope":            "CLOUDFRONT",
		"DefaultAction":    map[string]any{"Allow": map[string]any{}},
		"VisibilityConfig": visible("Edge-WebAcl"),
		"Rules": assertions.Match_Exact([]any{
			map[string]any{
				"Name": "RatePerClientIp", "Priority": 0, "Action": map[string]any{"Block": map[string]any{}},
				"Statement":        map[string]any{"RateBasedStatement": map[string]any{"Limit": 500, "AggregateKeyType": "IP"}},
				"VisibilityConfig": visible("Edge-WebAcl-RatePerClientIp"),
			},
			managed(1, "AWSManagedRulesCommonRuleSet"),
			managed(2, "AWSManagedRulesKnownBadInputsRuleSet"),
			managed(3, "AWSManagedRulesAmazonIpReputationList"),
		}),
	})

	defaults := usEast1Stack(cdktest.NewApp(t, nil), "Edge")
	NewWebAcl(defaults, "WebAcl", nil)
	cdktest.Has(t, assertions.Template_FromStack(defaults, nil), "AWS::WAFv2::WebACL", map[string]any{
		"Rules": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Statement": map[string]any{"RateBasedStatement": map[string]any{"Limit": DefaultWebAclRateLimit, "AggregateKeyType": "IP"}},
		})}),
	})
}

// TestStageWebAclBesideEachRegion: the stage's ACL lives in the site's stack
// in us-east-1, in the certificate's stack or a "-Edge" one elsewhere; the
// distribution names it, and every stack passes the gates.
func TestStageWebAclBesideEachRegion(t *testing.T) {
	domain := StageSettings{DomainName: "www.example.com", HostedZoneId: "Z0123456789ABCDEFGHIJ", HostedZoneName: "example.com"}
	type site struct {
		name, region, aclStack string
		settings               StageSettings
		app                    awscdk.App
		stack                  awscdk.Stack
		acl                    awscdk.Stack
	}
	sites := []*site{
		{name: "InUsEast1", region: "us-east-1", aclStack: "Site"},
		{name: "InApNortheast1", region: "ap-northeast-1", aclStack: "Site-Edge"},
		{name: "InApNortheast1WithDomain", region: "ap-northeast-1", aclStack: "Site-Certificate", settings: domain},
	}
	var all []awscdk.Stack
	for _, s := range sites {
		s.app = cdktest.NewApp(t, nil)
		s.stack = awscdk.NewStack(s.app, jsii.String("Site"), &awscdk.StackProps{Env: &awscdk.Environment{
			Account: jsii.String("123456789012"), Region: jsii.String(s.region),
		}})
		s.settings.Waf, s.settings.WafRateLimit = true, 1000
		stage := &Stage{Name: "prod", StageSettings: s.settings}
		p := baseProps()
		stage.Apply(&p)
		p.HostedZone = stage.HostedZone(s.stack)
		p.Certificate = stage.Certificate(s.app, s.stack, p.HostedZone)
		acl := stage.WebAcl(s.app, s.stack, &p)
		if acl == nil {
			t.Fatalf("%s: WebAcl = nil for a stage with waf", s.name)
		}
		s.acl = awscdk.Stack_Of(acl)
		if got := *s.acl.Node().Id(); got != s.aclStack || *s.acl.Region() != "us-east-1" || *s.acl.Account() != "123456789012" {
			t.Errorf("%s: ACL in stack %s (%s/%s), want %s in 123456789012/us-east-1", s.name, got, *s.acl.Account(), *s.acl.Region(), s.aclStack)
		}
		NewWebApp(s.stack, "Site", &p)
		all = append(all, s.stack)
		if s.acl != s.stack {
			all = append(all, s.acl)
		}
		want := 2
		if s.acl == s.stack {
			want = 1
		}
		if n := len(*s.app.Node().Children()); n != want {
			t.Errorf("%s: the app has %d stacks, want %d", s.name, n, want)
		}
	}
	cdktest.CheckGates(t, all...)

	for _, s := range sites {
		t.Run(s.name, func(t *testing.T) {
			aclTpl := assertions.Template_FromStack(s.acl, nil)
			acls := cdktest.Resources(aclTpl, "AWS::WAFv2::WebACL")
			if len(acls) != 1 {
				t.Fatalf("stack %s has %d web ACLs, want 1", s.aclStack, len(acls))
			}
			var aclID string
			for id := range acls {
				aclID = id
			}
			cdktest.Has(t, aclTpl, "AWS::WAFv2::WebACL", map[string]any{
				"Scope": "CLOUDFRONT",
				"Rules": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
					"Statement": map[string]any{"RateBasedStatement": map[string]any{"Limit": 1000, "AggregateKeyType": "IP"}},
				})}),
			})
			siteTpl := assertions.Template_FromStack(s.stack, nil)
			webACLID := fmt.Sprint(cdktest.Props(t, siteTpl, "AWS::CloudFront::Distribution")["DistributionConfig"].(map[string]any)["WebACLId"])
			if s.acl == s.stack {
				if want := fmt.Sprint(map[string]any{"Fn::GetAtt": []any{aclID, "Arn"}}); webACLID != want {
					t.Errorf("WebACLId = %s, want %s", webACLID, want)
				}
				return
			}
			cdktest.Count(t, siteTpl, "AWS::WAFv2::WebACL", 0)
			if s.stack.Node().TryGetContext(jsii.String("@aws-cdk/core:defaultCrossStackReferences")) != "weak" {
				// Strong references: SSM parameters, read by CDK's exports reader.
				if !strings.Contains(webACLID, "ExportsReader") {
					t.Errorf("WebACLId = %s, want the ARN from CDK's cross-region exports reader", webACLID)
				}
				return
			}
			// Weak references: the ACL stack's output, read by name.
			var output string
			for name, o := range cdktest.Outputs(aclTpl) {
				if fmt.Sprint(o["Value"]) == fmt.Sprint(map[string]any{"Fn::GetAtt": []any{aclID, "Arn"}}) {
					output = name
				}
			}
			if output == "" {
				t.Fatalf("stack %s exports no output with the ACL's ARN; outputs: %v", s.aclStack, cdktest.Outputs(aclTpl))
			}
			if !strings.Contains(webACLID, output) {
				t.Errorf("WebACLId = %s, want a reference to %s's output %s", webACLID, s.aclStack, output)
			}
		})
	}
}

// TestWebAclFailsNamingTheProp: an ACL outside us-east-1, a rate limit WAF
// refuses, a stage's ACL beside the user's own and a site without a region
// fail at synth with the construct's path and the fix.
func TestWebAclFailsNamingTheProp(t *testing.T) {
	panicOf := func(f func()) (msg string) {
		defer func() { msg = fmt.Sprint(recover()) }()
		f()
		return "no panic"
	}
	stage := &Stage{Name: "prod", StageSettings: StageSettings{Waf: true}}
	for _, tt := range []struct {
		name string
		f    func(app awscdk.App)
		want string
	}{
		{"OutsideUsEast1", func(app awscdk.App) {
			stack := awscdk.NewStack(app, jsii.String("Edge"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-west-1")}})
			NewWebAcl(stack, "WebAcl", nil)
		}, "webapp Edge/WebAcl: NewWebAcl needs a stack in us-east-1, got region eu-west-1: a CloudFront web ACL exists only there (Stage.WebAcl adds such a stack)"},
		{"RateLimitTooLow", func(app awscdk.App) {
			NewWebAcl(usEast1Stack(app, "Edge"), "WebAcl", &WebAclProps{RateLimit: 5})
		}, "webapp Edge/WebAcl: RateLimit 5 is out of range: give the requests a client IP may send in five minutes, 10 to 2000000000"},
		{"StageWafWithWebAclArn", func(app awscdk.App) {
			p := baseProps()
			p.WebAclArn = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/mine/0f0e"
			stage.WebAcl(app, usEast1Stack(app, "Site"), &p)
		}, `webapp Site: WebAclArn "arn:aws:wafv2:us-east-1:123456789012:global/webacl/mine/0f0e" is set and stage "prod" has waf: attach your own ACL or the stage's, drop one`},
		{"SiteWithoutRegion", func(app awscdk.App) {
			p := baseProps()
			stage.WebAcl(app, awscdk.NewStack(app, jsii.String("Site"), nil), &p)
		}, `webapp Site: stage "prod" has waf, but the stack has no region: its web ACL goes into us-east-1 unless the site is there, so give the stack an env with a region`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			app := cdktest.NewApp(t, nil)
			if got := panicOf(func() { tt.f(app) }); got != tt.want {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
	// Without waf the stage adds nothing and leaves the user's ACL alone.
	app := cdktest.NewApp(t, nil)
	p := baseProps()
	p.WebAclArn = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/mine/0f0e"
	if acl := (&Stage{Name: "dev"}).WebAcl(app, usEast1Stack(app, "Site"), &p); acl != nil || p.WebAclArn != "arn:aws:wafv2:us-east-1:123456789012:global/webacl/mine/0f0e" {
		t.Errorf("WebAcl without waf = %v, WebAclArn %q; want nil and the user's ARN", acl, p.WebAclArn)
	}
}

// TestStageWebAclUnderDefaultFlags: with CDK's default (strong) cross-stack
// references, as in an importer's app, the ARN crosses regions by SSM and
// the stacks still pass the gates.
func TestStageWebAclUnderDefaultFlags(t *testing.T) {
	cdktest.RunWithDefaultFlags(t, "^TestStageWebAclBesideEachRegion$")
}
