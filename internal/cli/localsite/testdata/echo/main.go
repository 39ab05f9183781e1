// Command echo is the tests' Lambda function: it answers an API Gateway
// proxy event with the event, its environment, its request id and the id
// of its init (a new one in every execution environment). Some paths
// misbehave on purpose: /sleep outlives any timeout, /exit ends the
// process, /error returns an error, /panic panics.
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

func main() {
	initID := rand.Text()
	lambda.Start(func(ctx context.Context, event json.RawMessage) (map[string]any, error) {
		var e struct {
			Path string `json:"path"`
		}
		json.Unmarshal(event, &e)
		switch e.Path {
		case "/sleep":
			time.Sleep(time.Minute)
		case "/exit":
			os.Exit(3)
		case "/error":
			return nil, errors.New("the handler failed")
		case "/panic":
			panic("the handler panicked")
		}
		lc, _ := lambdacontext.FromContext(ctx)
		env := map[string]string{}
		for _, k := range []string{"TABLE_NAME", "AWS_REGION", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_LOG_FORMAT"} {
			env[k] = os.Getenv(k)
		}
		body, _ := json.Marshal(map[string]any{"event": event, "env": env, "requestId": lc.AwsRequestID, "initId": initID})
		return map[string]any{"statusCode": 200, "body": string(body)}, nil
	})
}
