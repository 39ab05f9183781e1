// Command handler is the function the runtimeapi tests invoke. It echoes
// what it receives with what Lambda told it, and fails, panics, exits or
// takes its time when asked to.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type request struct {
	Echo    json.RawMessage `json:"echo"`
	Fail    string          `json:"fail"`
	Exit    int             `json:"exit"`
	Panic   string          `json:"panic"`
	SleepMs int             `json:"sleepMs"`
}

type response struct {
	Echo         json.RawMessage `json:"echo"`
	RequestID    string          `json:"requestId"`
	FunctionARN  string          `json:"functionArn"`
	FunctionName string          `json:"functionName"`
	DeadlineMs   int64           `json:"deadlineMs"`
	TraceID      string          `json:"traceId"`
	Handler      string          `json:"handler"`
	Concurrent   int32           `json:"concurrent"` // invocations running at once, this one included
}

var running atomic.Int32

func handle(ctx context.Context, req request) (response, error) {
	n := running.Add(1)
	defer running.Add(-1)
	if req.Exit != 0 {
		println("exiting as asked")
		os.Exit(req.Exit)
	}
	if req.Panic != "" {
		panic(req.Panic) // aws-lambda-go reports it, then exits
	}
	if req.Fail != "" {
		return response{}, errors.New(req.Fail)
	}
	time.Sleep(time.Duration(req.SleepMs) * time.Millisecond)
	lc, _ := lambdacontext.FromContext(ctx)
	deadline, _ := ctx.Deadline()
	trace, _ := ctx.Value("x-amzn-trace-id").(string)
	return response{
		Echo:         req.Echo,
		RequestID:    lc.AwsRequestID,
		FunctionARN:  lc.InvokedFunctionArn,
		FunctionName: lambdacontext.FunctionName,
		DeadlineMs:   deadline.UnixMilli(),
		TraceID:      trace,
		Handler:      os.Getenv("_HANDLER"),
		Concurrent:   max(n, running.Load()),
	}, nil
}

func main() { lambda.Start(handle) }
