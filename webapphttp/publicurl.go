package webapphttp

import (
	"net/http"
	"net/url"
)

// PublicURL returns the absolute URL the viewer called for r: the URL a
// webhook's sender (Twilio, Stripe, GitHub) signs, and the base for an
// absolute link the viewer must follow back. It is, by the way r came:
//
//   - behind CloudFront: https://<viewer's host><path>?<query>, the host
//     from the X-Forwarded-Host CloudFront's viewer-request function sets
//     (r.Host, as the adapter derived it), and no stage: CloudFront's origin
//     path adds it after the viewer;
//   - on the execute-api domain directly:
//     https://<id>.execute-api.<region>.amazonaws.com/<stage><path>?<query>
//     (Info.BasePath before the path, as URL puts it);
//   - locally and under httptest (no TLS): http://<r.Host><path>?<query>.
//
// The scheme is https when r came over TLS (r.TLS set: always in Lambda,
// where the adapter sets it, since CloudFront redirects HTTP to HTTPS and
// execute-api only speaks HTTPS), http otherwise. X-Forwarded-Proto is not
// read: a client sets it as it likes.
//
// The path keeps the viewer's percent-encoding. The query is r.URL.RawQuery:
// locally the viewer's own; in Lambda API Gateway delivers the query only
// as parsed parameters, so the adapter encodes them again (url.Values.Encode:
// keys sorted, Go's escaping), and a query the viewer wrote in another order
// or encoding comes back different. A URL that must be signed as called
// should therefore carry no query, or one in that form.
//
// The result is a new URL each call; changing it changes nothing of r.
func PublicURL(r *http.Request) *url.URL {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	base := InfoFrom(r.Context()).BasePath
	u := &url.URL{
		Scheme:   scheme,
		Host:     r.Host,
		Path:     base + r.URL.Path,
		RawPath:  base + r.URL.EscapedPath(),
		RawQuery: r.URL.RawQuery,
	}
	if u.RawPath == u.Path {
		u.RawPath = "" // no escaping to keep: EscapedPath derives it
	}
	return u
}
