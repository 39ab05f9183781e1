package localsite

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gowebapp/webapp/internal/staticpaths"
)

// edge answers viewer requests as the CloudFront distribution does: it
// picks the behaviour, refuses methods it does not allow, runs the viewer
// functions, answers from its cache or sends the origin what the policies
// forward, and applies the response headers policy, custom error responses
// and compression.
type edge struct {
	site      *Site
	functions functionRunner // CloudFront Functions
	api       map[*RestAPI]http.Handler
	log       io.Writer
	// edgeAddr is the edge's own address as the origins see it.
	edgeAddr string
	// bodyTimeout is how long a viewer has to send its body once its
	// headers are in (viewerBodyTimeout).
	bodyTimeout time.Duration
	// cache holds the responses the behaviours' cache policies keep.
	cache *edgeCache
}

// newEdge returns the distribution's handler for site: invoke runs the
// functions behind its API origins, functions its CloudFront Functions (nil
// when it has none), tap sees every event sent to a function.
func newEdge(site *Site, invoke invoker, functions functionRunner, tap func([]byte), log io.Writer) *edge {
	e := &edge{site: site, functions: functions, api: map[*RestAPI]http.Handler{}, log: log, edgeAddr: "127.0.0.1:443", bodyTimeout: viewerBodyTimeout, cache: newEdgeCache(time.Now)}
	for _, b := range site.Behaviors {
		if api := b.Origin.API; api != nil && e.api[api] == nil {
			e.api[api] = &apiGateway{api: api, invoke: invoke, tap: tap, log: log, now: time.Now}
		}
	}
	return e
}

// functionRunner runs a CloudFront Function with an event.
type functionRunner interface {
	Run(ctx context.Context, f *ViewerFunction, event any) (map[string]any, error)
}

// readAll reads a request body of at most limit bytes.
func readAll(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err == nil && int64(len(b)) > limit {
		return nil, errBodyTooLarge
	}
	return b, err
}

// originTimedOut is the text of CloudFront's 504 page for an origin that
// did not answer in time.
const originTimedOut = "CloudFront attempted to establish a connection with the origin, but either the attempt failed or the origin closed the connection."

func (e *edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := newCloudFrontID()
	if r.RequestURI == "*" {
		// The asterisk form (RFC 9112 section 3.2.4) asks about the server
		// itself, which a distribution has no answer for: no path, so no
		// behaviour. CloudFront documents nothing for it; it answers
		// malformed requests 400, and so does the edge, rather than Go's
		// 200 or an origin's answer for a path it was never sent.
		e.cloudFrontError(w, http.StatusBadRequest, "Bad request.", requestID)
		return
	}
	rawPath := r.URL.EscapedPath()
	if rawPath == "/" && e.site.DefaultRootObject != "" {
		rawPath = "/" + strings.TrimPrefix(e.site.DefaultRootObject, "/")
	}
	b := e.behavior(rawPath)
	if !slices.Contains(b.AllowedMethods, r.Method) {
		e.cloudFrontError(w, http.StatusForbidden, "This distribution is not configured to allow the HTTP request method that was used for this request. The distribution supports only cachable requests.", requestID)
		return
	}
	body, err := readViewerBody(w, r, e.bodyTimeout)
	switch {
	case errors.Is(err, errBodyTooLarge):
		e.send(w, r, b, payloadTooLarge(), requestID)
		return
	case err != nil:
		// The body did not arrive in time, or the viewer went away: the
		// origin would still be waiting for it when CloudFront gives up.
		w.Header().Set("Connection", "close")
		e.cloudFrontError(w, http.StatusGatewayTimeout, originTimedOut, requestID)
		return
	}
	req := &viewerRequest{
		method: r.Method, uri: rawPath, rawQuery: r.URL.RawQuery,
		header: r.Header.Clone(), host: r.Host, body: body, remote: r.RemoteAddr, proto: r.Proto,
	}
	req.header.Set("Host", r.Host)
	if f := b.ViewerRequest; f != nil {
		resp, err := e.viewerRequestFunction(r.Context(), f, req, requestID)
		if err != nil {
			fmt.Fprintf(e.log, "CloudFront: viewer-request function %s failed: %v\n", f.Name, err)
			e.cloudFrontError(w, http.StatusServiceUnavailable, "The CloudFront function associated with the CloudFront distribution is invalid or could not run.", requestID)
			return
		}
		if resp != nil {
			e.send(w, r, b, resp, requestID)
			return
		}
	}
	resp := e.fetchThroughCache(r.Context(), b, req, requestID)
	if resp.status >= 400 {
		resp = e.customError(r.Context(), resp, req, requestID)
	}
	if b.ResponseHeaders != nil {
		b.ResponseHeaders.apply(resp.header, r)
	}
	if f := b.ViewerResponse; f != nil {
		if err := e.viewerResponseFunction(r.Context(), f, req, resp, requestID); err != nil {
			fmt.Fprintf(e.log, "CloudFront: viewer-response function %s failed: %v\n", f.Name, err)
			e.cloudFrontError(w, http.StatusServiceUnavailable, "The CloudFront function associated with the CloudFront distribution is invalid or could not run.", requestID)
			return
		}
	}
	if b.Compress {
		compress(resp, b.Cache.encoding(req.header.Get("Accept-Encoding")))
	}
	notModified(resp, r)
	e.send(w, r, b, resp, requestID)
}

// notModified answers a conditional GET from the edge, as CloudFront does
// from its cache whatever the policies forward: 304 when the viewer's
// If-None-Match has the object's ETag, or (without If-None-Match) its
// If-Modified-Since is not before Last-Modified.
func notModified(resp *response, r *http.Request) {
	if resp.status != http.StatusOK || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return
	}
	match := false
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		etag := strings.TrimPrefix(resp.header.Get("ETag"), "W/")
		for _, t := range strings.Split(inm, ",") {
			t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
			match = match || (etag != "" && (t == etag || t == "*"))
		}
	} else if ims, err := http.ParseTime(r.Header.Get("If-Modified-Since")); err == nil {
		if lm, err := http.ParseTime(resp.header.Get("Last-Modified")); err == nil {
			match = !lm.After(ims)
		}
	}
	if match {
		resp.status = http.StatusNotModified
		resp.body = nil
		for _, h := range []string{"Content-Type", "Content-Encoding", "Content-Length"} {
			resp.header.Del(h)
		}
	}
}

// behavior returns the first behaviour whose path pattern matches, the
// default one otherwise.
func (e *edge) behavior(path string) *Behavior {
	for _, b := range e.site.Behaviors {
		if b.PathPattern == "*" || staticpaths.Match(b.PathPattern, path) {
			return b
		}
	}
	return e.site.Behaviors[len(e.site.Behaviors)-1]
}

// viewerRequest is the viewer's request as CloudFront holds it between the
// viewer function and the origin.
type viewerRequest struct {
	method, uri, rawQuery string
	header                http.Header
	host                  string
	body                  []byte
	remote, proto         string
}

// response is a buffered response on its way to the viewer.
type response struct {
	status int
	header http.Header
	body   []byte
	// length is the origin's Content-Length, which a HEAD response keeps
	// without a body; every other response is sent with its body's length.
	length string
	// hit says the edge's cache answered, age seconds after it stored the
	// response.
	hit bool
	age int
}

// write writes resp to w as it is.
func (resp *response) write(w http.ResponseWriter) {
	for k, vs := range resp.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.status)
	w.Write(resp.body)
}

// fetchThroughCache answers a GET or HEAD from the cache when the
// behaviour's cache policy has a fresh response under req's key, and
// otherwise fetches it from the origin, storing a GET's response for as
// long as the policy, its Cache-Control and error caching allow.
func (e *edge) fetchThroughCache(ctx context.Context, b *Behavior, req *viewerRequest, requestID string) *response {
	if !b.Cache.caches() || (req.method != http.MethodGet && req.method != http.MethodHead) {
		return e.fetch(ctx, b, req, requestID)
	}
	key := cacheKey(b, req)
	if resp, age, ok := e.cache.lookup(key); ok {
		resp.hit, resp.age = true, age
		return resp
	}
	resp := e.fetch(ctx, b, req, requestID)
	if req.method == http.MethodGet {
		e.cache.store(key, e.site, b, resp)
	}
	return resp
}

// fetch sends the origin request that CloudFront would send for req and
// returns the origin's response.
func (e *edge) fetch(ctx context.Context, b *Behavior, req *viewerRequest, requestID string) *response {
	o := b.Origin
	var handler http.Handler
	switch {
	case o.Bucket != nil:
		handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { serveS3(o.Bucket, w, r, requestID) })
	case o.API != nil:
		handler = e.api[o.API]
	default:
		return &response{status: http.StatusBadGateway, header: http.Header{"Content-Type": {"text/plain"}},
			body: []byte("the local site does not emulate origin " + o.ID + " (" + o.DomainName + ")\n")}
	}
	or, err := e.originRequest(ctx, b, req, requestID)
	if err != nil {
		return &response{status: http.StatusBadGateway, header: http.Header{"Content-Type": {"text/plain"}}, body: []byte(err.Error() + "\n")}
	}
	rec := newRecorder()
	handler.ServeHTTP(rec, or)
	return rec.response()
}

// originRequest builds the request CloudFront sends to the behaviour's
// origin: the origin path before the URI, the headers, cookies and query
// strings the policies forward, CloudFront's own headers, the origin's
// custom headers, and Host set to the origin's domain unless forwarded.
func (e *edge) originRequest(ctx context.Context, b *Behavior, req *viewerRequest, requestID string) (*http.Request, error) {
	o := b.Origin
	f := b.Forward
	u := &url.URL{Scheme: "https", Host: o.DomainName}
	if p, err := url.PathUnescape(o.Path + req.uri); err == nil {
		u.Path, u.RawPath = p, o.Path+req.uri
	} else {
		return nil, fmt.Errorf("invalid URI %q", req.uri)
	}
	if req.rawQuery != "" && f.queries.behavior != "" && f.queries.behavior != "none" {
		var kept []string
		for _, part := range strings.Split(req.rawQuery, "&") {
			name, _, _ := strings.Cut(part, "=")
			if n, err := url.QueryUnescape(name); err == nil {
				name = n
			}
			if f.queries.includes(name) {
				kept = append(kept, part)
			}
		}
		u.RawQuery = strings.Join(kept, "&")
	}
	or, err := http.NewRequestWithContext(ctx, req.method, u.String(), bytes.NewReader(req.body))
	if err != nil {
		return nil, err
	}
	or.URL.RawPath = u.RawPath
	or.RemoteAddr = e.edgeAddr
	or.Proto, or.ProtoMajor, or.ProtoMinor = "HTTP/1.1", 1, 1
	h := http.Header{}
	for k, vs := range req.header {
		switch lk := strings.ToLower(k); {
		case hopByHop[lk]:
		case lk == "cookie":
			if c := forwardedCookies(vs, f.cookies); c != "" {
				h.Set("Cookie", c)
			}
		case strings.HasPrefix(lk, "cloudfront-"):
			// A viewer cannot send CloudFront's headers: CloudFront sets them.
		case lk == "authorization" && !b.Cache.forwardsAuthorization(req.method):
		case f.headers.includes(lk):
			h[http.CanonicalHeaderKey(k)] = vs
		}
	}
	viewerIP, viewerPort, _ := net.SplitHostPort(req.remote)
	h["X-Forwarded-For"] = []string{joinForwardedFor(req.header.Values("X-Forwarded-For"), viewerIP)}
	h.Set("Via", viaVersion(req.proto)+" "+hex.EncodeToString(randomBytes(16))+".cloudfront.net (CloudFront)")
	h.Set("X-Amz-Cf-Id", requestID)
	if h.Get("User-Agent") == "" {
		h.Set("User-Agent", "Amazon CloudFront")
	}
	if len(req.body) > 0 {
		h.Set("Content-Length", fmt.Sprint(len(req.body)))
	}
	for name, value := range cloudFrontHeaders(req, b, viewerIP, viewerPort) {
		if f.wantsCloudFront(name) {
			h[name] = []string{value} // CloudFront's spelling, not Go's canonical one
		}
	}
	for _, ch := range o.CustomHeaders {
		h.Set(ch[0], ch[1]) // an origin custom header replaces the viewer's
	}
	or.Header = h
	or.Host = o.DomainName
	if f.headers.includes("host") {
		or.Host = req.host
	}
	h.Set("Host", or.Host)
	return or, nil
}

var hopByHop = map[string]bool{
	"connection": true, "keep-alive": true, "proxy-authenticate": true, "proxy-authorization": true,
	"proxy-connection": true, "te": true, "trailer": true, "transfer-encoding": true, "upgrade": true,
	"content-length": true, "x-forwarded-for": true, "via": true, "x-amz-cf-id": true,
}

func viaVersion(proto string) string {
	if strings.HasPrefix(proto, "HTTP/2") {
		return "2.0"
	}
	return "1.1"
}

// cloudFrontHeaders are the CloudFront-* headers CloudFront can add to an
// origin request. The viewer's device comes from its User-Agent; the
// geolocation headers (country, city, ASN) are absent: loopback has no
// location. The viewer's protocol is https when the behaviour redirects
// http to https, as every request reaching the origin then used TLS.
func cloudFrontHeaders(req *viewerRequest, b *Behavior, ip, port string) map[string]string {
	ua := strings.ToLower(req.header.Get("User-Agent"))
	android := strings.Contains(ua, "android")
	ios := strings.Contains(ua, "iphone") || strings.Contains(ua, "ipad")
	tablet := strings.Contains(ua, "ipad") || strings.Contains(ua, "tablet")
	mobile := !tablet && (strings.Contains(ua, "mobile") || strings.Contains(ua, "iphone"))
	smartTV := strings.Contains(ua, "smart-tv") || strings.Contains(ua, "smarttv")
	desktop := !mobile && !tablet && !smartTV
	proto := "http"
	if b.ViewerProtocolPolicy == "redirect-to-https" || b.ViewerProtocolPolicy == "https-only" {
		proto = "https"
	}
	addr := ip + ":" + port
	if strings.Contains(ip, ":") {
		addr = "[" + ip + "]:" + port
	}
	return map[string]string{
		"CloudFront-Forwarded-Proto":     proto,
		"CloudFront-Is-Android-Viewer":   fmt.Sprint(android),
		"CloudFront-Is-Desktop-Viewer":   fmt.Sprint(desktop),
		"CloudFront-Is-Ios-Viewer":       fmt.Sprint(ios),
		"CloudFront-Is-Mobile-Viewer":    fmt.Sprint(mobile),
		"CloudFront-Is-Smarttv-Viewer":   fmt.Sprint(smartTV),
		"CloudFront-Is-Tablet-Viewer":    fmt.Sprint(tablet),
		"CloudFront-Viewer-Address":      addr,
		"CloudFront-Viewer-Http-Version": strings.TrimPrefix(req.proto, "HTTP/"),
		"CloudFront-Viewer-Header-Count": fmt.Sprint(len(req.header)),
	}
}

// forwardedCookies keeps the cookies the policy forwards.
func forwardedCookies(values []string, l policyList) string {
	var kept []string
	for _, v := range values {
		for _, c := range strings.Split(v, ";") {
			c = strings.TrimSpace(c)
			name, _, _ := strings.Cut(c, "=")
			if c != "" && l.includes(name) {
				kept = append(kept, c)
			}
		}
	}
	return strings.Join(kept, "; ")
}

// customError replaces an error response with the distribution's custom
// error response for its status, if there is one: the page at
// ResponsePagePath, fetched through the behaviour that serves that path,
// with ResponseCode as status.
func (e *edge) customError(ctx context.Context, resp *response, req *viewerRequest, requestID string) *response {
	for _, er := range e.site.ErrorResponses {
		if er.ErrorCode != resp.status {
			continue
		}
		out := resp
		if er.ResponsePagePath != "" {
			page := &viewerRequest{method: http.MethodGet, uri: er.ResponsePagePath, header: http.Header{}, host: req.host, remote: req.remote, proto: req.proto}
			if pr := e.fetch(ctx, e.behavior(er.ResponsePagePath), page, requestID); pr.status < 400 {
				out = pr
			}
		}
		if er.ResponseCode != 0 {
			out.status = er.ResponseCode
		}
		return out
	}
	return resp
}

// send writes the response with the headers CloudFront adds.
func (e *edge) send(w http.ResponseWriter, r *http.Request, b *Behavior, resp *response, requestID string) {
	h := w.Header()
	for k, vs := range resp.header {
		h[k] = vs
	}
	// A HEAD response has no body but the length of the GET's, as the origin said.
	h.Del("Content-Length")
	switch {
	case resp.status == http.StatusNotModified:
	case r.Method == http.MethodHead && resp.length != "":
		h.Set("Content-Length", resp.length)
	default:
		h.Set("Content-Length", fmt.Sprint(len(resp.body)))
	}
	h.Set("X-Cache", cacheStatus(resp))
	if resp.hit {
		h.Set("Age", fmt.Sprint(resp.age))
	}
	h.Set("Via", "1.1 "+e.site.DomainName+" (CloudFront)")
	h.Set("X-Amz-Cf-Pop", "LOCAL1-P1")
	h.Set("X-Amz-Cf-Id", requestID)
	w.WriteHeader(resp.status)
	if r.Method != http.MethodHead {
		w.Write(resp.body)
	}
}

func cacheStatus(resp *response) string {
	switch {
	case resp.status >= 400:
		return "Error from cloudfront"
	case resp.hit:
		return "Hit from cloudfront"
	}
	return "Miss from cloudfront"
}

// cloudFrontError answers with CloudFront's own error page.
func (e *edge) cloudFrontError(w http.ResponseWriter, status int, message, requestID string) {
	h := w.Header()
	h.Set("Content-Type", "text/html")
	h.Set("Server", "CloudFront")
	h.Set("X-Cache", "Error from cloudfront")
	h.Set("Via", "1.1 "+e.site.DomainName+" (CloudFront)")
	h.Set("X-Amz-Cf-Pop", "LOCAL1-P1")
	h.Set("X-Amz-Cf-Id", requestID)
	w.WriteHeader(status)
	fmt.Fprintf(w, `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">
<HTML><HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1">
<TITLE>ERROR: The request could not be satisfied</TITLE>
</HEAD><BODY>
<H1>%d ERROR</H1>
<H2>The request could not be satisfied.</H2>
<HR noshade size="1px">
%s
<BR clear="all">
If you provide content to customers through CloudFront, you can find steps to troubleshoot and help prevent this error by reviewing the CloudFront documentation.
<BR clear="all">
<HR noshade size="1px">
<PRE>
Generated by cloudfront (CloudFront)
Request ID: %s
</PRE>
<ADDRESS>
</ADDRESS>
</BODY></HTML>`, status, message, requestID)
}

// recorder buffers an origin's response.
type recorder struct {
	status int
	header http.Header
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (rec *recorder) Header() http.Header { return rec.header }
func (rec *recorder) WriteHeader(code int) {
	if rec.status == 0 {
		rec.status = code
	}
}
func (rec *recorder) Write(b []byte) (int, error) {
	rec.WriteHeader(http.StatusOK)
	return rec.body.Write(b)
}

func (rec *recorder) response() *response {
	rec.WriteHeader(http.StatusOK)
	h := rec.header.Clone()
	length := h.Get("Content-Length")
	h.Del("Content-Length")
	return &response{status: rec.status, header: h, body: rec.body.Bytes(), length: length}
}

// newCloudFrontID returns a request id in the shape of X-Amz-Cf-Id.
func newCloudFrontID() string {
	return base64.URLEncoding.EncodeToString(randomBytes(42))
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }

// randomToken returns n random URL-safe base64 characters.
func randomToken(n int) string {
	return base64.RawURLEncoding.EncodeToString(randomBytes(n))[:n]
}

func newUUID() string {
	h := randomHex(16)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}
