package dynalitetest

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gowebapp/webapp/internal/cli/modroot"
)

func TestLaunchWithoutDynaliteSaysMakeDeps(t *testing.T) {
	_, err := Launch(context.Background(), t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "run `make deps`") {
		t.Errorf("Launch in a directory without node_modules: error = %v, want one saying to run `make deps`", err)
	}
}

// TestStartTableAndStandardConfig starts a dynalite of the test's own (no
// Main here), makes a table and reaches it both through Client and through
// the SDK's standard configuration after Setenv.
func TestStartTableAndStandardConfig(t *testing.T) {
	s := Start(t)
	if !strings.HasPrefix(s.Endpoint, "http://127.0.0.1:") {
		t.Errorf("Endpoint = %q, want a loopback URL", s.Endpoint)
	}
	_, table := s.Table(t)

	s.Setenv(t)
	cfg, err := config.LoadDefaultConfig(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	out, err := dynamodb.NewFromConfig(cfg).DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatalf("DescribeTable through the standard configuration: %v", err)
	}
	if got := aws.ToString(out.Table.KeySchema[0].AttributeName); got != "id" || len(out.Table.KeySchema) != 1 {
		t.Errorf("key schema = %v, want the partition key id alone", out.Table.KeySchema)
	}
}

func TestStopEndsTheProcess(t *testing.T) {
	root, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Launch(t.Context(), root)
	if err != nil {
		t.Fatal(err)
	}
	s.Stop()
	s.Stop() // a second call is harmless
	select {
	case <-s.exited:
	default:
		t.Fatal("dynalite still runs after Stop")
	}
	if resp, err := http.Get(s.Endpoint); err == nil {
		resp.Body.Close()
		t.Error("dynalite still answers after Stop")
	}
}
