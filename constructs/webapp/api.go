package webapp

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/webapphttp"
)

// CorsOptions configure cross-origin requests to the app. The app answers
// preflights and sets the Access-Control-* headers itself (package
// webapphttp), the same way in Lambda, locally and in tests; behind
// CloudFront the default behaviour allows OPTIONS, forwards Origin and caches
// nothing, so every preflight reaches it. API Gateway's own errors
// (WebApp.GatewayResponses) carry the headers too, fixed for every request
// as a gateway response cannot decide per request: "*" as "*", a single
// origin named (with credentials if allowed), several origins by echoing
// the request's Origin without credentials, so that no other site learns
// from a readable 401 whether its visitor is signed in.
type CorsOptions struct {
	// AllowOrigins are the origins allowed to call, as scheme://host[:port],
	// or "*" (alone, and only without AllowCredentials). Required.
	AllowOrigins []string
	// AllowMethods answered to a preflight.
	// Default: GET, HEAD, POST, PUT, PATCH, DELETE.
	AllowMethods []string
	// AllowHeaders answered to a preflight.
	// Default: the headers the preflight asks for.
	AllowHeaders []string
	// ExposeHeaders the browser lets scripts read.
	// Default: none beyond the CORS-safelisted ones.
	ExposeHeaders []string
	// MaxAge is how long a browser may cache a preflight, at most a day.
	// Default: no Access-Control-Max-Age header (the browser's default).
	MaxAge awscdk.Duration
	// AllowCredentials lets cookies and Authorization go with the request.
	// Default: false.
	AllowCredentials bool
}

// config converts the options to the app's configuration.
func (o *CorsOptions) config() webapphttp.CorsConfig {
	c := webapphttp.CorsConfig{
		AllowOrigins: o.AllowOrigins, AllowMethods: o.AllowMethods, AllowHeaders: o.AllowHeaders,
		ExposeHeaders: o.ExposeHeaders, AllowCredentials: o.AllowCredentials,
	}
	if o.MaxAge != nil && !unresolved(o.MaxAge) {
		c.MaxAgeSeconds = int(*o.MaxAge.ToSeconds(nil))
	}
	return c
}

// corsEnvironment is the function's CORS_CONFIG, empty without CORS.
func corsEnvironment(o *CorsOptions) string {
	if o == nil {
		return ""
	}
	raw, _ := json.Marshal(o.config()) // strings, ints and bools: it cannot fail
	return string(raw)
}

// methodOptions are the options of the API's protected and public methods.
// Both require CloudFront's origin key unless direct access is allowed; only
// protected ones run the authorizer.
func methodOptions(p Props) (protected, public *awsapigateway.MethodOptions) {
	keyRequired := jsii.Bool(!p.AllowDirectApiAccess)
	public = &awsapigateway.MethodOptions{ApiKeyRequired: keyRequired, AuthorizationType: awsapigateway.AuthorizationType_NONE}
	protected = public
	switch {
	case p.Authorizer != nil:
		protected = &awsapigateway.MethodOptions{ApiKeyRequired: keyRequired, Authorizer: p.Authorizer}
	case p.IamAuthorization:
		protected = &awsapigateway.MethodOptions{ApiKeyRequired: keyRequired, AuthorizationType: awsapigateway.AuthorizationType_IAM}
	}
	return protected, public
}

// newAPI returns the REST API and its stage's access log group.
func newAPI(scope constructs.Construct, p Props, fn awslambda.IFunction) (awsapigateway.LambdaRestApi, awslogs.LogGroup) {
	accessLogs := awslogs.NewLogGroup(scope, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{
		Retention:     p.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	protected, public := methodOptions(p)
	cloudWatchRole, executionLogging := apiLogging(scope, p)
	loggingLevel := awsapigateway.MethodLoggingLevel_OFF
	if executionLogging {
		loggingLevel = awsapigateway.MethodLoggingLevel_ERROR
	}
	props := &awsapigateway.LambdaRestApiProps{
		Handler: fn,
		// The methods are defined below, so that public paths can skip the authorizer.
		Proxy:       jsii.Bool(false),
		Description: jsii.String("Proxies every path and method to the web app's function"),
		// API Gateway's metrics name an API by its name, not its id: a
		// name of the site's own (from its path, stack included) keeps two
		// sites of a region, each with an API CDK would call "Api", from
		// sharing their alarms and graphs.
		RestApiName: awscdk.Names_UniqueResourceName(scope, &awscdk.UniqueResourceNameOptions{MaxLength: jsii.Number(128)}),
		// CloudFront is already the edge; an EDGE endpoint would add a second hop.
		EndpointConfiguration: &awsapigateway.EndpointConfiguration{
			Types: &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL},
		},
		BinaryMediaTypes: jsii.Strings(binaryMediaTypes()...),
		DeployOptions: &awsapigateway.StageOptions{
			StageName:            jsii.String(p.Stage),
			ThrottlingRateLimit:  jsii.Number(p.ApiThrottleRateLimit),
			ThrottlingBurstLimit: jsii.Number(float64(p.ApiThrottleBurstLimit)),
			AccessLogDestination: awsapigateway.NewLogGroupLogDestination(accessLogs),
			AccessLogFormat:      awsapigateway.AccessLogFormat_JsonWithStandardFields(nil),
			// Errors only, and never request or response bodies (DataTrace).
			LoggingLevel:     loggingLevel,
			DataTraceEnabled: jsii.Bool(false),
			MetricsEnabled:   jsii.Bool(true),
			TracingEnabled:   jsii.Bool(p.Tracing),
		},
		// Execution logs need the account's API Gateway CloudWatch role.
		CloudWatchRole: jsii.Bool(cloudWatchRole),
	}
	if cloudWatchRole {
		// Kept when the stack is deleted: other APIs of the account may log
		// through it (CDK refuses a removal policy without the role).
		props.CloudWatchRoleRemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}
	api := awsapigateway.NewLambdaRestApi(scope, jsii.String("Api"), props)
	dropEndpointOutput(api)

	// A browser's CORS preflight carries no credentials and no API key:
	// where an authorizer or a client key guards a path, an OPTIONS method
	// without them lets the preflight reach the app, which answers it.
	preflight := public
	if len(p.ClientApiKeyPaths) > 0 {
		preflight = &awsapigateway.MethodOptions{ApiKeyRequired: jsii.Bool(false), AuthorizationType: awsapigateway.AuthorizationType_NONE}
	}
	addMethods := func(res awsapigateway.IResource, opts *awsapigateway.MethodOptions) {
		res.AddMethod(jsii.String("ANY"), nil, opts)
		if p.Cors != nil && (opts != public || preflight != public) {
			res.AddMethod(jsii.String("OPTIONS"), nil, preflight)
		}
	}
	rootOptions := protected
	if containsString(p.PublicPaths, "/") {
		rootOptions = public
	}
	// The root and /{proxy+}: every path and method reaches the function.
	addMethods(api.Root(), rootOptions)
	addMethods(api.Root().AddResource(jsii.String("{proxy+}"), nil), protected)
	if protected != public {
		for _, prefix := range publicPrefixes(p.PublicPaths) {
			res := api.Root().ResourceForPath(jsii.String(prefix))
			addMethods(res, public)
			addMethods(res.AddResource(jsii.String("{proxy+}"), nil), public)
		}
	}
	return api, accessLogs
}

// disableCloudWatchRoleFlag is the feature flag by which CDK's RestApi
// decides whether to create the account's CloudWatch role.
const disableCloudWatchRoleFlag = "@aws-cdk/aws-apigateway:disableCloudWatchRole"

// apiLogging decides, as Props.ApiCloudWatchRole and ApiExecutionLogging
// document, whether the construct creates the account's API Gateway
// CloudWatch role and whether the stage writes execution logs: the role
// follows the feature flag as seen from the construct (FeatureFlags.of),
// execution logging follows the role.
func apiLogging(scope constructs.Construct, p Props) (cloudWatchRole, executionLogging bool) {
	cloudWatchRole = !*awscdk.FeatureFlags_Of(scope).IsEnabled(jsii.String(disableCloudWatchRoleFlag))
	if p.ApiCloudWatchRole != nil {
		cloudWatchRole = *p.ApiCloudWatchRole
	}
	executionLogging = cloudWatchRole
	if p.ApiExecutionLogging != nil {
		executionLogging = *p.ApiExecutionLogging
	}
	return cloudWatchRole, executionLogging
}

// dropEndpointOutput removes the output that a deployed RestApi always adds
// (undescribed, and a duplicate of ApiUrl, which Props.Outputs controls). It
// finds the output by its type, as a CfnOutput directly under the API,
// rather than by the id CDK happens to give it.
func dropEndpointOutput(api awsapigateway.RestApi) {
	for _, c := range *api.Node().Children() {
		if out, ok := c.(awscdk.CfnOutput); ok {
			api.Node().TryRemoveChild(out.Node().Id())
		}
	}
}

// publicPrefixes returns the public paths other than the root, without their
// slashes, sorted, each once: /healthz and /healthz/ are the same prefix.
func publicPrefixes(paths []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, path := range paths {
		prefix := strings.Trim(path, "/")
		if prefix == "" || seen[prefix] {
			continue
		}
		seen[prefix] = true
		out = append(out, prefix)
	}
	sort.Strings(out)
	return out
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// newClientUsagePlan is the usage plan of the clients' own API keys: those
// paths reach API Gateway through an origin that does not set x-api-key, so
// a client's key passes through CloudFront, and the plan's throttle and quota
// apply to each key.
func newClientUsagePlan(api awsapigateway.RestApi, p Props) awsapigateway.UsagePlan {
	props := &awsapigateway.UsagePlanProps{
		Description: jsii.String("Clients' API keys: throttle and quota per key"),
		ApiStages:   &[]*awsapigateway.UsagePlanPerApiStage{{Api: api, Stage: api.DeploymentStage()}},
		Throttle: &awsapigateway.ThrottleSettings{
			RateLimit:  jsii.Number(p.ClientApiKeyRateLimit),
			BurstLimit: jsii.Number(float64(p.ClientApiKeyBurstLimit)),
		},
	}
	if p.ClientApiKeyQuota > 0 {
		props.Quota = &awsapigateway.QuotaSettings{Limit: jsii.Number(float64(p.ClientApiKeyQuota)), Period: awsapigateway.Period_DAY}
	}
	return api.AddUsagePlan(jsii.String("ClientPlan"), props)
}
