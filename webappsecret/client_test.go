package webappsecret

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/gowebapp/webapp/tools/awsjsontest"
)

func TestThrottledReadsAreTriedAgain(t *testing.T) {
	tests := []struct {
		name     string
		failures int
		status   int
		code     string
		requests int
		reason   string
	}{
		{"throttled twice", 2, http.StatusBadRequest, "ThrottlingException", 3, ""},
		{"throttled throughout", 5, http.StatusBadRequest, "ThrottlingException", maxAttempts, "was throttled"},
		{"failing on AWS's side", 1, http.StatusInternalServerError, "InternalServerError", 2, ""},
		{"access denied, not tried again", 1, http.StatusBadRequest, "AccessDeniedException", 1, "may not be read by the function's role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := awsjsontest.New(t)
			srv.PutParameter("/app/x", awsjsontest.Parameter{Value: "v"})
			srv.Fail(tt.failures, tt.status, tt.code)
			r := newReader(srv, map[string]string{"WEBAPP_SECRET_X": "ssm:/app/x"}, nil)
			got, err := r.Get(context.Background(), "X")
			if n := len(srv.Requests()); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			var serr *Error
			switch {
			case tt.reason == "" && (err != nil || got != "v"):
				t.Errorf("Get = %q, %v; want v", got, err)
			case tt.reason != "" && (!errors.As(err, &serr) || !strings.Contains(serr.Reason, tt.reason)):
				t.Errorf("Get = %v, want an *Error with %q", err, tt.reason)
			}
		})
	}
}

func TestEndpoint(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	c := newClient(aws.Config{Region: "eu-west-1"}, getenv)
	if got := c.endpoint(ssmService); got != "https://ssm.eu-west-1.amazonaws.com" {
		t.Errorf("default SSM endpoint = %s", got)
	}
	if got := newClient(aws.Config{Region: "cn-north-1"}, getenv).endpoint(secretsManagerService); got != "https://secretsmanager.cn-north-1.amazonaws.com.cn" {
		t.Errorf("China's Secrets Manager endpoint = %s", got)
	}
	c.cfg.BaseEndpoint = aws.String("http://127.0.0.1:4566")
	if got := c.endpoint(ssmService); got != "http://127.0.0.1:4566" {
		t.Errorf("with BaseEndpoint, SSM's = %s", got)
	}
	env["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = "http://127.0.0.1:9"
	if got := c.endpoint(secretsManagerService); got != "http://127.0.0.1:9" {
		t.Errorf("with AWS_ENDPOINT_URL_SECRETS_MANAGER, Secrets Manager's = %s", got)
	}
	if got := c.endpoint(ssmService); got != "http://127.0.0.1:4566" {
		t.Errorf("AWS_ENDPOINT_URL_SECRETS_MANAGER moved SSM to %s", got)
	}
}

func TestDecodeErrorStripsTheNamespace(t *testing.T) {
	resp := &http.Response{StatusCode: 400, Header: http.Header{}}
	e := decodeError(resp, []byte(`{"__type":"com.amazonaws.ssm#ParameterNotFound","Message":"gone"}`))
	if e.Code != "ParameterNotFound" || e.Message != "gone" {
		t.Errorf("decodeError = %+v, want ParameterNotFound: gone", e)
	}
	resp.Header.Set("X-Amzn-ErrorType", "AccessDeniedException:http://internal.amazon.com/")
	if e := decodeError(resp, []byte(`not json`)); e.Code != "AccessDeniedException" {
		t.Errorf("decodeError from the header = %+v, want AccessDeniedException", e)
	}
}
