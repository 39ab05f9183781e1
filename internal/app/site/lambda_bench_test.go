package site

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/gowebapp/webapp/tools/bench/baseline"
	"github.com/gowebapp/webapp/webapphttp"
)

// The benchmarks below time one invocation as the function runs it in
// Lambda: aws-lambda-go decodes the event's JSON, calls the handler and
// encodes the response (lambda.NewHandler's Invoke), with the site behind
// the API Gateway adapter. The healthz pair compares the site with a bare
// handler returning the same body (baseline.Healthz, also the cold-start
// baseline), for the overhead of the adapter, the middleware and the mux;
// `make bench` reports the ratio.

// adapterEvent returns the adapter's fixture (a request through CloudFront)
// turned into the request described, as JSON.
func adapterEvent(b *testing.B, method, path, contentType, body string) []byte {
	b.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "webapphttp", "testdata", "healthz.json"))
	if err != nil {
		b.Fatal(err)
	}
	var e events.APIGatewayProxyRequest
	if err := json.Unmarshal(raw, &e); err != nil {
		b.Fatal(err)
	}
	e.HTTPMethod, e.Path, e.Body = method, path, body
	e.RequestContext.HTTPMethod, e.RequestContext.Path = method, "/v1"+path
	if contentType != "" {
		e.Headers["Content-Type"] = contentType
		e.MultiValueHeaders["Content-Type"] = []string{contentType}
	}
	payload, err := json.Marshal(e)
	if err != nil {
		b.Fatal(err)
	}
	return payload
}

// benchInvoke invokes handler with payload through aws-lambda-go and checks
// the status of the response.
func benchInvoke(b *testing.B, handler any, payload []byte, status int) {
	b.Helper()
	h := lambda.NewHandler(handler)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		out, err := h.Invoke(ctx, payload)
		if err != nil {
			b.Fatal(err)
		}
		var resp struct{ StatusCode int }
		if json.Unmarshal(out, &resp); resp.StatusCode != status {
			b.Fatalf("status %d, want %d: %s", resp.StatusCode, status, out)
		}
	}
}

func BenchmarkInvokeHealthz(b *testing.B) {
	payload := adapterEvent(b, "GET", "/healthz", "", "")
	h, _ := benchSite(b, 0)
	b.Run("bare", func(b *testing.B) { benchInvoke(b, baseline.Healthz, payload, 200) })
	b.Run("site", func(b *testing.B) { benchInvoke(b, webapphttp.Handler(h), payload, 200) })
}

// BenchmarkHandleHealthz is the same pair without aws-lambda-go's JSON: the
// event already decoded, the response not encoded. It isolates the
// adapter, middleware and mux, in absolute terms.
func BenchmarkHandleHealthz(b *testing.B) {
	var e events.APIGatewayProxyRequest
	if err := json.Unmarshal(adapterEvent(b, "GET", "/healthz", "", ""), &e); err != nil {
		b.Fatal(err)
	}
	h, _ := benchSite(b, 0)
	for _, c := range []struct {
		name    string
		handler func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)
	}{{"bare", baseline.Healthz}, {"site", webapphttp.Handler(h)}} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if resp, _ := c.handler(ctx, e); resp.StatusCode != 200 {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
		})
	}
}

func BenchmarkInvokeCreateTodo(b *testing.B) {
	h, _ := benchSite(b, 0)
	payload := adapterEvent(b, "POST", "/todos", jsonType, `{"title":"Buy milk","memo":"牛乳を買う","priority":2}`)
	benchInvoke(b, webapphttp.Handler(h), payload, 201)
}

func BenchmarkInvokeListTodos(b *testing.B) {
	h, _ := benchSite(b, 200)
	benchInvoke(b, webapphttp.Handler(h), adapterEvent(b, "GET", "/todos", "", ""), 200)
}
