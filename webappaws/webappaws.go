// Package webappaws gives a function the AWS configuration its SDK clients
// are made from, without making its cold start pay for what Lambda never
// uses.
//
//	cfg, err := webappaws.Config(ctx)
//	client := dynamodb.NewFromConfig(cfg)
//
// Config has two implementations, chosen by the build tag webapp.lambda:
//
//   - Built with the tag — as the WebApp construct builds every function it
//     bundles (go build -tags lambda.norpc,webapp.lambda), your own
//     functions included — Config reads the environment Lambda sets and
//     nothing else. The SDK's config package, and the sso, ssooidc, sts and
//     signin clients and the instance metadata client it links, are then not
//     in the binary: their package initialization ran before main on every
//     cold start, whether or not anything used them (0.8 ms, 30 % of the
//     sample function's package initialization, see docs/benchmarks.md).
//   - Built without it — go test, go run, webapp dev — Config is
//     config.LoadDefaultConfig: the SDK's standard chain, so profiles, SSO
//     and the shared files work on a developer's machine.
//
// The Lambda path reads:
//
//	AWS_REGION (else AWS_DEFAULT_REGION)      the region; required
//	AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
//	AWS_SESSION_TOKEN                         the execution role's credentials; the first two required
//	AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>,
//	AWS_IGNORE_CONFIGURED_ENDPOINT_URLS       endpoints, as the SDK reads them (AWS_ENDPOINT_URL_DYNAMODB
//	                                          points the client at a local DynamoDB)
//	AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT,
//	AWS_MAX_ATTEMPTS, AWS_RETRY_MODE          as the SDK reads them
//
// Lambda puts the execution role's temporary credentials in the first three
// variables for the execution environment it starts, and replaces running
// environments when the function's code or configuration changes (AWS's way
// to give them new permissions); the standard chain reads the same variables
// first and does not refresh them either, so nothing is lost. What the Lambda path does not read, because provided.al2023 does not
// use it: shared config and credentials files and profiles (AWS_PROFILE),
// SSO, web identity, credential processes, instance metadata, and
// credentials served from an endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI,
// as SnapStart gives them). Config fails, saying why, rather than making a
// client that cannot sign: without the region or the keys, or with endpoint
// credentials in their place.
package webappaws

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// CredentialsSource is the Source of the credentials the Lambda path reads.
const CredentialsSource = "webappaws.LambdaEnvironment"

// lambdaConfig is Config's Lambda path, reading the environment through
// getenv. It is compiled in every build, so that go test checks it; only
// the webapp.lambda build calls it.
func lambdaConfig(getenv func(string) string) (aws.Config, error) {
	env := lambdaEnv{getenv}
	var errs []string
	region := cmp.Or(getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"))
	if region == "" {
		errs = append(errs, "AWS_REGION is not set")
	}
	id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	switch {
	case (id == "" || secret == "") && getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI") != "":
		errs = append(errs, "the credentials are served from AWS_CONTAINER_CREDENTIALS_FULL_URI (SnapStart), "+
			"which the webapp.lambda build does not read: it needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	case id == "" || secret == "":
		errs = append(errs, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set")
	}
	cfg := aws.Config{
		Region: region,
		Credentials: credentials.StaticCredentialsProvider{Value: aws.Credentials{
			AccessKeyID: id, SecretAccessKey: secret, SessionToken: getenv("AWS_SESSION_TOKEN"), Source: CredentialsSource,
		}},
		// The clients read per-service endpoints, FIPS and dual-stack
		// through these sources, as they do from config's.
		ConfigSources: []any{env},
	}
	ctx := context.Background()
	ignore, _, err := env.GetIgnoreConfiguredEndpoints(ctx)
	if err != nil {
		errs = append(errs, err.Error())
	}
	if base := getenv("AWS_ENDPOINT_URL"); base != "" && !ignore {
		cfg.BaseEndpoint = aws.String(base)
	}
	if _, _, err := env.GetUseFIPSEndpoint(ctx); err != nil {
		errs = append(errs, err.Error())
	}
	if _, _, err := env.GetUseDualStackEndpoint(ctx); err != nil {
		errs = append(errs, err.Error())
	}
	if v := getenv("AWS_MAX_ATTEMPTS"); v != "" {
		if cfg.RetryMaxAttempts, err = strconv.Atoi(v); err != nil || cfg.RetryMaxAttempts < 0 {
			errs = append(errs, fmt.Sprintf("AWS_MAX_ATTEMPTS=%q is not a number of attempts", v))
		}
	}
	if v := getenv("AWS_RETRY_MODE"); v != "" {
		if cfg.RetryMode, err = aws.ParseRetryMode(v); err != nil {
			errs = append(errs, fmt.Sprintf("AWS_RETRY_MODE=%q is not standard or adaptive", v))
		}
	}
	if len(errs) > 0 {
		return aws.Config{}, fmt.Errorf("webappaws: the Lambda environment cannot configure AWS clients: %s", strings.Join(errs, "; "))
	}
	return cfg, nil
}

// lambdaEnv answers the SDK clients' questions about their configuration
// (the interfaces of the SDK's internal/configsources) from the
// environment, the way config's EnvConfig does.
type lambdaEnv struct{ getenv func(string) string }

// GetServiceBaseEndpoint returns AWS_ENDPOINT_URL_<SERVICE>, the service's
// SDK id in upper case with spaces as underscores (DYNAMODB,
// SECRETS_MANAGER).
func (e lambdaEnv) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	v := e.getenv("AWS_ENDPOINT_URL_" + strings.ReplaceAll(strings.ToUpper(sdkID), " ", "_"))
	return v, v != "", nil
}

// GetIgnoreConfiguredEndpoints reads AWS_IGNORE_CONFIGURED_ENDPOINT_URLS.
func (e lambdaEnv) GetIgnoreConfiguredEndpoints(context.Context) (bool, bool, error) {
	return e.flag("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
}

// GetUseFIPSEndpoint reads AWS_USE_FIPS_ENDPOINT.
func (e lambdaEnv) GetUseFIPSEndpoint(context.Context) (aws.FIPSEndpointState, bool, error) {
	on, found, err := e.flag("AWS_USE_FIPS_ENDPOINT")
	if !found || err != nil {
		return aws.FIPSEndpointStateUnset, false, err
	}
	if on {
		return aws.FIPSEndpointStateEnabled, true, nil
	}
	return aws.FIPSEndpointStateDisabled, true, nil
}

// GetUseDualStackEndpoint reads AWS_USE_DUALSTACK_ENDPOINT.
func (e lambdaEnv) GetUseDualStackEndpoint(context.Context) (aws.DualStackEndpointState, bool, error) {
	on, found, err := e.flag("AWS_USE_DUALSTACK_ENDPOINT")
	if !found || err != nil {
		return aws.DualStackEndpointStateUnset, false, err
	}
	if on {
		return aws.DualStackEndpointStateEnabled, true, nil
	}
	return aws.DualStackEndpointStateDisabled, true, nil
}

// flag reads a variable that the SDK takes as true or false, in any case.
func (e lambdaEnv) flag(name string) (on, found bool, err error) {
	switch v := e.getenv(name); {
	case v == "":
		return false, false, nil
	case strings.EqualFold(v, "true"):
		return true, true, nil
	case strings.EqualFold(v, "false"):
		return false, true, nil
	default:
		return false, false, fmt.Errorf("%s=%q is not true or false", name, v)
	}
}
