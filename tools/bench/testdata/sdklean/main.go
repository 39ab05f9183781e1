// Command sdklean is ../sdk without the SDK's config package: the client is
// made from Lambda's environment alone (region, credentials,
// AWS_ENDPOINT_URL_DYNAMODB), so config and the clients it links (sso, sts,
// …) are not in the binary. Its cold start is the floor of that leaner path.
package main

import (
	"cmp"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gowebapp/webapp/tools/bench/baseline"
)

var client *dynamodb.Client

func main() {
	opts := dynamodb.Options{
		Region: cmp.Or(os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION")),
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(
			os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN"))),
	}
	if endpoint := os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"); endpoint != "" {
		opts.BaseEndpoint = aws.String(endpoint)
	}
	client = dynamodb.New(opts)
	lambda.Start(baseline.Healthz)
}
