// Package dynalitetest runs dynalite, the in-memory DynamoDB-protocol server
// from node_modules, for tests and for the local server: start it on a free
// loopback port, make tables keyed by "id", and get clients that talk to it.
//
// Tests of a package share one dynalite (see Main) and take a fresh table
// each (Server.Table), which keeps them fast and independent. Nothing global
// is set: a client gets the endpoint through its options, and Server.Setenv
// sets the SDK's standard variables for one test only.
package dynalitetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Region is the region clients of dynalite are configured with; dynalite
// ignores it, the SDK needs one.
const Region = "us-east-1"

// ErrNotInstalled means node_modules/.bin/dynalite is missing.
var ErrNotInstalled = errors.New("dynalite is not installed: run `make deps`")

// Server is a running dynalite.
type Server struct {
	// Endpoint is its URL, http://127.0.0.1:PORT.
	Endpoint string

	cmd    *exec.Cmd
	output *syncBuffer // stdout and stderr, for the error message when it dies
	exited chan struct{}
	err    error // cmd.Wait's result, set before exited is closed
	stop   sync.Once
}

// Launch starts root/node_modules/.bin/dynalite on a free loopback port and
// returns once it answers HTTP. Tables it creates are active at once. Stop
// it with Stop; on Linux it also dies with the process that launched it.
func Launch(ctx context.Context, root string) (*Server, error) {
	bin := filepath.Join(root, "node_modules", ".bin", "dynalite")
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("%w (looked for %s)", ErrNotInstalled, bin)
	}
	return LaunchBinary(ctx, bin)
}

// LaunchBinary is Launch with the dynalite executable bin, wherever it is
// installed.
func LaunchBinary(ctx context.Context, bin string) (*Server, error) {
	// The port is free when asked for but may be taken before dynalite binds
	// it; try again then.
	var err error
	for range 3 {
		var s *Server
		if s, err = launch(ctx, bin); err == nil {
			return s, nil
		}
	}
	return nil, err
}

func launch(ctx context.Context, bin string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{
		Endpoint: "http://127.0.0.1:" + strconv.Itoa(port),
		output:   &syncBuffer{},
		exited:   make(chan struct{}),
	}
	s.cmd = exec.Command(bin, "--host", "127.0.0.1", "--port", strconv.Itoa(port),
		"--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0")
	s.cmd.Stdout = s.output
	s.cmd.Stderr = s.output
	s.cmd.SysProcAttr = sysProcAttr()
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start dynalite: %w", err)
	}
	go func() {
		s.err = s.cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(ctx, 15*time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls the endpoint until any HTTP answer comes back.
func (s *Server) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.Endpoint, nil)
		if resp, err := client.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("dynalite exited before answering (%v): %s", s.err, s.output)
		case <-ctx.Done():
			return fmt.Errorf("dynalite did not answer at %s: %w", s.Endpoint, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Stop ends dynalite (SIGTERM, then SIGKILL after 5 s) and waits for it.
// It may be called more than once.
func (s *Server) Stop() {
	s.stop.Do(func() {
		if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			s.cmd.Process.Kill()
		}
		select {
		case <-s.exited:
		case <-time.After(5 * time.Second):
			s.cmd.Process.Kill()
			<-s.exited
		}
	})
}

// Client returns a DynamoDB client for the server, with dummy static
// credentials (dynalite does not check signatures).
func (s *Server) Client() *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       Region,
		BaseEndpoint: aws.String(s.Endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("dynalite", "dynalite", ""),
	})
}

// CreateTable creates the table with the string partition key "id", as the
// app expects, and waits until it is active.
func CreateTable(ctx context.Context, client *dynamodb.Client, name string) error {
	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
	})
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, time.Minute); err != nil {
		return fmt.Errorf("table %s is not active: %w", name, err)
	}
	return nil
}

// syncBuffer is a bytes.Buffer safe for the process's writers and a reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 64<<10 { // keep the start, where a start-up error is
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
