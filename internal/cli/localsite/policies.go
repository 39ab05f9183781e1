package localsite

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// policyList is one part of what CloudFront forwards to an origin (headers,
// cookies or query strings): a behaviour and the names it lists.
type policyList struct {
	// behavior is none, whitelist, all, allViewer, allExcept or
	// allViewerAndWhitelistCloudFront (headers); "" is none.
	behavior string
	names    []string // lower case
}

func list(behavior string, names []string) policyList {
	l := policyList{behavior: behavior}
	for _, n := range names {
		l.names = append(l.names, strings.ToLower(n))
	}
	return l
}

// includes reports whether the viewer's value called name is forwarded.
func (l policyList) includes(name string) bool {
	name = strings.ToLower(name)
	switch l.behavior {
	case "all", "allViewer", "allViewerAndWhitelistCloudFront":
		return true
	case "allExcept":
		return !slices.Contains(l.names, name)
	case "whitelist":
		return slices.Contains(l.names, name)
	}
	return false
}

func (l policyList) union(o policyList) policyList {
	rank := func(b string) int {
		switch b {
		case "all", "allViewer", "allViewerAndWhitelistCloudFront":
			return 3
		case "allExcept":
			return 2
		case "whitelist":
			return 1
		}
		return 0
	}
	a, b := l, o
	if rank(b.behavior) > rank(a.behavior) {
		a, b = b, a
	}
	switch {
	case rank(a.behavior) == 3, rank(b.behavior) == 0:
		return a
	case a.behavior == "allExcept" && b.behavior == "allExcept":
		var both []string
		for _, n := range a.names {
			if slices.Contains(b.names, n) {
				both = append(both, n)
			}
		}
		return policyList{behavior: "allExcept", names: both}
	case a.behavior == "allExcept": // ∪ whitelist: excluded only if not listed
		var out []string
		for _, n := range a.names {
			if !slices.Contains(b.names, n) {
				out = append(out, n)
			}
		}
		return policyList{behavior: "allExcept", names: out}
	}
	return policyList{behavior: "whitelist", names: append(slices.Clone(a.names), b.names...)}
}

// forwarding is what reaches the origin from the viewer's request.
type forwarding struct {
	headers, cookies, queries policyList
	// cloudFrontHeaders are the CloudFront-* headers CloudFront adds; all
	// of them when allCloudFront.
	cloudFrontHeaders []string
	allCloudFront     bool
}

func (f forwarding) union(o forwarding) forwarding {
	return forwarding{
		headers:           f.headers.union(o.headers),
		cookies:           f.cookies.union(o.cookies),
		queries:           f.queries.union(o.queries),
		cloudFrontHeaders: append(slices.Clone(f.cloudFrontHeaders), o.cloudFrontHeaders...),
		allCloudFront:     f.allCloudFront || o.allCloudFront,
	}
}

// wantsCloudFront reports whether the CloudFront header name is added.
func (f forwarding) wantsCloudFront(name string) bool {
	return f.allCloudFront || slices.Contains(f.cloudFrontHeaders, strings.ToLower(name))
}

// Managed cache policies: what each puts in the cache key (and so
// forwards), its TTLs and whether it lets CloudFront compress.
var managedCachePolicies = map[string]struct {
	name string
	rule cacheRule
}{
	"658327ea-f89d-4fab-a63d-7e88639e58f6": {"CachingOptimized", cacheRule{minTTL: 1, defaultTTL: 86400, maxTTL: 31536000, gzip: true, brotli: true}},
	"4135ea2d-6df8-44a3-9df3-4b5a84be39ad": {"CachingDisabled", cacheRule{}},
	"b2884449-e4de-46a7-ac36-70bc7f1ddd6d": {"CachingOptimizedForUncompressedObjects", cacheRule{minTTL: 1, defaultTTL: 86400, maxTTL: 31536000}},
}

// Managed origin request policies. AllViewerExceptHostHeader and
// AllViewerAndCloudFrontHeaders-2022-06 add CloudFront's own headers.
var managedOriginRequestPolicies = map[string]struct {
	name    string
	forward forwarding
}{
	"216adef6-5c7f-47e4-b989-5492eafa07d3": {"AllViewer", forwarding{headers: list("allViewer", nil), cookies: list("all", nil), queries: list("all", nil)}},
	"33f36d7e-f396-46d9-90e0-52428a34d9dc": {"AllViewerAndCloudFrontHeaders-2022-06", forwarding{headers: list("allViewer", nil), cookies: list("all", nil), queries: list("all", nil), allCloudFront: true}},
	"b689b0a8-53d0-40ab-baf2-68738e2966ac": {"AllViewerExceptHostHeader", forwarding{headers: list("allExcept", []string{"host"}), cookies: list("all", nil), queries: list("all", nil), allCloudFront: true}},
	"88a5eaf4-2fd4-4709-b370-b4c650ea3fcf": {"CORS-S3Origin", forwarding{headers: list("whitelist", []string{"origin", "access-control-request-headers", "access-control-request-method"})}},
	"59781a5b-3903-41f3-afcb-af62929ccde1": {"CORS-CustomOrigin", forwarding{headers: list("whitelist", []string{"origin"})}},
	"acba4595-bd28-49b8-b9fe-13317c0390fa": {"UserAgentRefererHeaders", forwarding{headers: list("whitelist", []string{"user-agent", "referer"})}},
	"bf0718e1-ba1e-49d1-88b1-f726733018ae": {"HostHeaderOnly", forwarding{headers: list("whitelist", []string{"host"})}},
}

func (d *deriver) cachePolicy(id string) (cacheRule, error) {
	if p, ok := managedCachePolicies[id]; ok {
		return p.rule, nil
	}
	logical, ok := d.stack.Lookup(id, "AWS::CloudFront::CachePolicy")
	if !ok {
		return cacheRule{}, fmt.Errorf("cache policy %s is neither in stack %s nor a managed policy the local site knows", id, d.stack.Name)
	}
	r, _ := d.stack.Resource(logical)
	var p struct {
		CachePolicyConfig struct {
			MinTTL, DefaultTTL, MaxTTL               flexInt
			ParametersInCacheKeyAndForwardedToOrigin struct {
				policyParameters
				EnableAcceptEncodingGzip   flexBool
				EnableAcceptEncodingBrotli flexBool
			}
		}
	}
	if err := d.stack.Decode(r.Properties, &p); err != nil {
		return cacheRule{}, fmt.Errorf("cache policy %s: %w", logical, err)
	}
	c := p.CachePolicyConfig
	k := c.ParametersInCacheKeyAndForwardedToOrigin
	return cacheRule{
		key:    k.forwarding(),
		minTTL: int64(c.MinTTL), defaultTTL: int64(c.DefaultTTL), maxTTL: int64(c.MaxTTL),
		gzip: bool(k.EnableAcceptEncodingGzip), brotli: bool(k.EnableAcceptEncodingBrotli),
	}, nil
}

// policyParameters are the headers, cookies and query strings a cache
// policy or an origin request policy names, as CloudFormation writes them.
type policyParameters struct {
	HeadersConfig struct {
		HeaderBehavior string
		Headers        []string
	}
	CookiesConfig struct {
		CookieBehavior string
		Cookies        []string
	}
	QueryStringsConfig struct {
		QueryStringBehavior string
		QueryStrings        []string
	}
}

func (p policyParameters) forwarding() forwarding {
	return forwarding{
		headers: list(p.HeadersConfig.HeaderBehavior, p.HeadersConfig.Headers),
		cookies: list(p.CookiesConfig.CookieBehavior, p.CookiesConfig.Cookies),
		queries: list(p.QueryStringsConfig.QueryStringBehavior, p.QueryStringsConfig.QueryStrings),
	}
}

func (d *deriver) originRequestPolicy(id string) (forwarding, error) {
	if p, ok := managedOriginRequestPolicies[id]; ok {
		return p.forward, nil
	}
	logical, ok := d.stack.Lookup(id, "AWS::CloudFront::OriginRequestPolicy")
	if !ok {
		return forwarding{}, fmt.Errorf("origin request policy %s is neither in stack %s nor a managed policy the local site knows", id, d.stack.Name)
	}
	r, _ := d.stack.Resource(logical)
	var p struct{ OriginRequestPolicyConfig policyParameters }
	if err := d.stack.Decode(r.Properties, &p); err != nil {
		return forwarding{}, fmt.Errorf("origin request policy %s: %w", logical, err)
	}
	f := p.OriginRequestPolicyConfig.forwarding()
	if b := f.headers.behavior; b == "allViewerAndWhitelistCloudFront" || b == "whitelist" {
		for _, h := range f.headers.names { // the CloudFront headers it names
			if strings.HasPrefix(h, "cloudfront-") {
				f.cloudFrontHeaders = append(f.cloudFrontHeaders, h)
			}
		}
	}
	return f, nil
}

// responseHeaders is a response headers policy: headers CloudFront adds to
// (or removes from) the responses it sends to viewers.
type responseHeaders struct {
	set    []headerRule // security and custom headers
	remove []string
	cors   *corsRule
}

type headerRule struct {
	name, value string
	override    bool // replace the origin's header; otherwise only add when missing
}

type corsRule struct {
	allowOrigins, allowHeaders, allowMethods, exposeHeaders []string
	allowCredentials                                        bool
	maxAge                                                  int // seconds, -1 for none
	override                                                bool
}

var allMethods = []string{"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"}

// Managed response headers policies.
var (
	securityHeaders = []headerRule{
		{"Strict-Transport-Security", "max-age=31536000", false},
		{"X-Content-Type-Options", "nosniff", false},
		{"X-Frame-Options", "SAMEORIGIN", false},
		{"Referrer-Policy", "strict-origin-when-cross-origin", false},
		{"X-XSS-Protection", "1; mode=block", false},
	}
	simpleCORS    = &corsRule{allowOrigins: []string{"*"}, maxAge: -1}
	preflightCORS = &corsRule{allowOrigins: []string{"*"}, allowHeaders: []string{"*"}, allowMethods: allMethods, exposeHeaders: []string{"*"}, maxAge: 600}

	managedResponseHeadersPolicies = map[string]*responseHeaders{
		"60669652-455b-4ae9-85a4-c4c02393f86c": {cors: simpleCORS},                          // SimpleCORS
		"5cc3b908-e619-4b99-88e5-2cf7f45965bd": {cors: preflightCORS},                       // CORS-With-Preflight
		"67f7725c-6f97-4210-82d7-5512b31e9d03": {set: securityHeaders},                      // SecurityHeadersPolicy
		"e61eb60c-9c35-4d20-a928-2b84e02af89c": {set: securityHeaders, cors: simpleCORS},    // CORS-and-SecurityHeadersPolicy
		"eaab4381-ed33-4a86-88ca-d9558dc6cd63": {set: securityHeaders, cors: preflightCORS}, // CORS-with-preflight-and-SecurityHeadersPolicy
	}
)

func (d *deriver) responseHeadersPolicy(id string) (*responseHeaders, error) {
	if p, ok := managedResponseHeadersPolicies[id]; ok {
		return p, nil
	}
	logical, ok := d.stack.Lookup(id, "AWS::CloudFront::ResponseHeadersPolicy")
	if !ok {
		return nil, fmt.Errorf("response headers policy %s is neither in stack %s nor a managed policy the local site knows", id, d.stack.Name)
	}
	r, _ := d.stack.Resource(logical)
	type override struct{ Override flexBool }
	var p struct {
		ResponseHeadersPolicyConfig struct {
			SecurityHeadersConfig struct {
				ContentSecurityPolicy *struct {
					ContentSecurityPolicy string
					Override              flexBool
				}
				ContentTypeOptions *override
				FrameOptions       *struct {
					FrameOption string
					Override    flexBool
				}
				ReferrerPolicy *struct {
					ReferrerPolicy string
					Override       flexBool
				}
				StrictTransportSecurity *struct {
					AccessControlMaxAgeSec flexInt
					IncludeSubdomains      flexBool
					Preload                flexBool
					Override               flexBool
				}
				XSSProtection *struct {
					Protection, ModeBlock flexBool
					ReportUri             string
					Override              flexBool
				}
			}
			CustomHeadersConfig struct {
				Items []struct {
					Header, Value string
					Override      flexBool
				}
			}
			RemoveHeadersConfig struct {
				Items []struct{ Header string }
			}
			CorsConfig *struct {
				AccessControlAllowOrigins     struct{ Items []string }
				AccessControlAllowHeaders     struct{ Items []string }
				AccessControlAllowMethods     struct{ Items []string }
				AccessControlExposeHeaders    struct{ Items []string }
				AccessControlAllowCredentials flexBool
				AccessControlMaxAgeSec        *flexInt
				OriginOverride                flexBool
			}
			ServerTimingHeadersConfig struct{ Enabled flexBool }
		}
	}
	if err := d.stack.Decode(r.Properties, &p); err != nil {
		return nil, fmt.Errorf("response headers policy %s: %w", logical, err)
	}
	c := p.ResponseHeadersPolicyConfig
	rh := &responseHeaders{}
	sec := c.SecurityHeadersConfig
	if v := sec.ContentSecurityPolicy; v != nil {
		rh.set = append(rh.set, headerRule{"Content-Security-Policy", v.ContentSecurityPolicy, bool(v.Override)})
	}
	if v := sec.ContentTypeOptions; v != nil {
		rh.set = append(rh.set, headerRule{"X-Content-Type-Options", "nosniff", bool(v.Override)})
	}
	if v := sec.FrameOptions; v != nil {
		rh.set = append(rh.set, headerRule{"X-Frame-Options", v.FrameOption, bool(v.Override)})
	}
	if v := sec.ReferrerPolicy; v != nil {
		rh.set = append(rh.set, headerRule{"Referrer-Policy", v.ReferrerPolicy, bool(v.Override)})
	}
	if v := sec.StrictTransportSecurity; v != nil {
		value := "max-age=" + strconv.Itoa(int(v.AccessControlMaxAgeSec))
		if v.IncludeSubdomains {
			value += "; includeSubDomains"
		}
		if v.Preload {
			value += "; preload"
		}
		rh.set = append(rh.set, headerRule{"Strict-Transport-Security", value, bool(v.Override)})
	}
	if v := sec.XSSProtection; v != nil {
		value := "0"
		if v.Protection {
			value = "1"
			if v.ModeBlock {
				value += "; mode=block"
			}
			if v.ReportUri != "" {
				value += "; report=" + v.ReportUri
			}
		}
		rh.set = append(rh.set, headerRule{"X-XSS-Protection", value, bool(v.Override)})
	}
	for _, h := range c.CustomHeadersConfig.Items {
		rh.set = append(rh.set, headerRule{h.Header, h.Value, bool(h.Override)})
	}
	for _, h := range c.RemoveHeadersConfig.Items {
		rh.remove = append(rh.remove, h.Header)
	}
	if v := c.CorsConfig; v != nil {
		rh.cors = &corsRule{
			allowOrigins:     v.AccessControlAllowOrigins.Items,
			allowHeaders:     v.AccessControlAllowHeaders.Items,
			allowMethods:     v.AccessControlAllowMethods.Items,
			exposeHeaders:    v.AccessControlExposeHeaders.Items,
			allowCredentials: bool(v.AccessControlAllowCredentials),
			maxAge:           -1,
			override:         bool(v.OriginOverride),
		}
		if slices.Contains(rh.cors.allowMethods, "ALL") {
			rh.cors.allowMethods = allMethods
		}
		if v.AccessControlMaxAgeSec != nil {
			rh.cors.maxAge = int(*v.AccessControlMaxAgeSec)
		}
	}
	if c.ServerTimingHeadersConfig.Enabled {
		d.warn("response headers policy %s: Server-Timing headers are not emulated", logical)
	}
	return rh, nil
}

// apply adds the policy's headers to a response to the viewer's request r.
func (rh *responseHeaders) apply(h http.Header, r *http.Request) {
	for _, rule := range rh.set {
		if rule.override || h.Get(rule.name) == "" {
			h.Set(rule.name, rule.value)
		}
	}
	for _, name := range rh.remove {
		h.Del(name)
	}
	if c := rh.cors; c != nil {
		c.apply(h, r)
	}
}

// apply adds the CORS headers for a request that carries an Origin the
// rule allows; preflight requests (OPTIONS with
// Access-Control-Request-Method) also get the allowed methods and headers.
func (c *corsRule) apply(h http.Header, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return
	}
	set := func(name, value string) {
		if value != "" && (c.override || h.Get(name) == "") {
			h.Set(name, value)
		}
	}
	switch {
	case slices.Contains(c.allowOrigins, "*") && !c.allowCredentials:
		set("Access-Control-Allow-Origin", "*")
	case slices.Contains(c.allowOrigins, "*") || slices.Contains(c.allowOrigins, origin):
		set("Access-Control-Allow-Origin", origin)
	default:
		return
	}
	if c.allowCredentials {
		set("Access-Control-Allow-Credentials", "true")
	}
	set("Access-Control-Expose-Headers", strings.Join(c.exposeHeaders, ","))
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		set("Access-Control-Allow-Methods", strings.Join(c.allowMethods, ","))
		set("Access-Control-Allow-Headers", strings.Join(c.allowHeaders, ","))
		if c.maxAge >= 0 {
			set("Access-Control-Max-Age", strconv.Itoa(c.maxAge))
		}
	}
}
