package webapp

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Limits of WebAclProps.RateLimit, AWS WAF's for a rate-based rule.
const (
	// DefaultWebAclRateLimit is the requests one client IP may send in five
	// minutes before the rest are blocked: about 6.7 a second, far above a
	// person browsing (a page and its assets are a few requests), far below
	// a script hammering the site.
	DefaultWebAclRateLimit = 2000
	MinWebAclRateLimit     = 10
	MaxWebAclRateLimit     = 2_000_000_000
)

// webAclManagedRuleGroups are the AWS managed rule groups of NewWebAcl's ACL,
// in the order WAF evaluates them (after the rate-based rule). Each has no
// price of its own beyond WAF's per rule group.
var webAclManagedRuleGroups = []string{
	// OWASP-style protection: oversized bodies and headers, cross-site
	// scripting, local file inclusion, bad bots' user agents.
	"AWSManagedRulesCommonRuleSet",
	// Request patterns known to exploit vulnerabilities (Log4j, Java
	// deserialization, Host header tricks).
	"AWSManagedRulesKnownBadInputsRuleSet",
	// Addresses Amazon's threat intelligence sees attacking or probing.
	"AWSManagedRulesAmazonIpReputationList",
}

// WebAclProps configure NewWebAcl.
type WebAclProps struct {
	// RateLimit is how many requests one client IP may send in five minutes;
	// the rest are blocked (403) until its rate falls below it.
	// Default: DefaultWebAclRateLimit (2,000).
	RateLimit int
}

// NewWebAcl creates an AWS WAF web ACL for a CloudFront distribution: it
// allows what no rule blocks, blocks a client IP that sends more than
// RateLimit requests in five minutes, and applies the AWS managed rule groups
// common rule set, known bad inputs and Amazon IP reputation list. Every
// rule publishes CloudWatch metrics and keeps sampled requests, named after
// the ACL's path, so the WAF console shows what each one blocks. Give its
// AttrArn as Props.WebAclArn (Stage.WebAcl does both).
//
// A CloudFront ACL (scope CLOUDFRONT) exists only in us-east-1: scope's stack
// must be there; NewWebAcl panics naming the ACL otherwise.
func NewWebAcl(scope constructs.Construct, id string, props *WebAclProps) awswafv2.CfnWebACL {
	path := id
	if parent := *scope.Node().Path(); parent != "" {
		path = parent + "/" + id
	}
	var p WebAclProps
	if props != nil {
		p = *props
	}
	if p.RateLimit == 0 {
		p.RateLimit = DefaultWebAclRateLimit
	}
	if p.RateLimit < MinWebAclRateLimit || p.RateLimit > MaxWebAclRateLimit {
		panic(fmt.Errorf("webapp %s: RateLimit %d is out of range: give the requests a client IP may send in five minutes, %d to %d",
			path, p.RateLimit, MinWebAclRateLimit, MaxWebAclRateLimit))
	}
	if region := *awscdk.Stack_Of(scope).Region(); unresolved(region) || region != "us-east-1" {
		if unresolved(region) {
			region = "unknown at synth time"
		}
		panic(fmt.Errorf("webapp %s: NewWebAcl needs a stack in us-east-1, got region %s: a CloudFront web ACL exists only there (Stage.WebAcl adds such a stack)",
			path, region))
	}
	prefix := metricNamePattern.ReplaceAllString(path, "-")
	visibility := func(metric string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
		return &awswafv2.CfnWebACL_VisibilityConfigProperty{
			CloudWatchMetricsEnabled: jsii.Bool(true),
			MetricName:               jsii.String(metric),
			SampledRequestsEnabled:   jsii.Bool(true),
		}
	}
	// The rate rule comes first: a flood is blocked by its cheapest rule
	// before the managed groups inspect each request.
	rules := []any{&awswafv2.CfnWebACL_RuleProperty{
		Name:     jsii.String("RatePerClientIp"),
		Priority: jsii.Number(0),
		Action:   &awswafv2.CfnWebACL_RuleActionProperty{Block: &awswafv2.CfnWebACL_BlockActionProperty{}},
		Statement: &awswafv2.CfnWebACL_StatementProperty{
			RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
				Limit:            jsii.Number(float64(p.RateLimit)),
				AggregateKeyType: jsii.String("IP"),
			},
		},
		VisibilityConfig: visibility(prefix + "-RatePerClientIp"),
	}}
	for i, group := range webAclManagedRuleGroups {
		rules = append(rules, &awswafv2.CfnWebACL_RuleProperty{
			Name:     jsii.String(group),
			Priority: jsii.Number(float64(i + 1)),
			// None: the group's own actions (block) apply.
			OverrideAction: &awswafv2.CfnWebACL_OverrideActionProperty{None: map[string]any{}},
			Statement: &awswafv2.CfnWebACL_StatementProperty{
				ManagedRuleGroupStatement: &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{
					VendorName: jsii.String("AWS"),
					Name:       jsii.String(group),
				},
			},
			VisibilityConfig: visibility(prefix + "-" + group),
		})
	}
	return awswafv2.NewCfnWebACL(scope, &id, &awswafv2.CfnWebACLProps{
		Scope:            jsii.String("CLOUDFRONT"),
		DefaultAction:    &awswafv2.CfnWebACL_DefaultActionProperty{Allow: &awswafv2.CfnWebACL_AllowActionProperty{}},
		Description:      jsii.String("In front of the CloudFront distribution: a rate limit per client IP and AWS managed rule groups"),
		Rules:            &rules,
		VisibilityConfig: visibility(prefix),
	})
}

// metricNamePattern matches what a WAF metric name may not hold (it takes
// letters, digits, '-' and '_').
var metricNamePattern = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// WebAcl attaches the stage's web ACL to p when the stage has waf: it
// creates the ACL with NewWebAcl (the stage's wafRateLimit as RateLimit),
// sets p.WebAclArn to its ARN and returns it; nil when the stage has no waf.
//
// The ACL must live in us-east-1. For a site in us-east-1 it is the child
// "WebAcl" of site. For a site elsewhere it goes into the us-east-1 stack
// that Stage.Certificate added to scope ("<site>-Certificate"; call WebAcl
// after Certificate), or, without one, into a stack it adds to scope, with
// the id of site followed by "-Edge", in site's account. The ARN reaches
// site as a plain cross-region reference, as the certificate's does (see
// NewCertificateStack). Moving the ACL between those stacks (a domain added
// or dropped) replaces it.
//
// It panics naming the prop when p already has a WebAclArn (attach your own
// ACL or the stage's, not both) and when site has no region at synth time.
func (s *Stage) WebAcl(scope constructs.Construct, site awscdk.Stack, p *Props) awswafv2.CfnWebACL {
	if !s.Waf {
		return nil
	}
	sitePath := *site.Node().Path()
	if p.WebAclArn != "" {
		panic(fmt.Errorf("webapp %s: WebAclArn %q is set and stage %q has waf: attach your own ACL or the stage's, drop one",
			sitePath, p.WebAclArn, s.Name))
	}
	region := *site.Region()
	if unresolved(region) {
		panic(fmt.Errorf("webapp %s: stage %q has waf, but the stack has no region: its web ACL goes into us-east-1 unless the site is there, so give the stack an env with a region",
			sitePath, s.Name))
	}
	holder := constructs.Construct(site)
	if region != "us-east-1" {
		holder = edgeStack(scope, site)
	}
	acl := NewWebAcl(holder, "WebAcl", &WebAclProps{RateLimit: s.WafRateLimit})
	p.WebAclArn = *acl.AttrArn()
	return acl
}

// edgeStack returns the us-east-1 stack beside site: the certificate's, when
// Stage.Certificate has added it, or a new "<site>-Edge".
func edgeStack(scope constructs.Construct, site awscdk.Stack) awscdk.Stack {
	siteID := *site.Node().Id()
	for _, id := range []string{siteID + "-Certificate", siteID + "-Edge"} {
		if st, ok := scope.Node().TryFindChild(&id).(awscdk.Stack); ok {
			return st
		}
	}
	stack := awscdk.NewStack(scope, jsii.String(siteID+"-Edge"), &awscdk.StackProps{
		Env:         &awscdk.Environment{Account: site.Account(), Region: jsii.String("us-east-1")},
		Description: jsii.String("AWS WAF web ACL in us-east-1 for the CloudFront distribution of " + *site.StackName()),
	})
	// The export writer of a strong cross-region reference, as for the sites.
	stack.Node().AddValidation(&sharedHandlerTidy{stack: stack})
	return stack
}
