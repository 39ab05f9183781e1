// Package webapp provides WebApp, a CDK construct that deploys a server-rendered
// Go web site the way Chalice users deploy theirs — a Lambda function behind an
// API Gateway REST API stage, static files in S3, CloudFront in front of both
// and an optional custom domain — as one reviewable, testable unit.
//
//	viewer ──HTTPS──▶ CloudFront ──/css/*, /js/*, …──▶ S3 (read by OAI or OAC only)
//	                      └──────── everything else ──▶ API Gateway /<stage> ──▶ Lambda (Go, arm64)
package webapp

import (
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodedeploy"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	jsiiruntime "github.com/aws/jsii-runtime-go/runtime"

	"github.com/gowebapp/webapp/internal/csp"
	"github.com/gowebapp/webapp/internal/staticpaths"
	"github.com/gowebapp/webapp/webapphttp"
)

// binaryMediaTypes make API Gateway pass every request body to the function
// base64-encoded (so multipart uploads arrive byte for byte) and decode every
// response the function marks as base64 (so images and downloads are served
// as bytes). multipart/form-data is named although */* covers it, so that the
// intent survives anyone narrowing the list. A function, not a variable: no
// importer can change what every WebApp in the process deploys.
func binaryMediaTypes() []string { return []string{"multipart/form-data", "*/*"} }

// WebApp is a deployed web site. Its fields are the resources it created, so a
// stack can extend them: grant a table to Function, add a behaviour to
// Distribution, add a method to Api.
type WebApp struct {
	constructs.Construct

	// Function serves every path that is not static. API Gateway invokes it
	// through FunctionAlias, never $LATEST.
	Function awslambda.Function
	// FunctionVersion is the version this deploy publishes: a new one
	// whenever the function's code or configuration changes.
	FunctionVersion awslambda.Version
	// FunctionAlias is the alias "live", which API Gateway invokes. It points
	// at FunctionVersion, at once or, with Rollout, shifted by CodeDeploy;
	// pointing it at an older version rolls the site back.
	FunctionAlias awslambda.Alias
	// Rollout is the CodeDeploy deployment group that shifts FunctionAlias
	// to a new version and rolls it back on an alarm; nil unless
	// Props.Rollout is a canary or linear rollout.
	Rollout awscodedeploy.LambdaDeploymentGroup
	// Alarms are the site's alarms by name (see AlarmOptions), each sending
	// to AlarmTopic; Rollout rolls back when one fires. Nil when
	// Props.Alarms turns them all off.
	Alarms map[AlarmName]awscloudwatch.Alarm
	// AlarmTopic receives the alarms: Props.Alarms.Topic or the site's own.
	AlarmTopic awssns.ITopic
	// Dashboard shows the site's requests, errors, latency and alarms; nil
	// when Props.Dashboard is false.
	Dashboard awscloudwatch.Dashboard
	// GeneratedSecrets are the secrets the construct generated for
	// Props.Secrets (GeneratedSecret), by name; nil when there are none.
	GeneratedSecrets map[string]awssecretsmanager.Secret
	// Api is the REST API that proxies every method and path to
	// FunctionAlias.
	Api awsapigateway.LambdaRestApi
	// GatewayResponses are the answers of API Gateway's own errors, by
	// response type ("THROTTLED", "INTEGRATION_TIMEOUT", "DEFAULT_4XX", …):
	// Chalice's {"Code","Message"} as application/json, a page as
	// text/html, chosen by the request's Accept, with CORS headers when
	// Cors is set. Change one through its Node().DefaultChild(), an
	// awsapigateway.CfnGatewayResponse; a type not listed may be added with
	// Api.AddGatewayResponse.
	GatewayResponses map[string]awsapigateway.GatewayResponse
	// StaticBucket holds the static files; only CloudFront can read it.
	StaticBucket awss3.Bucket
	// Distribution is the CloudFront distribution in front of both.
	Distribution awscloudfront.Distribution
	// ViewerRequest is the CloudFront Function that hands the viewer's Host to
	// the app as X-Forwarded-Host, and redirects AlternateDomainNames to
	// DomainName.
	ViewerRequest awscloudfront.Function
	// AppCachePolicy is the default behaviour's cache policy: the
	// function's responses are cached as their Cache-Control says (never,
	// unless a handler calls webapphttp.CachePublic) and compressed, keyed
	// on the path and the query string.
	AppCachePolicy awscloudfront.CachePolicy
	// ResponseHeadersPolicy is on every behaviour: Props.ResponseHeadersPolicy
	// or the construct's security headers.
	ResponseHeadersPolicy awscloudfront.IResponseHeadersPolicy
	// OriginSecret holds the key CloudFront sends to API Gateway; nil with
	// AllowDirectApiAccess.
	OriginSecret awssecretsmanager.Secret
	// OriginUsagePlan is the usage plan of CloudFront's origin key on the
	// stage, and OriginApiKey that key (its value is OriginSecret's): a
	// throttle or quota on the plan applies to every request through
	// CloudFront. Nil with AllowDirectApiAccess.
	OriginUsagePlan awsapigateway.UsagePlan
	OriginApiKey    awsapigateway.ApiKey
	// ClientUsagePlan holds the clients' API keys for ClientApiKeyPaths: add
	// keys with ClientUsagePlan.AddApiKey. Nil without ClientApiKeyPaths.
	ClientUsagePlan awsapigateway.UsagePlan
	// LogBucket receives CloudFront's and the static bucket's access logs;
	// nil unless AccessLogging.
	LogBucket awss3.Bucket
	// FunctionLogGroup receives the function's logs (JSON), kept for
	// LogRetention.
	FunctionLogGroup awslogs.LogGroup
	// ApiAccessLogGroup receives the API stage's access logs, kept for
	// LogRetention.
	ApiAccessLogGroup awslogs.LogGroup
	// StaticDeployment uploads StaticDir to StaticBucket under the files'
	// own names on every deploy, with a short Cache-Control
	// (webappassets.RevalidatedCacheControl), and invalidates StaticPaths
	// in Distribution. It deletes nothing: see HashedStaticDeployment.
	StaticDeployment awss3deployment.BucketDeployment
	// HashedStaticDeployment uploads StaticDir under content-hashed names
	// (webappassets.HashedPath: /css/site.3f9a1c2b7d.css), cached for a
	// year; the function's bundle carries their manifest (webappassets.Load).
	// It deletes nothing, so the previous version's pages keep their files,
	// and FunctionAlias moves to a new version only after it has run. Nil
	// when no StaticPaths pattern serves any file's hashed name.
	HashedStaticDeployment awss3deployment.BucketDeployment
	// StaticExpiry runs after both deployments whenever the published names
	// change: it tags the bucket's objects that no name of this deploy
	// refers to, untags those named again, and deletes those superseded
	// SupersededStaticFileDays or more ago.
	StaticExpiry awscdk.CustomResource
	// Certificate is the domain's certificate, nil without DomainName.
	Certificate awscertificatemanager.ICertificate
	// StageName is the API Gateway stage the distribution's origin path points at.
	StageName string
	// SiteUrl is the site's https URL: the custom domain or the distribution's own.
	SiteUrl *string
}

// NewWebApp defines the site. Props that cannot work panic with one message
// that lists every problem and names each prop, before anything is created.
func NewWebApp(scope constructs.Construct, id string, props *Props) *WebApp {
	if props == nil {
		props = &Props{}
	}
	path := id
	if parent := *scope.Node().Path(); parent != "" {
		path = parent + "/" + id
	}
	if err := props.validate(path, *awscdk.Stack_Of(scope).Region()); err != nil {
		panic(err)
	}
	p := props.withDefaults()

	this := constructs.NewConstruct(scope, &id)
	pinFeatureFlags(this)
	warnUnsetFlags(this, p)
	w := &WebApp{Construct: this, StageName: p.Stage}
	warnUnservedStaticFiles(this, p.StaticDir, p.StaticPaths)
	assets, manifest := staticManifest(path, p)

	if p.AccessLogging {
		w.LogBucket = newLogBucket(this)
	}
	w.Function, w.FunctionLogGroup = newFunction(this, p, manifest)
	w.GeneratedSecrets = addSecrets(this, p, w.Function)
	w.FunctionVersion, w.FunctionAlias = newAlias(this, p, w.Function)
	w.Api, w.ApiAccessLogGroup = newAPI(this, p, w.FunctionAlias)
	w.GatewayResponses = addGatewayResponses(w.Api, p)
	var alarmOptions AlarmOptions
	if p.Alarms != nil {
		alarmOptions = *p.Alarms
	}
	w.Alarms, w.AlarmTopic = newAlarms(this, alarmOptions, p, w)
	if p.Dashboard == nil || *p.Dashboard {
		w.Dashboard = newDashboard(this, p, w)
	}
	if p.Rollout.shifted() {
		var rollback []awscloudwatch.IAlarm
		for _, name := range alarmNames() {
			if a, ok := w.Alarms[name]; ok {
				rollback = append(rollback, a)
			}
		}
		w.Rollout = newDeploymentGroup(this, p.Rollout, w.FunctionAlias, rollback)
	}
	if !p.AllowDirectApiAccess {
		w.OriginSecret, w.OriginUsagePlan, w.OriginApiKey = newOriginKey(this, p, w.Api)
		w.Function.AddEnvironment(jsii.String(webapphttp.OriginAPIKeyIDEnv), w.OriginApiKey.KeyId(), nil) // the key's id, not its value: webapphttp removes the key by it
	}
	if len(p.ClientApiKeyPaths) > 0 {
		w.ClientUsagePlan = newClientUsagePlan(w.Api, p)
	}
	w.StaticBucket = newStaticBucket(this, p, w.LogBucket)

	if p.DomainName != "" {
		w.Certificate = p.Certificate
		if w.Certificate == nil {
			w.Certificate = awscertificatemanager.NewCertificate(this, jsii.String("Certificate"),
				certificateProps(p.DomainName, p.HostedZone, p.AlternateDomainNames, p.AlternateHostedZones))
		}
	}
	w.ViewerRequest = newViewerRequest(this, p)
	w.ResponseHeadersPolicy = p.ResponseHeadersPolicy
	if w.ResponseHeadersPolicy == nil {
		w.ResponseHeadersPolicy = newSecurityHeadersPolicy(this, p)
	}
	w.AppCachePolicy = newAppCachePolicy(this, p)
	w.Distribution = newDistribution(this, p, w)

	w.StaticDeployment = awss3deployment.NewBucketDeployment(this, jsii.String("StaticDeployment"), staticDeploymentOptions(&awss3deployment.BucketDeploymentProps{
		Sources:           &[]awss3deployment.ISource{awss3deployment.Source_Asset(jsii.String(p.StaticDir), nil)},
		DestinationBucket: w.StaticBucket,
		// Invalidate what was deployed, not the app's dynamic pages.
		Distribution:      w.Distribution,
		DistributionPaths: jsii.Strings(p.StaticPaths...),
	}))
	deployments := []constructs.IDependable{w.StaticDeployment}
	if hashesAny(assets) {
		w.HashedStaticDeployment = newHashedStaticDeployment(this, path, p, w.StaticBucket, assets, manifest)
		// A new version's pages link its new hashed files: they must be in
		// the bucket before the alias sends it traffic.
		w.FunctionAlias.Node().AddDependency(w.HashedStaticDeployment)
		deployments = append(deployments, w.HashedStaticDeployment)
	}
	w.StaticExpiry = newStaticExpiry(this, p, w.StaticBucket, assets, deployments...)

	if p.DomainName != "" && p.HostedZone != nil {
		addAliasRecords(this, p, w.Distribution)
	}

	siteDomain := w.Distribution.DistributionDomainName()
	if p.DomainName != "" {
		siteDomain = jsii.String(p.DomainName)
	}
	w.SiteUrl = awscdk.Fn_Join(jsii.String(""), jsii.Strings("https://", *siteDomain, "/"))
	w.addOutputs(this, p)
	suppressDeliberateFindings(this, p, w)
	tidy(this)
	return w
}

// newOriginKey makes API Gateway refuse every request that does not carry the
// key CloudFront sends as an origin header. The key's value is generated by
// Secrets Manager and only referenced (a dynamic reference that CloudFormation
// resolves at deploy time), so it is in no template, repository or log.
func newOriginKey(scope constructs.Construct, p Props, api awsapigateway.RestApi) (awssecretsmanager.Secret, awsapigateway.UsagePlan, awsapigateway.ApiKey) {
	secret := awssecretsmanager.NewSecret(scope, jsii.String("OriginSecret"), &awssecretsmanager.SecretProps{
		Description: jsii.String("Key CloudFront sends to API Gateway (x-api-key) so that direct execute-api requests are refused"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			ExcludePunctuation: jsii.Bool(true),
			PasswordLength:     jsii.Number(40),
		},
	})
	key := awsapigateway.NewApiKey(scope, jsii.String("OriginKey"), &awsapigateway.ApiKeyProps{
		Description: jsii.String("CloudFront's origin key; its value is the OriginSecret"),
		Value:       originSecretValue(secret, p),
	})
	plan := api.AddUsagePlan(jsii.String("OriginPlan"), &awsapigateway.UsagePlanProps{
		Description: jsii.String("CloudFront's origin key on this stage"),
		ApiStages:   &[]*awsapigateway.UsagePlanPerApiStage{{Api: api, Stage: api.DeploymentStage()}},
	})
	plan.AddApiKey(key, nil)
	return secret, plan, key
}

// originSecretValue is the dynamic reference to the secret: to the version
// given in OriginSecretVersionId, so that a rotation changes the template and
// CloudFormation updates both the key and the origin header, or else to the
// current version.
func originSecretValue(secret awssecretsmanager.ISecret, p Props) *string {
	if p.OriginSecretVersionId == "" {
		return secret.SecretValue().UnsafeUnwrap()
	}
	return awscdk.SecretValue_SecretsManager(secret.SecretArn(), &awscdk.SecretsManagerSecretOptions{
		VersionId: jsii.String(p.OriginSecretVersionId),
	}).UnsafeUnwrap()
}

func newStaticBucket(scope constructs.Construct, p Props, logBucket awss3.IBucket) awss3.Bucket {
	props := &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		RemovalPolicy:     p.StaticBucketRemovalPolicy,
		AutoDeleteObjects: jsii.Bool(p.StaticBucketRemovalPolicy == awscdk.RemovalPolicy_DESTROY),
	}
	if logBucket != nil {
		props.ServerAccessLogsBucket = logBucket
		props.ServerAccessLogsPrefix = jsii.String("s3/static/")
	}
	return awss3.NewBucket(scope, jsii.String("StaticBucket"), props)
}

// newLogBucket holds CloudFront's and S3's access logs. CloudFront's standard
// logging writes with ACLs, so this bucket alone keeps object ownership for
// the writer (BucketOwnerPreferred); it is private and SSL-only all the same.
func newLogBucket(scope constructs.Construct) awss3.Bucket {
	return awss3.NewBucket(scope, jsii.String("LogBucket"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_PREFERRED,
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Expiration: awscdk.Duration_Days(jsii.Number(90)),
		}},
	})
}

// DefaultContentSecurityPolicy is what the security headers policy sends
// unless Props.ContentSecurityPolicy says otherwise: the site's own pages load
// nothing from elsewhere and use no inline script or style.
const DefaultContentSecurityPolicy = csp.Default

func newSecurityHeadersPolicy(scope constructs.Construct, p Props) awscloudfront.ResponseHeadersPolicy {
	comment := "HSTS, nosniff, frame, referrer and content security policies for the web app"
	policy := DefaultContentSecurityPolicy
	if p.ContentSecurityPolicy != nil {
		policy = *p.ContentSecurityPolicy
	}
	var contentSecurity *awscloudfront.ResponseHeadersContentSecurityPolicy
	if policy != "" {
		contentSecurity = &awscloudfront.ResponseHeadersContentSecurityPolicy{
			ContentSecurityPolicy: jsii.String(policy), Override: jsii.Bool(true),
		}
	} else {
		comment = "HSTS, nosniff, frame and referrer policies for the web app; no content security policy"
	}
	return awscloudfront.NewResponseHeadersPolicy(scope, jsii.String("SecurityHeaders"), &awscloudfront.ResponseHeadersPolicyProps{
		Comment: jsii.String(comment),
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
				AccessControlMaxAge: awscdk.Duration_Days(jsii.Number(730)),
				IncludeSubdomains:   jsii.Bool(true),
				Override:            jsii.Bool(true),
			},
			ContentTypeOptions: &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)},
			FrameOptions: &awscloudfront.ResponseHeadersFrameOptions{
				FrameOption: awscloudfront.HeadersFrameOption_DENY, Override: jsii.Bool(true),
			},
			ReferrerPolicy: &awscloudfront.ResponseHeadersReferrerPolicy{
				ReferrerPolicy: awscloudfront.HeadersReferrerPolicy_STRICT_ORIGIN_WHEN_CROSS_ORIGIN, Override: jsii.Bool(true),
			},
			ContentSecurityPolicy: contentSecurity,
		},
	})
}

func newDistribution(scope constructs.Construct, p Props, w *WebApp) awscloudfront.Distribution {
	var originHeaders *map[string]*string
	if w.OriginSecret != nil {
		originHeaders = &map[string]*string{"x-api-key": originSecretValue(w.OriginSecret, p)}
	}
	appBehavior := func(headers *map[string]*string, cache awscloudfront.ICachePolicy) *awscloudfront.BehaviorOptions {
		return &awscloudfront.BehaviorOptions{
			// The origin path is the stage, so the site lives at https://domain/, not /v1/.
			Origin: awscloudfrontorigins.NewRestApiOrigin(w.Api, &awscloudfrontorigins.RestApiOriginProps{
				OriginPath:    jsii.String("/" + p.Stage),
				CustomHeaders: headers,
			}),
			AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_ALL(),
			ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			CachePolicy:          cache,
			// Every viewer header but Host: API Gateway answers 403 to a foreign Host.
			OriginRequestPolicy:   awscloudfront.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER(),
			ResponseHeadersPolicy: w.ResponseHeadersPolicy,
			FunctionAssociations: &[]*awscloudfront.FunctionAssociation{{
				EventType: awscloudfront.FunctionEventType_VIEWER_REQUEST,
				Function:  w.ViewerRequest,
			}},
		}
	}
	behaviors := staticBehaviors(w.StaticBucket, w.ResponseHeadersPolicy, p)
	if len(p.ClientApiKeyPaths) > 0 {
		// Without the origin key, so that the client's own x-api-key passes,
		// and uncached: the key is checked by API Gateway, which a cached
		// response would skip.
		clientBehavior := appBehavior(nil, awscloudfront.CachePolicy_CACHING_DISABLED())
		for _, path := range p.ClientApiKeyPaths {
			(*behaviors)[path] = clientBehavior
		}
	}
	props := &awscloudfront.DistributionProps{
		Comment:             jsii.String("Web app: static paths from S3, everything else from API Gateway"),
		DefaultBehavior:     appBehavior(originHeaders, w.AppCachePolicy),
		AdditionalBehaviors: behaviors,
		HttpVersion:         awscloudfront.HttpVersion_HTTP2_AND_3,
		ErrorResponses:      uncachedErrors(),
	}
	if p.DomainName != "" {
		// Without a certificate CloudFront serves its own, whose TLS policy
		// is fixed; these settings only apply with the custom domain.
		props.DomainNames = jsii.Strings(p.siteDomainNames()...)
		props.Certificate = w.Certificate
		props.MinimumProtocolVersion = awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021
		props.SslSupportMethod = awscloudfront.SSLMethod_SNI
	}
	if w.LogBucket != nil {
		props.EnableLogging = jsii.Bool(true)
		props.LogBucket = w.LogBucket
		props.LogFilePrefix = jsii.String("cloudfront/")
	}
	if p.WebAclArn != "" {
		props.WebAclId = jsii.String(p.WebAclArn)
	}
	if p.PriceClass != "" {
		props.PriceClass = p.PriceClass
	}
	return awscloudfront.NewDistribution(scope, jsii.String("Distribution"), props)
}

// newFunction returns the function and its log group.
// manifest is the static files' manifest, which a function built from
// FunctionDir carries beside bootstrap (webappassets.FileName).
func newFunction(scope constructs.Construct, p Props, manifest []byte) (awslambda.Function, awslogs.LogGroup) {
	logGroup := awslogs.NewLogGroup(scope, jsii.String("FunctionLogs"), &awslogs.LogGroupProps{
		Retention:     p.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	// The function's own role instead of the managed basic execution role,
	// whose logs:* on every log group is more than it needs: it may write to
	// its log group, and a stack grants it the rest (a table, a bucket). A
	// role given in Props gets the same grant, and none is created.
	role := p.Role
	if role == nil {
		role = awsiam.NewRole(scope, jsii.String("FunctionRole"), &awsiam.RoleProps{
			AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
			Description: jsii.String("The web app's function: writes its logs, and what the stack grants"),
		})
	}
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: jsii.Strings(*logGroup.LogGroupArn()),
	}))
	env := make(map[string]*string, len(p.FunctionEnvironment)+1)
	for k, v := range p.FunctionEnvironment {
		env[k] = jsii.String(v)
	}
	if corsJSON := corsEnvironment(p.Cors); corsJSON != "" {
		env[webapphttp.CorsConfigEnv] = jsii.String(corsJSON)
	}
	code := p.Code
	if code == nil {
		code = awslambda.Code_FromAsset(jsii.String(p.FunctionDir), &awss3assets.AssetOptions{
			AssetHashType: awscdk.AssetHashType_OUTPUT,
			Bundling:      bundlingOptions(p.FunctionDir, p.FunctionBuild.options(), manifest),
		})
	}
	props := &awslambda.FunctionProps{
		Runtime:       awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:  awslambda.Architecture_ARM_64(),
		Handler:       jsii.String("bootstrap"),
		Code:          code,
		Role:          role,
		MemorySize:    jsii.Number(float64(p.FunctionMemorySize)),
		Timeout:       p.FunctionTimeout,
		Environment:   &env,
		LogGroup:      logGroup,
		LoggingFormat: awslambda.LoggingFormat_JSON,
		Description:   jsii.String("Serves the web app's pages and API"),
	}
	if p.Tracing {
		props.Tracing = awslambda.Tracing_ACTIVE
	}
	if c := *p.FunctionReservedConcurrency; c != UnreservedConcurrency {
		// Zero is meant: a function that may not run.
		props.ReservedConcurrentExecutions = jsii.Number(float64(c))
	}
	return awslambda.NewFunction(scope, jsii.String("Function"), props), logGroup
}

// liveAlias is the name of the alias API Gateway invokes.
const liveAlias = "live"

// newAlias publishes the function's current version and points the alias
// "live" at it. CurrentVersion's logical id is a hash of the function's code
// and configuration, so every deploy that changes either publishes a new
// version, and one that changes neither publishes nothing; the alias keeps
// its id, so API Gateway's integration and permissions never change.
func newAlias(scope constructs.Construct, p Props, fn awslambda.Function) (awslambda.Version, awslambda.Alias) {
	version := fn.CurrentVersion()
	props := &awslambda.AliasProps{
		AliasName:   jsii.String(liveAlias),
		Version:     version,
		Description: jsii.String("The version API Gateway invokes"),
	}
	if p.FunctionProvisionedConcurrency > 0 {
		props.ProvisionedConcurrentExecutions = jsii.Number(float64(p.FunctionProvisionedConcurrency))
	}
	return version, awslambda.NewAlias(scope, jsii.String("FunctionAlias"), props)
}

// staticBehaviors sends each static path pattern to the bucket, cached.
func staticBehaviors(bucket awss3.IBucket, headers awscloudfront.IResponseHeadersPolicy, p Props) *map[string]*awscloudfront.BehaviorOptions {
	var origin awscloudfront.IOrigin
	if p.StaticOriginAccess == OriginAccessControl {
		origin = awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(bucket, nil)
	} else {
		// Grants the identity s3:GetObject only (not grantRead's List), so a
		// missing file is a 403, and the bucket's keys cannot be listed.
		origin = awscloudfrontorigins.S3BucketOrigin_WithOriginAccessIdentity(bucket, nil)
	}
	behaviors := make(map[string]*awscloudfront.BehaviorOptions, len(p.StaticPaths))
	for _, path := range p.StaticPaths {
		behaviors[path] = &awscloudfront.BehaviorOptions{
			Origin:                origin,
			AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
			ResponseHeadersPolicy: headers,
		}
	}
	return &behaviors
}

// addOutputs adds the stack outputs, unless Props.Outputs is false.
func (w *WebApp) addOutputs(scope constructs.Construct, p Props) {
	if p.Outputs != nil && !*p.Outputs {
		return
	}
	outputs := []struct {
		id, description string
		value           *string
	}{
		{"SiteUrl", "The site's address", w.SiteUrl},
		{"DistributionId", "CloudFront distribution id, for invalidations", w.Distribution.DistributionId()},
		{"ApiUrl", "API Gateway stage URL: answers 403 without CloudFront's origin key unless AllowDirectApiAccess", w.Api.Url()},
		{"StaticBucketName", "Bucket that holds the static files", w.StaticBucket.BucketName()},
	}
	for _, o := range outputs {
		awscdk.NewCfnOutput(scope, jsii.String(o.id), &awscdk.CfnOutputProps{
			Value: o.value, Description: jsii.String(o.description),
		})
	}
}

// warnUnservedStaticFiles adds a synth warning for each file in the static
// directory that no static path pattern serves: it would be uploaded but
// every request for it would reach the function instead.
func warnUnservedStaticFiles(scope constructs.Construct, dir string, patterns []string) {
	var unserved []string
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return nil
		}
		urlPath := "/" + filepath.ToSlash(rel)
		if !staticpaths.MatchAny(patterns, urlPath) {
			unserved = append(unserved, urlPath)
		}
		return nil
	})
	if len(unserved) == 0 {
		return
	}
	sort.Strings(unserved)
	addWarning(scope, "webapp:unservedStaticFiles",
		"StaticDir has files that no StaticPaths pattern serves (requests for them reach the function): "+
			strings.Join(unserved, ", "))
}

// addWarning adds an acknowledgeable synth warning (Annotations.addWarningV2).
// It calls the JavaScript method through jsii rather than the Go binding
// because the binding gained a required third parameter in aws-cdk-go
// v2.276.0, while the method itself takes it as optional: one call that
// compiles against every supported aws-cdk-go version.
func addWarning(scope constructs.IConstruct, id, message string) {
	jsiiruntime.InvokeVoid(awscdk.Annotations_Of(scope), "addWarningV2", []any{jsii.String(id), jsii.String(message)})
}
