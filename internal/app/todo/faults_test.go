package todo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/gowebapp/webapp/tools/dynalitetest"
	"github.com/gowebapp/webapp/tools/faultproxy"
)

func TestUnavailable(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"not found", ErrNotFound, false},
		{"conflict", ErrConflict, false},
		{"invalid", invalid("title", "title is required"), false},
		{"deadline", fmt.Errorf("get todo: %w", context.DeadlineExceeded), true},
		{"canceled by the client", context.Canceled, false},
		{"throttled", &smithy.GenericAPIError{Code: "ThrottlingException", Fault: smithy.FaultClient}, true},
		{"over the table's capacity", &types.ProvisionedThroughputExceededException{}, true},
		{"over the account's", &types.RequestLimitExceeded{}, true},
		{"server error", &types.InternalServerError{}, true},
		{"validation", &smithy.GenericAPIError{Code: "ValidationException", Fault: smithy.FaultClient}, false},
		{"condition", &types.ConditionalCheckFailedException{}, false},
		{"connection refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, true},
		{"retries spent", &retry.MaxAttemptsError{Attempt: 3, Err: errors.New("x")}, true},
	}
	for _, tt := range tests {
		if got := Unavailable(tt.err); got != tt.want {
			t.Errorf("Unavailable(%s: %v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}

func TestIDForIsStableAndValid(t *testing.T) {
	a, b := IDFor("key-1"), IDFor("key-2")
	if !ValidID(a) || !ValidID(b) {
		t.Fatalf("IDFor gave %q, %q: not ids", a, b)
	}
	if a != IDFor("key-1") || a == b {
		t.Errorf("IDFor(key-1) = %q twice %q, IDFor(key-2) = %q: want one id per key", a, IDFor("key-1"), b)
	}
}

// TestCreateRepeated: a create sent again with the same id (a client's
// idempotency key) returns the todo the first made, and leaves one todo;
// another todo with that id is ErrConflict.
func TestCreateRepeated(t *testing.T) {
	s, _ := newStore(t)
	ctx := t.Context()
	first, err := New(Draft{Title: "once", Priority: DefaultPriority}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	first.ID = IDFor("k")
	if _, err := s.Create(ctx, first); err != nil {
		t.Fatal(err)
	}
	again, _ := New(Draft{Title: "once", Priority: DefaultPriority}, time.Now().Add(time.Minute))
	again.ID = first.ID
	got, err := s.Create(ctx, again)
	if err != nil || !got.CreatedAt.Equal(first.CreatedAt) {
		t.Fatalf("repeat = %+v, %v; want the first todo, created at %v", got, err, first.CreatedAt)
	}
	page, err := s.List(ctx, 10, "")
	if err != nil || len(page.Items) != 1 {
		t.Errorf("List = %d todos, %v; want 1", len(page.Items), err)
	}
	other, _ := New(Draft{Title: "another", Priority: DefaultPriority}, time.Now())
	other.ID = first.ID
	if _, err := s.Create(ctx, other); !errors.Is(err, ErrConflict) {
		t.Errorf("another todo with the id: %v, want ErrConflict", err)
	}
}

// TestFailFastEndsCallsWithinTheDeadline: against a silent endpoint, a
// throttling one and a dead one, a call of a FailFast client fails within
// its context's deadline (or sooner), with an error Unavailable knows.
func TestFailFastEndsCallsWithinTheDeadline(t *testing.T) {
	server := dynalitetest.Start(t)
	proxy, err := faultproxy.Start(server.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadURL := "http://" + dead.Addr().String()
	dead.Close() // nothing listens there now

	const deadline = 3 * time.Second
	for _, tt := range []struct {
		name     string
		endpoint string
		fault    faultproxy.Fault
		within   time.Duration
	}{
		{"silent", proxy.Endpoint, faultproxy.Drop(), deadline},
		{"throttling", proxy.Endpoint, faultproxy.Throttle("ThrottlingException"), 2 * MaxBackoff},
		{"resetting", proxy.Endpoint, faultproxy.Reset(), 2 * MaxBackoff},
		{"down", deadURL, faultproxy.Pass(), 2 * MaxBackoff},
	} {
		proxy.Set(tt.fault)
		client := dynamodb.New(dynamodb.Options{
			Region:       dynalitetest.Region,
			BaseEndpoint: aws.String(tt.endpoint),
			Credentials:  credentials.NewStaticCredentialsProvider("dynalite", "dynalite", ""),
		}, FailFast)
		ctx, cancel := context.WithTimeout(t.Context(), deadline)
		start := time.Now()
		_, err := client.ListTables(ctx, &dynamodb.ListTablesInput{})
		took := time.Since(start)
		cancel()
		if !Unavailable(err) {
			t.Errorf("%s: err = %v, want one Unavailable knows", tt.name, err)
		}
		if took > tt.within+500*time.Millisecond {
			t.Errorf("%s: failed after %v, want within %v", tt.name, took, tt.within)
		}
	}
}
