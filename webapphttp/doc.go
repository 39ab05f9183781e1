// Package webapphttp is the function side of the WebApp construct
// (github.com/gowebapp/webapp/constructs/webapp): what a Go function deployed
// with WebApp imports to serve plain net/http handlers behind API Gateway's
// REST API and CloudFront. It links no CDK or jsii code, so the function's
// binary stays small and its cold start short.
//
// # Quick start
//
//	package main
//
//	import (
//		"fmt"
//		"net/http"
//
//		"github.com/gowebapp/webapp/webapphttp"
//	)
//
//	func main() {
//		mux := http.NewServeMux()
//		mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
//			fmt.Fprintf(w, "hello from %s", r.Host)
//		})
//		mux.HandleFunc("POST /notes", func(w http.ResponseWriter, r *http.Request) {
//			// ... keep the note ...
//			http.Redirect(w, r, webapphttp.URL(r, "/"), http.StatusSeeOther)
//		})
//		webapphttp.Start(mux)
//	}
//
// [Start] applies what the construct passes through the environment (CORS,
// below) and the refusal of cross-site writes, and serves API Gateway's
// events with the handler; it never returns. [Wrap] applies the same to a handler without starting, for a
// local net/http server or a test, so the same handlers run in Lambda,
// locally and under httptest.
//
// # The adapter
//
// [Handler] adapts an http.Handler to API Gateway REST API (v1) proxy
// events; [NewRequest] and [ResponseWriter] are its two halves, for a
// Lambda handler that does more than serve the event. It is written here
// rather than taken from a library: the adapter is two small functions,
// while awslabs/aws-lambda-go-api-proxy is one module that requires every
// router it has an adapter for, and gets the edge cases wrong in long-open
// issues (only one of several Set-Cookie headers reaches the client, #204;
// custom domains and stage prefixes, #82).
//
// What the adapter derives from the event, and how:
//   - r.URL and r.RequestURI come from event.path (the app's path, without the
//     stage; REST APIs deliver it still percent-encoded) and the multi-value
//     query string; r.Header from the multi-value headers.
//   - r.Host is the viewer's host: X-Forwarded-Host when CloudFront's
//     viewer-request function set it ("via CloudFront"), the Host header (the
//     execute-api domain) otherwise ("direct"). It is the host to put in an
//     absolute URL the viewer must use.
//   - r.RemoteAddr is the client's address as "ip:0", so net.SplitHostPort and
//     netip.ParseAddrPort work: via CloudFront the viewer's address from
//     X-Forwarded-For (the rightmost entry that is not API Gateway's sourceIp,
//     since the leftmost ones are the viewer's own word), direct the peer of
//     API Gateway's connection, which the client cannot choose.
//   - r.TLS is non-nil and X-Forwarded-Proto is "https", always: execute-api
//     only speaks HTTPS and the distribution redirects HTTP to HTTPS, so the
//     viewer's connection was TLS whichever way the request came.
//   - The request ids (API Gateway's, Lambda's, CloudFront's), stage, URL
//     prefix, client API key id and authorizer context go into the context
//     as an [Info], never into headers a client could send.
//   - CloudFront's origin key is removed: X-Api-Key reaches the handlers
//     only when API Gateway verified it as a client's key (below), and
//     requestContext.identity.apiKey, a key's value, never does.
//
// A response's body is sent as text when it is UTF-8 of a text type (text/*,
// JSON, XML, JavaScript, SVG, url-encoded forms), base64-encoded otherwise;
// every header goes into the multi-value headers, so several Set-Cookie
// survive. The construct's REST API lists "*/*" in its binaryMediaTypes, as
// the adapter needs, so that API Gateway passes form and multipart bodies
// base64-encoded and decodes the binary responses the adapter encodes.
//
// # Request facts
//
// What the edge knows about a request — its id, the stage, the path prefix
// the viewer sees and the caller's identity — travels from the adapter to
// the handlers in the request's context: read it with [InfoFrom], set it
// with [WithInfo] (a local server or a test). It lives in the context rather
// than in headers so that a handler cannot confuse it with what the client
// sent: the adapter derives it from the API Gateway event (BasePath from
// whether CloudFront's X-Forwarded-Host is there, which only CloudFront can
// set unless direct access is open: see docs/security.md in the
// repository), a local server sets what CloudFront would, and a handler
// under httptest sees the zero value, which means "served at the root".
//
//   - [URL] is the path the viewer must use for one of the app's paths: "/x"
//     behind CloudFront, "/<stage>/x" on the execute-api domain. Every link,
//     form action and redirect the app writes should go through it.
//   - [PublicURL] is the absolute URL the viewer called:
//     https://<viewer's host>/x behind CloudFront,
//     https://<execute-api host>/<stage>/x directly, http://<host>/x locally.
//     It is the URL a webhook's sender (Twilio) signs, and the base of an
//     absolute URL the viewer must call back.
//   - [Info] has the ids that find the request in each log (API Gateway's
//     request id in the stage's access log, Lambda's in the function's own
//     lines, CloudFront's X-Amz-Cf-Id, which the viewer also got back, in
//     CloudFront's logs), the stage, the base path, the id of the client's
//     API key, and what the authorizer said.
//   - r.Host and r.RemoteAddr are the viewer's host and address, as above:
//     log the address rather than X-Forwarded-For, whose leftmost entries
//     are whatever the client wrote.
//   - [CallerOf] is who made the request, as API Gateway's authorizer (Lambda,
//     Cognito user pool, JWT) or AWS_IAM established it before the function
//     ran, as a [Caller].
//
// # CORS
//
// [CorsHandler] lets the pages of other origins call the app from scripts,
// as Chalice's CORSConfig does: it answers preflight requests and adds the
// Access-Control-* headers to the actual ones, as a [CorsConfig] says.
//
// It is done in the function rather than by API Gateway, for three reasons:
//   - one implementation behaves the same in Lambda, in a local server and
//     under httptest, so the tests of the app are the tests of what deploys;
//   - API Gateway's own CORS (a mock integration for OPTIONS plus gateway
//     responses) answers with fixed headers, so it cannot echo the one of
//     several allowed origins that asked, with Vary: Origin;
//   - behind CloudFront nothing is lost: the function's behaviour allows
//     OPTIONS, forwards Origin and the Access-Control-Request-* headers
//     (origin request policy AllViewerExceptHostHeader) and caches only GET
//     and HEAD, so the function sees every preflight; with Cors set, Origin
//     is in the cache key, so a public response cached for one origin is
//     never given to another.
//
// A preflight from an origin that is not allowed gets 403 without CORS
// headers. A 204 would block the browser just as well (it is the missing
// Access-Control-Allow-Origin that stops it), but 403 says what happened in
// the browser's network panel, in curl and in API Gateway's access log, where
// a 204 would look like success. Either way the request never reaches the
// app's handlers.
//
// # The origin key
//
// Unless AllowDirectApiAccess, API Gateway refuses every request without
// an API key, and CloudFront's default behaviour sends one: the origin
// key, a secret the function must never hold. The construct passes the
// key's id, not its value, in ORIGIN_API_KEY_ID ([OriginAPIKeyIDEnv]);
// [NewRequest] compares it with the id of the key API Gateway verified
// (requestContext.identity.apiKeyId) and removes X-Api-Key unless that is
// another key: a client's own, on the construct's ClientApiKeyPaths, where
// CloudFront passes the viewer's x-api-key instead. That key stays in
// X-Api-Key, and its id is Info.APIKeyID, to tell clients apart. An
// unverified X-Api-Key, which CloudFront still sends to the methods that
// require no key, goes too. So a handler that echoes every header, or logs
// everything it was given, cannot leak the origin key; the event itself
// still holds it, so a program that calls NewRequest must not log the
// event.
//
// # Cross-site requests
//
// [Start] and [Wrap] refuse a POST, PUT, PATCH or DELETE that a browser
// sent from a page of another site, so that a form there cannot act with
// the viewer's cookies (cross-site request forgery): net/http's
// CrossOriginProtection decides, from Sec-Fetch-Site or, for browsers
// without it, Origin against the viewer's host (r.Host, from CloudFront's
// X-Forwarded-Host). The answer is 403 with a page when Accept prefers
// HTML ([PrefersHTML]), Chalice's {"Code":"ForbiddenError","Message":...}
// otherwise, and a line in slog's default logger; the handler never runs.
// What passes:
//   - safe methods (GET, HEAD, OPTIONS): they must change nothing;
//   - the site's own pages (same-origin) and its sibling subdomains'
//     (same-site: login.example.com posting to todo.example.com, which
//     CrossOriginProtection alone would refuse);
//   - clients that send neither Sec-Fetch-Site nor Origin: curl, SDKs,
//     servers, so JSON API clients are unaffected;
//   - the pages of the origins CORS_CONFIG allows, which the app asked to
//     call it; with AllowOrigins "*", what a browser sends to another
//     origin only after a preflight (JSON, PUT, DELETE), not forms;
//   - the paths [CrossOriginBypass] names ("/" for all).
//
// # Caching
//
// The construct's cache policy lets CloudFront keep an app response for as
// long as its Cache-Control says (and compress it, gzip or Brotli), keyed on
// the path and the whole query string only. So every response that [Start]
// or [Wrap] serves is "private, no-store" ([CacheControlPrivate]) unless
// the handler set a Cache-Control of its own, and a handler opts a response
// in with [CachePublic](w, r, maxAge): "public, max-age=N", for a page that
// is the same for every viewer. CachePublic keeps private a response to a
// request that carried Authorization or that an authorizer identified
// ([CallerOf]): an authorizer only sees the requests that reach the
// origin, so a cached answer would skip it. A response that sets a cookie
// is always sent private.
//
// # On this machine
//
// Outside Lambda, a function that calls [Start] is its own local HTTP server
// when the environment has [LocalAddrEnv], WEBAPP_LOCAL_ADDR=host:port, as
// `chalice local` runs the app itself: Start listens there, logs one line
// with the URL, and serves the handler as [Wrap] makes it (CORS exactly as
// in Lambda) until SIGTERM or SIGINT, then lets the requests under way
// finish. The requests carry no [Info], so handlers see the zero value: the
// site at the root path, as behind CloudFront. `webapp dev` (the module's
// cmd/webapp) runs a function this way, behind a server of its own that
// serves the static files and restarts the function when its source
// changes. Lambda always sets AWS_LAMBDA_RUNTIME_API, and with it Start
// ignores WEBAPP_LOCAL_ADDR.
//
// # What the construct passes
//
// The construct's Cors prop reaches the function as JSON in the environment
// variable CORS_CONFIG ([CorsConfigEnv]), which [CorsConfigFromEnv] reads and
// [Start] and [Wrap] apply; the construct checks it with [CorsConfig.Validate]
// at synth, so a wrong value fails there rather than in the browser, and a
// function that finds one anyway refuses to start. Unset, there are no CORS
// headers. ORIGIN_API_KEY_ID ([OriginAPIKeyIDEnv]) is the id of CloudFront's
// origin key, which [NewRequest] reads to remove the key (above); unset,
// there is no origin key. Everything else — stage, viewer host, client
// address, caller — comes with each event, not from the environment.
package webapphttp
