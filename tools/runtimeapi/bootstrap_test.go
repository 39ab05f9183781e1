package runtimeapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gowebapp/webapp/internal/cli/modroot"
	"github.com/gowebapp/webapp/internal/lambdabuild"
)

func root(t *testing.T) string {
	t.Helper()
	dir, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBootstrapAnswersHealthz builds the real function (./lambda) for this
// machine, runs it under the emulator and sends it what API Gateway sends
// for GET /healthz through CloudFront.
func TestBootstrapAnswersHealthz(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ./lambda")
	}
	src := filepath.Join(root(t), "lambda")
	bin := filepath.Join(t.TempDir(), "bootstrap")
	if err := lambdabuild.Build(src, bin, host); err != nil {
		t.Fatal(err)
	}
	// Any request to DynamoDB lands here and fails the test: /healthz must
	// answer without it.
	var dynamoCalls atomic.Int32
	dynamo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dynamoCalls.Add(1)
		http.Error(w, "no DynamoDB in this test", http.StatusInternalServerError)
	}))
	defer dynamo.Close()

	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out := &tail{max: 64 << 10}
	s.Output = out
	env := []string{
		"TABLE_NAME=todos", "INDEX_TABLE_NAME=todo-index",
		"AWS_ACCESS_KEY_ID=AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"AWS_REGION=us-east-1",
		"AWS_ENDPOINT_URL_DYNAMODB=" + dynamo.URL,
	}
	if _, err := StartProcess(context.Background(), bin, env, s); err != nil {
		t.Fatal(err)
	}
	// The adapter's own fixture: what API Gateway sends for GET /healthz.
	event, err := os.ReadFile(filepath.Join(root(t), "webapphttp", "testdata", "healthz.json"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	payload, err := s.Invoke(ctx, event)
	if err != nil {
		t.Fatalf("Invoke: %v\nthe function's output:\n%s", err, out)
	}
	var resp events.APIGatewayProxyResponse
	if err := json.Unmarshal(payload, &resp); err != nil {
		t.Fatalf("response %q is not an API Gateway proxy response: %v", payload, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz: status %d, want 200; body %q", resp.StatusCode, resp.Body)
	}
	if n := dynamoCalls.Load(); n > 0 {
		t.Errorf("GET /healthz made %d requests to DynamoDB, want none", n)
	}
}
