//go:build webapp.lambda

package webappaws

import (
	"context"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Config returns the configuration of AWS clients from the environment
// Lambda sets (see the package doc). This is the webapp.lambda build: the
// SDK's shared configuration is not read, and not linked.
func Config(context.Context) (aws.Config, error) {
	return lambdaConfig(os.Getenv)
}
