package webapp

import (
	"encoding/json"
	"html"
	"net/http"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/jsii-runtime-go"
)

// gatewayError is an error API Gateway answers itself, before the function
// runs or instead of its answer, said the way the app says its own errors:
// Chalice's {"Code","Message"} for programs, a page for browsers.
type gatewayError struct {
	// id is the construct id under Api: a contract, renaming it replaces
	// the deployed response.
	id  string
	typ awsapigateway.ResponseType
	// status overrides API Gateway's; 0 keeps it (the DEFAULT_* types
	// cover several statuses).
	status        int
	code, message string
	// title heads the page; "" for the status's text.
	title string
}

// requestIDSuffix ends a server error's message, as the app ends its own,
// so that a report can be matched with the access log. $context.requestId
// is API Gateway's id, hex and dashes: safe in JSON and in HTML.
const requestIDSuffix = " (request id $context.requestId)"

// gatewayErrors are the responses the construct customizes. Every message
// is fixed text, chosen here: a gateway response template is not VTL (API
// Gateway only substitutes variables, it cannot escape one for HTML), and
// $context.error.message may quote request headers, such as a malformed
// Authorization. No template names $context.identity.apiKey: the origin
// key never leaves API Gateway.
var gatewayErrors = []gatewayError{
	{id: "Throttled", typ: awsapigateway.ResponseType_THROTTLED(), status: http.StatusTooManyRequests,
		code: "TooManyRequestsError", message: "too many requests: wait a moment and try again"},
	{id: "QuotaExceeded", typ: awsapigateway.ResponseType_QUOTA_EXCEEDED(), status: http.StatusTooManyRequests,
		code: "TooManyRequestsError", message: "this API key has used up its quota: try again tomorrow"},
	{id: "IntegrationTimeout", typ: awsapigateway.ResponseType_INTEGRATION_TIMEOUT(), status: http.StatusGatewayTimeout,
		code: "GatewayTimeoutError", message: "the site took too long to answer: try again" + requestIDSuffix},
	{id: "IntegrationFailure", typ: awsapigateway.ResponseType_INTEGRATION_FAILURE(), status: http.StatusBadGateway,
		code: "BadGatewayError", message: "the site failed to answer: try again" + requestIDSuffix},
	// A missing key is an invalid one to API Gateway: the origin key when
	// a request bypasses CloudFront, a client's key on ClientApiKeyPaths.
	{id: "InvalidApiKey", typ: awsapigateway.ResponseType_INVALID_API_KEY(), status: http.StatusForbidden,
		code: "ForbiddenError", message: "forbidden: this path needs a valid API key"},
	{id: "Unauthorized", typ: awsapigateway.ResponseType_UNAUTHORIZED(), status: http.StatusUnauthorized,
		code: "UnauthorizedError", message: "unauthorized: sign in or send valid credentials"},
	{id: "MissingAuthenticationToken", typ: awsapigateway.ResponseType_MISSING_AUTHENTICATION_TOKEN(), status: http.StatusForbidden,
		code: "ForbiddenError", message: "forbidden: this request needs credentials"},
	{id: "AccessDenied", typ: awsapigateway.ResponseType_ACCESS_DENIED(), status: http.StatusForbidden,
		code: "ForbiddenError", message: "forbidden: you may not use this resource"},
	{id: "Default4XX", typ: awsapigateway.ResponseType_DEFAULT_4XX(),
		code: "BadRequestError", message: "request refused ($context.error.responseType)", title: "Request refused"},
	{id: "Default5XX", typ: awsapigateway.ResponseType_DEFAULT_5XX(),
		code: "InternalServerError", message: "internal server error" + requestIDSuffix, title: "Server error"},
}

// The media types of the templates. API Gateway picks a template by the
// request's Accept header, as for an integration response, and without a
// match or an Accept the application/json one: a browser, which asks for
// text/html first, gets the page; curl and fetch, which send */*, JSON.
const (
	jsonMediaType = "application/json"
	htmlMediaType = "text/html"
)

// templates are the response's bodies by media type.
func (e gatewayError) templates() map[string]*string {
	body, _ := json.Marshal(struct{ Code, Message string }{e.code, e.message}) // strings: it cannot fail
	title := e.title
	if title == "" {
		title = strconv.Itoa(e.status) + " " + http.StatusText(e.status)
	}
	// Self-contained and without inline style or script: the site's
	// Content-Security-Policy applies to this page too.
	page := "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" +
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n" +
		"<title>" + html.EscapeString(title) + "</title>\n</head>\n<body>\n" +
		"<h1>" + html.EscapeString(title) + "</h1>\n<p>" + html.EscapeString(e.message) + "</p>\n" +
		"<p><a href=\"/\">Back to the site</a></p>\n</body>\n</html>\n"
	return map[string]*string{jsonMediaType: jsii.String(string(body)), htmlMediaType: jsii.String(page)}
}

// gatewayCorsHeaders are the CORS headers of API Gateway's own errors, so
// that a script of an allowed origin reads a 401 or a 429 rather than a
// CORS failure; nil without CORS. A gateway response cannot decide per
// request, so:
//   - "*" answers "*", as the app does;
//   - a single origin is named, with credentials if they are allowed;
//   - several origins: the request's Origin is echoed, without
//     credentials. The body is the same fixed text for every caller, so an
//     origin outside the list learns nothing from reading it; with
//     credentials it would learn whether the user is signed in (a readable
//     401 rather than the app's refused answer), so credentialed requests
//     see API Gateway's errors as CORS failures there.
func gatewayCorsHeaders(o *CorsOptions) map[string]*string {
	if o == nil {
		return nil
	}
	quote := func(s string) *string { return jsii.String("'" + s + "'") }
	switch {
	case len(o.AllowOrigins) == 1 && o.AllowOrigins[0] == "*":
		return map[string]*string{"Access-Control-Allow-Origin": quote("*")}
	case len(o.AllowOrigins) == 1:
		h := map[string]*string{"Access-Control-Allow-Origin": quote(o.AllowOrigins[0]), "Vary": quote("Origin")}
		if o.AllowCredentials {
			h["Access-Control-Allow-Credentials"] = quote("true")
		}
		return h
	}
	return map[string]*string{"Access-Control-Allow-Origin": jsii.String("method.request.header.Origin"), "Vary": quote("Origin")}
}

// addGatewayResponses customizes API Gateway's own errors on api and
// returns the responses by type.
func addGatewayResponses(api awsapigateway.RestApi, p Props) map[string]awsapigateway.GatewayResponse {
	headers := gatewayCorsHeaders(p.Cors)
	out := make(map[string]awsapigateway.GatewayResponse, len(gatewayErrors))
	for _, e := range gatewayErrors {
		templates := e.templates()
		opts := &awsapigateway.GatewayResponseOptions{Type: e.typ, Templates: &templates}
		if headers != nil {
			opts.ResponseHeaders = &headers
		}
		if e.status != 0 {
			opts.StatusCode = jsii.String(strconv.Itoa(e.status))
		}
		out[*e.typ.ResponseType()] = api.AddGatewayResponse(jsii.String(e.id), opts)
	}
	return out
}
