// Command sdklean is ../sdk with the client made as internal/app/todo makes
// it, from webappaws.Config: built with the Lambda flags (webapp.lambda),
// from Lambda's environment alone, so the SDK's config package and the
// clients it links (sso, sts, …) are not in the binary. Its cold start is
// the floor of ./lambda.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gowebapp/webapp/tools/bench/baseline"
	"github.com/gowebapp/webapp/webappaws"
)

var client *dynamodb.Client

func main() {
	cfg, err := webappaws.Config(context.Background())
	if err != nil {
		panic(err)
	}
	client = dynamodb.NewFromConfig(cfg)
	lambda.Start(baseline.Healthz)
}
