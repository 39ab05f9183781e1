package webappsecret

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/gowebapp/webapp/tools/awsjsontest"
)

const secretARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/signing-key-AbCdEf"

// newReader is a Reader of the server's parameters and secrets, with the
// references in env, counting its configuration loads.
func newReader(srv *awsjsontest.Server, env map[string]string, loads *atomic.Int32) *Reader {
	return &Reader{
		Getenv: func(k string) string { return env[k] },
		LoadConfig: func(context.Context) (aws.Config, error) {
			if loads != nil {
				loads.Add(1)
			}
			return srv.Config(), nil
		},
	}
}

func TestGetReadsSecureStringParameterWithDecryption(t *testing.T) {
	srv := awsjsontest.New(t)
	srv.PutParameter("/app/twilio", awsjsontest.Parameter{Value: "tw-value-1"})
	r := newReader(srv, map[string]string{"WEBAPP_SECRET_TWILIO_AUTH_TOKEN": "ssm:/app/twilio"}, nil)

	got, err := r.Get(context.Background(), "TWILIO_AUTH_TOKEN")
	if err != nil || got != "tw-value-1" {
		t.Fatalf("Get = %q, %v; want tw-value-1", got, err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1: %+v", len(reqs), reqs)
	}
	req := reqs[0]
	if req.Target != "AmazonSSM.GetParameter" {
		t.Errorf("X-Amz-Target = %q, want AmazonSSM.GetParameter", req.Target)
	}
	if req.Body["Name"] != "/app/twilio" || req.Body["WithDecryption"] != true {
		t.Errorf("body = %v, want Name /app/twilio and WithDecryption true", req.Body)
	}
	checkSigned(t, req, "ssm")
}

func TestGetReadsSecretsManagerSecretByARN(t *testing.T) {
	srv := awsjsontest.New(t)
	srv.PutSecret(secretARN, "sm-value-1")
	r := newReader(srv, map[string]string{"WEBAPP_SECRET_SIGNING_KEY": secretARN}, nil)

	got, err := r.Get(context.Background(), "SIGNING_KEY")
	if err != nil || got != "sm-value-1" {
		t.Fatalf("Get = %q, %v; want sm-value-1", got, err)
	}
	req := srv.Requests()[0]
	if req.Target != "secretsmanager.GetSecretValue" || req.Body["SecretId"] != secretARN {
		t.Errorf("request = %s %v, want secretsmanager.GetSecretValue of SecretId %s", req.Target, req.Body, secretARN)
	}
	if _, ok := req.Body["VersionStage"]; ok {
		t.Errorf("body = %v: asks for a version stage, want the current version (no VersionStage)", req.Body)
	}
	checkSigned(t, req, "secretsmanager")
}

// checkSigned asserts the server recomputed the request's SigV4 signature
// with the test credentials, for service in us-east-1.
func checkSigned(t *testing.T, req awsjsontest.Request, service string) {
	t.Helper()
	if !req.SignatureVerified {
		t.Errorf("signature not verified")
	}
	if req.Service != service || req.Region != "us-east-1" || req.AccessKeyID != awsjsontest.TestCredentials().AccessKeyID {
		t.Errorf("credential scope = %s/%s/%s, want %s/us-east-1/%s", req.AccessKeyID, req.Region, req.Service, awsjsontest.TestCredentials().AccessKeyID, service)
	}
	for _, h := range []string{"host", "x-amz-date", "x-amz-target", "content-type"} {
		if !slices.Contains(req.SignedHeaders, h) {
			t.Errorf("SignedHeaders %v lack %s", req.SignedHeaders, h)
		}
	}
}

func TestGetCachesForTTLThenReadsTheRotatedValue(t *testing.T) {
	srv := awsjsontest.New(t)
	srv.PutSecret(secretARN, "before")
	var loads atomic.Int32
	r := newReader(srv, map[string]string{"WEBAPP_SECRET_SIGNING_KEY": secretARN}, &loads)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r.now = func() time.Time { return now }

	mustGet(t, r, "SIGNING_KEY", "before")
	srv.PutSecret(secretARN, "after") // rotated
	now = now.Add(DefaultTTL - time.Second)
	mustGet(t, r, "SIGNING_KEY", "before")
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("%d requests within the TTL, want 1", n)
	}
	now = now.Add(time.Second)
	// Expired: the old value at once, while the new one is read.
	mustGet(t, r, "SIGNING_KEY", "before")
	waitIdle(t, r, "SIGNING_KEY")
	mustGet(t, r, "SIGNING_KEY", "after")
	if n := len(srv.Requests()); n != 2 {
		t.Fatalf("%d requests after the TTL, want 2", n)
	}
	if loads.Load() != 1 {
		t.Errorf("configuration loaded %d times, want once", loads.Load())
	}
}

func TestAFailedRefreshKeepsTheValueForAnotherTTL(t *testing.T) {
	srv := awsjsontest.New(t)
	srv.PutSecret(secretARN, "v1")
	r := newReader(srv, map[string]string{"WEBAPP_SECRET_SIGNING_KEY": secretARN}, nil)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r.now = func() time.Time { return now }
	mustGet(t, r, "SIGNING_KEY", "v1")

	srv.Fail(100, http.StatusInternalServerError, "InternalServerError") // Secrets Manager is down
	now = now.Add(DefaultTTL)
	mustGet(t, r, "SIGNING_KEY", "v1")
	waitIdle(t, r, "SIGNING_KEY")
	now = now.Add(DefaultTTL - time.Second)
	mustGet(t, r, "SIGNING_KEY", "v1")
	waitIdle(t, r, "SIGNING_KEY")
	now = now.Add(time.Second)
	var serr *Error
	if _, err := r.Get(context.Background(), "SIGNING_KEY"); !errors.As(err, &serr) {
		t.Errorf("Get of a value twice the TTL old while the store fails = %v, want an *Error", err)
	}
}

// waitIdle waits for the read of name under way, if any, to end.
func waitIdle(t *testing.T, r *Reader, name string) {
	t.Helper()
	r.mu.Lock()
	e := r.entries[name]
	var c *call
	if e != nil {
		c = e.inflight
	}
	r.mu.Unlock()
	if c != nil {
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
			t.Fatal("the read did not end")
		}
	}
}

func TestGetKeepsNothingAfterAFailedRead(t *testing.T) {
	srv := awsjsontest.New(t)
	r := newReader(srv, map[string]string{"WEBAPP_SECRET_SIGNING_KEY": secretARN}, nil)
	if _, err := r.Get(context.Background(), "SIGNING_KEY"); err == nil {
		t.Fatal("Get of a missing secret succeeded")
	}
	srv.PutSecret(secretARN, "created")
	mustGet(t, r, "SIGNING_KEY", "created")
}

func mustGet(t *testing.T, r *Reader, name, want string) {
	t.Helper()
	got, err := r.Get(context.Background(), name)
	if err != nil || got != want {
		t.Fatalf("Get(%s) = %q, %v; want %q", name, got, err, want)
	}
}

func TestConcurrentFirstGetsMakeOneRead(t *testing.T) {
	srv := awsjsontest.New(t)
	srv.PutParameter("/app/twilio", awsjsontest.Parameter{Value: "v"})
	release := make(chan struct{})
	var loads atomic.Int32
	r := newReader(srv, map[string]string{"WEBAPP_SECRET_TOKEN": "ssm:/app/twilio"}, nil)
	r.LoadConfig = func(context.Context) (aws.Config, error) {
		loads.Add(1)
		<-release // the first read is under way while the others arrive
		return srv.Config(), nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			if v, err := r.Get(context.Background(), "TOKEN"); err != nil || v != "v" {
				errs <- errors.Join(err, errors.New("value "+v))
			}
		})
	}
	time.Sleep(100 * time.Millisecond)
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(srv.Requests()); n != 1 || loads.Load() != 1 {
		t.Errorf("%d requests and %d configuration loads for 20 concurrent Gets, want 1 and 1", n, loads.Load())
	}
}

func TestGetReturnsWhenTheRequestEndsAndTheReadGoesOn(t *testing.T) {
	srv := awsjsontest.New(t)
	srv.PutParameter("/app/twilio", awsjsontest.Parameter{Value: "v"})
	release := make(chan struct{})
	r := newReader(srv, map[string]string{"WEBAPP_SECRET_TOKEN": "ssm:/app/twilio"}, nil)
	r.LoadConfig = func(context.Context) (aws.Config, error) { <-release; return srv.Config(), nil }

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := r.Get(ctx, "TOKEN")
	var serr *Error
	if !errors.As(err, &serr) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Get with an ended context = %v, want an *Error wrapping context.Canceled", err)
	}
	close(release)
	mustGet(t, r, "TOKEN", "v")
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests, want the one read both callers share", n)
	}
}

func TestZeroReaderMakesNoClientUntilAGet(t *testing.T) {
	var loads atomic.Int32
	r := &Reader{Getenv: func(string) string { return "" }, LoadConfig: func(context.Context) (aws.Config, error) {
		loads.Add(1)
		return aws.Config{}, nil
	}}
	if _, err := r.Get(context.Background(), "UNSET"); err == nil {
		t.Fatal("Get of an unset secret succeeded")
	}
	if loads.Load() != 0 || r.client != nil {
		t.Errorf("a Get that needs no store loaded the configuration %d times", loads.Load())
	}
}

// TestErrorsNameTheSecretAndNeverHoldTheValue covers each failure: the
// error is an *Error naming the secret, says what is wrong, and the value
// (in the store, or misplaced in the variable) appears nowhere in it.
func TestErrorsNameTheSecretAndNeverHoldTheValue(t *testing.T) {
	const value = "s3cr3t-VALUE-do-not-show"
	srv := awsjsontest.New(t)
	srv.PutParameter("/app/plain", awsjsontest.Parameter{Value: value, Type: "String"})
	srv.PutParameter("/app/secure", awsjsontest.Parameter{Value: value})
	tests := []struct {
		name, ref, reason string
		badKey            bool
	}{
		{name: "unset", reason: "WEBAPP_SECRET_X is not set"},
		{name: "value in the variable", ref: value, reason: "WEBAPP_SECRET_X is invalid: it holds no reference"},
		{name: "missing parameter", ref: "ssm:/app/missing", reason: "SSM parameter /app/missing does not exist"},
		{name: "missing secret", ref: secretARN, reason: "Secrets Manager secret " + secretARN + " does not exist"},
		{name: "plain String parameter", ref: "ssm:/app/plain", reason: "SSM parameter /app/plain is of type String, not SecureString"},
		{name: "bad signature", ref: "ssm:/app/secure", reason: "SSM parameter /app/secure refused the function's credentials", badKey: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newReader(srv, map[string]string{"WEBAPP_SECRET_X": tt.ref}, nil)
			if tt.badKey {
				r.LoadConfig = func(context.Context) (aws.Config, error) {
					cfg := srv.Config()
					cfg.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
						c := awsjsontest.TestCredentials()
						c.SecretAccessKey = "wrong"
						return c, nil
					})
					return cfg, nil
				}
			}
			_, err := r.Get(context.Background(), "X")
			var serr *Error
			if !errors.As(err, &serr) {
				t.Fatalf("Get = %v, want an *Error", err)
			}
			if serr.Name != "X" || !strings.Contains(serr.Reason, tt.reason) {
				t.Errorf("Error = {%s, %s}, want name X and a reason with %q", serr.Name, serr.Reason, tt.reason)
			}
			if !strings.HasPrefix(err.Error(), "webappsecret: secret X: ") {
				t.Errorf("Error() = %q, want it to start with the secret's name", err)
			}
			if strings.Contains(err.Error(), value) {
				t.Errorf("Error() holds the value: %s", err)
			}
		})
	}
}

func TestGetRefusesAnInvalidName(t *testing.T) {
	_, err := (&Reader{}).Get(context.Background(), "twilio-token")
	var serr *Error
	if !errors.As(err, &serr) || !strings.Contains(serr.Reason, "is not a secret name") {
		t.Errorf("Get(twilio-token) = %v, want an *Error saying it is not a secret name", err)
	}
}

func TestParseReference(t *testing.T) {
	tests := []struct {
		ref  string
		want source
	}{
		{"ssm:/app/x", source{ssmParameter, "/app/x"}},
		{"ssm:arn:aws:ssm:eu-west-1:123456789012:parameter/app/x", source{ssmParameter, "arn:aws:ssm:eu-west-1:123456789012:parameter/app/x"}},
		{"arn:aws:ssm:eu-west-1:123456789012:parameter/app/x", source{ssmParameter, "arn:aws:ssm:eu-west-1:123456789012:parameter/app/x"}},
		{secretARN, source{secretsManagerSecret, secretARN}},
		{"secretsmanager:app/key", source{secretsManagerSecret, "app/key"}},
	}
	for _, tt := range tests {
		if got, err := parseReference(tt.ref); err != nil || got != tt.want {
			t.Errorf("parseReference(%q) = %v, %v; want %v", tt.ref, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "ssm:", "secretsmanager:", "/app/x", "arn:aws:s3:::bucket/key", "hunter2"} {
		if _, err := parseReference(bad); err == nil {
			t.Errorf("parseReference(%q) succeeded, want an error", bad)
		}
	}
}

func TestValidName(t *testing.T) {
	for name, want := range map[string]bool{
		"A": true, "TWILIO_AUTH_TOKEN": true, "KEY2": true, "A_": true,
		"": false, "_A": false, "2A": false, "a": false, "TWILIO-TOKEN": false, "TOKEN ": false, "ÄB": false,
	} {
		if got := ValidName(name); got != want {
			t.Errorf("ValidName(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestRefreshReadsAgainWhateverTheCacheHolds: after a rotation Get keeps the
// old value for its TTL; Refresh reads the new one at once, and Get then
// returns it from the cache.
func TestRefreshReadsAgainWhateverTheCacheHolds(t *testing.T) {
	srv := awsjsontest.New(t)
	srv.PutParameter("/app/twilio", awsjsontest.Parameter{Value: "before-rotation"})
	r := newReader(srv, map[string]string{"WEBAPP_SECRET_TWILIO_AUTH_TOKEN": "ssm:/app/twilio"}, nil)
	ctx := context.Background()
	if got, err := r.Get(ctx, "TWILIO_AUTH_TOKEN"); err != nil || got != "before-rotation" {
		t.Fatalf("Get = %q, %v; want before-rotation", got, err)
	}
	srv.PutParameter("/app/twilio", awsjsontest.Parameter{Value: "after-rotation"})
	if got, _ := r.Get(ctx, "TWILIO_AUTH_TOKEN"); got != "before-rotation" {
		t.Fatalf("Get right after the rotation = %q, want the cached before-rotation", got)
	}
	if got, err := r.Refresh(ctx, "TWILIO_AUTH_TOKEN"); err != nil || got != "after-rotation" {
		t.Fatalf("Refresh = %q, %v; want after-rotation", got, err)
	}
	if got, _ := r.Get(ctx, "TWILIO_AUTH_TOKEN"); got != "after-rotation" {
		t.Errorf("Get after Refresh = %q, want after-rotation from the cache", got)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("%d reads from SSM, want 2 (Get's first, Refresh's)", n)
	}
	if _, err := r.Refresh(ctx, "not a name"); err == nil {
		t.Error("Refresh of an invalid name succeeded")
	}
}
