package webapp

import (
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/internal/lambdabuild"
	"github.com/gowebapp/webapp/internal/staticpaths"
	"github.com/gowebapp/webapp/webapphttp"
)

// OriginAccess says how CloudFront proves to S3 that it may read the static
// files.
type OriginAccess string

const (
	// OriginAccessIdentity (OAI) is the design's default: a bucket policy grants
	// the identity s3:GetObject and nothing else.
	OriginAccessIdentity OriginAccess = "OAI"
	// OriginAccessControl (OAC) is what AWS now recommends: CloudFront signs
	// its requests, and the bucket policy grants s3:GetObject to this
	// distribution only. It also supports SSE-KMS buckets.
	OriginAccessControl OriginAccess = "OAC"
)

// DefaultStage is the API Gateway stage name when Props.Stage is empty.
const DefaultStage = "v1"

// Limits and defaults of the function and the API stage.
const (
	DefaultThrottleRateLimit  = 100
	DefaultThrottleBurstLimit = 200

	DefaultMemorySize     = 256
	DefaultTimeoutSeconds = 10
	// maxTimeoutSeconds stays below API Gateway's 29 s integration timeout: a
	// slower function would be cut off by API Gateway with a 504 anyway.
	maxTimeoutSeconds = 28
)

// Reserved concurrency of the function (Props.FunctionReservedConcurrency).
const (
	// DefaultReservedConcurrency is what the function reserves unless told
	// otherwise: a tenth of the 1,000 concurrent executions a region's
	// account gets by default. It bounds a site, not its traffic: at 20 ms a
	// request it serves 5,000 requests a second, far above the stage's
	// throttle, so only requests that have become slow (a slow table, a
	// hung call, a flood of costly requests) reach it. A number derived from
	// the stage's throttle and the timeout (100 a second × 10 s) would be
	// 1,000: no bound at all, and the whole default quota, which Lambda
	// refuses to reserve.
	DefaultReservedConcurrency = 100
	// UnreservedConcurrency, as new(webapp.UnreservedConcurrency) (or -1 in
	// a stage's reservedConcurrency), reserves nothing: the function shares
	// the account's unreserved pool with its other functions, up to the
	// whole of it.
	UnreservedConcurrency = -1
)

// Props configure a WebApp. Only the function's code (FunctionDir or Code)
// and StaticDir are required. Props that contradict each other fail synth
// rather than one of them silently winning.
type Props struct {
	// FunctionDir is the directory of the Go main package that becomes the
	// function's bootstrap, for example "lambda". It is built during synth with
	// the local Go toolchain for linux/arm64 (see FunctionBuild). Required
	// unless Code is given.
	FunctionDir string

	// FunctionBuild adds flags, tags, -X ldflags and environment variables to
	// the build of FunctionDir.
	// Default: go build -tags lambda.norpc,webapp.lambda -trimpath
	// -buildvcs=false -ldflags "-s -w" for linux/arm64 without cgo, in the
	// synth process's environment with GOFLAGS empty. webapp.lambda makes
	// webappaws.Config read Lambda's environment instead of the SDK's shared
	// configuration (see package webappaws).
	FunctionBuild *GoBuildOptions

	// Code is the function's prebuilt code, instead of FunctionDir: for
	// example awslambda.Code_FromAsset("dist/function.zip", nil) from a CI
	// build, or awslambda.Code_FromBucket. It must hold an executable named
	// bootstrap for linux/arm64 (the provided.al2023 runtime). Nothing is
	// built during synth, and nothing added: a function that links its
	// static files by their hashed names needs webappassets.FileName beside
	// bootstrap (webappassets.Build of StaticDir, as the construct builds
	// it); without one, webappassets.Load links their plain names.
	// Default: FunctionDir, built during synth.
	Code awslambda.Code

	// Role is the function's execution role, for teams whose roles are made
	// elsewhere (a permissions boundary, a naming rule). It must trust
	// lambda.amazonaws.com. The construct then creates no role and grants
	// this one what the function needs: writing to its log group (and X-Ray
	// with Tracing), as a policy it adds in the stack. An imported role must
	// be mutable (awsiam.Role_FromRoleArn's default) for that; an immutable
	// one must already allow it.
	// Default: a role of the construct's own that may write to the
	// function's log group and nothing else until a stack grants more.
	Role awsiam.IRole

	// FunctionMemorySize is the function's memory in MiB (128–10240).
	// Default: 256, which also buys the CPU share that keeps cold starts short.
	FunctionMemorySize int

	// FunctionTimeout is how long one request may run, at most 28 seconds
	// because API Gateway stops waiting after 29.
	// Default: 10 seconds.
	FunctionTimeout awscdk.Duration

	// FunctionEnvironment is added to the function's environment.
	// Default: no variables besides those a stack adds later.
	FunctionEnvironment map[string]string

	// Secrets are values the function reads by name with webappsecret.Get:
	// SSM SecureString parameters and Secrets Manager secrets, yours or
	// generated (SecretFromParameter, SecretFromEncryptedParameter,
	// SecretFromSecretsManager, GeneratedSecret). The function gets a
	// reference to each (WEBAPP_SECRET_<NAME>), never a value, and may read
	// exactly these.
	// Default: none.
	Secrets []Secret

	// Stage is the API Gateway stage name; CloudFront's origin path points at
	// it, so the site itself lives at the root of the domain.
	// Default: "v1".
	Stage string

	// StaticDir is the directory whose files are deployed to the static bucket,
	// keeping their relative paths (static/css/site.css is served at
	// /css/site.css). Required.
	StaticDir string

	// StaticPaths are the CloudFront path patterns served from the bucket;
	// every other path goes to the function.
	// Default: "/css/*", "/js/*", "/images/*", "/favicon.ico".
	StaticPaths []string

	// StaticOriginAccess says how CloudFront reads the bucket.
	// Default: OriginAccessIdentity.
	StaticOriginAccess OriginAccess

	// StaticBucketRemovalPolicy says what happens to the bucket when the stack
	// is deleted. With awscdk.RemovalPolicy_DESTROY the objects are deleted too.
	// Default: the bucket and its files are kept (RETAIN).
	StaticBucketRemovalPolicy awscdk.RemovalPolicy

	// DomainName is the site's custom domain, for example "www.example.com".
	// It needs HostedZone (for DNS validation and the alias records) or
	// Certificate (then DNS is yours to manage).
	// Default: the distribution's own *.cloudfront.net domain, no certificate.
	DomainName string

	// HostedZone is the Route 53 zone that DomainName belongs to. With it the
	// construct creates the A and AAAA alias records and, when the stack is in
	// us-east-1 and no Certificate is given, a DNS-validated certificate.
	// Default: no DNS records.
	HostedZone awsroute53.IHostedZone

	// Certificate is an ACM certificate in us-east-1 covering DomainName, for
	// example from NewCertificateStack when this stack is in another region.
	// Default: a DNS-validated certificate created in this stack, which
	// requires the stack to be in us-east-1.
	Certificate awscertificatemanager.ICertificate

	// AlternateDomainNames are the site's other names, such as "example.com"
	// beside the DomainName "www.example.com": the certificate covers them
	// too (as subject alternative names), each gets A and AAAA alias records
	// in its zone, and the viewer-request function answers a request for any
	// of them with a 301 to the same path and query string on DomainName. A
	// given Certificate must cover them. Lower-case names, without
	// wildcards; with DomainName at most 100 (CloudFront's quota per
	// distribution; ACM allows 10 names per certificate unless its quota is
	// raised).
	// Default: DomainName alone.
	AlternateDomainNames []string

	// AlternateHostedZones are the zones of the AlternateDomainNames that
	// are not in HostedZone, such as example.net's for "www.example.net".
	// Each name goes into the zone that holds it, HostedZone included; a
	// delegated subdomain's zone wins over its parent's.
	// Default: every alternate name is in HostedZone.
	AlternateHostedZones []awsroute53.IHostedZone

	// AllowDirectApiAccess lets requests reach the API on its execute-api URL
	// without passing through CloudFront.
	// Default: refused. CloudFront sends a generated key (x-api-key, from a
	// Secrets Manager secret) that API Gateway requires on every method; a
	// request without it gets API Gateway's 403 and never runs the function.
	AllowDirectApiAccess bool

	// OriginSecretVersionId pins the origin key to a version of the secret.
	// To rotate the key: put a new value into the secret, then deploy with
	// its version id here (the app reads it from the context key
	// originSecretVersionId); CloudFront and API Gateway switch together.
	// Default: the secret's current version at the first deploy.
	OriginSecretVersionId string

	// ApiThrottleRateLimit is the stage's steady request rate per second.
	// Default: 100.
	ApiThrottleRateLimit float64

	// ApiThrottleBurstLimit is the stage's burst of requests.
	// Default: 200.
	ApiThrottleBurstLimit int

	// FunctionReservedConcurrency reserves the function's concurrent
	// executions and caps them, so that one site cannot take the account's
	// whole pool from its other functions, and cannot run (and bill) more
	// requests at once however slow they become: 100 executions at 256 MiB
	// bill at most 25 GB-seconds a second, and at the 10 s timeout serve 10
	// requests a second. Requests beyond it are refused by Lambda before the
	// function runs; API Gateway answers them with a 500. Zero is a kill
	// switch: the function may not run, and every app request gets that 500
	// while the static files are still served. UnreservedConcurrency
	// reserves nothing, as Lambda does by default.
	//
	// Lambda refuses a reservation that leaves fewer than 100 of the
	// account's concurrent executions (per region) unreserved, so an account
	// whose quota is low — new accounts can start at 10 — cannot reserve
	// anything: the deploy fails at the function with "Specified
	// ReservedConcurrentExecutions for function decreases account's
	// UnreservedConcurrentExecution below its minimum value of [100]" (the
	// account's minimum), and CloudFormation rolls back. Then ask for a
	// higher "Concurrent executions" quota in Service Quotas (AWS also raises
	// it with use), and until then deploy with a reservation that fits
	// (aws lambda get-account-settings shows the quota and what is
	// unreserved) or with UnreservedConcurrency.
	// Default: DefaultReservedConcurrency (100).
	FunctionReservedConcurrency *int

	// FunctionProvisionedConcurrency keeps this many executions of the live
	// alias initialized, so that they answer without a cold start; Lambda
	// bills them whether or not they serve (about $2.80 a month each at 256
	// MiB on arm64). They come out of FunctionReservedConcurrency, so they
	// may not exceed it.
	// Default: none, every execution starts on demand.
	FunctionProvisionedConcurrency int

	// Rollout says how a deploy moves the alias "live" (which API Gateway
	// invokes) to the new version: with RolloutCanary or RolloutLinear,
	// CodeDeploy shifts the traffic step by step (WebApp.Rollout) and moves
	// it all back to the previous version when the deployment fails, is
	// stopped, or one of the site's alarms (WebApp.Alarms) fires before it
	// has finished; the CloudFormation deploy waits for it. For example
	// &webapp.RolloutOptions{Type: webapp.RolloutCanary, Percentage: 10,
	// Interval: awscdk.Duration_Minutes(jsii.Number(5))}.
	// Default: all at once, without CodeDeploy: CloudFormation points the
	// alias at the new version, and a bad version stays live until the next
	// deploy or until the alias is pointed back by hand.
	Rollout *RolloutOptions

	// Alarms tune the site's alarms on the function (errors, throttles, p99
	// duration) and the API stage (5XX share, p99 latency), or turn some
	// off (AlarmOptions.Off); they send to an SNS topic, and a canary or
	// linear Rollout rolls back when one fires.
	// Default: every alarm, with AlarmOptions' default thresholds, sending
	// to a topic of the site's without subscriptions.
	Alarms *AlarmOptions

	// Dashboard creates a CloudWatch dashboard of the site's requests,
	// errors, latency, concurrency and alarms (WebApp.Dashboard).
	// Default: on; false creates none.
	Dashboard *bool

	// Tracing turns on AWS X-Ray for the API stage and the function.
	// Default: off.
	Tracing bool

	// LogRetention is how long the function's logs and the API's access logs
	// are kept.
	// Default: one month.
	LogRetention awslogs.RetentionDays

	// AccessLogging writes CloudFront's standard logs and the static bucket's
	// server access logs to a log bucket (exposed as WebApp.LogBucket) that
	// expires them after 90 days.
	// Default: off; the API's access logs are always on.
	AccessLogging bool

	// WebAclArn attaches an AWS WAF web ACL (scope CLOUDFRONT, in us-east-1)
	// to the distribution: your own, or NewWebAcl's (a rate limit per client
	// IP and AWS managed rule groups), which Stage.WebAcl creates and sets
	// here for a stage with waf.
	// Default: none; AWS Shield Standard still protects the distribution.
	WebAclArn string

	// PriceClass limits the edge locations that serve the site, and so the
	// price: awscloudfront.PriceClass_PRICE_CLASS_100 (North America,
	// Europe, Israel) or PRICE_CLASS_200 (most of the rest).
	// Default: every edge location (PRICE_CLASS_ALL).
	PriceClass awscloudfront.PriceClass

	// ResponseHeadersPolicy replaces the security headers policy on every
	// behaviour. It cannot be combined with ContentSecurityPolicy, which is
	// part of the policy it replaces.
	// Default: HSTS (two years, subdomains), X-Content-Type-Options nosniff,
	// X-Frame-Options DENY, Referrer-Policy strict-origin-when-cross-origin
	// and ContentSecurityPolicy.
	ResponseHeadersPolicy awscloudfront.IResponseHeadersPolicy

	// ContentSecurityPolicy is the Content-Security-Policy of the default
	// security headers policy; an empty one, new(""), sends no
	// Content-Security-Policy header at all.
	// Default: DefaultContentSecurityPolicy, which the site's pages satisfy.
	ContentSecurityPolicy *string

	// Cors lets pages on other origins call the app; the app answers
	// preflights and adds the Access-Control-* headers (CORS_CONFIG).
	// Default: no CORS, as a same-origin site behind CloudFront needs none.
	Cors *CorsOptions

	// Authorizer protects the app's routes, except PublicPaths: a
	// TokenAuthorizer or RequestAuthorizer (a Lambda function) or a
	// CognitoUserPoolsAuthorizer, from awsapigateway. The app reads the caller
	// with webapphttp.CallerOf.
	// Default: none, every route is public.
	Authorizer awsapigateway.IAuthorizer

	// IamAuthorization requires AWS SigV4 signatures (AWS_IAM) on the app's
	// routes, except PublicPaths. It cannot work through CloudFront, which
	// replaces the Host header that the signature covers, so it needs
	// AllowDirectApiAccess: signed clients call ApiUrl directly.
	// Default: off.
	IamAuthorization bool

	// PublicPaths stay open when Authorizer or IamAuthorization protect the
	// rest: "/" is the home page alone; any other entry is a prefix, so
	// "/healthz" opens /healthz and everything below it.
	// Default: none.
	PublicPaths []string

	// ClientApiKeyPaths are CloudFront path patterns, such as "/todos" and
	// "/todos/*", that clients call with their own API key (x-api-key), each
	// key throttled and limited by ClientUsagePlan. CloudFront passes the
	// client's key on these paths instead of its origin key.
	// Default: none; only CloudFront's origin key is used.
	ClientApiKeyPaths []string

	// ClientApiKeyRateLimit and ClientApiKeyBurstLimit throttle each client
	// key; they need ClientApiKeyPaths.
	// Default: 10 requests per second, bursts of 20.
	ClientApiKeyRateLimit  float64
	ClientApiKeyBurstLimit int

	// ClientApiKeyQuota is how many requests a client key may make per day;
	// it needs ClientApiKeyPaths.
	// Default: no quota.
	ClientApiKeyQuota int

	// What the construct adds beyond the site itself: account-wide settings
	// and stack outputs.

	// ApiCloudWatchRole creates the role that lets API Gateway write
	// execution logs to CloudWatch, and sets it on the account
	// (AWS::ApiGateway::Account; both are kept when the stack is deleted).
	// That setting is one per account and region, shared by every API in it:
	// two stacks that both set it overwrite each other, so let one stack (or
	// the account's baseline) own it.
	// Default: as CDK's RestApi decides, by the feature flag
	// @aws-cdk/aws-apigateway:disableCloudWatchRole: with the flag true (the
	// default of new CDK apps) no role is created; without it, it is (and
	// synth warns when the app leaves the flag unset).
	ApiCloudWatchRole *bool

	// ApiExecutionLogging writes the stage's execution logs (errors only,
	// never request or response bodies) to CloudWatch. API Gateway refuses a
	// stage with execution logging when the account has no CloudWatch role
	// ARN set, so set it to true without ApiCloudWatchRole only when the
	// account already has one.
	// Default: on when ApiCloudWatchRole creates the role, off otherwise.
	// The access logs (one JSON line per request, in WebApp.ApiAccessLogGroup)
	// need no account role and are always written.
	ApiExecutionLogging *bool

	// Outputs adds the stack outputs SiteUrl, DistributionId, ApiUrl and
	// StaticBucketName, under the construct's path.
	// Default: on; false adds none (the values stay readable from the
	// WebApp's fields).
	Outputs *bool
}

// GoBuildOptions add to the go build that turns FunctionDir into the
// function's bootstrap; the construct's own flags stay (see
// Props.FunctionBuild). The asset's hash is the built binary's, so an option
// that changes the program, such as a new -X value, deploys a new function,
// and one that does not (GOPRIVATE, say) deploys nothing.
type GoBuildOptions struct {
	// Flags are more go build flags, for example "-mod=vendor" or
	// "-gcflags=all=-l". Not -tags, -ldflags or -o: go build keeps the last
	// one given, so use Tags and LdflagsX, and the construct names the output.
	// Default: none.
	Flags []string
	// Tags are build tags, added to lambda.norpc and webapp.lambda.
	// Default: none.
	Tags []string
	// LdflagsX sets string variables at link time, each as go build's
	// -X importpath.name=value, for example {"main.version": "1.4.2"};
	// added to -s -w in key order.
	// Default: none.
	LdflagsX map[string]string
	// Environment is added to the build's environment, for example GOPRIVATE,
	// GOPROXY, GONOSUMDB or GOFLAGS. GOOS, GOARCH and CGO_ENABLED are the
	// construct's (linux, arm64, 0).
	// Default: the synth process's environment, with GOFLAGS empty so that a
	// developer's own setting cannot change the binary.
	Environment map[string]string
}

// options converts the build options for lambdabuild; nil gives none.
func (o *GoBuildOptions) options() lambdabuild.Options {
	if o == nil {
		return lambdabuild.Options{}
	}
	return lambdabuild.Options{Flags: o.Flags, Tags: o.Tags, LdflagsX: o.LdflagsX, Env: o.Environment}
}

var (
	stagePattern  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	domainPattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)
	// CloudFront path pattern characters: A-Z a-z 0-9 _ - . $ / ~ " ' @ : + & * ?
	webACLPattern = regexp.MustCompile(`^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global/webacl/[^/]+/[^/]+$`)
	pathPattern   = regexp.MustCompile(`^/[A-Za-z0-9_\-.$/~"'@:+&*?]{1,254}$`)
	// A build tag, and an -X name: an import path, a dot and a variable.
	buildTagPattern = regexp.MustCompile(`^[A-Za-z0-9_.]+$`)
	ldflagXPattern  = regexp.MustCompile(`^[^\s='"]*[^\s='"./]\.[A-Za-z_][A-Za-z0-9_]*$`)
)

// withDefaults returns a copy of p with every empty optional field set to its
// default, so the rest of the construct reads one complete set of values.
func (p Props) withDefaults() Props {
	if p.Stage == "" {
		p.Stage = DefaultStage
	}
	if p.StaticPaths == nil {
		p.StaticPaths = staticpaths.Default()
	}
	if p.StaticOriginAccess == "" {
		p.StaticOriginAccess = OriginAccessIdentity
	}
	if p.FunctionMemorySize == 0 {
		p.FunctionMemorySize = DefaultMemorySize
	}
	if p.FunctionReservedConcurrency == nil {
		p.FunctionReservedConcurrency = new(DefaultReservedConcurrency)
	}
	if p.FunctionTimeout == nil {
		p.FunctionTimeout = awscdk.Duration_Seconds(jsii.Number(DefaultTimeoutSeconds))
	}
	if p.StaticBucketRemovalPolicy == "" {
		p.StaticBucketRemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}
	if p.ApiThrottleRateLimit == 0 {
		p.ApiThrottleRateLimit = DefaultThrottleRateLimit
	}
	if p.ApiThrottleBurstLimit == 0 {
		p.ApiThrottleBurstLimit = DefaultThrottleBurstLimit
	}
	if p.LogRetention == "" {
		p.LogRetention = awslogs.RetentionDays_ONE_MONTH
	}
	if p.ClientApiKeyRateLimit == 0 {
		p.ClientApiKeyRateLimit = 10
	}
	if p.ClientApiKeyBurstLimit == 0 {
		p.ClientApiKeyBurstLimit = 20
	}
	return p
}

// validate checks every prop and returns all problems at once, so a user fixes
// them in one round. Values that are unresolved tokens are skipped: they are
// only known at deploy time. path is the WebApp's construct path, so that two
// sites in one app are told apart; region is the stack's region (a token for
// an environment-agnostic stack). given are the props as the user gave them,
// before the defaults.
func (given Props) validate(path, region string) error {
	p := given.withDefaults()
	var problems []string
	add := func(format string, args ...any) {
		problems = append(problems, "webapp "+path+": "+fmt.Sprintf(format, args...))
	}

	checkDir := func(prop, dir string) {
		switch st, err := os.Stat(dir); {
		case dir == "":
			add("%s is required: the directory of %s", prop, map[string]string{
				"FunctionDir": "the function's Go main package, for example \"lambda\" (or give prebuilt Code)",
				"StaticDir":   "the static files, for example \"static\"",
			}[prop])
		case err != nil:
			add("%s %q does not exist: give a path relative to where synth runs (the cdk.json directory) or an absolute one", prop, dir)
		case !st.IsDir():
			add("%s %q is not a directory", prop, dir)
		}
	}
	if p.Code == nil || p.FunctionDir != "" {
		checkDir("FunctionDir", p.FunctionDir)
	}
	checkDir("StaticDir", p.StaticDir)
	given.validateConflicts(add)
	p.validateBuild(add)

	if !stagePattern.MatchString(p.Stage) {
		add("Stage %q is invalid: use 1 to 128 letters, digits, '-' or '_'", p.Stage)
	}
	if p.FunctionMemorySize < 128 || p.FunctionMemorySize > 10240 {
		add("FunctionMemorySize %d is out of range: use 128 to 10240 MiB", p.FunctionMemorySize)
	}
	if !unresolved(p.FunctionTimeout) {
		if s := *p.FunctionTimeout.ToSeconds(nil); s < 1 || s > maxTimeoutSeconds {
			add("FunctionTimeout %gs is out of range: use 1 to %d seconds (API Gateway gives up after 29)", s, maxTimeoutSeconds)
		}
	}
	switch p.StaticOriginAccess {
	case OriginAccessIdentity, OriginAccessControl:
	default:
		add("StaticOriginAccess %q is unknown: use webapp.OriginAccessIdentity or webapp.OriginAccessControl", p.StaticOriginAccess)
	}
	if p.ApiThrottleRateLimit < 0 || p.ApiThrottleBurstLimit < 0 {
		add("ApiThrottleRateLimit %g and ApiThrottleBurstLimit %d must not be negative", p.ApiThrottleRateLimit, p.ApiThrottleBurstLimit)
	}
	if c := *p.FunctionReservedConcurrency; c < UnreservedConcurrency {
		add("FunctionReservedConcurrency %d is invalid: reserve a number of executions, 0 to stop the function, or webapp.UnreservedConcurrency (-1) to reserve none", c)
	}
	if pc, rc := p.FunctionProvisionedConcurrency, *p.FunctionReservedConcurrency; pc < 0 {
		add("FunctionProvisionedConcurrency %d is negative: give a number of executions to keep warm, or 0 for none", pc)
	} else if pc > 0 && rc != UnreservedConcurrency && pc > rc {
		add("FunctionProvisionedConcurrency %d is above FunctionReservedConcurrency %d: provisioned executions come out of the reserved ones, so reserve at least %d or provision fewer", pc, rc, pc)
	}
	p.Rollout.validate(add)
	p.Alarms.validate(add)
	if p.AllowDirectApiAccess && p.OriginSecretVersionId != "" {
		add("OriginSecretVersionId is set but AllowDirectApiAccess turns the origin key off: drop one of them")
	}
	if p.WebAclArn != "" && !unresolved(p.WebAclArn) && !webACLPattern.MatchString(p.WebAclArn) {
		add("WebAclArn %q is not a CloudFront web ACL: use an AWS WAF (v2) ACL of scope CLOUDFRONT, arn:aws:wafv2:us-east-1:ACCOUNT:global/webacl/NAME/ID", p.WebAclArn)
	}
	if p.ContentSecurityPolicy != nil && strings.ContainsAny(*p.ContentSecurityPolicy, "\r\n") {
		add("ContentSecurityPolicy must be one line")
	}
	switch p.PriceClass {
	case "", awscloudfront.PriceClass_PRICE_CLASS_100, awscloudfront.PriceClass_PRICE_CLASS_200, awscloudfront.PriceClass_PRICE_CLASS_ALL:
	default:
		add("PriceClass %q is unknown: use awscloudfront.PriceClass_PRICE_CLASS_100, _200 or _ALL", p.PriceClass)
	}
	p.validateStaticPaths(add)
	p.validateSecrets(add)
	p.validateAccess(add)
	p.validateDomain(region, add)
	p.validateAlternateDomains(add)

	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(problems, "\n"))
}

// validateConflicts refuses props that contradict each other, where one
// would otherwise silently win. It reads the props as given, before the
// defaults fill them in.
func (given Props) validateConflicts(add func(string, ...any)) {
	if given.ResponseHeadersPolicy != nil && given.ContentSecurityPolicy != nil {
		add("ContentSecurityPolicy is set but ResponseHeadersPolicy replaces the policy it belongs to: put the Content-Security-Policy into your ResponseHeadersPolicy, or drop ResponseHeadersPolicy")
	}
	if given.Code != nil && given.FunctionDir != "" {
		add("Code and FunctionDir are both set: the function is either prebuilt (Code) or built from FunctionDir, drop one")
	}
	if given.Code != nil && given.FunctionBuild != nil {
		add("FunctionBuild is set but Code is prebuilt, so nothing is built: drop FunctionBuild, or build from FunctionDir instead of Code")
	}
	if len(given.ClientApiKeyPaths) == 0 && (given.ClientApiKeyRateLimit != 0 || given.ClientApiKeyBurstLimit != 0 || given.ClientApiKeyQuota != 0) {
		add("ClientApiKeyRateLimit, ClientApiKeyBurstLimit and ClientApiKeyQuota apply to client keys, but ClientApiKeyPaths is empty: set the paths that take client keys, or drop the limits")
	}
	if given.Cors != nil {
		if _, ok := given.FunctionEnvironment[webapphttp.CorsConfigEnv]; ok {
			add("FunctionEnvironment sets %s, which Cors sets: configure CORS with Cors only", webapphttp.CorsConfigEnv)
		}
	}
}

// validateBuild checks the Go build options: a mistake here would otherwise
// only show as a compiler or linker message during synth.
func (p Props) validateBuild(add func(string, ...any)) {
	b := p.FunctionBuild
	if b == nil {
		return
	}
	for _, f := range b.Flags {
		switch {
		case unresolved(f):
			add("FunctionBuild.Flags entry is a token: the build runs at synth, give a literal")
		case !strings.HasPrefix(f, "-"):
			add("FunctionBuild.Flags entry %q is not a flag: the construct builds FunctionDir, give flags such as \"-mod=vendor\"", f)
		case lambdabuild.ReplacesDefault(f):
			add("FunctionBuild.Flags entry %q would replace the construct's own: use FunctionBuild.Tags or FunctionBuild.LdflagsX (the construct names the output)", f)
		}
	}
	for _, tag := range b.Tags {
		if unresolved(tag) || !buildTagPattern.MatchString(tag) {
			add("FunctionBuild.Tags entry %q is invalid: use letters, digits, '_' and '.'", tag)
		}
	}
	for name, value := range b.LdflagsX {
		switch {
		case !ldflagXPattern.MatchString(name):
			add("FunctionBuild.LdflagsX name %q is invalid: use the import path and the variable, such as \"main.version\" or \"example.com/app/build.Commit\"", name)
		case unresolved(value):
			add("FunctionBuild.LdflagsX value of %s is a token: the build runs at synth, give a literal", name)
		case !lambdabuild.CanQuoteLdflag(name, value):
			add("FunctionBuild.LdflagsX value of %s has spaces and both kinds of quotes, which go build cannot take", name)
		}
	}
	for key, value := range b.Environment {
		if lambdabuild.IsTargetVar(key) {
			add("FunctionBuild.Environment sets %s: the function runs on linux/arm64 without cgo, the construct sets it", key)
		}
		if unresolved(value) {
			add("FunctionBuild.Environment value of %s is a token: the build runs at synth, give a literal", key)
		}
	}
}

func (p Props) validateStaticPaths(add func(string, ...any)) {
	if len(p.StaticPaths) == 0 {
		add("StaticPaths is empty: leave it nil for the defaults, or list at least one pattern such as \"/css/*\"")
	}
	// CloudFront allows 25 cache behaviours per distribution by default.
	if len(p.StaticPaths) > 24 {
		add("StaticPaths has %d patterns: CloudFront allows 25 behaviours per distribution, one is the default", len(p.StaticPaths))
	}
	seen := map[string]bool{}
	for _, path := range p.StaticPaths {
		switch {
		case !pathPattern.MatchString(path):
			add("StaticPaths entry %q is invalid: start with '/' and use letters, digits and _-.$/~\"'@:+&*? (at most 255 characters)", path)
		case strings.Trim(path, "/*") == "":
			add("StaticPaths entry %q would send every request to the bucket: name the static folders instead, such as \"/css/*\"", path)
		case seen[path]:
			add("StaticPaths entry %q is listed twice", path)
		}
		seen[path] = true
	}
}

var publicPathPattern = regexp.MustCompile(`^/[A-Za-z0-9._~-]*(/[A-Za-z0-9._~-]+)*/?$`)

// validateAccess checks CORS, authorization and client keys.
func (p Props) validateAccess(add func(string, ...any)) {
	if p.Cors != nil {
		c := p.Cors.config()
		var resolved []string
		for _, o := range c.AllowOrigins {
			if !unresolved(o) {
				resolved = append(resolved, o)
			}
		}
		if len(c.AllowOrigins) == 0 {
			add("Cors.AllowOrigins is empty: list the origins that may call, such as \"https://app.example.com\"")
		} else if c.AllowOrigins = resolved; len(resolved) > 0 {
			if err := c.Validate(); err != nil {
				add("Cors: %v", err)
			}
		}
	}
	if p.Authorizer != nil && p.IamAuthorization {
		add("Authorizer and IamAuthorization are both set: a method takes one, choose one")
	}
	if p.IamAuthorization && !p.AllowDirectApiAccess {
		add("IamAuthorization cannot work behind CloudFront: SigV4 signs the Host header, and CloudFront sends API Gateway its own host, so every signed request would fail; use Authorizer (a Lambda or Cognito authorizer), or set AllowDirectApiAccess so signed clients call ApiUrl directly")
	}
	if len(p.PublicPaths) > 0 && p.Authorizer == nil && !p.IamAuthorization {
		add("PublicPaths is set but nothing is protected: set Authorizer (or IamAuthorization), or drop PublicPaths")
	}
	for _, path := range p.PublicPaths {
		if !publicPathPattern.MatchString(path) {
			add("PublicPaths entry %q is invalid: a path such as \"/\" or \"/healthz\", without wildcards or {parameters}", path)
		}
	}
	if len(p.ClientApiKeyPaths) > 0 && p.AllowDirectApiAccess {
		add("ClientApiKeyPaths needs API keys, which AllowDirectApiAccess turns off: drop one of them")
	}
	for _, path := range p.ClientApiKeyPaths {
		switch {
		case !pathPattern.MatchString(path):
			add("ClientApiKeyPaths entry %q is invalid: start with '/' and use letters, digits and _-.$/~\"'@:+&*?", path)
		case containsString(p.StaticPaths, path):
			add("ClientApiKeyPaths entry %q is also in StaticPaths: a path goes to the bucket or to the app, not both", path)
		}
	}
	if p.ClientApiKeyQuota < 0 || p.ClientApiKeyRateLimit < 0 || p.ClientApiKeyBurstLimit < 0 {
		add("ClientApiKeyQuota, ClientApiKeyRateLimit and ClientApiKeyBurstLimit must not be negative")
	}
}

func (p Props) validateDomain(region string, add func(string, ...any)) {
	domainResolved := !unresolved(p.DomainName)
	switch {
	case p.DomainName == "" && p.HostedZone != nil:
		add("HostedZone is set but DomainName is empty: set DomainName to a name in the zone, for example \"www.\" + the zone name")
		return
	case p.DomainName == "" && p.Certificate != nil:
		add("Certificate is set but DomainName is empty: set the DomainName the certificate covers")
		return
	case p.DomainName == "":
		return
	case p.HostedZone == nil && p.Certificate == nil:
		add("DomainName %q needs HostedZone (to validate a certificate and create the DNS records) or Certificate", p.DomainName)
	}
	if domainResolved && !domainPattern.MatchString(p.DomainName) {
		add("DomainName %q is not a valid lower-case DNS name such as \"www.example.com\"", p.DomainName)
	}
	if p.HostedZone != nil && domainResolved {
		zone := strings.TrimSuffix(*p.HostedZone.ZoneName(), ".")
		if !unresolved(zone) && p.DomainName != zone && !strings.HasSuffix(p.DomainName, "."+zone) {
			add("DomainName %q is not in HostedZone %q: use a name that ends with %q", p.DomainName, zone, zone)
		}
	}
	if p.Certificate != nil {
		arn := *p.Certificate.CertificateArn()
		if !unresolved(arn) {
			if parts := strings.Split(arn, ":"); len(parts) > 3 && parts[3] != "us-east-1" {
				add("Certificate %q is in %s: CloudFront only uses certificates in us-east-1", arn, parts[3])
			}
		}
		return
	}
	if p.HostedZone == nil {
		return
	}
	switch {
	case unresolved(region):
		add("DomainName %q needs a certificate in us-east-1, but the stack has no region at synth time: set the stack's Env (CDK_DEFAULT_REGION), or pass Certificate", p.DomainName)
	case region != "us-east-1":
		add("DomainName %q needs a certificate in us-east-1, but the stack is in %s: pass Certificate, for example from webapp.NewCertificateStack (a stack in us-east-1; Stage.Certificate adds one), or deploy this stack to us-east-1", p.DomainName, region)
	}
}

// unresolved reports whether v is a token, known only at deploy time.
func unresolved(v any) bool {
	return *awscdk.Token_IsUnresolved(v)
}
