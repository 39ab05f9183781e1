package webapp

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// appCacheMaxTTLDays caps how long CloudFront keeps an app response whose
// Cache-Control asks for longer: a year, CloudFront's own default maximum.
const appCacheMaxTTLDays = 365

// newAppCachePolicy is the cache policy of the app's behaviour: CloudFront
// keeps a response exactly as long as the function's Cache-Control says
// (s-maxage, else max-age; minimum and default TTL 0, so a response without
// one, or one that is private or no-store, is never kept) and compresses
// it, Brotli or gzip as the viewer accepts. webapphttp marks every response
// "private, no-store" unless the handler calls CachePublic, so nothing is
// cached that the app did not say is the same for everyone.
//
// The cache key is the path and every query string (they select the page),
// never Host (one site), nor cookies (a response that depends on them must
// stay private; the origin request policy still forwards them). Headers:
//
//   - Authorization, only with an Authorizer. A behaviour that caches
//     forwards Authorization on GET and HEAD only when it is in the key (an
//     origin request policy cannot forward it), and the authorizer needs the
//     token; keyed on it, a response cached for one token can never answer
//     another. Without an Authorizer it stays out of the key, so GET and
//     HEAD reach the function without it. An authorizer runs only when
//     CloudFront asks the origin, so the guarantee that an authenticated
//     response is never served to another viewer is webapphttp's:
//     CachePublic keeps private every response to a request that carried
//     Authorization or that an authorizer identified, whatever its identity
//     source (a header, a cookie, a query string).
//   - Origin, only with Cors: the function's CORS headers echo the viewer's
//     Origin, so a public response cached for one origin must not answer
//     another.
func newAppCachePolicy(scope constructs.Construct, p Props) awscloudfront.CachePolicy {
	var headers []string
	if p.Authorizer != nil {
		headers = append(headers, "Authorization")
	}
	if p.Cors != nil {
		headers = append(headers, "Origin")
	}
	headerBehavior := awscloudfront.CacheHeaderBehavior_None()
	if len(headers) > 0 {
		headerBehavior = awscloudfront.CacheHeaderBehavior_AllowList(*jsii.Strings(headers...)...)
	}
	return awscloudfront.NewCachePolicy(scope, jsii.String("AppCachePolicy"), &awscloudfront.CachePolicyProps{
		Comment:                    jsii.String("The web app's pages: as long as their Cache-Control says (private unless public), compressed; keyed on the path and query"),
		MinTtl:                     awscdk.Duration_Seconds(jsii.Number(0)),
		DefaultTtl:                 awscdk.Duration_Seconds(jsii.Number(0)),
		MaxTtl:                     awscdk.Duration_Days(jsii.Number(appCacheMaxTTLDays)),
		EnableAcceptEncodingGzip:   jsii.Bool(true),
		EnableAcceptEncodingBrotli: jsii.Bool(true),
		QueryStringBehavior:        awscloudfront.CacheQueryStringBehavior_All(),
		CookieBehavior:             awscloudfront.CacheCookieBehavior_None(),
		HeaderBehavior:             headerBehavior,
	})
}

// cachedErrorStatuses are the error statuses CloudFront caches in answer to
// a GET or HEAD ("HTTP 4xx and 5xx status codes that CloudFront caches" in
// its developer guide): for its error caching minimum TTL, 10 seconds unless
// the distribution says otherwise, whatever the cache policy, and for 400,
// 403, 405, 500, 502, 503 and 504 even when the origin says no-store.
func cachedErrorStatuses() []int { return []int{400, 403, 404, 405, 414, 500, 501, 502, 503, 504} }

// uncachedErrors sets the error caching minimum TTL of every cached error
// status to 0, so that CloudFront never answers a viewer with an error it
// kept from another's request. API Gateway's own errors (an authorizer's
// 403, an integration's 502 or 504) carry no Cache-Control, and the cache
// key may not hold what they depend on: a Lambda REQUEST authorizer that
// reads a cookie would otherwise see its 403 for one viewer served to the
// next for 10 seconds. The pages stay CloudFront's own, with the status the
// origin gave.
func uncachedErrors() *[]*awscloudfront.ErrorResponse {
	var out []*awscloudfront.ErrorResponse
	for _, status := range cachedErrorStatuses() {
		out = append(out, &awscloudfront.ErrorResponse{
			HttpStatus: jsii.Number(float64(status)),
			Ttl:        awscdk.Duration_Seconds(jsii.Number(0)),
		})
	}
	return &out
}
