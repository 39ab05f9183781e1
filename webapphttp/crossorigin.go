package webapphttp

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
)

// crossSiteMessage says why a request was refused, to the person whose
// browser sent it and to a developer reading the response.
const crossSiteMessage = "cross-site request refused: only this site's own pages, and those of the origins " +
	"its CORS configuration allows, may send it POST, PUT, PATCH or DELETE requests"

// crossSitePage and crossSiteJSON are the two answers to a refused request:
// a page for a browser's form post, Chalice's error shape for a script.
const (
	crossSitePage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>403 Forbidden</title></head>
<body>
<h1>Forbidden</h1>
<p>` + crossSiteMessage + `.</p>
</body>
</html>
`
	crossSiteJSON = `{"Code":"ForbiddenError","Message":"` + crossSiteMessage + `"}` + "\n"
)

// crossSiteGuard refuses the requests with side effects that a browser sent
// from a page of another site, so that a form or script there cannot act
// with the viewer's cookies (CSRF). net/http's CrossOriginProtection decides,
// with Sec-Fetch-Site, or Origin against the viewer's host (r.Host, which
// the adapter takes from CloudFront's X-Forwarded-Host); the guard then
// lets through what it refused but this app accepts:
//
//   - Sec-Fetch-Site "same-site": a page of a sibling subdomain of the same
//     registrable domain (app.example.com posting to todo.example.com).
//     CrossOriginProtection refuses those, since a subdomain may be someone
//     else's; a site's siblings are usually its owner's (a sign-in or admin
//     subdomain), and browsers send SameSite cookies with their requests
//     anyway, so the guard takes them as the site's own. A site that shares
//     its registrable domain with strangers' pages must not rely on it.
//   - a request from an origin the CORS configuration lists: the app asked
//     for those sites' scripts to call it.
//   - with AllowOrigins "*", a request that a browser sends to another
//     origin only after a preflight, which CorsHandler answered: a method
//     other than GET, HEAD and POST, or a body that is not a form's
//     (JSON). Forms and other requests sent without a preflight stay
//     refused.
//
// Safe methods (GET, HEAD, OPTIONS) always pass, as do clients that send
// neither Sec-Fetch-Site nor Origin: programs, and browsers' same-origin
// requests of old.
type crossSiteGuard struct {
	check *http.CrossOriginProtection
	cors  *policy // nil without CORS
	next  http.Handler
}

// newCrossSiteGuard returns next behind the guard, trusting what c allows
// (c may be nil) and bypassing the ServeMux patterns in bypass. It panics
// on a pattern that ServeMux would refuse.
func newCrossSiteGuard(c *CorsConfig, bypass []string, next http.Handler) *crossSiteGuard {
	g := &crossSiteGuard{check: http.NewCrossOriginProtection(), next: next}
	for _, pattern := range bypass {
		g.check.AddInsecureBypassPattern(pattern)
	}
	if c != nil {
		g.cors = newPolicy(*c)
	}
	return g
}

func (g *crossSiteGuard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if g.allows(r) {
		g.next.ServeHTTP(w, r)
		return
	}
	refuseCrossSite(w, r)
}

// allows reports whether r may reach the app.
func (g *crossSiteGuard) allows(r *http.Request) bool {
	if g.check.Check(r) == nil {
		return true
	}
	if r.Header.Get("Sec-Fetch-Site") == "same-site" {
		return true
	}
	origin := r.Header.Get("Origin")
	switch {
	case g.cors == nil || origin == "":
		return false
	case g.cors.any:
		return needsPreflight(r)
	}
	return g.cors.origins[canonicalOrigin(origin)]
}

// needsPreflight reports whether a browser sends r to another origin only
// after a CORS preflight: when its method is not GET, HEAD or POST, or its
// body's type (the essence of Content-Type, as the Fetch standard takes
// it) is not one a form can send. Other headers that need a preflight,
// such as Authorization, are not looked at: a request that has only them
// is taken for one without, and refused.
func needsPreflight(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
	default:
		return true
	}
	essence, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	switch strings.ToLower(strings.TrimSpace(essence)) {
	case "", "application/x-www-form-urlencoded", "multipart/form-data", "text/plain":
		return false
	}
	return true
}

// refuseCrossSite answers a refused request with 403: a page when its
// Accept prefers HTML, as a browser's form post does, Chalice's
// {"Code":"ForbiddenError","Message":...} otherwise. The refusal is logged
// with slog's default logger, since the request never reaches the app to
// be logged there: with who sent it (the client's address, the Origin and
// Sec-Fetch-Site it gave) and the ids that find it in the other logs.
func refuseCrossSite(w http.ResponseWriter, r *http.Request) {
	info := InfoFrom(r.Context())
	client, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		client = r.RemoteAddr
	}
	slog.Default().LogAttrs(r.Context(), slog.LevelInfo, "webapphttp: refused a cross-site request",
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("origin", r.Header.Get("Origin")),
		slog.String("secFetchSite", r.Header.Get("Sec-Fetch-Site")),
		slog.String("clientIp", client),
		slog.String("requestId", info.RequestID),
		slog.String("cloudFrontId", info.CloudFrontID),
	)
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	body := crossSiteJSON
	if PrefersHTML(r) {
		h.Set("Content-Type", "text/html; charset=utf-8")
		body = crossSitePage
	} else {
		h.Set("Content-Type", "application/json")
	}
	w.WriteHeader(http.StatusForbidden)
	io.WriteString(w, body)
}
