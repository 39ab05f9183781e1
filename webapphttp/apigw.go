package webapphttp

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// BadRequestError is the error NewRequest returns for an event no handler
// should see. Its Message is safe to show the client.
type BadRequestError struct {
	Message string
}

func (e *BadRequestError) Error() string { return "webapphttp: " + e.Message }

// Handler adapts h to a Lambda handler for API Gateway REST API (v1) proxy
// events: Start serves it with lambda.Start. h sees the request NewRequest
// makes, without CloudFront's origin key, never the event.
//
// An event that NewRequest rejects gets a 400 without calling h. A panic in h
// becomes a 500 and is logged, as net/http's server does, so that one bad
// request does not cost the next one a cold start.
func Handler(h http.Handler) func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return func(ctx context.Context, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		r, err := NewRequest(ctx, e)
		if err != nil { // tested first: errors.As's target escapes, an allocation on every request otherwise
			if bad := (*BadRequestError)(nil); errors.As(err, &bad) {
				return errorResponse(http.StatusBadRequest, "BadRequestError", bad.Message), nil
			}
			return events.APIGatewayProxyResponse{}, err
		}
		return serve(h, r), nil
	}
}

func serve(h http.Handler, r *http.Request) (resp events.APIGatewayProxyResponse) {
	defer func() {
		if p := recover(); p != nil {
			if p != http.ErrAbortHandler {
				buf := make([]byte, 64<<10)
				buf = buf[:runtime.Stack(buf, false)]
				log.Printf("webapphttp: panic serving %s %s: %v\n%s", r.Method, r.URL.Path, p, buf)
			}
			resp = errorResponse(http.StatusInternalServerError, "InternalServerError", "An internal server error occurred.")
		}
	}()
	w := NewResponseWriter()
	h.ServeHTTP(w, r)
	return w.Response()
}

// errorResponse is an error in Chalice's shape, {"Code": ..., "Message": ...}.
func errorResponse(status int, code, message string) events.APIGatewayProxyResponse {
	body, _ := json.Marshal(struct{ Code, Message string }{code, message})
	return events.APIGatewayProxyResponse{
		StatusCode:        status,
		MultiValueHeaders: map[string][]string{"Content-Type": {"application/json"}},
		Body:              string(body),
	}
}

// NewRequest returns the request that e describes. Its context is ctx (so
// the Lambda deadline and lambdacontext stay) carrying the request's
// Info. It returns a *BadRequestError for a body that is not valid
// base64, a method that is not an HTTP token, a path that is not valid
// percent-encoding or headers over MaxHeaderBytes.
//
// CloudFront's origin key never reaches the request: when the environment
// has OriginAPIKeyIDEnv (the WebApp construct sets it), X-Api-Key is
// removed unless API Gateway verified it as a client's key, whose id is
// then Info.APIKeyID, and the key's value in
// requestContext.identity.apiKey is never copied. The event e itself still
// holds the key: a program that calls NewRequest must not log or echo e.
func NewRequest(ctx context.Context, e events.APIGatewayProxyRequest) (*http.Request, error) {
	if !isToken(e.HTTPMethod) {
		return nil, &BadRequestError{"request method is not valid"}
	}
	u, err := requestURL(e)
	if err != nil {
		return nil, &BadRequestError{"request path is not valid"}
	}
	body := []byte(e.Body)
	if e.IsBase64Encoded {
		if body, err = base64.StdEncoding.DecodeString(e.Body); err != nil {
			return nil, &BadRequestError{"request body is not valid base64"}
		}
	}

	header, size := requestHeader(e)
	if size > MaxHeaderBytes {
		return nil, &BadRequestError{fmt.Sprintf("request headers are too large: the limit is %d bytes", MaxHeaderBytes)}
	}
	// The keys below are canonical constants: indexing the map directly
	// spares Get/Set/Del canonicalizing them again on every request.
	host, viaCloudFront := first(header["X-Forwarded-Host"]), true
	if host == "" {
		host, viaCloudFront = first(header["Host"]), false
	}
	if host == "" {
		host = e.RequestContext.DomainName
	}
	delete(header, "Host")
	apiKeyID := clientAPIKey(header, e.RequestContext.Identity, os.Getenv(OriginAPIKeyIDEnv))
	if vs := header["X-Forwarded-Proto"]; len(vs) > 0 {
		// requestHeader made every value slice (none is the event's), so
		// reusing this one is safe and spares Set's allocation; CloudFront
		// and API Gateway always send the header.
		vs[0] = "https"
		header["X-Forwarded-Proto"] = vs[:1]
	} else {
		header["X-Forwarded-Proto"] = []string{"https"}
	}
	delete(header, "Transfer-Encoding")
	header.Del("Content-Length")
	if len(body) > 0 {
		header.Set("Content-Length", strconv.Itoa(len(body)))
	}

	proto, major, minor := "HTTP/1.1", 1, 1
	if p := e.RequestContext.Protocol; p != "" {
		if mj, mn, ok := http.ParseHTTPVersion(p); ok {
			proto, major, minor = p, mj, mn
		}
	}
	r := &http.Request{
		Method:        e.HTTPMethod,
		URL:           u,
		Proto:         proto,
		ProtoMajor:    major,
		ProtoMinor:    minor,
		Header:        header,
		Body:          http.NoBody,
		ContentLength: int64(len(body)),
		Host:          host,
		RemoteAddr:    remoteAddr(header, e.RequestContext.Identity.SourceIP, viaCloudFront),
		RequestURI:    u.RequestURI(),
		TLS:           &tls.ConnectionState{HandshakeComplete: true, ServerName: serverName(host)},
	}
	if len(body) > 0 {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	info := Info{
		RequestID: e.RequestContext.RequestID,
		Stage:     e.RequestContext.Stage,
		APIKeyID:  apiKeyID,
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		info.LambdaRequestID = lc.AwsRequestID
	}
	if viaCloudFront {
		info.CloudFrontID = first(header["X-Amz-Cf-Id"])
	} else {
		info.BasePath = basePath(e)
	}
	if len(e.RequestContext.Authorizer) > 0 {
		info.Authorizer = e.RequestContext.Authorizer
	}
	info.IAM = iamCaller(e.RequestContext.Identity)
	return r.WithContext(WithInfo(ctx, info)), nil
}

// iamCaller returns the signed caller of an AWS_IAM method: API Gateway fills
// userArn only after it verified a SigV4 signature, so without it the
// identity's other fields describe nobody.
func iamCaller(id events.APIGatewayRequestIdentity) map[string]string {
	if id.UserArn == "" {
		return nil
	}
	caller := map[string]string{}
	for k, v := range map[string]string{
		"userArn": id.UserArn, "accountId": id.AccountID, "user": id.User, "caller": id.Caller,
		"accessKey": id.AccessKey, "cognitoIdentityId": id.CognitoIdentityID, "cognitoIdentityPoolId": id.CognitoIdentityPoolID,
	} {
		if v != "" {
			caller[k] = v
		}
	}
	return caller
}

// requestURL is the URL of a server request: path and query only. The path
// is kept in its original encoding (RawPath) when that differs from the
// default one, as net/http's server does.
func requestURL(e events.APIGatewayProxyRequest) (*url.URL, error) {
	raw := e.Path
	if !strings.HasPrefix(raw, "/") {
		raw = "/" + raw
	}
	p, err := url.PathUnescape(raw)
	if err != nil {
		return nil, err
	}
	u := &url.URL{Path: p}
	if u.EscapedPath() != raw {
		u.RawPath = raw // EscapedPath ignores it unless it is a valid encoding of Path
	}
	query := url.Values(e.MultiValueQueryStringParameters)
	if len(query) == 0 && len(e.QueryStringParameters) > 0 {
		query = make(url.Values, len(e.QueryStringParameters))
		for k, v := range e.QueryStringParameters {
			query[k] = []string{v}
		}
	}
	u.RawQuery = query.Encode()
	return u, nil
}

// MaxHeaderBytes limits an event's headers, names and values together, as
// http.DefaultMaxHeaderBytes limits a request's in net/http's server. API
// Gateway's own limit is lower; this one holds for any caller of the adapter.
const MaxHeaderBytes = http.DefaultMaxHeaderBytes

// requestHeader copies the event's headers, dropping any a net/http server
// would have refused: names that are not tokens, values with control bytes.
// It also returns their size, names and values together.
func requestHeader(e events.APIGatewayProxyRequest) (h http.Header, size int) {
	n := max(len(e.MultiValueHeaders), len(e.Headers))
	h = make(http.Header, n+2)
	values := make([]string, 0, n) // one allocation for the first value of each header, not one per header
	add := func(k, v string) {
		size += len(k) + len(v)
		k, ok := canonicalToken(k)
		if !ok || !isFieldValue(v) {
			return
		}
		if vs := h[k]; len(vs) > 0 || len(values) == cap(values) {
			h[k] = append(vs, v)
			return
		}
		values = append(values, v)
		h[k] = values[len(values)-1 : len(values) : len(values)] // capped: appending copies
	}
	if len(e.MultiValueHeaders) > 0 {
		for k, vs := range e.MultiValueHeaders {
			for _, v := range vs {
				add(k, v)
			}
		}
	} else {
		for k, v := range e.Headers {
			add(k, v)
		}
	}
	return h, size
}

// canonicalToken returns the canonical form of the header name k
// (http.CanonicalHeaderKey's), and false when k is not a token. It checks
// both in one pass and returns k itself when it is canonical already, as
// most names are; CloudFront's own names, which are not, come from a table
// rather than a new string per header per request.
func canonicalToken(k string) (string, bool) {
	if k == "" {
		return "", false
	}
	canonical, upper := true, true // upper: the next letter must be upper case
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !tokenByte[c] {
			return "", false
		}
		if upper && 'a' <= c && c <= 'z' || !upper && 'A' <= c && c <= 'Z' {
			canonical = false
		}
		upper = c == '-'
	}
	if canonical {
		return k, true
	}
	if c, ok := cloudFrontHeaders[k]; ok {
		return c, true
	}
	return http.CanonicalHeaderKey(k), true
}

// cloudFrontHeaders are the canonical forms of the headers CloudFront adds
// (as it spells them: "CloudFront-" is not canonical) when the cache policy
// or origin request policy forwards them.
var cloudFrontHeaders = map[string]string{
	"CloudFront-Forwarded-Proto":            "Cloudfront-Forwarded-Proto",
	"CloudFront-Is-Android-Viewer":          "Cloudfront-Is-Android-Viewer",
	"CloudFront-Is-Desktop-Viewer":          "Cloudfront-Is-Desktop-Viewer",
	"CloudFront-Is-IOS-Viewer":              "Cloudfront-Is-Ios-Viewer",
	"CloudFront-Is-Mobile-Viewer":           "Cloudfront-Is-Mobile-Viewer",
	"CloudFront-Is-SmartTV-Viewer":          "Cloudfront-Is-Smarttv-Viewer",
	"CloudFront-Is-Tablet-Viewer":           "Cloudfront-Is-Tablet-Viewer",
	"CloudFront-Viewer-Address":             "Cloudfront-Viewer-Address",
	"CloudFront-Viewer-ASN":                 "Cloudfront-Viewer-Asn",
	"CloudFront-Viewer-City":                "Cloudfront-Viewer-City",
	"CloudFront-Viewer-Country":             "Cloudfront-Viewer-Country",
	"CloudFront-Viewer-Country-Name":        "Cloudfront-Viewer-Country-Name",
	"CloudFront-Viewer-Country-Region":      "Cloudfront-Viewer-Country-Region",
	"CloudFront-Viewer-Country-Region-Name": "Cloudfront-Viewer-Country-Region-Name",
	"CloudFront-Viewer-Header-Count":        "Cloudfront-Viewer-Header-Count",
	"CloudFront-Viewer-Header-Order":        "Cloudfront-Viewer-Header-Order",
	"CloudFront-Viewer-Http-Version":        "Cloudfront-Viewer-Http-Version",
	"CloudFront-Viewer-JA3-Fingerprint":     "Cloudfront-Viewer-Ja3-Fingerprint",
	"CloudFront-Viewer-JA4-Fingerprint":     "Cloudfront-Viewer-Ja4-Fingerprint",
	"CloudFront-Viewer-Latitude":            "Cloudfront-Viewer-Latitude",
	"CloudFront-Viewer-Longitude":           "Cloudfront-Viewer-Longitude",
	"CloudFront-Viewer-Metro-Code":          "Cloudfront-Viewer-Metro-Code",
	"CloudFront-Viewer-Postal-Code":         "Cloudfront-Viewer-Postal-Code",
	"CloudFront-Viewer-Time-Zone":           "Cloudfront-Viewer-Time-Zone",
	"CloudFront-Viewer-TLS":                 "Cloudfront-Viewer-Tls",
}

// first is the first of a header's values, "" when it has none.
func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// remoteAddr is the client's address as "ip:0".
//
// Direct to execute-api, it is API Gateway's sourceIp: the peer of the TCP
// connection, which the client cannot choose. Via CloudFront, sourceIp is
// CloudFront's edge, and the client is in X-Forwarded-For. CloudFront appends
// the viewer's address to whatever X-Forwarded-For the viewer sent, and API
// Gateway may append sourceIp after it, so the client is the rightmost entry
// that is not sourceIp: the leftmost ones are the viewer's own word. For an
// honest viewer that is also the first entry.
func remoteAddr(h http.Header, sourceIP string, viaCloudFront bool) string {
	if viaCloudFront {
		if ip, ok := forwardedClient(h["X-Forwarded-For"], sourceIP); ok {
			return netip.AddrPortFrom(ip, 0).String()
		}
	}
	if sourceIP == "" {
		return ""
	}
	return net.JoinHostPort(sourceIP, "0") // the console's test invoke sends "test-invoke-source-ip"
}

// forwardedClient is the rightmost entry of the comma-separated X-Forwarded-For
// values that is not sourceIP, false when an entry before it is not an
// address. It walks the values from the end in place rather than joining
// and splitting them, which allocated on every request.
func forwardedClient(values []string, sourceIP string) (netip.Addr, bool) {
	source, _ := netip.ParseAddr(sourceIP)
	for i := len(values) - 1; i >= 0; i-- {
		rest := values[i]
		for {
			j := strings.LastIndexByte(rest, ',')
			ip, err := netip.ParseAddr(strings.TrimSpace(rest[j+1:]))
			if err != nil {
				return netip.Addr{}, false
			}
			if ip != source {
				return ip, true
			}
			if j < 0 {
				break
			}
			rest = rest[:j]
		}
	}
	return netip.Addr{}, false
}

// basePath is the prefix of the viewer's URL before event.path when the
// request came to an API Gateway domain directly. Rule: requestContext.path
// is the path the viewer asked for and event.path its tail, so the prefix is
// requestContext.path minus event.path ("/prod" on execute-api, a base path
// mapping's "/api" or "" on a custom domain); when requestContext.path is
// missing or does not end with event.path, it is "/"+stage.
func basePath(e events.APIGatewayProxyRequest) string {
	full, tail := e.RequestContext.Path, e.Path
	if full != "" && strings.HasSuffix(full, tail) {
		return strings.TrimSuffix(strings.TrimSuffix(full, tail), "/")
	}
	if e.RequestContext.Stage == "" {
		return ""
	}
	return "/" + e.RequestContext.Stage
}

func serverName(host string) string {
	if strings.IndexByte(host, ':') < 0 {
		return host // SplitHostPort would fail, and allocate its error, for a host without a port
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return host
}

// isToken reports whether s is an RFC 9110 token, as methods and header
// names must be.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenByte[s[i]] {
			return false
		}
	}
	return true
}

// tokenByte tells the bytes of a token: a table, since every header name of
// every event goes through isToken.
var tokenByte = func() (t [256]bool) {
	for c := '!'; c < 0x7f; c++ {
		t[c] = !strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c)
	}
	return t
}()

// isFieldValue reports whether s may be a header value: no control bytes
// other than horizontal tab.
func isFieldValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// ResponseWriter is an http.ResponseWriter that collects a response for API
// Gateway. Like net/http's, it ignores header changes after WriteHeader,
// sniffs a missing Content-Type and refuses a body for 204 and 304.
type ResponseWriter struct {
	header http.Header
	sent   http.Header // the header at WriteHeader time
	status int
	// body is a strings.Builder, not a bytes.Buffer: a text body, the usual
	// one, becomes the response's Body without a copy.
	body strings.Builder
}

// NewResponseWriter returns an empty ResponseWriter.
func NewResponseWriter() *ResponseWriter {
	return &ResponseWriter{header: make(http.Header)}
}

// Header returns the header map that WriteHeader will send.
func (w *ResponseWriter) Header() http.Header { return w.header }

// WriteHeader sets the status code. The first call wins; informational
// (1xx) codes are ignored, since API Gateway cannot send them.
func (w *ResponseWriter) WriteHeader(code int) {
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code)) // as net/http does
	}
	if w.status != 0 || code < 200 {
		return
	}
	w.status = code
	w.sent = w.header.Clone()
	if w.sent == nil {
		w.sent = make(http.Header)
	}
}

// Write appends p to the body, sending a 200 first if WriteHeader was not called.
func (w *ResponseWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.status == http.StatusNoContent || w.status == http.StatusNotModified {
		return 0, http.ErrBodyNotAllowed
	}
	return w.body.Write(p)
}

// WriteString is Write for a string, which io.WriteString (and so most
// handlers writing constants) would otherwise copy into a new []byte.
func (w *ResponseWriter) WriteString(s string) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.status == http.StatusNoContent || w.status == http.StatusNotModified {
		return 0, http.ErrBodyNotAllowed
	}
	return w.body.WriteString(s)
}

// Response returns what the handler wrote as an API Gateway response. All
// headers go into MultiValueHeaders, so repeated ones (Set-Cookie) survive.
// The body is sent as is when it is valid UTF-8 of a text media type
// (text/*, JSON, XML, JavaScript, SVG, url-encoded forms, any +json or +xml;
// charset ignored) without a Content-Encoding, base64-encoded otherwise.
func (w *ResponseWriter) Response() events.APIGatewayProxyResponse {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	h := w.sent
	body := w.body.String()
	// Canonical constant keys, indexed directly: Get and Set would
	// canonicalize them again.
	ce := first(h["Content-Encoding"])
	if _, haveType := h["Content-Type"]; !haveType && len(body) > 0 && ce == "" {
		h["Content-Type"] = []string{http.DetectContentType([]byte(body[:min(len(body), 512)]))} // it reads 512 bytes at most
	}
	resp := events.APIGatewayProxyResponse{StatusCode: w.status, MultiValueHeaders: h}
	if len(body) == 0 {
		return resp
	}
	if (ce == "" || strings.EqualFold(ce, "identity")) && isText(first(h["Content-Type"])) && utf8.ValidString(body) {
		resp.Body = body
	} else {
		resp.Body = base64.StdEncoding.EncodeToString([]byte(body))
		resp.IsBase64Encoded = true
	}
	return resp
}

// isText reports whether a body of the media type contentType is text, to
// be sent as is rather than base64-encoded: text/*, JSON, XML, JavaScript,
// SVG and url-encoded forms. Parameters (charset) are ignored; the
// ResponseWriter still base64-encodes text that is not valid UTF-8.
func isText(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	switch {
	case strings.HasPrefix(mt, "text/"),
		strings.HasSuffix(mt, "+json"),
		strings.HasSuffix(mt, "+xml"):
		return true
	}
	switch mt {
	case "application/json", "application/xml", "application/javascript",
		"application/x-www-form-urlencoded", "image/svg+xml":
		return true
	}
	return false
}
