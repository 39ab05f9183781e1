package webappaws_test

import (
	"context"
	"log"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gowebapp/webapp/webappaws"
)

// A function makes its clients at init from Config: in the build the
// WebApp construct makes, from Lambda's environment; in tests and under
// webapp dev, from the SDK's standard chain.
func ExampleConfig() {
	cfg, err := webappaws.Config(context.Background())
	if err != nil {
		// In the Lambda build: the region or the credentials are missing.
		// Exit, so that Lambda reports an init error.
		log.Fatal(err)
	}
	client := dynamodb.NewFromConfig(cfg)
	_ = client // serve with it, e.g. webapphttp.Start(newSite(client))
}
