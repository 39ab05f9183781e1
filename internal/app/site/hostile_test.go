package site

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gowebapp/webapp/internal/app/todo"
	"github.com/gowebapp/webapp/internal/app/todo/todotest"
	"github.com/gowebapp/webapp/webapphttp"
)

// lambdaStack is the app as Lambda runs it: the API Gateway adapter around
// the site, on the DynamoDB store, with dynalite as DynamoDB.
type lambdaStack struct {
	handle func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)
	store  *todo.Store
	client *dynamodb.Client
}

func newLambdaStack(t *testing.T) *lambdaStack {
	t.Helper()
	store, client := todotest.NewStore(t)
	h, _ := newSite(t, store, false)
	return &lambdaStack{handle: webapphttp.Handler(h), store: store, client: client}
}

// count is how many items the table holds, by a Scan.
func (s *lambdaStack) count(t *testing.T) int32 {
	t.Helper()
	out, err := s.client.Scan(t.Context(), &dynamodb.ScanInput{TableName: aws.String(s.store.Table()), Select: types.SelectCount})
	if err != nil {
		t.Fatal(err)
	}
	return out.Count
}

// apiRequest is what a client sends, as CloudFront passes it on to API
// Gateway: its event is built by event.
type apiRequest struct {
	method, path string // path as API Gateway gives it: percent-encoded
	query        map[string][]string
	header       map[string]string // besides Host, X-Forwarded-*, Accept
	contentType  string
	body         string
	binary       bool // body sent base64-encoded, as API Gateway sends forms
	rawBase64    bool // body is already base64 (or meant not to be)
}

// event is the proxy event of a request that came through CloudFront, in
// the shape of testdata in package apigw; "{id}" in the path stands for id.
func (rq apiRequest) event(id string) events.APIGatewayProxyRequest {
	path := strings.ReplaceAll(rq.path, "{id}", id)
	header := map[string][]string{
		"Accept":            {jsonType},
		"Host":              {"k3x9q7w2ab.execute-api.ap-northeast-1.amazonaws.com"},
		"User-Agent":        {"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"},
		"Via":               {"2.0 4f1b0b6e6d9c3a1f2e7d8c9b0a1f2e3d.cloudfront.net (CloudFront)"},
		"X-Forwarded-For":   {"203.0.113.7, 130.176.212.14"},
		"X-Forwarded-Host":  {"todo.example.com"},
		"X-Forwarded-Proto": {"https"},
	}
	if rq.contentType != "" {
		header["Content-Type"] = []string{rq.contentType}
	}
	for k, v := range rq.header {
		header[k] = []string{v}
	}
	e := events.APIGatewayProxyRequest{
		Resource:                        "/{proxy+}",
		Path:                            path,
		HTTPMethod:                      rq.method,
		MultiValueHeaders:               header,
		MultiValueQueryStringParameters: rq.query,
		Body:                            rq.body,
		IsBase64Encoded:                 rq.binary || rq.rawBase64,
		RequestContext: events.APIGatewayProxyRequestContext{
			Stage:      "v1",
			Path:       "/v1" + path,
			RequestID:  "c0a8d2e4-6b1f-4c3e-9a77-1f2e3d4c5b6a",
			DomainName: "k3x9q7w2ab.execute-api.ap-northeast-1.amazonaws.com",
			Identity:   events.APIGatewayRequestIdentity{SourceIP: "130.176.212.14"},
		},
	}
	if rq.binary {
		e.Body = base64.StdEncoding.EncodeToString([]byte(rq.body))
	}
	return e
}

// do sends rq through the stack and returns the response, its body decoded.
func (s *lambdaStack) do(t *testing.T, rq apiRequest, id string) (events.APIGatewayProxyResponse, string) {
	t.Helper()
	resp, err := s.handle(t.Context(), rq.event(id))
	if err != nil {
		t.Fatalf("%s %s: Handler returned error %v", rq.method, rq.path, err)
	}
	body := resp.Body
	if resp.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			t.Fatalf("response body is not base64: %v", err)
		}
		body = string(b)
	}
	return resp, body
}

func jsonBody(s string) string { b, _ := json.Marshal(s); return string(b) }

// TestHostileInputsStoreNothing sends hostile requests through the whole
// stack. Each gets a 4xx whose message says what was wrong, and the table
// holds the same items after it as before, the existing todo unchanged.
func TestHostileInputsStoreNothing(t *testing.T) {
	s := newLambdaStack(t)
	created, err := s.store.Create(t.Context(), mustNew(t, "Buy milk"))
	if err != nil {
		t.Fatal(err)
	}
	title := "Buy oat milk"
	existing, err := s.store.Update(t.Context(), created.ID, todo.Patch{Title: &title, Version: 1}) // version 2: 1 is stale
	if err != nil {
		t.Fatal(err)
	}

	multipart, multipartType := multipartForm(t, "title", "x\xffy", "memo", "m")
	bigMultipart, bigMultipartType := multipartForm(t, "title", "x", "memo", strings.Repeat("m", DefaultMaxBodyBytes))
	deep := `{"title":"x","memo":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`
	script := "<script>alert(1)</script>"
	tests := []struct {
		name    string
		rq      apiRequest
		status  int
		code    string // "" for an HTML page
		message string // a part of it
	}{
		// oversized
		{"header over 1 MiB", apiRequest{method: "GET", path: "/todos", header: map[string]string{"X-Padding": strings.Repeat("a", 1<<20)}}, 400, "BadRequestError", "request headers are too large: the limit is 1048576 bytes"},
		{"JSON body over 1 MiB", apiRequest{method: "POST", path: "/todos", contentType: jsonType, body: `{"title":"x","memo":"` + strings.Repeat("m", DefaultMaxBodyBytes) + `"}`}, 413, "RequestTooLargeError", "request body too large: the limit is 1048576 bytes"},
		{"form body over 1 MiB", apiRequest{method: "POST", path: "/todos", contentType: formURLEncoded, body: form("title", "x", "memo", strings.Repeat("m", DefaultMaxBodyBytes)), binary: true}, 413, "RequestTooLargeError", "limit is 1048576 bytes"},
		{"multipart body over 1 MiB", apiRequest{method: "POST", path: "/todos", contentType: bigMultipartType, body: bigMultipart, binary: true}, 413, "RequestTooLargeError", "limit is 1048576 bytes"},
		{"title over 200 characters", apiRequest{method: "POST", path: "/todos", contentType: jsonType, body: `{"title":"` + strings.Repeat("語", 201) + `"}`}, 400, "BadRequestError", "title must be at most 200 characters, got 201"},
		{"memo over 2000 characters", apiRequest{method: "PUT", path: "/todos/{id}", contentType: jsonType, body: `{"memo":"` + strings.Repeat("m", 2001) + `","version":2}`}, 400, "BadRequestError", "memo must be at most 2000 characters, got 2001"},
		{"keyword over 200 characters", apiRequest{method: "GET", path: "/search", query: map[string][]string{"q": {strings.Repeat("q", 201)}}}, 400, "", "q must be at most 200 characters, got 201"},
		{"id over 26 characters", apiRequest{method: "GET", path: "/todos/" + strings.Repeat("A", 4096)}, 404, "NotFoundError", "todo not found"},

		// invalid UTF-8
		{"JSON string not UTF-8", apiRequest{method: "POST", path: "/todos", contentType: jsonType, body: "{\"title\":\"caf\xe9\"}"}, 400, "BadRequestError", "malformed JSON: the body must be UTF-8"},
		{"JSON half a surrogate pair", apiRequest{method: "PUT", path: "/todos/{id}", contentType: jsonType, body: `{"title":"x\ud800","version":2}`}, 400, "BadRequestError", `a \u escape is half of a surrogate pair`},
		{"form value not UTF-8", apiRequest{method: "POST", path: "/todos", contentType: formURLEncoded, body: "title=caf%E9", binary: true}, 400, "BadRequestError", "title must be valid UTF-8"},
		{"form memo not UTF-8", apiRequest{method: "POST", path: "/todos", contentType: formURLEncoded, body: "title=x&memo=%C3%28", binary: true}, 400, "BadRequestError", "memo must be valid UTF-8"},
		{"multipart value not UTF-8", apiRequest{method: "POST", path: "/todos", contentType: multipartType, body: multipart, binary: true}, 400, "BadRequestError", "title must be valid UTF-8"},
		{"query not UTF-8", apiRequest{method: "GET", path: "/search", query: map[string][]string{"q": {"caf\xe9"}}}, 400, "", "q must be valid UTF-8"},
		{"searched form not UTF-8", apiRequest{method: "POST", path: "/search", contentType: formURLEncoded, body: "q=%FF", binary: true}, 400, "", "q must be valid UTF-8"},
		{"path not UTF-8", apiRequest{method: "GET", path: "/todos/%FF%FE"}, 404, "NotFoundError", "todo not found"},
		{"id not UTF-8", apiRequest{method: "DELETE", path: "/todos/" + strings.Repeat("%FF", 26)}, 404, "NotFoundError", "todo not found"},

		// bad percent-escapes (API Gateway hands the query over decoded: a
		// stray % there is text, see TestMalformedQueryIsRefused)
		{"path with %zz", apiRequest{method: "GET", path: "/todos/%zz"}, 400, "BadRequestError", "request path is not valid"},
		{"path with a cut escape", apiRequest{method: "DELETE", path: "/todos/{id}%E"}, 400, "BadRequestError", "request path is not valid"},
		{"form with %zz", apiRequest{method: "POST", path: "/todos", contentType: formURLEncoded, body: "title=%zz", binary: true}, 400, "BadRequestError", "undecodable form"},
		{"searched form with %zz", apiRequest{method: "POST", path: "/search", contentType: formURLEncoded, body: "q=%zz", binary: true}, 400, "", "undecodable form"},
		{"limit with a stray %", apiRequest{method: "GET", path: "/todos", query: map[string][]string{"limit": {"%31"}}}, 400, "BadRequestError", "limit must be an integer from 1 to 100"},
		{"version with a stray %", apiRequest{method: "DELETE", path: "/todos/{id}", query: map[string][]string{"version": {"%zz"}}}, 400, "BadRequestError", "version must be a positive integer"},

		// bad base64
		{"body not base64", apiRequest{method: "POST", path: "/todos", contentType: formURLEncoded, body: "title=x", rawBase64: true}, 400, "BadRequestError", "request body is not valid base64"},
		{"body in base64url", apiRequest{method: "POST", path: "/todos", contentType: jsonType, body: "eyJ0aXRsZSI6Ij8_In0", rawBase64: true}, 400, "BadRequestError", "request body is not valid base64"},

		// wrong content types
		{"text/plain", apiRequest{method: "POST", path: "/todos", contentType: "text/plain", body: `{"title":"x"}`}, 415, "UnsupportedMediaType", "unsupported content type: send application/json or a form"},
		{"no content type", apiRequest{method: "POST", path: "/todos", body: `{"title":"x"}`}, 415, "UnsupportedMediaType", "send application/json or a form"},
		{"malformed content type", apiRequest{method: "POST", path: "/todos", contentType: "application/json; charset=", body: `{"title":"x"}`}, 415, "UnsupportedMediaType", "send application/json"},
		{"XML", apiRequest{method: "POST", path: "/todos", contentType: "application/xml", body: `<todo><title>x</title></todo>`}, 415, "UnsupportedMediaType", "send application/json"},
		{"form to the JSON-only update", apiRequest{method: "PUT", path: "/todos/{id}", contentType: formURLEncoded, body: "title=x&version=2", binary: true}, 415, "UnsupportedMediaType", "send application/json"},
		{"JSON to the search page", apiRequest{method: "POST", path: "/search", contentType: jsonType, body: `{"q":"x"}`}, 415, "", "unsupported content type"},
		{"multipart without boundary", apiRequest{method: "POST", path: "/todos", contentType: "multipart/form-data", body: multipart, binary: true}, 400, "BadRequestError", "undecodable form"},

		// script tags where the request is otherwise wrong: refused, and the
		// message shows them as text only (checked for every row below)
		{"script as a field name", apiRequest{method: "POST", path: "/todos", contentType: jsonType, body: `{"title":"x",` + jsonBody(script) + `:1}`}, 400, "BadRequestError", `unknown field "<script>alert(1)</script>"`},
		{"script as a priority", apiRequest{method: "POST", path: "/todos", contentType: jsonType, body: `{"title":"x","priority":` + jsonBody(script) + `}`}, 400, "BadRequestError", `invalid field "priority": want an integer`},
		{"script as completed", apiRequest{method: "PUT", path: "/todos/{id}", contentType: jsonType, body: `{"completed":` + jsonBody(script) + `,"version":2}`}, 400, "BadRequestError", `invalid field "completed": want true or false`},
		{"script as a version", apiRequest{method: "DELETE", path: "/todos/{id}", query: map[string][]string{"version": {script}}}, 400, "BadRequestError", "version must be a positive integer"},
		{"script as an id", apiRequest{method: "GET", path: "/todos/%3Cscript%3Ealert(1)%3C%2Fscript%3E"}, 404, "NotFoundError", "todo not found"},
		{"script as a cursor", apiRequest{method: "GET", path: "/todos", query: map[string][]string{"next": {script}}}, 400, "BadRequestError", "invalid next cursor"},
		{"script in a form priority", apiRequest{method: "POST", path: "/todos", contentType: formURLEncoded, body: form("title", script, "priority", script), binary: true}, 400, "BadRequestError", "priority must be an integer from 1 to 5"},
		{"script with a control character", apiRequest{method: "POST", path: "/todos", contentType: jsonType, body: `{"title":"<script>\u0007</script>"}`}, 400, "BadRequestError", "title must not contain control characters"},

		// path traversal
		{"encoded traversal as an id", apiRequest{method: "GET", path: "/todos/..%2F..%2Fetc%2Fpasswd"}, 404, "NotFoundError", "todo not found"},
		{"double-encoded traversal", apiRequest{method: "DELETE", path: "/todos/..%252F..%252Fetc%252Fpasswd"}, 404, "NotFoundError", "todo not found"},
		{"traversal to a static file", apiRequest{method: "GET", path: "/css/..%2F..%2Fetc%2Fpasswd"}, 404, "NotFoundError", "no such page or endpoint"},
		{"traversal with backslashes", apiRequest{method: "GET", path: `/todos/..\..\etc\passwd`}, 404, "NotFoundError", "todo not found"},

		// numbers
		{"huge limit", apiRequest{method: "GET", path: "/todos", query: map[string][]string{"limit": {"99999999999999999999"}}}, 400, "BadRequestError", "limit must be an integer from 1 to 100"},
		{"negative limit", apiRequest{method: "GET", path: "/todos", query: map[string][]string{"limit": {"-1"}}}, 400, "BadRequestError", "limit must be an integer from 1 to 100"},
		{"limit as a float", apiRequest{method: "GET", path: "/todos", query: map[string][]string{"limit": {"1e3"}}}, 400, "BadRequestError", "limit must be an integer from 1 to 100"},
		{"negative priority", apiRequest{method: "POST", path: "/todos", contentType: jsonType, body: `{"title":"x","priority":-1}`}, 400, "BadRequestError", "priority must be an integer from 1 to 5, got -1"},
		{"NaN priority", apiRequest{method: "POST", path: "/todos", contentType: jsonType, body: `{"title":"x","priority":NaN}`}, 400, "BadRequestError", "malformed JSON at byte"},
		{"NaN priority in a form", apiRequest{method: "POST", path: "/todos", contentType: formURLEncoded, body: "title=x&priority=NaN", binary: true}, 400, "BadRequestError", "priority must be an integer from 1 to 5"},
		{"negative priority in a form", apiRequest{method: "POST", path: "/todos", contentType: formURLEncoded, body: "title=x&priority=-3", binary: true}, 400, "BadRequestError", "priority must be an integer from 1 to 5, got -3"},
		{"priority beyond int64", apiRequest{method: "POST", path: "/todos", contentType: jsonType, body: `{"title":"x","priority":9223372036854775808}`}, 400, "BadRequestError", `invalid field "priority": want an integer`},
		{"priority 1e309", apiRequest{method: "PUT", path: "/todos/{id}", contentType: jsonType, body: `{"priority":1e309,"version":2}`}, 400, "BadRequestError", `invalid field "priority": want an integer`},

		// JSON shapes
		{"duplicate key", apiRequest{method: "POST", path: "/todos", contentType: jsonType, body: `{"title":"a","title":"b"}`}, 400, "BadRequestError", `field "title" is given twice: give each field once`},
		{"duplicate key in another case", apiRequest{method: "POST", path: "/todos", contentType: jsonType, body: `{"title":"a","TITLE":"b"}`}, 400, "BadRequestError", `field "TITLE" is given twice`},
		{"duplicate version", apiRequest{method: "PUT", path: "/todos/{id}", contentType: jsonType, body: `{"title":"x","version":1,"version":2}`}, 400, "BadRequestError", `field "version" is given twice`},
		{"deeply nested", apiRequest{method: "POST", path: "/todos", contentType: jsonType, body: deep}, 400, "BadRequestError", "malformed JSON at byte"},
		{"nested object as a title", apiRequest{method: "POST", path: "/todos", contentType: jsonType, body: `{"title":{"a":{"b":{"c":1}}}}`}, 400, "BadRequestError", `invalid field "title": want a string`},
		{"priority as a string", apiRequest{method: "POST", path: "/todos", contentType: jsonType, body: `{"title":"x","priority":"2"}`}, 400, "BadRequestError", `invalid field "priority": want an integer`},
		{"version as a string", apiRequest{method: "PUT", path: "/todos/{id}", contentType: jsonType, body: `{"title":"x","version":"2"}`}, 400, "BadRequestError", `invalid field "version": want an integer`},
		{"completed as a string", apiRequest{method: "POST", path: "/todos", contentType: jsonType, body: `{"title":"x","completed":"true"}`}, 400, "BadRequestError", `invalid field "completed": want true or false`},
		{"null title", apiRequest{method: "POST", path: "/todos", contentType: jsonType, body: `{"title":null,"memo":"m"}`}, 400, "BadRequestError", "title is required"},
		{"null body", apiRequest{method: "POST", path: "/todos", contentType: jsonType, body: `null`}, 400, "BadRequestError", "title is required"},
		{"null version", apiRequest{method: "PUT", path: "/todos/{id}", contentType: jsonType, body: `{"title":"x","version":null}`}, 400, "BadRequestError", "version is required"},
		{"null changes", apiRequest{method: "PUT", path: "/todos/{id}", contentType: jsonType, body: `{"title":null,"memo":null,"version":2}`}, 400, "BadRequestError", "nothing to update"},
		{"extra field", apiRequest{method: "POST", path: "/todos", contentType: jsonType, body: `{"title":"x","owner":"admin"}`}, 400, "BadRequestError", `unknown field "owner"`},
		{"id given on create", apiRequest{method: "POST", path: "/todos", contentType: jsonType, body: `{"title":"x","id":"AAAAAAAAAAAAAAAAAAAAAAAAAA"}`}, 400, "BadRequestError", `unknown field "id"`},
		{"version given on create", apiRequest{method: "POST", path: "/todos", contentType: jsonType, body: `{"title":"x","version":7}`}, 400, "BadRequestError", `unknown field "version"`},
		{"two objects", apiRequest{method: "POST", path: "/todos", contentType: jsonType, body: `{"title":"a"}{"title":"b"}`}, 400, "BadRequestError", "one JSON object and nothing after it"},
		{"byte order mark", apiRequest{method: "POST", path: "/todos", contentType: jsonType, body: "\ufeff{\"title\":\"x\"}"}, 400, "BadRequestError", "malformed JSON at byte 1"},

		// versions
		{"version 0", apiRequest{method: "PUT", path: "/todos/{id}", contentType: jsonType, body: `{"title":"x","version":0}`}, 400, "BadRequestError", "version is required and must be a positive integer"},
		{"negative version", apiRequest{method: "PUT", path: "/todos/{id}", contentType: jsonType, body: `{"title":"x","version":-2}`}, 400, "BadRequestError", "version is required and must be a positive integer"},
		{"version beyond int64", apiRequest{method: "PUT", path: "/todos/{id}", contentType: jsonType, body: `{"title":"x","version":99999999999999999999}`}, 400, "BadRequestError", `invalid field "version": want an integer`},
		{"version never reached", apiRequest{method: "PUT", path: "/todos/{id}", contentType: jsonType, body: `{"title":"x","version":9223372036854775807}`}, 409, "ConflictError", "todo was changed by someone else: reload it and try again"},
		{"stale version", apiRequest{method: "PUT", path: "/todos/{id}", contentType: jsonType, body: `{"title":"x","version":1}`}, 409, "ConflictError", "reload it and try again"},
		{"delete version 0", apiRequest{method: "DELETE", path: "/todos/{id}", query: map[string][]string{"version": {"0"}}}, 400, "BadRequestError", "version must be a positive integer"},
		{"delete negative version", apiRequest{method: "DELETE", path: "/todos/{id}", query: map[string][]string{"version": {"-2"}}}, 400, "BadRequestError", "version must be a positive integer"},
		{"delete version beyond int64", apiRequest{method: "DELETE", path: "/todos/{id}", query: map[string][]string{"version": {"99999999999999999999"}}}, 400, "BadRequestError", "version must be a positive integer"},
		{"delete version never reached", apiRequest{method: "DELETE", path: "/todos/{id}", query: map[string][]string{"version": {"9223372036854775807"}}}, 409, "ConflictError", "reload it and try again"},
		{"delete stale version", apiRequest{method: "DELETE", path: "/todos/{id}", query: map[string][]string{"version": {"1"}}}, 409, "ConflictError", "reload it and try again"},

		// methods
		{"method not a token", apiRequest{method: "DEL ETE", path: "/todos/{id}"}, 400, "BadRequestError", "request method is not valid"},
		{"method the route lacks", apiRequest{method: "PATCH", path: "/todos/{id}", contentType: jsonType, body: `{"title":"x","version":2}`}, 405, "MethodNotAllowedError", "method not allowed: use DELETE, GET, HEAD, PUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := s.count(t)
			resp, body := s.do(t, tt.rq, existing.ID)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d; body %.300s", resp.StatusCode, tt.status, body)
			}
			contentType := strings.Join(resp.MultiValueHeaders["Content-Type"], ",")
			if tt.code == "" {
				if contentType != "text/html; charset=utf-8" || !strings.Contains(body, html.EscapeString(tt.message)) {
					t.Errorf("Content-Type %q, want the error page saying %q:\n%.2000s", contentType, tt.message, body)
				}
			} else {
				var e errorBody
				if err := json.Unmarshal([]byte(body), &e); err != nil || contentType != jsonType {
					t.Fatalf("Content-Type %q, body %.300s: want Chalice's JSON error (%v)", contentType, body, err)
				}
				if e.Code != tt.code || !strings.Contains(e.Message, tt.message) {
					t.Errorf("error = %+v, want Code %q and a Message containing %q", e, tt.code, tt.message)
				}
				if r := []rune(e.Message); unicode.IsUpper(r[0]) || strings.HasSuffix(e.Message, ".") {
					t.Errorf("Message %q: want lowercase, no trailing period", e.Message)
				}
			}
			if strings.Contains(body, "<script>alert") {
				t.Errorf("the response holds a script tag a browser would run:\n%.2000s", body)
			}
			if n := s.count(t); n != before {
				t.Errorf("the table holds %d items, want %d: a refused request stored something", n, before)
			}
			if got, err := s.store.Get(t.Context(), existing.ID); err != nil || got != existing {
				t.Errorf("the todo is now %+v (%v), want it unchanged: %+v", got, err, existing)
			}
		})
	}
}

// TestUncleanPathRedirectsOnTheSite: a path with dot segments, which API
// Gateway passes on, is redirected to its clean form on the same site (as
// net/http's mux does), never served and never sent elsewhere.
func TestUncleanPathRedirectsOnTheSite(t *testing.T) {
	s := newLambdaStack(t)
	for path, want := range map[string]string{
		"/todos/../../etc/passwd": "/etc/passwd",
		"/css/../../etc/passwd":   "/etc/passwd",
		"/todos/./../search":      "/search",
		"/%2f%2fevil.com/x/..":    "/%2f%2fevil.com", // escaped once, as sent: a path, not another host
		"/%E6%97%A5/x/..":         "/%E6%97%A5",
	} {
		resp, body := s.do(t, apiRequest{method: "GET", path: path}, "")
		if loc := resp.MultiValueHeaders["Location"]; resp.StatusCode/100 != 3 || len(loc) != 1 || loc[0] != want {
			t.Errorf("GET %s = %d to %q, want a redirect to %s; body %.200s", path, resp.StatusCode, loc, want, body)
		}
		if resp, _ := s.do(t, apiRequest{method: "GET", path: want}, ""); want == "/etc/passwd" && resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", want, resp.StatusCode)
		}
	}
}

// TestMalformedQueryIsRefused: where the raw query reaches the site (the
// local server, any http.Server), a pair that does not parse is refused
// rather than dropped. Dropped, DELETE ?version=%zz was a delete of
// whatever version.
func TestMalformedQueryIsRefused(t *testing.T) {
	for _, target := range []string{
		"/todos/{id}?version=%zz",
		"/todos/{id}?version=1;",
		"/todos/{id}?version=%31%",
	} {
		w, store, milk := serveOnMilk(t, req{method: "DELETE", target: target}, 2, http.StatusBadRequest)
		if e := decodeError(t, w); !strings.Contains(e.Message, "malformed query string") {
			t.Errorf("DELETE %s: Message %q, want one about the malformed query", target, e.Message)
		}
		if _, ok := store.todos[milk.ID]; !ok {
			t.Errorf("DELETE %s deleted the todo", target)
		}
	}
	h, _ := newSite(t, newMemStore(), false)
	if w := serve(h, req{method: "GET", target: "/search?q=%E7%89%9B%zz"}); w.Code != 400 || !strings.Contains(w.Body.String(), "malformed query string") {
		t.Errorf("GET /search?q=%%zz = %d, want 400 saying the query is malformed", w.Code)
	}
}

// TestHostileValuesComeBackEscaped stores markup in every text field, by
// JSON and by form, and reads it back on every page and through the API:
// escaped for HTML on pages, for JavaScript in JSON, never as markup.
func TestHostileValuesComeBackEscaped(t *testing.T) {
	s := newLambdaStack(t)
	const title = `<script>alert("t")</script>`
	const memo = `"><img src=x onerror=alert('m')><svg onload=alert(1)>`
	before := s.count(t)

	resp, body := s.do(t, apiRequest{method: "POST", path: "/todos", contentType: jsonType,
		body: `{"title":` + jsonBody(title) + `,"memo":` + jsonBody(memo) + `}`}, "")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST JSON = %d %s, want 201", resp.StatusCode, body)
	}
	var created todo.Todo
	if err := json.Unmarshal([]byte(body), &created); err != nil || created.Title != title || created.Memo != memo {
		t.Fatalf("created %+v (%v), want the title and memo as sent", created, err)
	}
	resp, body = s.do(t, apiRequest{method: "POST", path: "/todos", contentType: formURLEncoded,
		body: form("title", title+" (form)", "memo", memo, "priority", "1"), binary: true, header: map[string]string{"Accept": browserHTML}}, "")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST form = %d %s, want 303", resp.StatusCode, body)
	}
	if n := s.count(t); n != before+2 {
		t.Fatalf("the table holds %d items, want %d", n, before+2)
	}

	markup := []string{"<script>alert", "<img src=x", "<svg onload"}
	for _, rq := range []apiRequest{
		{method: "GET", path: "/todos/{id}"},
		{method: "GET", path: "/todos"},
		{method: "GET", path: "/", header: map[string]string{"Accept": browserHTML}},
		{method: "GET", path: "/search", query: map[string][]string{"q": {"<script>"}}},
		{method: "POST", path: "/search", contentType: formURLEncoded, body: form("q", title), binary: true},
	} {
		resp, body := s.do(t, rq, created.ID)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s = %d, want 200", rq.method, rq.path, resp.StatusCode)
		}
		isJSON := strings.Join(resp.MultiValueHeaders["Content-Type"], "") == jsonType
		for _, m := range markup {
			if (isJSON && strings.ContainsAny(body, "<>")) || (!isJSON && strings.Contains(body, m)) {
				t.Errorf("%s %s holds %q as markup:\n%.3000s", rq.method, rq.path, m, body)
			}
		}
		want := []string{`\u003cscript\u003ealert(\"t\")\u003c/script\u003e`, `\"\u003e\u003cimg src=x onerror=alert('m')\u003e`}
		if !isJSON {
			want = []string{html.EscapeString(title), html.EscapeString(memo)}
			if csp := strings.Join(resp.MultiValueHeaders["Content-Security-Policy"], ""); !strings.Contains(csp, "default-src 'self'") {
				t.Errorf("%s %s: Content-Security-Policy %q, want default-src 'self'", rq.method, rq.path, csp)
			}
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s %s does not hold %s:\n%.3000s", rq.method, rq.path, w, body)
			}
		}
		if got := resp.MultiValueHeaders["X-Content-Type-Options"]; len(got) != 1 || got[0] != "nosniff" {
			t.Errorf("%s %s: X-Content-Type-Options %q, want nosniff", rq.method, rq.path, got)
		}
	}
}

func mustNew(t *testing.T, title string) todo.Todo {
	t.Helper()
	td, err := todo.New(todo.Draft{Title: title, Priority: todo.DefaultPriority}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return td
}

// TestStrictJSONTakesWhatIsValid: the checks for duplicate fields and half
// surrogate pairs refuse only those; look-alikes are stored as sent.
func TestStrictJSONTakesWhatIsValid(t *testing.T) {
	for body, want := range map[string]todo.Todo{
		`{"title":"\\ud800 is text"}`:                    {Title: `\ud800 is text`},
		`{"title":"\ud83d\ude00 \u00e9"}`:                {Title: "😀 é"},
		`{"title":"\"\\\"\\u","memo":"\\\\ud800"}`:       {Title: `"\"\u`, Memo: `\\ud800`},
		`{"title":"x","memo":"{\"title\":\"y\"}"}`:       {Title: "x", Memo: `{"title":"y"}`},
		`{ "Title" : "x" , "memo" : "title" }`:           {Title: "x", Memo: "title"},
		`{"title":"x","priority":null,"completed":true}`: {Title: "x", Completed: true},
	} {
		store := newMemStore()
		h, _ := newSite(t, store, false)
		w := serve(h, req{method: "POST", target: "/todos", body: body, contentType: jsonType})
		if w.Code != http.StatusCreated {
			t.Errorf("POST %s = %d %s, want 201", body, w.Code, w.Body)
			continue
		}
		for _, got := range store.todos {
			if got.Title != want.Title || got.Memo != want.Memo || got.Completed != want.Completed {
				t.Errorf("POST %s stored %+v, want title %q, memo %q, completed %v", body, got, want.Title, want.Memo, want.Completed)
			}
		}
	}
}
