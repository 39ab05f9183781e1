package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"maps"
	"net"
	"net/url"
	"slices"
)

// SignatureHeader is the header in which Twilio sends its signature.
const SignatureHeader = "X-Twilio-Signature"

// Signature returns Twilio's signature of a request to rawURL with the POST
// parameters params, per Twilio's published algorithm ("Webhooks security"):
// the URL exactly as Twilio called it (scheme, host, path, query), then,
// for each parameter sorted by name, its name and value concatenated
// without separators, signed with HMAC-SHA1 keyed by the account's auth
// token. X-Twilio-Signature carries it base64-encoded.
//
// Names sort by byte, which for UTF-8 is Unicode code point order. A name
// given more than once (Twilio sends none so) contributes each of its
// values, sorted, as Twilio's helper libraries order them; the handlers
// refuse such requests anyway.
func Signature(authToken, rawURL string, params url.Values) []byte {
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(rawURL))
	for _, name := range slices.Sorted(maps.Keys(params)) {
		for _, value := range slices.Sorted(slices.Values(params[name])) {
			mac.Write([]byte(name))
			mac.Write([]byte(value))
		}
	}
	return mac.Sum(nil)
}

// decodeSignature returns the signature of header value v: the base64 of
// SHA-1's 20 bytes, and false for anything else (the wrong length, another
// alphabet, missing padding), which no valid request carries.
func decodeSignature(v string) ([]byte, bool) {
	if len(v) != base64.StdEncoding.EncodedLen(sha1.Size) {
		return nil, false // before decoding: a long header costs nothing
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(v)
	if err != nil || len(sig) != sha1.Size {
		return nil, false
	}
	return sig, true
}

// valid reports whether sig is Twilio's signature of a request to u with
// params, comparing in constant time. The URL is tried as called and with
// its scheme's default port added or removed (https://h/ and
// https://h:443/), since Twilio's helper libraries accept both: which of
// the two Twilio signs depends on how the URL was written in its console.
func valid(authToken string, u *url.URL, params url.Values, sig []byte) bool {
	ok := false
	for _, candidate := range urlVariants(u) {
		// No early return: every candidate costs the same whichever matches.
		if hmac.Equal(Signature(authToken, candidate, params), sig) {
			ok = true
		}
	}
	return ok
}

// urlVariants is u as a string, then u with its default port toggled.
func urlVariants(u *url.URL) []string {
	defaultPort := map[string]string{"https": "443", "http": "80"}[u.Scheme]
	other := *u
	switch u.Port() {
	case "":
		if defaultPort == "" {
			return []string{u.String()}
		}
		other.Host = net.JoinHostPort(u.Hostname(), defaultPort)
	case defaultPort:
		other.Host = u.Hostname()
		if ip := net.ParseIP(other.Host); ip != nil && ip.To4() == nil {
			other.Host = "[" + other.Host + "]"
		}
	default:
		return []string{u.String()}
	}
	return []string{u.String(), other.String()}
}
