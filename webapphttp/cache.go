package webapphttp

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// CacheControlPrivate is the Cache-Control of every response that [Start]
// and [Wrap] serve unless the handler set its own or called [CachePublic]:
// no shared cache (CloudFront) and no browser keeps it. The WebApp
// construct's cache policy honours the origin's Cache-Control with a
// minimum TTL of 0, so this is what keeps a page that shows one viewer's
// data from ever being served to another.
const CacheControlPrivate = "private, no-store"

// CachePublic marks the response as the same for every viewer, so that
// CloudFront (and the browser) may keep it for maxAge: it sets
// Cache-Control to "public, max-age=N", N in whole seconds. Call it before
// the response's header is written, only for a response that depends on
// nothing but the path and the query string: the construct's cache policy
// keys the cache on those (and, with Cors, the Origin), never on cookies or
// the other headers, which still reach the handler.
//
// It refuses, leaves Cache-Control as it was and reports false, when the
// request was authenticated: it carried an Authorization header, or an
// API Gateway authorizer (or AWS_IAM) identified a caller ([CallerOf]).
// An authorizer runs only when CloudFront asks the origin, so a cached
// answer would reach viewers the authorizer never saw; a response to an
// authenticated request therefore always stays private, whatever the
// handler says. It also refuses a maxAge under one second. And [Start]
// and [Wrap] send any response that sets a cookie as private, since a
// cached Set-Cookie would hand one viewer's cookie to every other.
func CachePublic(w http.ResponseWriter, r *http.Request, maxAge time.Duration) bool {
	if maxAge < time.Second || authenticated(r) {
		return false
	}
	w.Header().Set("Cache-Control", "public, max-age="+strconv.FormatInt(int64(maxAge/time.Second), 10))
	return true
}

// authenticated reports whether r carried credentials, or an authorizer
// identified who sent it.
func authenticated(r *http.Request) bool {
	if r.Header.Get("Authorization") != "" {
		return true
	}
	_, ok := CallerOf(r)
	return ok
}

// defaultCacheControl applies CacheControlPrivate to every response of
// next that has no Cache-Control when its header is written, and to every
// response that sets a cookie but is not marked private or no-store.
func defaultCacheControl(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &cacheControlWriter{ResponseWriter: w}
		next.ServeHTTP(cw, r)
		cw.settle() // a handler that wrote nothing: net/http sends its 200 after this
	})
}

// cacheControlWriter settles Cache-Control just before the header goes out.
type cacheControlWriter struct {
	http.ResponseWriter
	wroteHeader bool
}

func (w *cacheControlWriter) settle() {
	if w.wroteHeader {
		return
	}
	w.wroteHeader = true
	h := w.ResponseWriter.Header()
	cc := h.Get("Cache-Control")
	if cc == "" || (len(h["Set-Cookie"]) > 0 && !keptPrivate(cc)) {
		h.Set("Cache-Control", CacheControlPrivate)
	}
}

// keptPrivate reports whether a Cache-Control value keeps the response out
// of shared caches.
func keptPrivate(cc string) bool {
	for d := range strings.SplitSeq(cc, ",") {
		name, _, _ := strings.Cut(strings.TrimSpace(d), "=")
		if n := strings.ToLower(name); n == "private" || n == "no-store" {
			return true
		}
	}
	return false
}

func (w *cacheControlWriter) WriteHeader(code int) {
	// 1xx responses are interim: the final header comes later.
	if code >= 200 {
		w.settle()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *cacheControlWriter) Write(b []byte) (int, error) {
	w.settle()
	return w.ResponseWriter.Write(b)
}

// Flush sends what is buffered, settling the header first; it does nothing
// when the underlying writer cannot flush.
func (w *cacheControlWriter) Flush() {
	w.settle()
	http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *cacheControlWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
