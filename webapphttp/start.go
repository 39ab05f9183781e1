package webapphttp

import (
	"log/slog"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

// Start serves h as the function of a WebApp: it wraps h as Wrap does with
// opts (CORS from the environment the construct sets, the cross-site
// check) and hands API Gateway's events to it through Handler. It is what
// a function's main calls last, and it does not return.
//
// Outside Lambda, with LocalAddrEnv (WEBAPP_LOCAL_ADDR) set to host:port,
// Start serves the same wrapped handler over plain HTTP there instead, until
// SIGTERM or SIGINT: the function's binary is then its own local server.
//
// When the environment is invalid (a CORS_CONFIG that CorsConfigFromEnv
// refuses), Start logs why with slog's default logger (to standard error,
// unless the program set another) and exits with status 1, so that Lambda
// reports an init error instead of the function serving without the rules
// it was deployed with.
func Start(h http.Handler, opts ...Option) {
	wrapped, err := Wrap(h, os.Getenv, opts...)
	if err != nil {
		slog.Error("webapphttp: cannot start: the environment the WebApp construct set is invalid", "err", err.Error())
		os.Exit(1)
	}
	if addr := localAddr(os.Getenv); addr != "" {
		startLocal(addr, wrapped)
	}
	lambda.Start(Handler(wrapped))
}

// Wrap returns h behind what every WebApp function needs in front of it,
// configured from the environment read with getenv (os.Getenv in a
// function; a map's lookup in a test), outermost first:
//
//   - CORS, when CORS_CONFIG is set: CorsHandler with CorsConfigFromEnv's
//     configuration, so that preflights are answered before they reach h;
//   - the cross-site check: a POST, PUT, PATCH or DELETE that a browser sent
//     from a page of another site (Sec-Fetch-Site "cross-site", or an Origin
//     that is not the viewer's host) gets 403, a page or Chalice's
//     ForbiddenError as Accept prefers, and never reaches h, unless
//     CORS_CONFIG allows its origin. The site's own pages and its sibling
//     subdomains' (same-origin, same-site), safe methods, and clients that
//     send neither header (programs) pass; CrossOriginBypass exempts paths;
//   - the default Cache-Control: every response without one, and every
//     response that sets a cookie without being private, is sent as
//     CacheControlPrivate ("private, no-store"), so that CloudFront caches
//     only what a handler marked with CachePublic.
//
// It returns the error of an invalid value, and panics on an invalid
// CrossOriginBypass pattern, a mistake of the program. (CloudFront's origin
// key, the construct's other variable, is NewRequest's to remove.)
//
// Start calls Wrap; call it yourself to serve the same handler with
// net/http locally, or under httptest.
func Wrap(h http.Handler, getenv func(string) string, opts ...Option) (http.Handler, error) {
	c, err := CorsConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	h = newCrossSiteGuard(c, o.crossOriginBypass, h)
	if c != nil {
		h = CorsHandler(*c, h)
	}
	return defaultCacheControl(h), nil
}

// Option changes what Start and Wrap apply.
type Option func(*options)

type options struct {
	crossOriginBypass []string
}

// CrossOriginBypass lets the requests that match one of patterns, ServeMux
// patterns such as "POST /hooks/{name}", past the cross-site check of Start
// and Wrap (http.CrossOriginProtection's AddInsecureBypassPattern): for an
// endpoint that pages of other sites must post to, and that acts on nothing
// the viewer's cookies grant. "/" turns the check off for every path, for
// an app with CSRF tokens of its own.
func CrossOriginBypass(patterns ...string) Option {
	return func(o *options) { o.crossOriginBypass = append(o.crossOriginBypass, patterns...) }
}
