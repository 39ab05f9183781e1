// Package staticpaths is the one list of URL path patterns that are served from
// the static files rather than by the app. The WebApp construct turns each
// pattern into a CloudFront behaviour to the S3 origin; the local server uses
// the same list and the same matching rules, so both route a path alike.
package staticpaths

import "strings"

// Default are the path patterns that go to the static origin unless the
// construct's StaticPaths prop says otherwise.
func Default() []string {
	return []string{"/css/*", "/js/*", "/images/*", "/favicon.ico"}
}

// Match reports whether path matches the CloudFront path pattern: '*' matches
// any run of characters (including '/'), '?' exactly one, everything else
// itself, case-sensitively. A pattern without a leading '/' is matched as if
// it had one, as CloudFront does.
func Match(pattern, path string) bool {
	if !strings.HasPrefix(pattern, "/") {
		pattern = "/" + pattern
	}
	return match(pattern, path)
}

// MatchAny reports whether path matches any of the patterns.
func MatchAny(patterns []string, path string) bool {
	for _, p := range patterns {
		if Match(p, path) {
			return true
		}
	}
	return false
}

// match is an iterative glob match with backtracking to the last '*', linear
// in practice and free of the exponential blow-up of a naive recursion.
func match(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
