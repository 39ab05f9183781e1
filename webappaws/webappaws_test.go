package webappaws

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// lambda is what Lambda sets for every function: the region and the
// execution role's credentials.
var lambda = map[string]string{
	"AWS_REGION":            "ap-northeast-1",
	"AWS_DEFAULT_REGION":    "ap-northeast-1",
	"AWS_ACCESS_KEY_ID":     "ASIAEXAMPLE",
	"AWS_SECRET_ACCESS_KEY": "secret",
	"AWS_SESSION_TOKEN":     "token",
}

// with returns Lambda's environment with changes ("" removes a variable).
func with(changes map[string]string) map[string]string {
	env := map[string]string{}
	for k, v := range lambda {
		env[k] = v
	}
	for k, v := range changes {
		if v == "" {
			delete(env, k)
		} else {
			env[k] = v
		}
	}
	return env
}

func getenv(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

// honoured are the environments whose meaning the Lambda path must share
// with the SDK's standard chain.
var honoured = map[string]map[string]string{
	"Lambda's":                lambda,
	"no session token":        with(map[string]string{"AWS_SESSION_TOKEN": ""}),
	"AWS_DEFAULT_REGION only": with(map[string]string{"AWS_REGION": "", "AWS_DEFAULT_REGION": "eu-west-1"}),
	"a DynamoDB endpoint":     with(map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000"}),
	"an endpoint for all":     with(map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}),
	"both endpoints":          with(map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000"}),
	"endpoints ignored":       with(map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}),
	"endpoints not ignored":   with(map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "FALSE"}),
	"FIPS and dual-stack":     with(map[string]string{"AWS_USE_FIPS_ENDPOINT": "true", "AWS_USE_DUALSTACK_ENDPOINT": "True"}),
	"FIPS and dual-stack off": with(map[string]string{"AWS_USE_FIPS_ENDPOINT": "false", "AWS_USE_DUALSTACK_ENDPOINT": "false"}),
	"retries":                 with(map[string]string{"AWS_MAX_ATTEMPTS": "7", "AWS_RETRY_MODE": "adaptive"}),
}

// TestLambdaConfigAgreesWithTheStandardChain compares the DynamoDB client
// made from the Lambda path with the one made from config.LoadDefaultConfig,
// in each environment, with no shared files: what the client would send
// where, signed with what, and how it would retry.
func TestLambdaConfigAgreesWithTheStandardChain(t *testing.T) {
	ctx := context.Background()
	for name, env := range honoured {
		t.Run(name, func(t *testing.T) {
			for _, k := range variables {
				t.Setenv(k, env[k])
			}
			t.Setenv("AWS_CONFIG_FILE", os.DevNull)
			t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
			t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
			standard, err := config.LoadDefaultConfig(ctx)
			if err != nil {
				t.Fatal(err)
			}
			lambda, err := lambdaConfig(os.Getenv)
			if err != nil {
				t.Fatalf("lambdaConfig: %v", err)
			}
			want, got := dynamodb.NewFromConfig(standard).Options(), dynamodb.NewFromConfig(lambda).Options()
			if got.Region != want.Region {
				t.Errorf("Region = %q, want %q", got.Region, want.Region)
			}
			if aws.ToString(got.BaseEndpoint) != aws.ToString(want.BaseEndpoint) {
				t.Errorf("BaseEndpoint = %q, want %q", aws.ToString(got.BaseEndpoint), aws.ToString(want.BaseEndpoint))
			}
			if got.EndpointOptions.UseFIPSEndpoint != want.EndpointOptions.UseFIPSEndpoint ||
				got.EndpointOptions.UseDualStackEndpoint != want.EndpointOptions.UseDualStackEndpoint {
				t.Errorf("FIPS, dual-stack = %v, %v; want %v, %v", got.EndpointOptions.UseFIPSEndpoint, got.EndpointOptions.UseDualStackEndpoint,
					want.EndpointOptions.UseFIPSEndpoint, want.EndpointOptions.UseDualStackEndpoint)
			}
			if got.RetryMaxAttempts != want.RetryMaxAttempts || got.RetryMode != want.RetryMode {
				t.Errorf("retries = %d %q, want %d %q", got.RetryMaxAttempts, got.RetryMode, want.RetryMaxAttempts, want.RetryMode)
			}
			wantCreds, err := want.Credentials.Retrieve(ctx)
			if err != nil {
				t.Fatal(err)
			}
			gotCreds, err := got.Credentials.Retrieve(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if gotCreds.AccessKeyID != wantCreds.AccessKeyID || gotCreds.SecretAccessKey != wantCreds.SecretAccessKey ||
				gotCreds.SessionToken != wantCreds.SessionToken || gotCreds.CanExpire != wantCreds.CanExpire {
				t.Errorf("credentials = %+v, want %+v", gotCreds, wantCreds)
			}
			if gotCreds.Source != CredentialsSource {
				t.Errorf("credentials source = %q, want %q", gotCreds.Source, CredentialsSource)
			}
		})
	}
}

// variables are every variable the tests set, cleared in each case so that
// the machine's own cannot change the standard chain's answer.
var variables = []string{
	"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
	"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
	"AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE",
	"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
	"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_SDK_UA_APP_ID",
}

func TestLambdaConfigFailsWithoutWhatLambdaSets(t *testing.T) {
	for _, c := range []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"no region", with(map[string]string{"AWS_REGION": "", "AWS_DEFAULT_REGION": ""}), []string{"AWS_REGION is not set"}},
		{"no access key", with(map[string]string{"AWS_ACCESS_KEY_ID": ""}), []string{"AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set"}},
		{"no secret", with(map[string]string{"AWS_SECRET_ACCESS_KEY": ""}), []string{"AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set"}},
		{"SnapStart's credentials", with(map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "",
			"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:9001/2021-04-23/credentials"}), []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "SnapStart"}},
		{"nothing", map[string]string{}, []string{"AWS_REGION is not set", "AWS_ACCESS_KEY_ID"}},
		{"bad flags", with(map[string]string{"AWS_USE_FIPS_ENDPOINT": "yes", "AWS_USE_DUALSTACK_ENDPOINT": "1", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "on"}),
			[]string{`AWS_USE_FIPS_ENDPOINT="yes" is not true or false`, `AWS_USE_DUALSTACK_ENDPOINT="1"`, `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS="on"`}},
		{"bad retries", with(map[string]string{"AWS_MAX_ATTEMPTS": "many", "AWS_RETRY_MODE": "eager"}),
			[]string{`AWS_MAX_ATTEMPTS="many" is not a number of attempts`, `AWS_RETRY_MODE="eager" is not standard or adaptive`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := lambdaConfig(getenv(c.env))
			if err == nil {
				t.Fatal("lambdaConfig succeeded; want an error")
			}
			if !strings.HasPrefix(err.Error(), "webappaws: the Lambda environment cannot configure AWS clients: ") {
				t.Errorf("err = %q, want it to start by saying what failed", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

// TestLambdaConfigReadsOnlyTheEnvironment: shared files and profiles, which
// the standard chain would read (and fail on here), do not reach the
// Lambda path.
func TestLambdaConfigReadsOnlyTheEnvironment(t *testing.T) {
	env := with(map[string]string{"AWS_PROFILE": "webappaws-no-such-profile", "AWS_CONFIG_FILE": "/nonexistent/config"})
	cfg, err := lambdaConfig(getenv(env))
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil || creds.AccessKeyID != "ASIAEXAMPLE" || creds.SessionToken != "token" {
		t.Errorf("credentials = %+v, %v; want Lambda's", creds, err)
	}
}
