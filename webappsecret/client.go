package webappsecret

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The two calls are made here, with the SDK's configuration, credentials
// and SigV4 signer, rather than with the SDK's ssm and secretsmanager
// clients: those packages build their whole API's schemas at init, which
// made the sample function's init 2.3 ms slower (median of 25, 2.9 ms to
// 5.2 ms) and allocate 1.75 MB more (10,000 allocations) in every cold
// start (GODEBUG=inittrace=1, linux/amd64), for one operation each. With
// this file the function's init is what it was without secrets: the same
// 127 packages and allocations. Both APIs speak AWS JSON 1.1: a POST of a
// JSON body to the service's endpoint, the operation in X-Amz-Target.

// jsonService is one AWS JSON 1.1 API.
type jsonService struct {
	signingName  string // SigV4's service name, and the endpoint's first label
	targetPrefix string // X-Amz-Target is targetPrefix.Operation
	endpointEnv  string // the SDK's service-specific endpoint variable
}

var (
	ssmService            = jsonService{"ssm", "AmazonSSM", "AWS_ENDPOINT_URL_SSM"}
	secretsManagerService = jsonService{"secretsmanager", "secretsmanager", "AWS_ENDPOINT_URL_SECRETS_MANAGER"}
)

// maxAttempts is how many times a call is tried when AWS throttles it or
// fails on its side, within the read's timeout, as the SDK's standard
// retryer does.
const maxAttempts = 3

// apiError is an error answer of an AWS API.
type apiError struct {
	Code       string // ParameterNotFound, AccessDeniedException, ...
	Message    string
	StatusCode int
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s (HTTP %d): %s", e.Code, e.StatusCode, e.Message)
}

// retryable reports whether trying again may succeed: throttling, or a
// failure on AWS's side.
func (e *apiError) retryable() bool {
	switch e.Code {
	case "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded", "InternalServerError", "InternalFailure", "ServiceUnavailable":
		return true
	}
	return e.StatusCode >= 500
}

// client calls the two services with one configuration.
type client struct {
	cfg    aws.Config
	getenv func(string) string
	signer *v4.Signer
}

func newClient(cfg aws.Config, getenv func(string) string) *client {
	return &client{cfg: cfg, getenv: getenv, signer: v4.NewSigner()}
}

// endpoint is the service's URL: the service's own endpoint variable, else
// the configuration's BaseEndpoint (AWS_ENDPOINT_URL), else AWS's regional
// endpoint.
func (c *client) endpoint(svc jsonService) string {
	if e := c.getenv(svc.endpointEnv); e != "" {
		return e
	}
	if c.cfg.BaseEndpoint != nil && *c.cfg.BaseEndpoint != "" {
		return *c.cfg.BaseEndpoint
	}
	suffix := "amazonaws.com"
	if strings.HasPrefix(c.cfg.Region, "cn-") {
		suffix = "amazonaws.com.cn"
	}
	return "https://" + svc.signingName + "." + c.cfg.Region + "." + suffix
}

// call sends operation with in as its JSON body and decodes the answer into
// out, trying again (with jittered backoff) while AWS throttles or fails.
func (c *client) call(ctx context.Context, svc jsonService, operation string, in, out any) error {
	if c.cfg.Region == "" {
		return errors.New("no AWS region: set AWS_REGION (Lambda sets it)")
	}
	if c.cfg.Credentials == nil {
		return errors.New("no AWS credentials in the configuration")
	}
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		err := c.send(ctx, svc, operation, body, out)
		var api *apiError
		if err == nil || attempt == maxAttempts || ctx.Err() != nil || (errors.As(err, &api) && !api.retryable()) {
			return err
		}
		backoff := time.Duration(rand.Int64N(int64(50*time.Millisecond) << attempt))
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return err
		}
	}
}

func (c *client) send(ctx context.Context, svc jsonService, operation string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint(svc)+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", svc.targetPrefix+"."+operation)
	creds, err := c.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("no AWS credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := c.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), svc.signingName, c.cfg.Region, time.Now()); err != nil {
		return err
	}
	var httpClient aws.HTTPClient = http.DefaultClient
	if c.cfg.HTTPClient != nil {
		httpClient = c.cfg.HTTPClient
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return decodeError(resp, answer)
	}
	if err := json.Unmarshal(answer, out); err != nil {
		// Not the JSON error's text: it may quote the answer, the value in it.
		return fmt.Errorf("%s answered %s with a body that is not its JSON", svc.signingName, operation)
	}
	return nil
}

// decodeError reads the JSON protocol's error: {"__type": "Code" or
// "namespace#Code", "message": ...}, or the X-Amzn-ErrorType header.
func decodeError(resp *http.Response, body []byte) *apiError {
	var e struct {
		Type     string `json:"__type"`
		Message  string `json:"message"`
		MessageU string `json:"Message"`
	}
	_ = json.Unmarshal(body, &e)
	code := e.Type
	if code == "" {
		code, _, _ = strings.Cut(resp.Header.Get("X-Amzn-ErrorType"), ":")
	}
	if i := strings.LastIndex(code, "#"); i >= 0 {
		code = code[i+1:]
	}
	if code == "" {
		code = http.StatusText(resp.StatusCode)
	}
	msg := e.Message
	if msg == "" {
		msg = e.MessageU
	}
	return &apiError{Code: code, Message: msg, StatusCode: resp.StatusCode}
}
