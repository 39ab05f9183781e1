package awsjsontest

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestCredentials are the credentials New's server verifies signatures
// with, and Config signs with.
func TestCredentials() aws.Credentials {
	return aws.Credentials{AccessKeyID: "AKIDAWSJSONTEST", SecretAccessKey: "awsjsontest-secret-key", Source: "awsjsontest"}
}

// New starts a server for the test that verifies every signature with
// TestCredentials, and closes it when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	creds := TestCredentials()
	s, err := Start(Options{Credentials: &creds})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Config is an SDK configuration that sends every service's requests to
// the server, signed with TestCredentials.
func (s *Server) Config() aws.Config {
	return aws.Config{
		Region:       s.opts.Region,
		BaseEndpoint: aws.String(s.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return TestCredentials(), nil
		}),
	}
}
