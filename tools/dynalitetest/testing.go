package dynalitetest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gowebapp/webapp/internal/cli/modroot"
)

// shared is the one dynalite of a test binary whose TestMain calls Main.
var shared struct {
	enabled bool
	once    sync.Once
	server  *Server
	err     error
}

// Main runs the tests with one dynalite shared by all of them, started by
// the first test that needs it and stopped after the last. Call it from
// TestMain:
//
//	func TestMain(m *testing.M) { dynalitetest.Main(m) }
func Main(m *testing.M) {
	shared.enabled = true
	code := m.Run()
	if shared.server != nil {
		shared.server.Stop()
	}
	os.Exit(code)
}

// Start returns a running dynalite: the shared one under Main, otherwise one
// of the test's own, stopped when the test ends. If dynalite is missing the
// test fails, telling to run `make deps`.
func Start(t testing.TB) *Server {
	t.Helper()
	if shared.enabled {
		shared.once.Do(func() { shared.server, shared.err = launchFromModuleRoot() })
		if shared.err != nil {
			t.Fatal(shared.err)
		}
		return shared.server
	}
	s, err := launchFromModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

func launchFromModuleRoot() (*Server, error) {
	root, err := modroot.Find()
	if err != nil {
		return nil, err
	}
	return Launch(context.Background(), root)
}

var tables atomic.Int64

// Table creates a fresh table keyed by "id", deleted when the test ends, and
// returns a client of the server and the table's name.
func (s *Server) Table(t testing.TB) (*dynamodb.Client, string) {
	t.Helper()
	name := fmt.Sprintf("t%d-%s", tables.Add(1), tableSafe(t.Name()))
	client := s.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := CreateTable(ctx, client, name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	return client, name
}

// Setenv points the SDK's standard configuration (config.LoadDefaultConfig)
// at the server for the duration of the test: AWS_ENDPOINT_URL_DYNAMODB,
// dummy credentials and a region, with shared config files ignored.
func (s *Server) Setenv(t testing.TB) {
	t.Helper()
	for k, v := range Env(s.Endpoint) {
		t.Setenv(k, v)
	}
}

// Env returns the environment that points the SDK's standard configuration
// at a dynalite endpoint.
func Env(endpoint string) map[string]string {
	return map[string]string{
		"AWS_ENDPOINT_URL_DYNAMODB":   endpoint,
		"AWS_ACCESS_KEY_ID":           "dynalite",
		"AWS_SECRET_ACCESS_KEY":       "dynalite",
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  Region,
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
		"AWS_EC2_METADATA_DISABLED":   "true",
	}
}

// tableSafe keeps the characters a table name may have, and at most 200.
func tableSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
	return s[:min(len(s), 200)]
}
