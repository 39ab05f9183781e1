package localsite

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// cacheRule is a behaviour's cache policy as CloudFront applies it: what
// the cache key holds (and so forwards), how long a response stays, and
// which encodings CloudFront may compress with.
type cacheRule struct {
	key                        forwarding
	minTTL, defaultTTL, maxTTL int64 // seconds
	gzip, brotli               bool
}

// caches reports whether the policy keeps anything: CachingDisabled and
// any policy whose TTLs are all 0 do not.
func (c cacheRule) caches() bool { return c.maxTTL > 0 || c.defaultTTL > 0 || c.minTTL > 0 }

// forwardsAuthorization reports whether CloudFront sends the viewer's
// Authorization header to the origin for method. A behaviour that caches
// drops it from GET and HEAD requests unless it is in the cache key (an
// origin request policy cannot forward it), so that the cache never answers
// one viewer's credentials with another's response; other methods, and
// every request of a behaviour that caches nothing, keep it.
func (c cacheRule) forwardsAuthorization(method string) bool {
	if !c.caches() || (method != http.MethodGet && method != http.MethodHead) {
		return true
	}
	return c.key.headers.includes("authorization")
}

// ttl is how long CloudFront keeps a response with header, 0 for not at
// all: the origin's s-maxage, else max-age, else Expires, held between the
// minimum and maximum TTL; the default TTL without any of them. private,
// no-store and no-cache keep it out unless the minimum TTL is above 0.
func (c cacheRule) ttl(header http.Header, now time.Time) time.Duration {
	if !c.caches() {
		return 0
	}
	cc := directives(header)
	maxAge, sMaxAge, uncacheable := cc.maxAge, cc.sMaxAge, cc.uncacheable
	seconds := c.defaultTTL
	switch {
	case uncacheable:
		seconds = 0
	case sMaxAge >= 0:
		seconds = sMaxAge
	case maxAge >= 0:
		seconds = maxAge
	default:
		if exp, err := http.ParseTime(header.Get("Expires")); err == nil {
			seconds = int64(exp.Sub(now) / time.Second)
		}
	}
	if !uncacheable || c.minTTL > 0 {
		seconds = min(max(seconds, c.minTTL), c.maxTTL)
	}
	return time.Duration(max(seconds, 0)) * time.Second
}

// cacheControl is what CloudFront reads in a response's Cache-Control.
type cacheControl struct {
	maxAge, sMaxAge int64 // -1 when absent
	uncacheable     bool  // private, no-store or no-cache
}

func directives(header http.Header) cacheControl {
	cc := cacheControl{maxAge: -1, sMaxAge: -1}
	for _, v := range header.Values("Cache-Control") {
		for d := range strings.SplitSeq(v, ",") {
			name, value, _ := strings.Cut(strings.TrimSpace(d), "=")
			value = strings.Trim(value, `"`)
			switch strings.ToLower(name) {
			case "private", "no-store", "no-cache":
				cc.uncacheable = true
			case "max-age":
				if n, err := strconv.ParseInt(value, 10, 64); err == nil {
					cc.maxAge = n
				}
			case "s-maxage":
				if n, err := strconv.ParseInt(value, 10, 64); err == nil {
					cc.sMaxAge = n
				}
			}
		}
	}
	return cc
}

// encoding is the encoding CloudFront compresses with for a viewer's
// Accept-Encoding, as it normalizes the header for the cache key: br when
// the policy and the viewer both take it, else gzip, else none.
func (c cacheRule) encoding(acceptEncoding string) string {
	var br, gz bool
	for part := range strings.SplitSeq(acceptEncoding, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if q, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(q, 64); err == nil && f == 0 {
				continue
			}
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "br":
			br = true
		case "gzip":
			gz = true
		}
	}
	switch {
	case c.brotli && br:
		return "br"
	case c.gzip && gz:
		return "gzip"
	}
	return ""
}

// cacheableStatuses are the successful and redirect statuses CloudFront
// keeps under the cache policy's TTLs; errors fall under error caching.
var cacheableStatuses = []int{200, 203, 204, 206, 300, 301}

// cachedErrorStatuses are the errors CloudFront caches ("HTTP 4xx and 5xx
// status codes that CloudFront caches"), and honoursNoStore those of them
// for which the origin's no-store, no-cache or private prevents it.
var (
	cachedErrorStatuses = []int{400, 403, 404, 405, 414, 500, 501, 502, 503, 504}
	honoursNoStore      = []int{404, 414, 501}
)

// defaultErrorCachingMinTTL is CloudFront's error caching minimum TTL for
// a status the distribution's custom error responses do not name.
const defaultErrorCachingMinTTL = 10 * time.Second

// storeTTL is how long the cache keeps resp, which b's origin answered: a
// success or redirect as the cache policy and its Cache-Control say; a
// cached error for the distribution's error caching minimum TTL, or longer
// when its max-age, s-maxage or Expires says so (up to the policy's
// maximum), and not at all when it is one of honoursNoStore and says
// no-store, no-cache or private. Only behaviours whose policy caches keep
// anything.
func storeTTL(site *Site, b *Behavior, resp *response, now time.Time) time.Duration {
	if !b.Cache.caches() {
		return 0
	}
	if resp.status < 400 {
		if !slices.Contains(cacheableStatuses, resp.status) {
			return 0
		}
		return b.Cache.ttl(resp.header, now)
	}
	if !slices.Contains(cachedErrorStatuses, resp.status) {
		return 0
	}
	minTTL := defaultErrorCachingMinTTL
	for _, er := range site.ErrorResponses {
		if er.ErrorCode == resp.status {
			minTTL = er.CachingMinTTL
		}
	}
	cc := directives(resp.header)
	if cc.uncacheable && slices.Contains(honoursNoStore, resp.status) {
		return 0
	}
	origin := time.Duration(-1)
	switch {
	case cc.sMaxAge >= 0:
		origin = time.Duration(cc.sMaxAge) * time.Second
	case cc.maxAge >= 0:
		origin = time.Duration(cc.maxAge) * time.Second
	default:
		if exp, err := http.ParseTime(resp.header.Get("Expires")); err == nil {
			origin = exp.Sub(now)
		}
	}
	return max(minTTL, min(origin, time.Duration(b.Cache.maxTTL)*time.Second))
}

// edgeCache is the distribution's cache at the local edge location.
type edgeCache struct {
	mu      sync.Mutex
	entries map[string]cacheEntry
	now     func() time.Time
}

type cacheEntry struct {
	resp    *response
	stored  time.Time
	expires time.Time
}

// maxCacheEntries bounds the cache: past it, expired entries go, and if
// that is not enough, everything.
const maxCacheEntries = 10_000

func newEdgeCache(now func() time.Time) *edgeCache {
	return &edgeCache{entries: map[string]cacheEntry{}, now: now}
}

// cacheKey is req's key under b's cache policy: the behaviour, the path,
// the query strings, headers and cookies the policy puts in the key, and
// the encoding CloudFront would compress with. HEAD shares GET's entries.
func cacheKey(b *Behavior, req *viewerRequest) string {
	var k strings.Builder
	k.WriteString(b.PathPattern + "\x00" + req.uri + "\x00")
	k.WriteString(keyedQuery(req.rawQuery, b.Cache.key.queries) + "\x00")
	var names []string
	for name := range req.header {
		if lk := strings.ToLower(name); lk != "cookie" && b.Cache.key.headers.includes(lk) {
			names = append(names, lk)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		k.WriteString(n + ":" + strings.Join(req.header.Values(n), ",") + "\x00")
	}
	if c := forwardedCookies(req.header.Values("Cookie"), b.Cache.key.cookies); c != "" {
		k.WriteString("cookie:" + c + "\x00")
	}
	if b.Compress {
		k.WriteString(b.Cache.encoding(req.header.Get("Accept-Encoding")))
	}
	return k.String()
}

// keyedQuery is the part of rawQuery in the cache key, sorted by name.
func keyedQuery(rawQuery string, l policyList) string {
	if rawQuery == "" {
		return ""
	}
	var kept []string
	for part := range strings.SplitSeq(rawQuery, "&") {
		name, _, _ := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if l.includes(name) {
			kept = append(kept, part)
		}
	}
	slices.Sort(kept)
	return strings.Join(kept, "&")
}

// lookup returns a copy of the fresh response stored under key, and its
// age in seconds.
func (c *edgeCache) lookup(key string) (*response, int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	now := c.now()
	if !ok || !now.Before(e.expires) {
		delete(c.entries, key)
		return nil, 0, false
	}
	return e.resp.clone(), int(now.Sub(e.stored) / time.Second), true
}

// store keeps resp under key for as long as storeTTL says.
func (c *edgeCache) store(key string, site *Site, b *Behavior, resp *response) {
	now := c.now()
	ttl := storeTTL(site, b, resp, now)
	if ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxCacheEntries {
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= maxCacheEntries {
			clear(c.entries)
		}
	}
	c.entries[key] = cacheEntry{resp: resp.clone(), stored: now, expires: now.Add(ttl)}
}

func (resp *response) clone() *response {
	out := *resp
	out.header = resp.header.Clone()
	out.body = slices.Clone(resp.body)
	return &out
}
