// Package awsjsontest is a local server that speaks the AWS JSON 1.1
// protocol of SSM's GetParameter and Secrets Manager's GetSecretValue, for
// tests and for running a site on this machine: the AWS SDK is pointed at it
// (aws.Config.BaseEndpoint, or AWS_ENDPOINT_URL_SSM and
// AWS_ENDPOINT_URL_SECRETS_MANAGER as Env gives them) and reads the
// parameters and secrets put into it.
//
// Every request is kept (Requests) with its X-Amz-Target, its JSON body and
// its SigV4 signature's scope, so a test can check what was asked and not
// only that something was. With Options.Credentials the server recomputes
// each request's signature with those credentials (the SDK's own v4 signer)
// and answers InvalidSignatureException when it differs, as AWS does.
package awsjsontest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// X-Amz-Target values the server answers.
const (
	TargetGetParameter   = "AmazonSSM.GetParameter"
	TargetGetSecretValue = "secretsmanager.GetSecretValue"
)

// Account is the account id in the ARNs the server makes up.
const Account = "123456789012"

// Options configure a Server.
type Options struct {
	// Credentials, when set, are the only ones whose signatures the server
	// accepts: it recomputes each signature with them.
	// Default: any well-formed SigV4 Authorization header is accepted, as
	// for a local site whose function signs with whatever its environment
	// holds.
	Credentials *aws.Credentials
	// Region is the region of the ARNs the server makes up and, with
	// Credentials, the only one in a signature's scope it accepts.
	// Default: us-east-1.
	Region string
}

// Parameter is an SSM parameter.
type Parameter struct {
	Value string
	// Type is SecureString, String or StringList. Default: SecureString.
	Type string
}

// Request is one request the server received.
type Request struct {
	// Target is the X-Amz-Target header, such as "AmazonSSM.GetParameter".
	Target string
	// Body is the JSON body, decoded.
	Body map[string]any
	// AccessKeyID, Region and Service are the signature's credential scope.
	AccessKeyID, Region, Service string
	// SignedHeaders are the headers the signature covers, lower case.
	SignedHeaders []string
	// SignatureVerified reports whether the signature was recomputed with
	// Options.Credentials and matched.
	SignatureVerified bool
}

// Server is a running server.
type Server struct {
	// URL is the server's address, http://127.0.0.1:PORT.
	URL string

	opts Options
	ln   net.Listener
	srv  *http.Server

	mu         sync.Mutex
	parameters map[string]Parameter
	secrets    map[string]string
	requests   []Request
	failures   []awsError
}

// Start listens on a free loopback port and serves until Close.
func Start(opts Options) (*Server, error) {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("awsjsontest: %w", err)
	}
	s := &Server{
		URL: "http://" + ln.Addr().String(), opts: opts, ln: ln,
		parameters: map[string]Parameter{}, secrets: map[string]string{},
	}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln) //nolint:errcheck // ends with Close
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// Env points the AWS SDK's SSM and Secrets Manager clients at the server.
func (s *Server) Env() map[string]string {
	return map[string]string{"AWS_ENDPOINT_URL_SSM": s.URL, "AWS_ENDPOINT_URL_SECRETS_MANAGER": s.URL}
}

// PutParameter sets the SSM parameter name (such as "/app/token").
func (s *Server) PutParameter(name string, p Parameter) {
	if p.Type == "" {
		p.Type = "SecureString"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.parameters[name] = p
}

// PutSecret sets the Secrets Manager secret whose SecretId is id: the ARN or
// the name a client asks for.
func (s *Server) PutSecret(id, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets[id] = value
}

// Fail answers the next n requests with the error code (such as
// "ThrottlingException") and HTTP status, as a service that throttles or
// fails; they are still kept in Requests.
func (s *Server) Fail(n, status int, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures = append(s.failures, awsError{status: status, Type: code, Msg: "awsjsontest: " + code})
	}
}

// Requests returns the requests received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// awsError is the JSON protocol's error body.
type awsError struct {
	status int
	Type   string `json:"__type"`
	Msg    string `json:"message"`
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, awsError{Type: "SerializationException", Msg: err.Error()})
		return
	}
	req := Request{Target: r.Header.Get("X-Amz-Target")}
	_ = json.Unmarshal(body, &req.Body)
	verr := s.verify(r, body, &req)
	s.mu.Lock()
	s.requests = append(s.requests, req)
	var fail *awsError
	if len(s.failures) > 0 && verr == nil {
		fail, s.failures = &s.failures[0], s.failures[1:]
	}
	s.mu.Unlock()
	if verr != nil {
		writeJSON(w, verr.status, verr)
		return
	}
	if fail != nil {
		writeJSON(w, fail.status, fail)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		writeJSON(w, http.StatusBadRequest, awsError{Type: "SerializationException", Msg: "Content-Type " + ct + " is not application/x-amz-json-1.1"})
		return
	}
	var (
		out  any
		aerr *awsError
	)
	switch req.Target {
	case TargetGetParameter:
		out, aerr = s.getParameter(req)
	case TargetGetSecretValue:
		out, aerr = s.getSecretValue(req)
	default:
		aerr = &awsError{status: http.StatusBadRequest, Type: "UnknownOperationException", Msg: "awsjsontest answers " + TargetGetParameter + " and " + TargetGetSecretValue + ", not " + req.Target}
	}
	if aerr != nil {
		writeJSON(w, aerr.status, aerr)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getParameter(req Request) (any, *awsError) {
	name, _ := req.Body["Name"].(string)
	decrypt, _ := req.Body["WithDecryption"].(bool)
	if name == "" {
		return nil, &awsError{status: http.StatusBadRequest, Type: "ValidationException", Msg: "Name is required"}
	}
	if _, rest, ok := strings.Cut(name, ":parameter"); ok && strings.HasPrefix(name, "arn:") {
		name = rest // an ARN of parameter/a/b names /a/b
	}
	s.mu.Lock()
	p, ok := s.parameters[name]
	s.mu.Unlock()
	if !ok {
		return nil, &awsError{status: http.StatusBadRequest, Type: "ParameterNotFound", Msg: "Parameter " + name + " not found."}
	}
	value := p.Value
	if p.Type == "SecureString" && !decrypt {
		// What SSM returns without WithDecryption: the ciphertext.
		value = base64.StdEncoding.EncodeToString(append([]byte("AQICAHencrypted:"), sha256Sum(p.Value)...))
	}
	return map[string]any{"Parameter": map[string]any{
		"ARN":      "arn:aws:ssm:" + s.opts.Region + ":" + Account + ":parameter/" + strings.TrimPrefix(name, "/"),
		"DataType": "text", "LastModifiedDate": 1.7e9, "Name": name, "Type": p.Type, "Value": value, "Version": 1,
	}}, nil
}

func (s *Server) getSecretValue(req Request) (any, *awsError) {
	id, _ := req.Body["SecretId"].(string)
	s.mu.Lock()
	value, ok := s.secrets[id]
	s.mu.Unlock()
	if !ok {
		return nil, &awsError{status: http.StatusBadRequest, Type: "ResourceNotFoundException", Msg: "Secrets Manager can't find the specified secret."}
	}
	arn := id
	if !strings.HasPrefix(id, "arn:") {
		arn = "arn:aws:secretsmanager:" + s.opts.Region + ":" + Account + ":secret:" + id + "-AbCdEf"
	}
	return map[string]any{
		"ARN": arn, "Name": id, "SecretString": value, "CreatedDate": 1.7e9,
		"VersionId": "00000000-0000-0000-0000-000000000001", "VersionStages": []string{"AWSCURRENT"},
	}, nil
}

// verify reads the request's SigV4 signature into req and, with
// Options.Credentials, recomputes it.
func (s *Server) verify(r *http.Request, body []byte, req *Request) *awsError {
	denied := func(format string, args ...any) *awsError {
		return &awsError{status: http.StatusForbidden, Type: "InvalidSignatureException", Msg: fmt.Sprintf(format, args...)}
	}
	const algorithm = "AWS4-HMAC-SHA256 "
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, algorithm) {
		return &awsError{status: http.StatusBadRequest, Type: "MissingAuthenticationTokenException", Msg: "Request is missing a SigV4 Authorization header"}
	}
	fields := authFields(auth[len(algorithm):])
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 5 || scope[4] != "aws4_request" {
		return denied("Credential %q is not ACCESS_KEY/DATE/REGION/SERVICE/aws4_request", fields["Credential"])
	}
	req.AccessKeyID, req.Region, req.Service = scope[0], scope[2], scope[3]
	req.SignedHeaders = strings.Split(fields["SignedHeaders"], ";")
	if want := map[string]string{TargetGetParameter: "ssm", TargetGetSecretValue: "secretsmanager"}[req.Target]; want != "" && req.Service != want {
		return denied("%s is signed for service %s, not %s", req.Target, req.Service, want)
	}
	creds := s.opts.Credentials
	if creds == nil {
		return nil
	}
	if req.Region != s.opts.Region {
		return denied("the signature's region is %s, the server's %s", req.Region, s.opts.Region)
	}
	if req.AccessKeyID != creds.AccessKeyID {
		return &awsError{status: http.StatusBadRequest, Type: "UnrecognizedClientException", Msg: "The security token included in the request is invalid."}
	}
	signedAt, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return denied("X-Amz-Date %q is not a SigV4 time", r.Header.Get("X-Amz-Date"))
	}
	again, err := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return denied("%v", err)
	}
	again.Host, again.ContentLength = r.Host, r.ContentLength
	for _, h := range req.SignedHeaders {
		if h != "host" {
			again.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	payload := hex.EncodeToString(sha256Sum(string(body)))
	if err := v4.NewSigner().SignHTTP(context.Background(), *creds, again, payload, req.Service, req.Region, signedAt); err != nil {
		return denied("%v", err)
	}
	want := authFields(strings.TrimPrefix(again.Header.Get("Authorization"), algorithm))
	if !hmac.Equal([]byte(want["Signature"]), []byte(fields["Signature"])) || want["SignedHeaders"] != fields["SignedHeaders"] {
		return denied("The request signature we calculated does not match the signature you provided.")
	}
	req.SignatureVerified = true
	return nil
}

// authFields splits "Credential=..., SignedHeaders=..., Signature=...".
func authFields(s string) map[string]string {
	fields := map[string]string{}
	for _, f := range strings.Split(s, ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(f), "="); ok {
			fields[k] = v
		}
	}
	return fields
}

func sha256Sum(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"__type":"InternalServerError"}`)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", "awsjsontest")
	w.WriteHeader(status)
	w.Write(body) //nolint:errcheck // the client went away
}
