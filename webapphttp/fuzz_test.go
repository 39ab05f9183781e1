package webapphttp

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// FuzzHandler sends events built on the real ones in testdata, with the
// method, path, query, one header and the body the fuzzer's (its committed
// corpus, testdata/fuzz/FuzzHandler, holds hostile ones). Whatever the event:
//   - Handler returns no error, no 5xx, and a response API Gateway can send:
//     a base64 body that decodes, or a UTF-8 one;
//   - an event it refuses gets a 400 in Chalice's shape without reaching the
//     handler, and it refuses only what net/http refuses too: a method that
//     is not a token, a path with a bad percent-escape, headers over
//     MaxHeaderBytes — and a body that is not base64;
//   - an event it takes reaches the handler as sent: method, path, query,
//     body and the header, no Host or Transfer-Encoding, X-Forwarded-Proto
//     https, a RequestURI net/http could have read and a RemoteAddr that
//     net.SplitHostPort takes; and the handler's answer comes back intact.
func FuzzHandler(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	if len(files) == 0 {
		f.Fatal("no events in testdata")
	}
	var bases []events.APIGatewayProxyRequest
	for i, file := range files {
		e := loadEvent(f, filepath.Base(file))
		bases = append(bases, e)
		contentType := "text/plain"
		if v := e.MultiValueHeaders["Content-Type"]; len(v) > 0 {
			contentType = v[0]
		}
		query := url.Values(e.MultiValueQueryStringParameters).Encode()
		f.Add(uint8(i), e.HTTPMethod, e.Path, query, "Content-Type", contentType, e.Body, e.IsBase64Encoded)
	}

	f.Fuzz(func(t *testing.T, base uint8, method, path, query, headerName, headerValue, body string, isBase64 bool) {
		e := fuzzEvent(bases[int(base)%len(bases)], method, path, query, headerName, headerValue, body, isBase64)
		var got *http.Request
		var gotBody []byte
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got = r
			gotBody, _ = io.ReadAll(r.Body)
			w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
			w.Write(gotBody)
		})
		resp, err := Handler(h)(context.Background(), e)
		if err != nil {
			t.Fatalf("Handler returned error %v", err)
		}
		if resp.StatusCode >= 500 {
			t.Fatalf("status %d for %+v", resp.StatusCode, e)
		}
		respBody := []byte(resp.Body)
		if resp.IsBase64Encoded {
			if respBody, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
				t.Fatalf("response body is marked base64 but is not: %v", err)
			}
		} else if !utf8.ValidString(resp.Body) {
			t.Fatalf("response body %q is neither UTF-8 nor base64-encoded", resp.Body)
		}

		why := refusal(e)
		if got == nil {
			if why == "" {
				t.Fatalf("refused an event net/http would take: %d %s for %+v", resp.StatusCode, resp.Body, e)
			}
			checkBadRequest(t, resp)
			return
		}
		if why != "" {
			t.Fatalf("took an event with %s: %+v", why, e)
		}

		wantPath, _ := url.PathUnescape(slashed(e.Path))
		wantBody := []byte(e.Body)
		if e.IsBase64Encoded {
			wantBody, _ = base64.StdEncoding.DecodeString(e.Body)
		}
		switch {
		case got.Method != e.HTTPMethod:
			t.Fatalf("Method = %q, want %q", got.Method, e.HTTPMethod)
		case got.URL.Path != wantPath:
			t.Fatalf("URL.Path = %q, want %q", got.URL.Path, wantPath)
		case !sameQuery(got.URL.Query(), e.MultiValueQueryStringParameters):
			t.Fatalf("query = %q, want %q", got.URL.Query(), e.MultiValueQueryStringParameters)
		case !bytes.Equal(gotBody, wantBody) || got.ContentLength != int64(len(wantBody)):
			t.Fatalf("body = %q (ContentLength %d), want %q", gotBody, got.ContentLength, wantBody)
		case got.Header.Get("Host") != "" || got.Header.Get("Transfer-Encoding") != "":
			t.Fatalf("the handler sees Host or Transfer-Encoding headers: %q", got.Header)
		case got.Header.Get("X-Forwarded-Proto") != "https" || got.TLS == nil:
			t.Fatalf("X-Forwarded-Proto = %q, TLS = %v: want https", got.Header.Get("X-Forwarded-Proto"), got.TLS)
		}
		if u, err := url.ParseRequestURI(got.RequestURI); err != nil || u.Path != got.URL.Path || u.RawQuery != got.URL.RawQuery {
			t.Fatalf("RequestURI %q does not read back as the URL %q: %v", got.RequestURI, got.URL, err)
		}
		if got.RemoteAddr != "" {
			if _, _, err := net.SplitHostPort(got.RemoteAddr); err != nil {
				t.Fatalf("RemoteAddr %q: %v", got.RemoteAddr, err)
			}
		}
		name := http.CanonicalHeaderKey(headerName)
		plain := !slices.Contains([]string{"Host", "Content-Length", "Transfer-Encoding", "X-Forwarded-Proto"}, name)
		if plain && tokenPattern.MatchString(headerName) && fieldValuePattern.MatchString(headerValue) &&
			!slices.Contains(got.Header.Values(name), headerValue) {
			t.Fatalf("header %q: %q, want it to hold %q", name, got.Header.Values(name), headerValue)
		}
		if resp.StatusCode != http.StatusOK || !bytes.Equal(respBody, wantBody) {
			t.Fatalf("echo = %d %q, want 200 %q", resp.StatusCode, respBody, wantBody)
		}
	})
}

// fuzzEvent returns a copy of base with the fuzzer's parts in it. The query
// goes in both forms, as API Gateway sends it: all values, and the last one.
func fuzzEvent(base events.APIGatewayProxyRequest, method, path, query, headerName, headerValue, body string, isBase64 bool) events.APIGatewayProxyRequest {
	e := base
	prefix := strings.TrimSuffix(base.RequestContext.Path, base.Path)
	e.HTTPMethod, e.Path, e.Body, e.IsBase64Encoded = method, path, body, isBase64
	e.RequestContext.Path = prefix + path
	q, _ := url.ParseQuery(query) // keeps what parses
	e.MultiValueQueryStringParameters, e.QueryStringParameters = nil, nil
	if len(q) > 0 {
		e.MultiValueQueryStringParameters = q
		e.QueryStringParameters = make(map[string]string, len(q))
		for k, vs := range q {
			e.QueryStringParameters[k] = vs[len(vs)-1]
		}
	}
	if len(e.MultiValueHeaders) > 0 {
		e.MultiValueHeaders = maps.Clone(e.MultiValueHeaders)
		e.MultiValueHeaders[headerName] = []string{headerValue}
	} else {
		e.Headers = maps.Clone(e.Headers)
		if e.Headers == nil {
			e.Headers = map[string]string{}
		}
		e.Headers[headerName] = headerValue
	}
	return e
}

// Patterns of RFC 9110, written out here rather than taken from the adapter.
var (
	tokenPattern      = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
	fieldValuePattern = regexp.MustCompile("^[^\x00-\x08\x0a-\x1f\x7f]*$")
)

// refusal says why e must be refused, or "" when net/http would take it.
func refusal(e events.APIGatewayProxyRequest) string {
	if !tokenPattern.MatchString(e.HTTPMethod) {
		return "a method that is not a token"
	}
	if _, err := url.PathUnescape(slashed(e.Path)); err != nil {
		return "a bad percent-escape in the path"
	}
	if _, err := base64.StdEncoding.DecodeString(e.Body); e.IsBase64Encoded && err != nil {
		return "a body that is not base64"
	}
	size := 0
	if len(e.MultiValueHeaders) > 0 {
		for k, vs := range e.MultiValueHeaders {
			for _, v := range vs {
				size += len(k) + len(v)
			}
		}
	} else {
		for k, v := range e.Headers {
			size += len(k) + len(v)
		}
	}
	if size > http.DefaultMaxHeaderBytes {
		return "headers over 1 MiB"
	}
	return ""
}

func slashed(p string) string {
	if strings.HasPrefix(p, "/") {
		return p
	}
	return "/" + p
}

// sameQuery reports whether a parsed query holds exactly the event's values.
func sameQuery(got url.Values, want map[string][]string) bool {
	return maps.EqualFunc(got, url.Values(want), slices.Equal)
}

// checkBadRequest fails unless resp is the adapter's 400 in Chalice's shape.
func checkBadRequest(t *testing.T, resp events.APIGatewayProxyResponse) {
	t.Helper()
	var e struct{ Code, Message string }
	dec := json.NewDecoder(strings.NewReader(resp.Body))
	dec.DisallowUnknownFields()
	if resp.StatusCode != http.StatusBadRequest || dec.Decode(&e) != nil || e.Code != "BadRequestError" || e.Message == "" {
		t.Fatalf("refusal = %d %s, want 400 {\"Code\":\"BadRequestError\",\"Message\":...}", resp.StatusCode, resp.Body)
	}
}
