package site

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/gowebapp/webapp/webapphttp"
)

// The tests here send the adapter's real events (webapphttp/testdata)
// through webapphttp.Handler and Wrap to the site, as Lambda runs it.

// The keys of webapphttp/testdata/origin-key.json and client-api-key.json.
const (
	fixtureOriginKey   = "Q7mZk2Vx9LrT4bNc8WfH1sJd6YpA3eGu5KqE0oRi"
	fixtureOriginKeyID = "m2n4b6v8c0"
	fixtureClientKeyID = "q9w8e7r6t5"
)

// edgeEvent loads one of the adapter's fixtures.
func edgeEvent(t *testing.T, name string) events.APIGatewayProxyRequest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "webapphttp", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var e events.APIGatewayProxyRequest
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

// setHeader sets a header of e in both of its header maps.
func setHeader(e *events.APIGatewayProxyRequest, name, value string) {
	e.Headers[name], e.MultiValueHeaders[name] = value, []string{value}
}

// invoke sends e to h as Lambda would, in the invocation "lambda-req-9"
// of a function whose ORIGIN_API_KEY_ID is the fixtures' origin key's.
func invoke(t *testing.T, h http.Handler, e events.APIGatewayProxyRequest) events.APIGatewayProxyResponse {
	t.Helper()
	t.Setenv(webapphttp.OriginAPIKeyIDEnv, fixtureOriginKeyID)
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "lambda-req-9"})
	resp, err := webapphttp.Handler(h)(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// logLines decodes the JSON lines of logs.
func logLines(t *testing.T, logs *bytes.Buffer) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		lines = append(lines, e)
	}
	return lines
}

func TestRequestLogSaysWhoSentIt(t *testing.T) {
	h, logs := newSite(t, newMemStore(), false)
	e := edgeEvent(t, "client-api-key.json") // GET /todos via CloudFront with a client's key
	setHeader(&e, "X-Forwarded-For", "6.6.6.6, 203.0.113.7, 130.176.212.14")
	invoke(t, h, e)

	lines := logLines(t, logs)
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1:\n%s", len(lines), logs)
	}
	for k, want := range map[string]string{
		"msg":             "request",
		"clientIp":        "203.0.113.7", // the viewer, as CloudFront appended it, not what the viewer claimed
		"requestId":       e.RequestContext.RequestID,
		"lambdaRequestId": "lambda-req-9",
		"cloudFrontId":    e.Headers["X-Amz-Cf-Id"],
		"apiKeyId":        fixtureClientKeyID,
	} {
		if lines[0][k] != want {
			t.Errorf("%s = %v, want %q; line %s", k, lines[0][k], want, logs)
		}
	}
	for _, raw := range []string{"6.6.6.6", "130.176.212.14", e.Headers["x-api-key"]} {
		if strings.Contains(logs.String(), raw) {
			t.Errorf("the line holds %q from the headers: %s", raw, logs)
		}
	}
}

func TestRequestLogWithoutAnEdge(t *testing.T) {
	h, logs := newSite(t, newMemStore(), false)
	serve(h, req{method: "GET", target: "/healthz"})
	line := logLines(t, logs)[0]
	if line["clientIp"] != "192.0.2.1" { // httptest's RemoteAddr, without its port
		t.Errorf("clientIp = %v, want 192.0.2.1", line["clientIp"])
	}
	for _, k := range []string{"lambdaRequestId", "cloudFrontId", "apiKeyId"} {
		if v, ok := line[k]; ok {
			t.Errorf("%s = %v without an edge, want no such field", k, v)
		}
	}
}

// CloudFront's origin key reaches neither the site's pages and errors nor
// its log: the adapter removed it before the site ran.
func TestOriginKeyNeverReachesTheSite(t *testing.T) {
	h, logs := newSite(t, newMemStore(), true) // debug: internal detail in responses too
	for _, path := range []string{"/todos", "/", "/nope", "/todos/%zz"} {
		e := edgeEvent(t, "origin-key.json")
		e.Path, e.RequestContext.Path = path, "/prod"+path
		resp := invoke(t, h, e)
		if strings.Contains(resp.Body, fixtureOriginKey) || strings.Contains(resp.Body, fixtureOriginKeyID) {
			t.Errorf("GET %s: the response holds the origin key or its id: %s", path, resp.Body)
		}
	}
	if strings.Contains(logs.String(), fixtureOriginKey) || strings.Contains(logs.String(), "apiKeyId") {
		t.Errorf("the log names the origin key: %s", logs)
	}
}
