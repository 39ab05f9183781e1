// Package runtimeapi emulates the Lambda Runtime API on loopback, so that a
// real `bootstrap` (aws-lambda-go built with -tags lambda.norpc) can be
// started and invoked on a developer's machine or in a test, natively or,
// for the linux/arm64 build, under qemu-aarch64.
//
// It implements what aws-lambda-go's runtime client uses
// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html):
//
//	GET  /2018-06-01/runtime/invocation/next
//	POST /2018-06-01/runtime/invocation/{id}/response
//	POST /2018-06-01/runtime/invocation/{id}/error
//	POST /2018-06-01/runtime/init/error
//
// Like Lambda, it hands the runtime one invocation at a time and caps
// payloads and responses at 6 MB; Ready tells whether a runtime that
// answered asks for the next invocation (Lambda then reuses its execution
// environment) or exits (Lambda starts a fresh one). Unlike Lambda, it does
// not kill a runtime whose invocation outlives its deadline: Invoke returns
// the context's error and the runtime finishes in its own time.
//
// It is a test helper, outside internal/ so that other modules can use it
// too: examples/reuse, a module of its own like an adopter's, runs the
// bootstrap its synth built under it. It is tooling, not part of the
// construct or of the runtime package webapphttp; a function never imports it.
package runtimeapi

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

const (
	// MaxPayload is Lambda's limit on a synchronous invocation's request and
	// response, 6 MB.
	MaxPayload = 6 * 1024 * 1024
	// DefaultTimeout is the deadline an invocation gets when Invoke's context
	// has none.
	DefaultTimeout = 30 * time.Second

	prefix = "/2018-06-01/runtime/"

	// Headers the runtime client reads and sends (aws-lambda-go's names).
	headerRequestID   = "Lambda-Runtime-Aws-Request-Id"
	headerDeadline    = "Lambda-Runtime-Deadline-Ms"
	headerFunctionARN = "Lambda-Runtime-Invoked-Function-Arn"
	headerTraceID     = "Lambda-Runtime-Trace-Id"
	headerErrorType   = "Lambda-Runtime-Function-Error-Type"
	trailerErrorBody  = "Lambda-Runtime-Function-Error-Body"
)

var (
	// ErrClosed is returned by Invoke once Close was called.
	ErrClosed = errors.New("runtimeapi: server closed")
	// ErrRuntimeExited is wrapped by the error Invoke returns when the
	// process started by StartProcess exits, with its exit status and the
	// end of its output.
	ErrRuntimeExited = errors.New("runtimeapi: runtime exited")
	// ErrPayloadTooLarge is returned by Invoke for a payload over MaxPayload.
	ErrPayloadTooLarge = errors.New("runtimeapi: payload is larger than 6 MB, Lambda's limit for synchronous invocations")
)

// FunctionError is a failure the runtime reported: an invocation's error
// (the handler returned an error or panicked) or, with Init set, a failure
// to start.
type FunctionError struct {
	Type    string // errorType, e.g. "errorString" for errors.New
	Message string // errorMessage
	Init    bool   // posted to /runtime/init/error
	Payload []byte // the body the runtime posted
}

func (e *FunctionError) Error() string {
	phase := "invocation"
	if e.Init {
		phase = "init"
	}
	return fmt.Sprintf("runtimeapi: %s error %s: %s", phase, e.Type, e.Message)
}

// Server is a Lambda Runtime API on 127.0.0.1. Its methods are safe for
// concurrent use.
type Server struct {
	// Output receives the stdout and stderr of the process StartProcess
	// starts (the function's logs). Nil discards them; the end of the
	// output is kept for the error Invoke returns if the process exits.
	// Set it before StartProcess.
	Output io.Writer

	ln     net.Listener
	srv    *http.Server
	served chan struct{} // closed when Serve returns

	turn  chan struct{}    // holds one token per running Invoke: they go one at a time
	queue chan *invocation // unbuffered: an invocation is handed over when the runtime asks

	mu          sync.Mutex
	inflight    map[string]*invocation
	arn         string
	proc        *process
	firstPoll   time.Time
	pollWaiters []chan time.Time
	polling     int             // requests for the next invocation that wait for one
	readyWaiter []chan struct{} // Ready calls that wait for such a request
	initErr     *FunctionError
	initFailed  chan struct{}

	closing   chan struct{}
	closeOnce sync.Once
	closeErr  error
}

type invocation struct {
	id       string
	payload  []byte
	deadline time.Time
	traceID  string
	done     chan result // buffered: finishing never blocks
}

type result struct {
	payload []byte
	err     error
}

// Start listens on a free port of 127.0.0.1 and serves the Runtime API.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtimeapi: %w", err)
	}
	s := &Server{
		ln:         ln,
		served:     make(chan struct{}),
		turn:       make(chan struct{}, 1),
		queue:      make(chan *invocation),
		inflight:   make(map[string]*invocation),
		arn:        functionARN(DefaultRegion, DefaultFunctionName),
		initFailed: make(chan struct{}),
		closing:    make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+prefix+"invocation/next", s.next)
	mux.HandleFunc("POST "+prefix+"invocation/{id}/response", s.response)
	mux.HandleFunc("POST "+prefix+"invocation/{id}/error", s.invocationError)
	mux.HandleFunc("POST "+prefix+"init/error", s.initError)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(s.served)
		s.srv.Serve(ln)
	}()
	return s, nil
}

// Addr returns the server's host:port, the value of AWS_LAMBDA_RUNTIME_API.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// FirstPoll returns a channel that receives the time the runtime first asked
// for an invocation: the end of its init phase, for cold-start measurements.
// Each call returns its own channel; it never receives if the runtime never
// polls.
func (s *Server) FirstPoll() <-chan time.Time {
	c := make(chan time.Time, 1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.firstPoll.IsZero() {
		c <- s.firstPoll
	} else {
		s.pollWaiters = append(s.pollWaiters, c)
	}
	return c
}

// Ready waits until the runtime asks for its next invocation and returns
// nil: Lambda hands an execution environment an invocation only then, so
// an environment whose runtime answered is not ready yet. If the process
// started by StartProcess exits first (aws-lambda-go reports a panic and
// exits), Ready returns an error wrapping ErrRuntimeExited; after Close,
// ErrClosed; when ctx is done, its error.
func (s *Server) Ready(ctx context.Context) error {
	s.mu.Lock()
	if s.polling > 0 {
		s.mu.Unlock()
		return nil
	}
	asked := make(chan struct{})
	s.readyWaiter = append(s.readyWaiter, asked)
	proc := s.proc
	s.mu.Unlock()
	select {
	case <-asked:
		return nil
	case <-proc.exited():
		if s.isClosing() {
			return ErrClosed
		}
		return proc.exitError()
	case <-s.closing:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Invoke queues payload for the runtime, waits until the runtime has
// answered and returns the response payload. Invocations run one at a
// time, even when the runtime polls from several goroutines. The runtime sees ctx's deadline (or
// DefaultTimeout from now) as the invocation's.
//
// An error the runtime reports comes back as a *FunctionError. If the process
// started by StartProcess exits first, the error wraps ErrRuntimeExited.
func (s *Server) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	if len(payload) > MaxPayload {
		return nil, ErrPayloadTooLarge
	}
	// select picks at random among ready cases: check closing first, so that
	// an Invoke after Close always says ErrClosed.
	if s.isClosing() {
		return nil, ErrClosed
	}
	select {
	case s.turn <- struct{}{}:
		defer func() { <-s.turn }()
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.closing:
		return nil, ErrClosed
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(DefaultTimeout)
	}
	inv := &invocation{
		id:       newRequestID(),
		payload:  payload,
		deadline: deadline,
		traceID:  newTraceID(),
		done:     make(chan result, 1),
	}
	s.mu.Lock()
	proc := s.proc
	s.mu.Unlock()

	var queue = s.queue
	for {
		select {
		case queue <- inv:
			queue = nil // handed over; now wait for the answer
		case r := <-inv.done:
			return r.payload, r.err
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-s.closing:
			return nil, ErrClosed
		case <-s.initFailed:
			return nil, s.initErr
		case <-proc.exited():
			if s.isClosing() { // Close killed it
				return nil, ErrClosed
			}
			return nil, proc.exitError()
		}
	}
}

func (s *Server) isClosing() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

// Close stops the process StartProcess started (and waits for it), then the
// server. Invocations in progress return ErrClosed.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.mu.Lock()
		p := s.proc
		s.mu.Unlock()
		p.kill()
		// Handlers return once closing is closed; Shutdown waits for them.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			s.closeErr = s.srv.Close()
		}
		<-s.served
	})
	return s.closeErr
}

func (s *Server) next(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.firstPoll.IsZero() {
		s.firstPoll = time.Now()
		for _, c := range s.pollWaiters {
			c <- s.firstPoll
		}
		s.pollWaiters = nil
	}
	s.polling++ // the runtime is idle: Ready may return
	for _, c := range s.readyWaiter {
		close(c)
	}
	s.readyWaiter = nil
	s.mu.Unlock()

	var inv *invocation
	select {
	case inv = <-s.queue:
	case <-r.Context().Done():
	case <-s.closing:
	}
	s.mu.Lock()
	s.polling--
	if inv != nil {
		s.inflight[inv.id] = inv
	}
	arn := s.arn
	s.mu.Unlock()
	switch {
	case inv != nil:
		h := w.Header()
		h.Set(headerRequestID, inv.id)
		h.Set(headerDeadline, strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set(headerFunctionARN, arn)
		h.Set(headerTraceID, inv.traceID)
		h.Set("Content-Type", "application/json")
		w.Write(inv.payload)
	case s.isClosing():
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
	}
}

// take removes the invocation named in the URL from the in-flight set, or
// answers 400 as Lambda does for an unknown request id.
func (s *Server) take(w http.ResponseWriter, r *http.Request) *invocation {
	id := r.PathValue("id")
	s.mu.Lock()
	inv := s.inflight[id]
	delete(s.inflight, id)
	s.mu.Unlock()
	if inv == nil {
		writeStatus(w, http.StatusBadRequest, "InvalidRequestID", "invalid request id "+strconv.Quote(id))
	}
	return inv
}

func (s *Server) response(w http.ResponseWriter, r *http.Request) {
	inv := s.take(w, r)
	if inv == nil {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
	switch {
	case err != nil:
		inv.finish(nil, &FunctionError{Type: "Runtime.ResponseReadError", Message: err.Error()})
		writeStatus(w, http.StatusBadRequest, "InvalidRequest", err.Error())
	case len(body) > MaxPayload:
		inv.finish(nil, &FunctionError{Type: "Function.ResponseSizeTooLarge", Message: "response payload size exceeded maximum allowed payload size (6291456 bytes)"})
		writeStatus(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "response payload too large")
	case r.Trailer.Get(headerErrorType) != "":
		// The handler's response stream failed after it started: the
		// client reports the error in trailers.
		payload, _ := base64.StdEncoding.DecodeString(r.Trailer.Get(trailerErrorBody))
		inv.finish(nil, functionError(payload, r.Trailer.Get(headerErrorType), false))
		writeStatus(w, http.StatusAccepted, "", "")
	default:
		inv.finish(body, nil)
		writeStatus(w, http.StatusAccepted, "", "")
	}
}

func (s *Server) invocationError(w http.ResponseWriter, r *http.Request) {
	inv := s.take(w, r)
	if inv == nil {
		return
	}
	payload, _ := io.ReadAll(io.LimitReader(r.Body, MaxPayload))
	inv.finish(nil, functionError(payload, r.Header.Get(headerErrorType), false))
	writeStatus(w, http.StatusAccepted, "", "")
}

func (s *Server) initError(w http.ResponseWriter, r *http.Request) {
	payload, _ := io.ReadAll(io.LimitReader(r.Body, MaxPayload))
	s.mu.Lock()
	if s.initErr == nil {
		s.initErr = functionError(payload, r.Header.Get(headerErrorType), true)
		close(s.initFailed)
	}
	s.mu.Unlock()
	writeStatus(w, http.StatusAccepted, "", "")
}

func (inv *invocation) finish(payload []byte, err error) {
	select {
	case inv.done <- result{payload, err}:
	default:
	}
}

// functionError reads the runtime's error document,
// {"errorMessage": ..., "errorType": ..., "stackTrace": [...]}.
func functionError(payload []byte, headerType string, init bool) *FunctionError {
	var doc struct {
		Message string `json:"errorMessage"`
		Type    string `json:"errorType"`
	}
	json.Unmarshal(payload, &doc)
	e := &FunctionError{Type: doc.Type, Message: doc.Message, Init: init, Payload: payload}
	if e.Type == "" {
		e.Type = headerType
	}
	if e.Type == "" {
		e.Type = "Unhandled"
	}
	return e
}

// writeStatus answers as the Runtime API does: {"status":"OK"} for an
// accepted post, {"errorMessage","errorType"} for a refused one.
func writeStatus(w http.ResponseWriter, code int, errorType, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	if errorType == "" {
		io.WriteString(w, `{"status":"OK"}`)
		return
	}
	json.NewEncoder(w).Encode(map[string]string{"errorMessage": message, "errorType": errorType})
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// newRequestID returns a random UUID, the shape of Lambda's request ids.
func newRequestID() string {
	h := randomHex(16)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

// newTraceID returns an X-Ray trace header for an unsampled trace.
func newTraceID() string {
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", time.Now().Unix(), randomHex(12), randomHex(8))
}
