//go:build !webapp.lambda

package webappaws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// Config returns the SDK's standard configuration (config.LoadDefaultConfig):
// region, credentials and endpoints from the environment, the shared files
// and profiles, SSO or instance metadata. This is the build without the
// webapp.lambda tag — tests, go run, webapp dev; see the package doc.
func Config(ctx context.Context) (aws.Config, error) {
	return config.LoadDefaultConfig(ctx)
}
