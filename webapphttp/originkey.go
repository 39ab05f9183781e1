package webapphttp

import (
	"net/http"

	"github.com/aws/aws-lambda-go/events"
)

// OriginAPIKeyIDEnv is the environment variable in which the WebApp
// construct passes the id of CloudFront's origin API key: the key's id, as
// API Gateway reports it in requestContext.identity.apiKeyId, never its
// value, which stays in Secrets Manager, CloudFront and API Gateway. The
// construct sets it whenever there is an origin key (unless
// AllowDirectApiAccess).
const OriginAPIKeyIDEnv = "ORIGIN_API_KEY_ID"

// clientAPIKey removes CloudFront's origin key from header, the request's
// copy of the event's headers, and returns the id of the client's API key
// the request carries, "" when there is none.
//
// originKeyID is the origin key's id (OriginAPIKeyIDEnv). With it, X-Api-Key
// stays only when API Gateway verified it as another key, a client's on the
// construct's ClientApiKeyPaths (where CloudFront passes the viewer's
// x-api-key instead of its own). Every other X-Api-Key goes: the one API
// Gateway verified as the origin key, and an unverified one, which on a
// method that requires no key (the OPTIONS methods the construct adds for
// preflights beside ClientApiKeyPaths) is still CloudFront's, sent on every
// request of its default behaviour. Without originKeyID there is no origin
// key to hide, and the header stays as sent.
//
// The event's requestContext.identity.apiKey, the key's value, is never
// copied into the request.
func clientAPIKey(header http.Header, id events.APIGatewayRequestIdentity, originKeyID string) string {
	if originKeyID == "" {
		return id.APIKeyID
	}
	if id.APIKeyID == "" || id.APIKeyID == originKeyID {
		delete(header, "X-Api-Key") // requestHeader's keys are canonical
		return ""
	}
	return id.APIKeyID
}
