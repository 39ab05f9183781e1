package localsite

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// integrationTimeout is API Gateway's limit on an integration's answer.
const integrationTimeout = 29 * time.Second

// maxPayload is Lambda's limit on a synchronous invocation's payload, the
// proxy event with the body in it.
const maxPayload = 6 << 20

// maxAPIPayload is API Gateway's limit on a request's body, 10 MB.
const maxAPIPayload = 10 << 20

var errBodyTooLarge = errors.New("request body is too large")

// payloadTooLarge is what a site behind CloudFront answers a body over
// API Gateway's 10 MB: plain text, without API Gateway's request id
// (observed on a deployed CloudFront → API Gateway → Lambda site,
// github.com/koki-develop/lgtm-generator/issues/10).
func payloadTooLarge() *response {
	return &response{status: http.StatusRequestEntityTooLarge, header: http.Header{"Content-Type": {"text; charset=utf-8"}},
		body: []byte("HTTP content length exceeded 10485760 bytes.")}
}

// invoker runs a function with a payload and returns its answer.
type invoker func(ctx context.Context, fn *Function, payload []byte) ([]byte, error)

// apiGateway answers origin requests as API Gateway answers them for a
// REST API: it routes to a resource and method, checks the API key, builds
// the proxy integration's event, invokes the function and turns its answer
// into the HTTP response.
type apiGateway struct {
	api    *RestAPI
	invoke invoker
	// tap, if set, sees every event sent to a function.
	tap func(event []byte)
	log io.Writer
	now func() time.Time

	mu       sync.Mutex
	throttle map[string]*tokenBucket // by stage
	// limits, if set, replace every stage's throttle (Local.Throttle).
	limits *stageLimits
}

// stageLimits are a stage's throttle: rate requests a second, bursts of burst.
type stageLimits struct {
	rate  float64
	burst int
}

// setLimits replaces every stage's throttle with l, or restores the
// template's with nil, starting with full buckets.
func (g *apiGateway) setLimits(l *stageLimits) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.limits, g.throttle = l, nil
}

// restEvent is API Gateway's REST proxy event, field for field as API
// Gateway sends it: absent maps and the body are null, not omitted.
type restEvent struct {
	Resource                        string              `json:"resource"`
	Path                            string              `json:"path"`
	HTTPMethod                      string              `json:"httpMethod"`
	Headers                         map[string]string   `json:"headers"`
	MultiValueHeaders               map[string][]string `json:"multiValueHeaders"`
	QueryStringParameters           map[string]string   `json:"queryStringParameters"`
	MultiValueQueryStringParameters map[string][]string `json:"multiValueQueryStringParameters"`
	PathParameters                  map[string]string   `json:"pathParameters"`
	StageVariables                  map[string]string   `json:"stageVariables"`
	RequestContext                  restContext         `json:"requestContext"`
	Body                            *string             `json:"body"`
	IsBase64Encoded                 bool                `json:"isBase64Encoded"`
}

type restContext struct {
	ResourceID        string       `json:"resourceId"`
	ResourcePath      string       `json:"resourcePath"`
	HTTPMethod        string       `json:"httpMethod"`
	ExtendedRequestID string       `json:"extendedRequestId"`
	RequestTime       string       `json:"requestTime"`
	Path              string       `json:"path"`
	AccountID         string       `json:"accountId"`
	Protocol          string       `json:"protocol"`
	Stage             string       `json:"stage"`
	DomainPrefix      string       `json:"domainPrefix"`
	RequestTimeEpoch  int64        `json:"requestTimeEpoch"`
	RequestID         string       `json:"requestId"`
	Identity          restIdentity `json:"identity"`
	DomainName        string       `json:"domainName"`
	DeploymentID      string       `json:"deploymentId"`
	APIID             string       `json:"apiId"`
}

type restIdentity struct {
	CognitoIdentityPoolID         *string `json:"cognitoIdentityPoolId"`
	AccountID                     *string `json:"accountId"`
	CognitoIdentityID             *string `json:"cognitoIdentityId"`
	Caller                        *string `json:"caller"`
	APIKey                        *string `json:"apiKey"`
	APIKeyID                      *string `json:"apiKeyId"`
	SourceIP                      string  `json:"sourceIp"`
	PrincipalOrgID                *string `json:"principalOrgId"`
	AccessKey                     *string `json:"accessKey"`
	CognitoAuthenticationType     *string `json:"cognitoAuthenticationType"`
	CognitoAuthenticationProvider *string `json:"cognitoAuthenticationProvider"`
	UserArn                       *string `json:"userArn"`
	UserAgent                     *string `json:"userAgent"`
	User                          *string `json:"user"`
}

// restResponse is what a proxy integration's function returns.
type restResponse struct {
	StatusCode        int                 `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

// apiError answers as API Gateway does for its own errors.
func apiError(w http.ResponseWriter, status int, errorType, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", errorType)
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"message":%q}`, message)
}

func (g *apiGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := g.now()
	requestID := newUUID()
	extendedID := randomToken(12) + "="
	h := w.Header()
	h.Set("X-Amzn-Requestid", requestID)
	h.Set("X-Amz-Apigw-Id", extendedID)
	rec := &statusRecorder{ResponseWriter: w}
	w = rec
	log := accessLog{requestID: requestID, extendedID: extendedID, start: start, r: r}
	defer func() { g.accessLog(log, rec) }()

	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	if !strings.EqualFold(host, g.api.Domain) {
		// API Gateway routes on Host: a viewer's Host reaching it (an
		// origin request policy that forwards Host) is refused.
		apiError(w, http.StatusForbidden, "ForbiddenException", "Forbidden")
		return
	}
	rawPath := r.URL.EscapedPath()
	stageName, rest, _ := strings.Cut(strings.TrimPrefix(rawPath, "/"), "/")
	stage, ok := g.api.Stages[stageName]
	if !ok {
		apiError(w, http.StatusForbidden, "ForbiddenException", "Forbidden")
		return
	}
	log.stage = stage
	path := "/" + rest
	res, params := g.api.Root.match(path)
	var method *Method
	if res != nil {
		if method = res.Methods[r.Method]; method == nil {
			method = res.Methods["ANY"]
		}
	}
	if method == nil {
		g.fail(w, r, gatewayFailure{"MISSING_AUTHENTICATION_TOKEN", http.StatusForbidden, "MissingAuthenticationTokenException", "Missing Authentication Token"}, requestID)
		return
	}
	log.resourcePath = res.Path
	var key *APIKey
	if method.APIKeyRequired {
		if key = g.api.key(r.Header.Get("X-Api-Key"), stage.Name); key == nil {
			// A missing key is an invalid one: API Gateway has no type of its own for it.
			g.fail(w, r, gatewayFailure{"INVALID_API_KEY", http.StatusForbidden, "ForbiddenException", "Forbidden"}, requestID)
			return
		}
	}
	if !g.allow(stage) {
		g.fail(w, r, gatewayFailure{"THROTTLED", http.StatusTooManyRequests, "TooManyRequestsException", "Too Many Requests"}, requestID)
		return
	}
	if method.Function == nil {
		g.fail(w, r, gatewayFailure{"API_CONFIGURATION_ERROR", http.StatusInternalServerError, "InternalServerErrorException", "Internal server error"}, requestID)
		return
	}
	body, err := readAll(r.Body, maxAPIPayload) // the edge has read it within the same limit
	if err != nil {
		h.Del("X-Amzn-Requestid")
		h.Del("X-Amz-Apigw-Id")
		payloadTooLarge().write(w)
		return
	}

	e := g.event(r, stage, res, params, path, body, key, requestID, extendedID, start)
	payload, err := json.Marshal(e)
	if err != nil {
		g.fail(w, r, gatewayFailure{"DEFAULT_5XX", http.StatusInternalServerError, "InternalServerErrorException", "Internal server error"}, requestID)
		return
	}
	if len(payload) > maxPayload {
		// Lambda refuses the invocation; API Gateway says so in a shape of
		// its own (observed on the same site as payloadTooLarge).
		h.Set("Content-Type", "application/json")
		h.Set("X-Amzn-ErrorType", "BadRequestException")
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		io.WriteString(w, `{"message": "Request Too Long"}`)
		return
	}
	if g.tap != nil {
		g.tap(payload)
	}
	ctx, cancel := context.WithTimeout(r.Context(), integrationTimeout)
	defer cancel()
	integrationStart := g.now()
	out, err := g.invoke(ctx, method.Function, payload)
	log.integrationLatency = g.now().Sub(integrationStart)
	if err != nil {
		log.errMessage = err.Error()
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			g.fail(w, r, gatewayFailure{"INTEGRATION_TIMEOUT", http.StatusGatewayTimeout, "InternalServerErrorException", "Endpoint request timed out"}, requestID)
			return
		}
		fmt.Fprintf(g.log, "API Gateway: %s %s: the function failed: %v\n", r.Method, path, err)
		g.fail(w, r, integrationFailure, requestID)
		return
	}
	log.integrationStatus = 200
	var resp restResponse
	if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode < 100 || resp.StatusCode > 599 {
		fmt.Fprintf(g.log, "API Gateway: %s %s: malformed Lambda proxy response: %.200s\n", r.Method, path, out)
		g.fail(w, r, integrationFailure, requestID)
		return
	}
	g.writeResponse(w, r, resp)
}

// match finds the resource for path and the path parameters it binds:
// a literal path part beats a {param}, which beats a greedy {param+}.
func (res *APIResource) match(path string) (*APIResource, map[string]string) {
	var segs []string
	if p := strings.Trim(path, "/"); p != "" {
		segs = strings.Split(p, "/")
	}
	params := map[string]string{}
	found := res.matchSegs(segs, params)
	if len(params) == 0 {
		params = nil
	}
	return found, params
}

func (res *APIResource) matchSegs(segs []string, params map[string]string) *APIResource {
	if len(segs) == 0 {
		return res
	}
	rank := func(c *APIResource) int {
		switch {
		case strings.HasSuffix(c.PathPart, "+}"):
			return 2
		case strings.HasPrefix(c.PathPart, "{"):
			return 1
		}
		return 0
	}
	for pass := 0; pass <= 2; pass++ {
		for _, c := range res.Children {
			if rank(c) != pass {
				continue
			}
			name := strings.Trim(c.PathPart, "{}+")
			switch pass {
			case 0:
				if c.PathPart == segs[0] {
					if found := c.matchSegs(segs[1:], params); found != nil {
						return found
					}
				}
			case 1:
				if found := c.matchSegs(segs[1:], params); found != nil {
					params[name] = segs[0]
					return found
				}
			case 2:
				params[name] = strings.Join(segs, "/")
				return c
			}
		}
	}
	return nil
}

// key returns the API key with the value that may call stage, or nil.
func (api *RestAPI) key(value, stage string) *APIKey {
	if value == "" {
		return nil
	}
	for _, k := range api.Keys {
		if k.Value == value && k.Stages[api.ID+"/"+stage] {
			return k
		}
	}
	return nil
}

func (g *apiGateway) event(r *http.Request, stage *Stage, res *APIResource, params map[string]string, path string, body []byte,
	key *APIKey, requestID, extendedID string, now time.Time) restEvent {
	e := restEvent{
		Resource:       res.Path,
		Path:           path,
		HTTPMethod:     r.Method,
		PathParameters: params,
		StageVariables: stage.Variables,
		RequestContext: restContext{
			ResourceID:        res.ID,
			ResourcePath:      res.Path,
			HTTPMethod:        r.Method,
			ExtendedRequestID: extendedID,
			RequestTime:       now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			Path:              "/" + stage.Name + path,
			AccountID:         g.api.Account,
			Protocol:          r.Proto,
			Stage:             stage.Name,
			DomainPrefix:      g.api.ID,
			RequestTimeEpoch:  now.UnixMilli(),
			RequestID:         requestID,
			DomainName:        g.api.Domain,
			DeploymentID:      stage.DeploymentID,
			APIID:             g.api.ID,
		},
	}
	if len(e.StageVariables) == 0 {
		e.StageVariables = nil
	}
	// API Gateway's caller is CloudFront's edge, which adds it to
	// X-Forwarded-For; the edge is this machine.
	sourceIP, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		sourceIP = r.RemoteAddr
	}
	id := &e.RequestContext.Identity
	id.SourceIP = sourceIP
	if ua := r.Header.Get("User-Agent"); ua != "" {
		id.UserAgent = &ua
	}
	if key != nil {
		id.APIKey, id.APIKeyID = &key.Value, &key.ID
	}

	header := r.Header.Clone()
	header.Set("Host", g.api.Domain)
	header.Set("X-Amzn-Trace-Id", "Root="+traceRoot(now))
	header["X-Forwarded-For"] = []string{joinForwardedFor(header.Values("X-Forwarded-For"), sourceIP)}
	header.Set("X-Forwarded-Port", "443")
	header.Set("X-Forwarded-Proto", "https")
	header.Del("Content-Length")
	if len(body) > 0 {
		header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	e.Headers = map[string]string{}
	e.MultiValueHeaders = map[string][]string{}
	for k, vs := range header {
		e.Headers[k] = vs[len(vs)-1]
		e.MultiValueHeaders[k] = vs
	}

	if q := parseQuery(r.URL.RawQuery); len(q) > 0 {
		e.QueryStringParameters = map[string]string{}
		e.MultiValueQueryStringParameters = q
		for k, vs := range q {
			e.QueryStringParameters[k] = vs[len(vs)-1]
		}
	}
	if len(body) > 0 {
		s := string(body)
		if g.binary(r.Header.Get("Content-Type")) {
			s = base64.StdEncoding.EncodeToString(body)
			e.IsBase64Encoded = true
		}
		e.Body = &s
	}
	return e
}

// parseQuery splits a raw query into decoded names and values in order,
// as API Gateway does ("a=1&a=2&b" gives a: [1 2], b: [""]).
func parseQuery(raw string) map[string][]string {
	if raw == "" {
		return nil
	}
	q := map[string][]string{}
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if dv, err := url.QueryUnescape(v); err == nil {
			v = dv
		}
		q[k] = append(q[k], v)
	}
	return q
}

func joinForwardedFor(existing []string, ip string) string {
	if all := strings.Join(existing, ", "); all != "" {
		return all + ", " + ip
	}
	return ip
}

// binary reports whether a body of contentType is binary for the API: its
// media type matches one of the API's binary media types ("*/*" matches
// all). A request without a type counts as application/json, as API
// Gateway's default.
func (g *apiGateway) binary(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt == "" {
		mt = "application/json"
	}
	typ, _, _ := strings.Cut(mt, "/")
	for _, b := range g.api.BinaryMediaTypes {
		b = strings.ToLower(b)
		if b == "*/*" || b == mt || b == typ+"/*" {
			return true
		}
	}
	return false
}

// remapped are the headers API Gateway does not pass from an integration's
// response as they are: it sends them as x-amzn-Remapped-<name>.
var remapped = map[string]bool{
	"Authorization": true, "Connection": true, "Content-Length": true, "Content-Md5": true, "Date": true,
	"Expect": true, "Host": true, "Max-Forwards": true, "Proxy-Authenticate": true, "Server": true,
	"Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true, "User-Agent": true,
}

func (g *apiGateway) writeResponse(w http.ResponseWriter, r *http.Request, resp restResponse) {
	h := w.Header()
	add := func(k, v string) {
		ck := http.CanonicalHeaderKey(k)
		if remapped[ck] || (ck == "Www-Authenticate" && resp.StatusCode != http.StatusUnauthorized) {
			ck = "X-Amzn-Remapped-" + ck
		}
		h.Add(ck, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			add(k, v)
		}
	}
	for k, v := range resp.Headers {
		dup := false
		for _, mv := range resp.MultiValueHeaders[k] {
			dup = dup || mv == v
		}
		if !dup {
			add(k, v)
		}
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	h.Set("X-Amzn-Trace-Id", "Root="+traceRoot(g.now())+";Sampled=0")
	body := []byte(resp.Body)
	if resp.IsBase64Encoded && g.binaryResponse(r.Header.Get("Accept"), h.Get("Content-Type")) {
		decoded, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			apiError(w, http.StatusBadGateway, "InternalServerErrorException", "Internal server error")
			return
		}
		body = decoded
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.StatusCode)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// binaryResponse reports whether API Gateway decodes a base64 body: when
// the first type the request accepts, or else the response's type, is one
// of the API's binary media types.
func (g *apiGateway) binaryResponse(accept, contentType string) bool {
	first, _, _ := strings.Cut(accept, ",")
	if first = strings.TrimSpace(first); first != "" {
		if g.binary(first) {
			return true
		}
	}
	return g.binary(contentType)
}

// tokenBucket throttles a stage: rate requests a second, bursts of burst.
type tokenBucket struct {
	tokens float64
	last   time.Time
}

func (g *apiGateway) allow(stage *Stage) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	limits := stageLimits{stage.RateLimit, stage.BurstLimit}
	if g.limits != nil {
		limits = *g.limits
	}
	if limits.rate <= 0 && limits.burst <= 0 {
		return true
	}
	if g.throttle == nil {
		g.throttle = map[string]*tokenBucket{}
	}
	now := g.now()
	burst := float64(max(limits.burst, 1))
	b := g.throttle[stage.Name]
	if b == nil {
		b = &tokenBucket{tokens: burst, last: now}
		g.throttle[stage.Name] = b
	}
	b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*limits.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

type accessLog struct {
	requestID, extendedID string
	start                 time.Time
	r                     *http.Request
	stage                 *Stage
	resourcePath          string
	integrationLatency    time.Duration
	integrationStatus     int
	errMessage            string
}

var contextVar = regexp.MustCompile(`\$context\.[A-Za-z0-9_.]+`)

// accessLog prints the stage's access log line, its $context variables
// filled in; variables the local site does not know are "-".
func (g *apiGateway) accessLog(l accessLog, rec *statusRecorder) {
	if l.stage == nil || l.stage.AccessLogFormat == "" {
		return
	}
	ip, _, _ := net.SplitHostPort(l.r.RemoteAddr)
	vars := map[string]string{
		"requestId":                    l.requestID,
		"extendedRequestId":            l.extendedID,
		"apiId":                        g.api.ID,
		"domainName":                   g.api.Domain,
		"domainPrefix":                 g.api.ID,
		"stage":                        l.stage.Name,
		"httpMethod":                   l.r.Method,
		"path":                         l.r.URL.EscapedPath(),
		"resourcePath":                 l.resourcePath,
		"protocol":                     l.r.Proto,
		"status":                       strconv.Itoa(rec.status),
		"responseLength":               strconv.Itoa(rec.n),
		"responseLatency":              strconv.FormatInt(time.Since(l.start).Milliseconds(), 10),
		"integrationLatency":           strconv.FormatInt(l.integrationLatency.Milliseconds(), 10),
		"integration.latency":          strconv.FormatInt(l.integrationLatency.Milliseconds(), 10),
		"integrationStatus":            strconv.Itoa(l.integrationStatus),
		"integration.status":           strconv.Itoa(l.integrationStatus),
		"requestTime":                  l.start.UTC().Format("02/Jan/2006:15:04:05 -0700"),
		"requestTimeEpoch":             strconv.FormatInt(l.start.UnixMilli(), 10),
		"identity.sourceIp":            ip,
		"identity.userAgent":           l.r.Header.Get("User-Agent"),
		"error.message":                l.errMessage,
		"error.messageString":          strconv.Quote(l.errMessage),
		"accountId":                    g.api.Account,
		"identity.caller":              "",
		"identity.user":                "",
		"integrationErrorMessage":      l.errMessage,
		"error.responseType":           "",
		"authorizer.principalId":       "",
		"authorizer.integrationStatus": "",
	}
	line := contextVar.ReplaceAllStringFunc(l.stage.AccessLogFormat, func(v string) string {
		val, ok := vars[strings.TrimPrefix(v, "$context.")]
		if !ok || val == "" {
			return "-"
		}
		return val
	})
	fmt.Fprintf(g.log, "API Gateway access log (%s): %s\n", l.stage.Name, line)
}

// statusRecorder remembers the status and size of a response.
type statusRecorder struct {
	http.ResponseWriter
	status, n int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.n += n
	return n, err
}

func traceRoot(t time.Time) string {
	return fmt.Sprintf("1-%08x-%s", t.Unix(), randomHex(12))
}
