package webapphttp

import (
	"encoding/json"
	"maps"
	"net/http"
)

// Caller is who made a request, as API Gateway's authorizer established it
// before the function ran: Chalice's
// app.current_request.context["authorizer"], typed.
type Caller struct {
	// PrincipalID identifies the caller: a Lambda authorizer's principalId,
	// or the "sub" claim of the token a Cognito user pool or JWT authorizer
	// accepted ("" for a token without one).
	PrincipalID string
	// Claims are what the authorizer says about the caller: a Lambda
	// authorizer's context (without principalId and API Gateway's
	// integrationLatency), or the token's claims ("email",
	// "cognito:username", ...). The values are those of the event's JSON:
	// strings for a Lambda authorizer (API Gateway turns its numbers and
	// booleans into strings) and a Cognito user pool authorizer, each
	// claim's own JSON type (float64, bool, []any, ...) for a JWT authorizer.
	// Claim reads one as a string.
	Claims map[string]any
}

// CallerOf returns the caller that API Gateway's authorizer identified for
// r, and false when no authorizer ran or it identified nobody. It reads the
// shapes a REST API's Lambda proxy integration receives in
// requestContext.authorizer:
//
//   - Lambda authorizer, TOKEN or REQUEST: {"principalId": "user-42",
//     "integrationLatency": 287, "tenant": "acme", ...};
//   - Cognito user pool or JWT authorizer: {"claims": {"sub": "a1b2...",
//     "email": "alice@example.com", ...}}.
//
// A method with AWS_IAM authorization has no authorizer: its signer, which
// API Gateway verified, comes from requestContext.identity (Info.IAM), and
// CallerOf reports its user ARN as the principal.
//
// Nothing of this comes from the request's headers: a client cannot forge
// it, but it is there only behind an authorizer (locally and under httptest,
// put it in the context with WithInfo).
func CallerOf(r *http.Request) (Caller, bool) {
	info := InfoFrom(r.Context())
	if arn := info.IAM["userArn"]; arn != "" {
		claims := make(map[string]any, len(info.IAM))
		for k, v := range info.IAM {
			claims[k] = v
		}
		return Caller{PrincipalID: arn, Claims: claims}, true
	}
	auth := info.Authorizer
	if claims, ok := auth["claims"].(map[string]any); ok {
		if len(claims) == 0 {
			return Caller{}, false
		}
		sub, _ := claims["sub"].(string)
		return Caller{PrincipalID: sub, Claims: maps.Clone(claims)}, true
	}
	id, _ := auth["principalId"].(string)
	if id == "" {
		return Caller{}, false
	}
	claims := maps.Clone(auth)
	delete(claims, "principalId")
	delete(claims, "integrationLatency")
	return Caller{PrincipalID: id, Claims: claims}, true
}

// Claim returns the claim name as a string: a string as it is, a number or
// a boolean as JSON writes it, any other value as JSON text, and "" when
// there is no such claim.
func (c Caller) Claim(name string) string {
	switch v := c.Claims[name].(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}
