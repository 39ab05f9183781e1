package webapphttp

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

func loadEvent(t testing.TB, name string) events.APIGatewayProxyRequest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var e events.APIGatewayProxyRequest
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return e
}

// serveEvent runs e through Handler with a handler that reads the body and
// hands the request and body to check.
func serveEvent(t *testing.T, e events.APIGatewayProxyRequest, check func(t *testing.T, r *http.Request, body []byte)) events.APIGatewayProxyResponse {
	t.Helper()
	called := false
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		called = true
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Fatalf("reading the body: %v", err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		check(t, r, body)
	})
	resp, err := Handler(h)(context.Background(), e)
	if err != nil {
		t.Fatalf("Handler returned error %v", err)
	}
	if !called {
		t.Fatalf("h was not called; response %d %s", resp.StatusCode, resp.Body)
	}
	return resp
}

// cloudFrontID is the X-Amz-Cf-Id of the fixtures that came through CloudFront.
const cloudFrontID = "Jm8Y0m4wq6n0F2lX2q1S0kS6kq4l0ZrC5fQd8oTq9C3pA7sXyYv1Zg=="

func TestHandlerRequest(t *testing.T) {
	tests := []struct {
		file              string
		method, path, uri string
		query             url.Values
		host, remoteAddr  string
		header            http.Header // these values, exactly
		body              string
		info              Info
		form              map[string]string // r.FormValue after parsing
	}{{
		file:   "cloudfront-get.json",
		method: "GET", path: "/todos", uri: "/todos?filter=active",
		query: url.Values{"filter": {"active"}},
		host:  "todo.example.com", remoteAddr: "203.0.113.7:0",
		header: http.Header{
			"Via":                       {"2.0 4f1b0b6e6d9c3a1f2e7d8c9b0a1f2e3d.cloudfront.net (CloudFront)"},
			"Cloudfront-Viewer-Country": {"JP"},
			"X-Forwarded-Host":          {"todo.example.com"},
		},
		info: Info{RequestID: "c0a8d2e4-6b1f-4c3e-9a77-1f2e3d4c5b6a", Stage: "prod", CloudFrontID: cloudFrontID, BasePath: ""},
	}, {
		// Direct to execute-api: the viewer's URLs carry the stage, and
		// REST APIs pass the path still percent-encoded.
		file:   "direct-get.json",
		method: "GET", path: "/tags/café/bar", uri: "/tags/caf%C3%A9%2Fbar",
		host: "k3x9q7w2ab.execute-api.ap-northeast-1.amazonaws.com", remoteAddr: "198.51.100.23:0",
		header: http.Header{"User-Agent": {"curl/8.11.1"}},
		info: Info{
			RequestID: "c0a8d2e4-6b1f-4c3e-9a77-1f2e3d4c5b6a", Stage: "prod", BasePath: "/prod",
			Authorizer: map[string]any{"principalId": "user-42", "integrationLatency": float64(12)},
		},
	}, {
		file:   "form-post.json",
		method: "POST", path: "/todos", uri: "/todos",
		host: "todo.example.com", remoteAddr: "203.0.113.7:0",
		header: http.Header{
			"Content-Type":   {"application/x-www-form-urlencoded"},
			"Content-Length": {"22"},
		},
		body: "title=Buy+milk&done=on",
		info: Info{RequestID: "c0a8d2e4-6b1f-4c3e-9a77-1f2e3d4c5b6a", Stage: "prod", CloudFrontID: cloudFrontID},
		form: map[string]string{"title": "Buy milk", "done": "on"},
	}, {
		file:   "multipart-post.json",
		method: "POST", path: "/todos", uri: "/todos",
		host: "todo.example.com", remoteAddr: "203.0.113.7:0",
		header: http.Header{"Content-Length": {"296"}},
		info:   Info{RequestID: "c0a8d2e4-6b1f-4c3e-9a77-1f2e3d4c5b6a", Stage: "prod", CloudFrontID: cloudFrontID},
		form:   map[string]string{"title": "牛乳を買う"},
	}, {
		file:   "multivalue.json",
		method: "GET", path: "/search", uri: "/search?empty=&q=hello+world+%26+more&tag=go&tag=aws",
		query: url.Values{"tag": {"go", "aws"}, "q": {"hello world & more"}, "empty": {""}},
		host:  "todo.example.com", remoteAddr: "203.0.113.7:0",
		header: http.Header{
			"Cookie":          {"session=abc123", "theme=dark"},
			"X-Custom":        {"one", "two"},
			"Accept-Language": {"ja", "en;q=0.5"},
		},
		info: Info{RequestID: "c0a8d2e4-6b1f-4c3e-9a77-1f2e3d4c5b6a", Stage: "prod", CloudFrontID: cloudFrontID},
	}, {
		// A base path mapping "app" on a custom domain: BasePath + event.path
		// is the path the viewer asked for.
		file:   "custom-domain.json",
		method: "GET", path: "/todos", uri: "/todos",
		host: "api.example.com", remoteAddr: "198.51.100.23:0",
		info: Info{RequestID: "c0a8d2e4-6b1f-4c3e-9a77-1f2e3d4c5b6a", Stage: "prod", BasePath: "/app"},
	}, {
		// The console's test invoke: no headers, single-value query only,
		// requestContext.path without the stage, so the rule gives "".
		file:   "test-invoke.json",
		method: "GET", path: "/todos", uri: "/todos?filter=done",
		query: url.Values{"filter": {"done"}},
		host:  "testPrefix.testDomainName", remoteAddr: "test-invoke-source-ip:0",
		info: Info{RequestID: "test-invoke-request", Stage: "test-invoke-stage", BasePath: ""},
	}}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".json"), func(t *testing.T) {
			serveEvent(t, loadEvent(t, tt.file), func(t *testing.T, r *http.Request, body []byte) {
				if r.Method != tt.method {
					t.Errorf("Method = %q, want %q", r.Method, tt.method)
				}
				if r.URL.Path != tt.path {
					t.Errorf("URL.Path = %q, want %q", r.URL.Path, tt.path)
				}
				if r.RequestURI != tt.uri || r.URL.RequestURI() != tt.uri {
					t.Errorf("RequestURI = %q, URL.RequestURI() = %q, want %q", r.RequestURI, r.URL.RequestURI(), tt.uri)
				}
				if q := r.URL.Query(); len(q)+len(tt.query) > 0 && !reflect.DeepEqual(q, tt.query) {
					t.Errorf("query = %v, want %v", q, tt.query)
				}
				if r.Host != tt.host {
					t.Errorf("Host = %q, want %q", r.Host, tt.host)
				}
				if r.RemoteAddr != tt.remoteAddr {
					t.Errorf("RemoteAddr = %q, want %q", r.RemoteAddr, tt.remoteAddr)
				}
				if _, _, err := net.SplitHostPort(r.RemoteAddr); err != nil {
					t.Errorf("net.SplitHostPort(RemoteAddr): %v", err)
				}
				for k, want := range tt.header {
					if got := r.Header.Values(k); !reflect.DeepEqual(got, want) {
						t.Errorf("header %s = %q, want %q", k, got, want)
					}
				}
				if v := r.Header.Values("Host"); v != nil {
					t.Errorf("Host is in r.Header (%q); net/http moves it to r.Host", v)
				}
				if r.TLS == nil || r.Header.Get("X-Forwarded-Proto") != "https" {
					t.Errorf("TLS = %v, X-Forwarded-Proto = %q: want TLS set and https", r.TLS, r.Header.Get("X-Forwarded-Proto"))
				}
				if r.ContentLength != int64(len(body)) {
					t.Errorf("ContentLength = %d, body is %d bytes", r.ContentLength, len(body))
				}
				if tt.body != "" && string(body) != tt.body {
					t.Errorf("body = %q, want %q", body, tt.body)
				}
				if got := InfoFrom(r.Context()); !reflect.DeepEqual(got, tt.info) {
					t.Errorf("Info = %+v, want %+v", got, tt.info)
				}
				if len(tt.form) > 0 {
					if err := r.ParseMultipartForm(1 << 20); err != nil && err != http.ErrNotMultipart {
						t.Fatalf("parsing the form: %v", err)
					}
					for k, want := range tt.form {
						if got := r.FormValue(k); got != want {
							t.Errorf("FormValue(%q) = %q, want %q", k, got, want)
						}
					}
				}
			})
		})
	}
}

func TestHandlerMultipartFileSurvives(t *testing.T) {
	serveEvent(t, loadEvent(t, "multipart-post.json"), func(t *testing.T, r *http.Request, _ []byte) {
		f, fh, err := r.FormFile("note")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		if fh.Filename != "memo.txt" || string(b) != "低脂肪\n" {
			t.Errorf("file %q = %q, want memo.txt = %q", fh.Filename, b, "低脂肪\n")
		}
	})
}

func TestHandlerRemoteAddrIgnoresForgedForwardedFor(t *testing.T) {
	tests := []struct {
		name, file, xff, want string
	}{
		{"viewer sent its own X-Forwarded-For", "cloudfront-get.json", "6.6.6.6, 203.0.113.7, 130.176.212.14", "203.0.113.7:0"},
		{"IPv6 viewer", "cloudfront-get.json", "2001:db8::7, 130.176.212.14", "[2001:db8::7]:0"},
		{"garbage falls back to sourceIp", "cloudfront-get.json", "unknown", "130.176.212.14:0"},
		{"direct: sourceIp, whatever the header says", "direct-get.json", "6.6.6.6, 198.51.100.23", "198.51.100.23:0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := loadEvent(t, tt.file)
			e.MultiValueHeaders["X-Forwarded-For"] = []string{tt.xff}
			serveEvent(t, e, func(t *testing.T, r *http.Request, _ []byte) {
				if r.RemoteAddr != tt.want {
					t.Errorf("RemoteAddr = %q, want %q", r.RemoteAddr, tt.want)
				}
			})
		})
	}
}

func TestHandlerKeepsLambdaContext(t *testing.T) {
	deadline := time.Now().Add(time.Minute)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: "lambda-request-1"})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d, ok := r.Context().Deadline(); !ok || !d.Equal(deadline) {
			t.Errorf("Deadline = %v, %v; want %v", d, ok, deadline)
		}
		if lc, ok := lambdacontext.FromContext(r.Context()); !ok || lc.AwsRequestID != "lambda-request-1" {
			t.Errorf("lambdacontext = %+v, %v; want AwsRequestID lambda-request-1", lc, ok)
		}
		if got := InfoFrom(r.Context()); got.Stage != "prod" || got.LambdaRequestID != "lambda-request-1" {
			t.Errorf("Info.Stage = %q, Info.LambdaRequestID = %q; want prod and lambda-request-1", got.Stage, got.LambdaRequestID)
		}
	})
	if _, err := Handler(h)(ctx, loadEvent(t, "healthz.json")); err != nil {
		t.Fatal(err)
	}
}

func TestHandlerRejectsBadBase64WithoutCallingHandler(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("h was called for a body that is not base64")
	})
	resp, err := Handler(h)(context.Background(), loadEvent(t, "bad-base64.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Code":"BadRequestError","Message":"request body is not valid base64"}`
	if resp.StatusCode != http.StatusBadRequest || resp.Body != want || resp.IsBase64Encoded {
		t.Errorf("response = %d %q (base64 %v), want 400 %q", resp.StatusCode, resp.Body, resp.IsBase64Encoded, want)
	}
	if got := resp.MultiValueHeaders["Content-Type"]; !reflect.DeepEqual(got, []string{"application/json"}) {
		t.Errorf("Content-Type = %q, want application/json", got)
	}
}

func TestHandlerTurnsPanicInto500(t *testing.T) {
	log.SetOutput(io.Discard)
	defer log.SetOutput(os.Stderr)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	resp, err := Handler(h)(context.Background(), loadEvent(t, "healthz.json"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 500 || strings.Contains(resp.Body, "boom") {
		t.Errorf("response = %d %q, want 500 without the panic's text", resp.StatusCode, resp.Body)
	}
}

func pngBytes(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{R: 0xff, A: 0xff})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestHandlerResponse(t *testing.T) {
	pic := pngBytes(t)
	shiftJIS := []byte{0x93, 0xfa, 0x96, 0x7b} // 日本
	tests := []struct {
		name   string
		h      http.HandlerFunc
		status int
		header http.Header // these values, exactly; nil value: absent
		body   []byte
		base64 bool
	}{{
		name: "several Set-Cookie survive a redirect",
		h: func(w http.ResponseWriter, r *http.Request) {
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "abc", Path: "/", HttpOnly: true, Secure: true})
			http.SetCookie(w, &http.Cookie{Name: "flash", Value: "saved", Path: "/"})
			http.Redirect(w, r, "/todos", http.StatusSeeOther)
		},
		status: 303,
		header: http.Header{
			"Set-Cookie": {"session=abc; Path=/; HttpOnly; Secure", "flash=saved; Path=/"},
			"Location":   {"/todos"},
		},
		body: []byte("<a href=\"/todos\">See Other</a>.\n\n"),
	}, {
		name: "binary PNG is base64",
		h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			w.Write(pic)
		},
		status: 200, header: http.Header{"Content-Type": {"image/png"}}, body: pic, base64: true,
	}, {
		name:   "PNG without a Content-Type is sniffed",
		h:      func(w http.ResponseWriter, r *http.Request) { w.Write(pic) },
		status: 200, header: http.Header{"Content-Type": {"image/png"}}, body: pic, base64: true,
	}, {
		name: "JSON is text",
		h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"title":"牛乳を買う"}`)
		},
		status: 201, header: http.Header{"Content-Type": {"application/json; charset=utf-8"}},
		body: []byte(`{"title":"牛乳を買う"}`),
	}, {
		name:   "HTML without a Content-Type is sniffed as text",
		h:      func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<!DOCTYPE html><title>ToDo</title>") },
		status: 200, header: http.Header{"Content-Type": {"text/html; charset=utf-8"}},
		body: []byte("<!DOCTYPE html><title>ToDo</title>"),
	}, {
		name: "text that is not UTF-8 is base64",
		h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=shift_jis")
			w.Write(shiftJIS)
		},
		status: 200, body: shiftJIS, base64: true,
	}, {
		name: "gzip-encoded HTML is base64",
		h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Encoding", "gzip")
			w.Write([]byte{0x1f, 0x8b, 0x08, 0x00})
		},
		status: 200, body: []byte{0x1f, 0x8b, 0x08, 0x00}, base64: true,
	}, {
		name: "204 has no body and no sniffed type",
		h: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNoContent)
			if _, err := w.Write([]byte("x")); err != http.ErrBodyNotAllowed {
				t.Errorf("Write after 204: err = %v, want ErrBodyNotAllowed", err)
			}
		},
		status: 204, header: http.Header{"Content-Type": nil},
	}, {
		name: "headers set after WriteHeader are not sent",
		h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Early", "1")
			w.WriteHeader(http.StatusAccepted)
			w.WriteHeader(http.StatusTeapot)
			w.Header().Set("X-Late", "1")
		},
		status: 202, header: http.Header{"X-Early": {"1"}, "X-Late": nil},
	}, {
		name:   "a handler that writes nothing sends 200",
		h:      func(w http.ResponseWriter, r *http.Request) {},
		status: 200,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := Handler(tt.h)(context.Background(), loadEvent(t, "cloudfront-get.json"))
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status {
				t.Errorf("StatusCode = %d, want %d", resp.StatusCode, tt.status)
			}
			if resp.Headers != nil {
				t.Errorf("Headers = %v, want every header in MultiValueHeaders", resp.Headers)
			}
			for k, want := range tt.header {
				if got := resp.MultiValueHeaders[k]; !reflect.DeepEqual(got, []string(want)) {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
			if resp.IsBase64Encoded != tt.base64 {
				t.Errorf("IsBase64Encoded = %v, want %v", resp.IsBase64Encoded, tt.base64)
			}
			body := []byte(resp.Body)
			if resp.IsBase64Encoded {
				if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
					t.Fatalf("body is not base64: %v", err)
				}
			}
			if !bytes.Equal(body, tt.body) {
				t.Errorf("body = %q, want %q", body, tt.body)
			}
			// What API Gateway reads must survive JSON: the Lambda runtime
			// marshals the response, which would mangle invalid UTF-8.
			b, _ := json.Marshal(resp)
			var back events.APIGatewayProxyResponse
			if err := json.Unmarshal(b, &back); err != nil || back.Body != resp.Body {
				t.Errorf("body does not survive JSON: %v", err)
			}
		})
	}
}

func TestIsText(t *testing.T) {
	for ct, want := range map[string]bool{
		"text/html; charset=utf-8":          true,
		"text/css":                          true,
		"application/json":                  true,
		"application/problem+json":          true,
		"application/atom+xml":              true,
		"application/xml":                   true,
		"application/javascript":            true,
		"image/svg+xml":                     true,
		"application/x-www-form-urlencoded": true,
		" Application/JSON ; charset=UTF-8": true,
		"image/png":                         false,
		"application/octet-stream":          false,
		"application/zip":                   false,
		"font/woff2":                        false,
		"":                                  false,
	} {
		if got := isText(ct); got != want {
			t.Errorf("isText(%q) = %v, want %v", ct, got, want)
		}
	}
}

// canonicalToken must agree with isToken and http.CanonicalHeaderKey, which
// it replaces on the hot path, its table of CloudFront's names included.
func TestCanonicalToken(t *testing.T) {
	names := []string{"", "Accept", "accept", "ACCEPT", "x-forwarded-for", "X-Forwarded-For", "X-FORWARDED-for",
		"Content-type", "content-md5", "A", "a", "-", "a-", "-a", "x--y", "1x-2y", "a_b", "foo.bar", "X Y", "X:Y",
		"caf\xc3\xa9", "a\x7f", "Set-Cookie", "TE", "Www-Authenticate"}
	for k := range cloudFrontHeaders {
		names = append(names, k, strings.ToLower(k), http.CanonicalHeaderKey(k))
	}
	for _, k := range names {
		got, ok := canonicalToken(k)
		if ok != isToken(k) || ok && got != http.CanonicalHeaderKey(k) {
			t.Errorf("canonicalToken(%q) = %q, %v; want %q, %v", k, got, ok, http.CanonicalHeaderKey(k), isToken(k))
		}
	}
}

func BenchmarkNewRequest(b *testing.B) {
	e := loadEvent(b, "cloudfront-get.json")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewRequest(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHandlerHTMLResponse(b *testing.B) {
	page := []byte("<!DOCTYPE html><html lang=\"ja\"><title>ToDo</title><ul>" +
		strings.Repeat("<li><a href=\"/todos/42\">牛乳を買う</a></li>", 80) + "</ul></html>")
	h := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
	e := loadEvent(b, "cloudfront-get.json")
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(int64(len(page)))
	for b.Loop() {
		if resp, _ := h(ctx, e); resp.StatusCode != 200 {
			b.Fatal(resp.StatusCode)
		}
	}
}
