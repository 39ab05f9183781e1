package twilio

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
)

// twilioExample is the example of Twilio's "Webhooks security" page, as
// its helper libraries test it: auth token 12345, this URL and these
// parameters give this signature.
var twilioExample = struct {
	token, url string
	params     url.Values
	signature  string
}{
	token: "12345",
	url:   "https://mycompany.com/myapp.php?foo=1&bar=2",
	params: url.Values{
		"CallSid": {"CA1234567890ABCDE"},
		"Caller":  {"+14158675309"},
		"Digits":  {"1234"},
		"From":    {"+14158675309"},
		"To":      {"+18005551212"},
	},
	signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
}

func TestSignatureOfTwiliosExample(t *testing.T) {
	ex := twilioExample
	got := base64.StdEncoding.EncodeToString(Signature(ex.token, ex.url, ex.params))
	if got != ex.signature {
		t.Errorf("Signature = %s, want Twilio's %s", got, ex.signature)
	}
}

func TestSignatureCoversURLAndEveryParameter(t *testing.T) {
	ex := twilioExample
	want := Signature(ex.token, ex.url, ex.params)
	sig, _ := decodeSignature(ex.signature)
	u, _ := url.Parse(ex.url)
	if !valid(ex.token, u, ex.params, sig) {
		t.Fatal("valid refuses Twilio's own example")
	}
	altered := url.Values{}
	for k, v := range ex.params {
		altered[k] = v
	}
	altered.Set("Digits", "1235")
	other, _ := url.Parse("https://mycompany.com/myapp.php?foo=1&bar=3")
	tests := []struct {
		name   string
		token  string
		u      *url.URL
		params url.Values
	}{
		{"a parameter's value changed", ex.token, u, altered},
		{"a parameter added", ex.token, u, withParam(ex.params, "Extra", "")},
		{"the query changed", ex.token, other, ex.params},
		{"another token", "54321", u, ex.params},
	}
	for _, tt := range tests {
		if valid(tt.token, tt.u, tt.params, want) {
			t.Errorf("%s: the example's signature is still valid", tt.name)
		}
	}
}

func withParam(p url.Values, k, v string) url.Values {
	c := url.Values{}
	for name, vs := range p {
		c[name] = vs
	}
	c.Add(k, v)
	return c
}

// TestSignatureOrder pins the order of what is signed: names by byte
// (Unicode code point) order, not as sent, and a name's repeated values
// sorted, as Twilio's helper libraries do.
func TestSignatureOrder(t *testing.T) {
	params := url.Values{"b": {"2"}, "B": {"3"}, "a": {"z", "y"}, "é": {"1"}}
	const signed = "https://h/pB3ay" + "az" + "b2é1"
	if got, want := Signature("k", "https://h/p", params), Signature("k", signed, nil); string(got) != string(want) {
		t.Errorf("Signature is not HMAC-SHA1 of %q", signed)
	}
}

func TestDecodeSignatureTakesOnlyTwentyBytesOfBase64(t *testing.T) {
	for _, v := range []string{
		"",
		"RSOYDt4T1cUTdK1PDd93/VVr8B8",   // padding missing
		"RSOYDt4T1cUTdK1PDd93/VVr8B8==", // too long
		"RSOYDt4T1cUTdK1PDd93_VVr8B8=",  // URL alphabet
		base64.StdEncoding.EncodeToString(make([]byte, 32)), // SHA-256's length
		strings.Repeat("A", 1<<16),
	} {
		if _, ok := decodeSignature(v); ok {
			t.Errorf("decodeSignature(%.40q) accepted it", v)
		}
	}
	if sig, ok := decodeSignature(twilioExample.signature); !ok || len(sig) != 20 {
		t.Errorf("decodeSignature refuses Twilio's example")
	}
}

func TestURLVariantsToggleOnlyTheDefaultPort(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"https://example.com/x?a=1", []string{"https://example.com/x?a=1", "https://example.com:443/x?a=1"}},
		{"https://example.com:443/x", []string{"https://example.com:443/x", "https://example.com/x"}},
		{"http://127.0.0.1:8080/x", []string{"http://127.0.0.1:8080/x"}},
		{"http://[::1]:80/x", []string{"http://[::1]:80/x", "http://[::1]/x"}},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := urlVariants(u); strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("urlVariants(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
