package webappsecret

import (
	"context"
	"errors"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/gowebapp/webapp/webappaws"
)

// Defaults of a Reader.
const (
	// DefaultTTL is how long a value is reused before it is read again:
	// short enough that a rotation reaches every execution environment
	// within minutes, long enough that a busy function reads each secret
	// about once every five minutes per environment, far below SSM's and
	// Secrets Manager's request rates.
	DefaultTTL = 5 * time.Minute
	// DefaultTimeout bounds one read, the SDK's retries included: well
	// inside a request's time, so that a store that does not answer gives
	// the request a 503 rather than a timeout.
	DefaultTimeout = 3 * time.Second
)

// Reader reads secrets by name and caches them. Its zero value is ready to
// use, with the defaults below; set its fields before its first Get, and do
// not copy it after.
type Reader struct {
	// LoadConfig loads the AWS SDK configuration. It is called on the first
	// read from a store, and again only if it failed; never at init.
	// Default: webappaws.Config — on Lambda (the construct's build tag
	// webapp.lambda) only Lambda's environment, without the SDK's shared
	// configuration code; elsewhere config.LoadDefaultConfig.
	LoadConfig func(context.Context) (aws.Config, error)

	// TTL is how long a value is reused before it is read again; up to
	// twice as long while a read fails (see Get).
	// Default: DefaultTTL (five minutes).
	TTL time.Duration

	// Timeout bounds one read from the store.
	// Default: DefaultTimeout (three seconds).
	Timeout time.Duration

	// Getenv reads the references (WEBAPP_SECRET_<NAME>).
	// Default: os.Getenv.
	Getenv func(string) string

	now func() time.Time // the clock; time.Now unless a test sets it

	mu      sync.Mutex // guards entries
	entries map[string]*entry

	clientMu sync.Mutex // guards client, held while LoadConfig runs
	client   *client
}

// entry is one secret: its value once read, and the read under way.
type entry struct {
	value    string
	fetched  time.Time
	has      bool
	inflight *call
}

// call is one read; every Get that arrives while it runs waits for it.
type call struct {
	done  chan struct{}
	value string
	err   error
}

var defaultReader Reader

// Get returns the value of the secret name with the package's Reader, whose
// fields are the defaults. See Reader.Get.
func Get(ctx context.Context, name string) (string, error) {
	return defaultReader.Get(ctx, name)
}

// Refresh reads the named secret again with the package's Reader, as
// Reader.Refresh does.
func Refresh(ctx context.Context, name string) (string, error) {
	return defaultReader.Refresh(ctx, name)
}

// Get returns the value of the secret name (as named in the construct's
// Props.Secrets): the cached value while it is younger than TTL, else the
// store's current one. A value older than TTL but younger than twice that
// is still returned at once while a newer one is read for the next caller,
// so neither a refresh's latency nor a store's brief failure reaches a
// request. Concurrent Gets of a secret make one read. An error is always an
// *Error; when ctx ends first, Get returns, and the read goes on for the
// next caller.
func (r *Reader) Get(ctx context.Context, name string) (string, error) {
	if !ValidName(name) {
		return "", invalidName(name)
	}
	r.mu.Lock()
	e := r.entryLocked(name)
	age := r.clock().Sub(e.fetched)
	if e.has && age < r.ttl() {
		v := e.value
		r.mu.Unlock()
		return v, nil
	}
	c := r.readLocked(ctx, name, e)
	if e.has && age < 2*r.ttl() {
		v := e.value
		r.mu.Unlock()
		return v, nil
	}
	r.mu.Unlock()
	return wait(ctx, name, c)
}

// Refresh reads the secret from its store now, whatever the cache holds,
// keeps the value for the TTL and returns it: for a caller that has learnt
// the cached value is stale — a webhook whose signature fails with it right
// after the secret was rotated. A read already under way is joined rather
// than repeated. Every call that reaches here is a request to SSM or Secrets
// Manager, so callers bound how often they call it (a signature that fails
// may well be an attacker's).
func (r *Reader) Refresh(ctx context.Context, name string) (string, error) {
	if !ValidName(name) {
		return "", invalidName(name)
	}
	r.mu.Lock()
	c := r.readLocked(ctx, name, r.entryLocked(name))
	r.mu.Unlock()
	return wait(ctx, name, c)
}

// invalidName is the error of a name no secret can have.
func invalidName(name string) *Error {
	return &Error{Name: name, Reason: "is not a secret name: use an upper-case letter, then upper-case letters, digits and '_', as in Props.Secrets"}
}

// readLocked returns e's read under way, starting one if there is none;
// r.mu is held.
func (r *Reader) readLocked(ctx context.Context, name string, e *entry) *call {
	if e.inflight == nil {
		e.inflight = &call{done: make(chan struct{})}
		// Not bound to this caller's request: the others waiting for it
		// would get this one's cancellation.
		go r.load(context.WithoutCancel(ctx), name, e, e.inflight)
	}
	return e.inflight
}

// wait returns the outcome of the read c, or an error when ctx ends first
// (the read goes on for the next caller).
func wait(ctx context.Context, name string, c *call) (string, error) {
	select {
	case <-c.done:
		return c.value, c.err
	case <-ctx.Done():
		return "", &Error{Name: name, Reason: "the request ended before the secret was read", Err: ctx.Err()}
	}
}

// entryLocked is name's entry, made on first use; r.mu is held.
func (r *Reader) entryLocked(name string) *entry {
	if r.entries == nil {
		r.entries = map[string]*entry{}
	}
	e := r.entries[name]
	if e == nil {
		e = &entry{}
		r.entries[name] = e
	}
	return e
}

// load reads the secret into e and ends the call c. A failed read keeps
// the value e has.
func (r *Reader) load(ctx context.Context, name string, e *entry, c *call) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout())
	defer cancel()
	value, err := r.read(ctx, name)
	r.mu.Lock()
	if err == nil {
		e.value, e.fetched, e.has = value, r.clock(), true
	}
	e.inflight = nil
	r.mu.Unlock()
	c.value, c.err = value, err
	close(c.done)
}

// read reads the secret from its store.
func (r *Reader) read(ctx context.Context, name string) (string, error) {
	env := EnvName(name)
	ref := r.getenv()(env)
	if ref == "" {
		return "", &Error{Name: name, Reason: env + " is not set: add the secret to the WebApp's Props.Secrets (locally: give it a value in .secrets.local.json or " + env + "_VALUE)"}
	}
	src, err := parseReference(ref)
	if err != nil {
		return "", &Error{Name: name, Reason: env + " is invalid: " + err.Error()}
	}
	cl, err := r.clientOnce(ctx)
	if err != nil {
		return "", &Error{Name: name, Reason: "cannot load the AWS configuration", Err: err}
	}
	if src.service == ssmParameter {
		var out struct {
			Parameter *struct {
				Type  string
				Value *string
			}
		}
		in := map[string]any{"Name": src.id, "WithDecryption": true}
		if err := cl.call(ctx, ssmService, "GetParameter", in, &out); err != nil {
			return "", readError(name, src, err)
		}
		switch p := out.Parameter; {
		case p == nil || p.Value == nil:
			return "", &Error{Name: name, Reason: src.String() + " was answered without a value"}
		case p.Type != "SecureString":
			return "", &Error{Name: name, Reason: src.String() + " is of type " + p.Type + ", not SecureString: store it encrypted (aws ssm put-parameter --type SecureString --overwrite)"}
		default:
			return *p.Value, nil
		}
	}
	var out struct{ SecretString *string }
	if err := cl.call(ctx, secretsManagerService, "GetSecretValue", map[string]any{"SecretId": src.id}, &out); err != nil {
		return "", readError(name, src, err)
	}
	if out.SecretString == nil {
		return "", &Error{Name: name, Reason: src.String() + " holds binary data and no string: store the secret as a string (SecretString)"}
	}
	return *out.SecretString, nil
}

// clientOnce makes the client of both services from one configuration,
// loaded on the first call and kept once loaded.
func (r *Reader) clientOnce(ctx context.Context) (*client, error) {
	r.clientMu.Lock()
	defer r.clientMu.Unlock()
	if r.client != nil {
		return r.client, nil
	}
	load := r.LoadConfig
	if load == nil {
		load = webappaws.Config
	}
	cfg, err := load(ctx)
	if err != nil {
		return nil, err
	}
	r.client = newClient(cfg, os.Getenv) // the endpoints, as the SDK reads them
	return r.client, nil
}

// readError says why the store did not give the value, by the API's error
// code where it tells.
func readError(name string, src source, err error) *Error {
	reason := src.String() + " could not be read"
	var api *apiError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		reason = src.String() + " did not answer in time"
	case errors.As(err, &api):
		switch api.Code {
		case "ParameterNotFound", "ResourceNotFoundException":
			reason = src.String() + " does not exist (in this account and region)"
		case "AccessDeniedException":
			reason = src.String() + " may not be read by the function's role: the WebApp grants the read of its Props.Secrets only"
		case "DecryptionFailure", "KMSAccessDeniedException", "KMSDisabledException", "KMSNotFoundException", "KMSInvalidStateException", "InvalidKeyId":
			reason = src.String() + " cannot be decrypted: its KMS key is unusable or the role may not use it (give the key to the construct)"
		case "InvalidSignatureException", "UnrecognizedClientException", "ExpiredTokenException":
			reason = src.String() + " refused the function's credentials"
		case "ThrottlingException":
			reason = src.String() + " was throttled"
		}
	}
	return &Error{Name: name, Reason: reason, Err: err}
}

func (r *Reader) ttl() time.Duration {
	if r.TTL > 0 {
		return r.TTL
	}
	return DefaultTTL
}

func (r *Reader) timeout() time.Duration {
	if r.Timeout > 0 {
		return r.Timeout
	}
	return DefaultTimeout
}

func (r *Reader) getenv() func(string) string {
	if r.Getenv != nil {
		return r.Getenv
	}
	return os.Getenv
}

func (r *Reader) clock() time.Time {
	if r.now != nil {
		return r.now()
	}
	return time.Now()
}
