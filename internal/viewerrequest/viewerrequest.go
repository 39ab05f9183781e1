// Package viewerrequest writes the code of WebApp's CloudFront viewer-request
// function (runtime cloudfront-js-2.0) for a site's names. It is free of CDK,
// so that the local site's tests run, in node, the very code a WebApp
// deploys.
package viewerrequest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
)

// forwardHostCode copies the viewer's Host into X-Forwarded-Host: the whole
// function of a site with one name.
//
//go:embed viewer_request.js
var forwardHostCode string

// redirectCode answers a request for one of the other names with a 301 to
// the main name, and hands every other request to forwardHostCode's handler.
//
//go:embed redirect.js
var redirectCode string

// MaxCodeSize is the largest function code CloudFront Functions accept, in
// bytes (10 KB).
const MaxCodeSize = 10 * 1024

// Code returns the function's code for a site whose main name is mainHost
// and whose other names, redirectHosts, are redirected to it. Without other
// names it is viewer_request.js as it is, byte for byte, so a site with one
// name deploys the function it always had. The names are lower-case DNS
// names, as WebApp's props validation leaves them.
func Code(mainHost string, redirectHosts []string) string {
	if len(redirectHosts) == 0 {
		return forwardHostCode
	}
	names, err := json.Marshal(redirectHosts)
	if err != nil {
		panic(err) // strings always marshal
	}
	main, _ := json.Marshal(mainHost)
	// A JSON string or array of strings is a JavaScript literal too.
	code := replaceOnce(redirectCode, `var mainHost = "";`, "var mainHost = "+string(main)+";")
	code = replaceOnce(code, `var redirectHosts = [];`, "var redirectHosts = "+string(names)+";")
	return code + replaceOnce(forwardHostCode, "function handler(event) {", "function forwardHost(event) {")
}

// replaceOnce replaces the one occurrence of old in s; the embedded files
// hold each exactly once, which the tests check.
func replaceOnce(s, old, new string) string {
	if n := strings.Count(s, old); n != 1 {
		panic(fmt.Sprintf("viewerrequest: %q occurs %d times in the function's code, want once", old, n))
	}
	return strings.Replace(s, old, new, 1)
}
