// Package csp holds the site's Content-Security-Policy, in one place for the
// app (which sends it with every page) and the construct (whose CloudFront
// response headers policy sends it with every response, static files too).
package csp

// Default lets the pages load only the site's own files: they have no inline
// script or style, embed nothing and are never framed.
const Default = "default-src 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'; form-action 'self'"
