package webapp

import (
	"encoding/base64"
	"encoding/json"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// nagMetadataKey is the resource metadata that cdk-nag reads its
// suppressions from: {"cdk_nag": {"rules_to_suppress": [{"id", "reason"}]}}.
// Writing it directly, as cdk-nag's NagSuppressions.addResourceSuppressions
// does, keeps cdk-nag out of the construct's dependencies: an importer that
// does not run cdk-nag does not link it, and one that does sees the same
// suppressions.
const nagMetadataKey = "cdk_nag"

// suppress records, on the construct it concerns, that a cdk-nag finding is
// deliberate and why, so that a security review reads the reason next to the
// resource in the template. Like NagSuppressions.addResourceSuppressions it
// writes to c's default child (or c itself) when that is a CfnResource, or,
// with applyToChildren, to every CfnResource below c; it keeps the entries
// already there and adds each rule once.
func suppress(c constructs.IConstruct, applyToChildren bool, findings ...[2]string) {
	var rules []map[string]any
	for _, f := range findings {
		rules = append(rules, nagRule(f[0], f[1]))
	}
	targets := []constructs.IConstruct{c}
	if applyToChildren {
		targets = *c.Node().FindAll(constructs.ConstructOrder_PREORDER)
	}
	for _, child := range targets {
		l1 := child
		if d := child.Node().DefaultChild(); d != nil {
			l1 = d
		}
		if res, ok := l1.(awscdk.CfnResource); ok {
			res.AddMetadata(jsii.String(nagMetadataKey), mergeNagRules(res.GetMetadata(jsii.String(nagMetadataKey)), rules))
		}
	}
}

// nagRule is one suppression in cdk-nag's template format. A reason with a
// character beyond Latin-1 is stored base64-encoded and flagged, as cdk-nag
// does, since it decodes such reasons before reporting them.
func nagRule(id, reason string) map[string]any {
	for _, r := range reason {
		if r > 255 {
			return map[string]any{"id": id, "reason": base64.StdEncoding.EncodeToString([]byte(reason)), "is_reason_encoded": true}
		}
	}
	return map[string]any{"id": id, "reason": reason}
}

// mergeNagRules returns the cdk_nag metadata with existing's rules followed
// by the new ones, each distinct rule once (cdk-nag's addRulesToMetadata).
func mergeNagRules(existing any, rules []map[string]any) map[string]any {
	var all []any
	if m, ok := existing.(map[string]any); ok {
		if list, ok := m["rules_to_suppress"].([]any); ok {
			all = append(all, list...)
		}
	}
	for _, r := range rules {
		all = append(all, r)
	}
	seen := map[string]bool{}
	merged := []any{}
	for _, r := range all {
		key, _ := json.Marshal(r) // sorted keys: the same rule gives the same key
		if seen[string(key)] {
			continue
		}
		seen[string(key)] = true
		merged = append(merged, r)
	}
	return map[string]any{"rules_to_suppress": merged}
}

// suppressDeliberateFindings lists the AwsSolutions findings that the design
// accepts on purpose. Each is scoped to the resource it concerns, and those
// that depend on a prop disappear when the prop turns the feature on.
func suppressDeliberateFindings(this constructs.Construct, p Props, w *WebApp) {
	publicSite := "Pages are public by design (an Authorizer, when set, protects every route but PublicPaths); every method requires CloudFront's origin key unless AllowDirectApiAccess"
	for _, m := range *w.Api.Methods() {
		suppress(m, false,
			[2]string{"AwsSolutions-APIG4", publicSite},
			[2]string{"AwsSolutions-COG4", publicSite},
		)
	}
	suppress(w.Api.DeploymentStage(), false,
		[2]string{"AwsSolutions-APIG3", "The stage is reachable only with CloudFront's origin key; a WAF belongs on the distribution (WebAclArn), where every request enters"},
	)
	suppress(w.Api, false,
		[2]string{"AwsSolutions-APIG2", "A proxy to the app, which validates every request and answers a client mistake with a 4xx that says what was wrong"},
	)
	// The account's CloudWatch role (ApiCloudWatchRole), found by its type:
	// the only IAM role the REST API creates.
	for _, c := range *w.Api.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if role, ok := c.(awsiam.CfnRole); ok {
			suppress(role, false, [2]string{"AwsSolutions-IAM4",
				"AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS documents for the account-wide role that API Gateway's execution logs need"})
		}
	}
	if _, executionLogging := apiLogging(this, p); !executionLogging {
		suppress(w.Api.DeploymentStage(), false, [2]string{"AwsSolutions-APIG6",
			"Execution logs need the account's API Gateway CloudWatch role, which this stack does not set (ApiCloudWatchRole); set ApiExecutionLogging when the account has one. The access logs record every request"})
	}

	distribution := []([2]string){
		{"AwsSolutions-CFR1", "A public site serves every country; add a geo restriction on the Distribution if yours must not"},
	}
	if p.WebAclArn == "" {
		distribution = append(distribution, [2]string{"AwsSolutions-CFR2", "WAF costs per rule and request; attach one with WebAclArn. AWS Shield Standard protects every distribution"})
	}
	if !p.AccessLogging {
		distribution = append(distribution, [2]string{"AwsSolutions-CFR3", "Access logging is off by default for cost; turn it on with AccessLogging. The API's access logs are always on"})
	}
	if p.DomainName == "" {
		distribution = append(distribution, [2]string{"AwsSolutions-CFR4", "Without a custom domain CloudFront serves its *.cloudfront.net certificate, whose TLS policy cannot be set; with DomainName the minimum is TLSv1.2_2021"})
	}
	if p.StaticOriginAccess == OriginAccessIdentity {
		distribution = append(distribution, [2]string{"AwsSolutions-CFR7", "The design asks for an Origin Access Identity; it is granted s3:GetObject only. StaticOriginAccess: OriginAccessControl switches to OAC"})
	}
	suppress(w.Distribution, false, distribution...)

	if !p.AccessLogging {
		suppress(w.StaticBucket, false, [2]string{"AwsSolutions-S1", "Server access logging is off by default for cost; turn it on with AccessLogging"})
	} else {
		suppress(w.LogBucket, false, [2]string{"AwsSolutions-S1", "This is the log bucket; logging its own access would loop"})
	}
	if w.OriginSecret != nil {
		suppress(w.OriginSecret, false, [2]string{"AwsSolutions-SMG4",
			"The key must change in CloudFront and API Gateway in one deploy: rotate by putting a new value and deploying with OriginSecretVersionId (docs/security.md)"})
	}
	if p.Tracing {
		suppress(w.Function.Role(), true, [2]string{"AwsSolutions-IAM5",
			"X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions: Resource::* is the only form"})
	}
}

// tidy keeps the construct's templates free of findings without reaching
// into the rest of the stack. The Aspect that drops a function's redundant
// DependsOn on its own role is on the construct, so it sees only the
// construct's subtree; the user's functions beside it keep the template CDK
// gives them. The one exception is what CDK creates at the stack's top level
// for the construct (see tidySharedHandlers).
func tidy(this constructs.Construct) {
	awscdk.Aspects_Of(this).Add(&dependsOnCleanup{}, nil)
	stack := awscdk.Stack_Of(this)
	tidySharedHandlers(stack)
	this.Node().AddValidation(&sharedHandlerTidy{stack: stack})
}

// sharedHandlerTidy runs tidySharedHandlers again when the app is validated:
// CDK creates the cross-region export providers while it resolves references,
// after construction and after Aspects; validation comes after that and
// before the templates are rendered. It reports no error.
type sharedHandlerTidy struct{ stack awscdk.Stack }

func (v *sharedHandlerTidy) Validate() *[]*string {
	tidySharedHandlers(v.stack)
	return &[]*string{}
}

// tidySharedHandlers sees to the stack-level singletons that CDK creates for
// the construct: BucketDeployment's handler (Custom::CDKBucketDeployment<uuid>),
// with StaticBucketRemovalPolicy DESTROY the bucket's auto-delete-objects
// provider, and, when the certificate comes from another region with strong
// cross-stack references (CDK's default), the export reader and writer. Their
// runtime, roles and wildcards are CDK's, not this construct's, to choose: it
// suppresses the cdk-nag findings of the first two with the reasons (the
// export providers appear after cdk-nag has run) and drops the redundant
// DependsOn of their functions on their roles (validator W3005). They are
// shared with any other BucketDeployment, auto-deleting bucket or
// cross-region reference of the stack, which get the same. Every step is
// idempotent, so every site of a stack calls it.
func tidySharedHandlers(stack awscdk.Stack) {
	for _, c := range *stack.Node().Children() {
		id := *c.Node().Id()
		switch {
		case strings.HasPrefix(id, "Custom::CDKBucketDeployment"):
			suppress(c, true,
				[2]string{"AwsSolutions-L1", "CDK's BucketDeployment handler: CDK pins and updates its runtime"},
				[2]string{"AwsSolutions-IAM4", "CDK's BucketDeployment handler uses the basic execution role for its logs"},
				[2]string{"AwsSolutions-IAM5", "CDK's BucketDeployment handler copies every object of its assets into the static bucket: object wildcards within those two buckets"},
			)
		case strings.HasPrefix(id, "Custom::S3AutoDeleteObjectsCustomResourceProvider"):
			suppress(c, true,
				[2]string{"AwsSolutions-L1", "CDK's auto-delete-objects provider (StaticBucketRemovalPolicy DESTROY): CDK pins and updates its runtime"},
				[2]string{"AwsSolutions-IAM4", "CDK's auto-delete-objects provider uses the basic execution role for its logs"},
			)
		case strings.HasPrefix(id, "Custom::CrossRegionExport"):
		default:
			continue
		}
		// A provider's function is a plain CfnResource that names the
		// provider's role (CustomResourceProviderBase.RoleArn).
		provider, isProvider := c.(awscdk.CustomResourceProviderBase)
		for _, n := range *c.Node().FindAll(constructs.ConstructOrder_PREORDER) {
			if res, ok := n.(awscdk.CfnResource); ok && isProvider && *res.CfnResourceType() == "AWS::Lambda::Function" {
				dropRoleDependsOn(res, provider.RoleArn())
				continue
			}
			(&dependsOnCleanup{}).Visit(n)
		}
	}
}

// dependsOnCleanup drops, from every function it visits, the DependsOn on
// the function's own role: the function's Role property already refers to
// the role (Fn::GetAtt), which orders them, and the CloudFormation validator
// warns about the duplicate (W3005). CDK adds it for every function.
type dependsOnCleanup struct{}

func (*dependsOnCleanup) Visit(node constructs.IConstruct) {
	if fn, ok := node.(awslambda.CfnFunction); ok {
		dropRoleDependsOn(fn, fn.Role())
	}
}

// dropRoleDependsOn renders res's DependsOn without the role that roleArn
// refers to. It may be called again on the same resource.
func dropRoleDependsOn(res awscdk.CfnResource, roleArn *string) {
	res.AddOverride(jsii.String("DependsOn"), awscdk.Lazy_UncachedAny(&dependsOnWithoutRole{res: res, roleArn: roleArn}, nil))
}

// dependsOnWithoutRole computes DependsOn at render time, after CDK has turned
// construct dependencies into resource ones.
type dependsOnWithoutRole struct {
	res     awscdk.CfnResource
	roleArn *string
}

func (d *dependsOnWithoutRole) Produce(_ awscdk.IResolveContext) interface{} {
	stack := awscdk.Stack_Of(d.res)
	role := ""
	if ref, ok := stack.Resolve(d.roleArn).(map[string]interface{}); ok {
		if getAtt, ok := ref["Fn::GetAtt"].([]interface{}); ok && len(getAtt) > 0 {
			role, _ = getAtt[0].(string)
		}
	}
	var ids []string
	for _, dep := range *d.res.ObtainDependencies() {
		res, ok := dep.(awscdk.CfnResource)
		if !ok {
			continue
		}
		id, _ := stack.Resolve(res.LogicalId()).(string)
		if id != "" && id != role {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	sort.Strings(ids)
	return ids
}
