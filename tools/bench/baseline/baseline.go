// Package baseline is the bare handler the benchmarks compare the function
// with: an aws-lambda-go handler for API Gateway proxy events with nothing
// in it, answering what the site answers for GET /healthz. The cold-start
// baselines under ../testdata and the warm benchmark pair in internal/app/site
// use it.
package baseline

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
)

// Healthz answers every event 200 "ok" as text.
func Healthz(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return events.APIGatewayProxyResponse{
		StatusCode:        200,
		MultiValueHeaders: map[string][]string{"Content-Type": {"text/plain; charset=utf-8"}},
		Body:              "ok",
	}, nil
}
