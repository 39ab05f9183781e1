package webapphttp

import (
	"context"
	"net/http"
)

// Info describes one request as the edge saw it.
type Info struct {
	// RequestID is API Gateway's request id (requestContext.requestId, the
	// requestId of the stage's access log), or the local server's own, to
	// correlate a log line with a client's report.
	RequestID string
	// LambdaRequestID is the id of the Lambda invocation that serves the
	// request, as Lambda's own START and REPORT lines in the function's log
	// name it: "" outside Lambda.
	LambdaRequestID string
	// CloudFrontID is CloudFront's id of the request (X-Amz-Cf-Id): the
	// x-edge-request-id of CloudFront's standard logs, and the X-Amz-Cf-Id
	// the viewer got back with the response. "" when the request did not
	// come through CloudFront.
	CloudFrontID string
	// APIKeyID is the id of the client's API key that API Gateway verified
	// for the request (requestContext.identity.apiKeyId), on the WebApp
	// construct's ClientApiKeyPaths: it tells clients apart without their
	// secret. "" when API Gateway verified no key, and for CloudFront's
	// origin key, which never reaches the app (see NewRequest).
	APIKeyID string
	// Stage is the API Gateway stage name, empty outside API Gateway.
	Stage string
	// BasePath is the prefix the viewer's URLs carry before the app's own
	// paths: "" behind CloudFront and locally, "/<stage>" when the request came
	// to the execute-api domain directly. Links and redirects must start with it.
	BasePath string
	// Authorizer is the API Gateway authorizer's context (principal id and
	// claims), nil when no authorizer ran.
	Authorizer map[string]any
	// IAM is the SigV4 caller API Gateway verified (userArn, accountId,
	// user, caller, accessKey, and Cognito identity ids when present), nil
	// for an unsigned request.
	IAM map[string]string
}

type key struct{}

// WithInfo returns a copy of ctx that carries info.
func WithInfo(ctx context.Context, info Info) context.Context {
	return context.WithValue(ctx, key{}, info)
}

// InfoFrom returns the Info carried by ctx, or the zero Info.
func InfoFrom(ctx context.Context) Info {
	info, _ := ctx.Value(key{}).(Info)
	return info
}

// URL returns the path the viewer must use to reach the app's path p (which
// starts with '/'), so that links and redirects work at the root and under a
// stage alike: p itself behind CloudFront, locally and under httptest,
// Info.BasePath+p ("/prod"+p) on the execute-api domain.
func URL(r *http.Request, p string) string {
	return InfoFrom(r.Context()).BasePath + p
}
