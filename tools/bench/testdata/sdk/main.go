// Command sdk is the bare handler (../bare) plus what any function of this
// kind does before its first poll: make a DynamoDB client, here from the
// SDK's standard configuration (config.LoadDefaultConfig), as
// internal/app/todo did before webappaws. Its cold start is the floor of a
// function that uses the SDK that way; ../sdklean is the one of ./lambda.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gowebapp/webapp/tools/bench/baseline"
)

var client *dynamodb.Client

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		panic(err)
	}
	client = dynamodb.NewFromConfig(cfg)
	lambda.Start(baseline.Healthz)
}
