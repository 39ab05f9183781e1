package todo

import (
	"context"
	"crypto/sha256"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// The bounds FailFast sets. A call makes at most MaxAttempts attempts, each
// waiting at most AttemptTimeout for DynamoDB's answer, with at most
// MaxBackoff between them; the request's context bounds them all.
const (
	MaxAttempts    = 3
	MaxBackoff     = 500 * time.Millisecond
	DialTimeout    = time.Second
	AttemptTimeout = 2 * time.Second
)

// FailFast bounds what a DynamoDB client spends on one call, for a client
// whose caller has a deadline (a request in a function that times out): a
// dead endpoint fails the connection within DialTimeout, a silent one the
// attempt within AttemptTimeout, and throttling is retried MaxAttempts times
// at most, each wait cut short by the context. The SDK's defaults (no
// response timeout, backoffs of up to 20 s) would instead spend the whole
// deadline on the first attempt. Pass it to dynamodb.NewFromConfig or
// dynamodb.New.
func FailFast(o *dynamodb.Options) {
	o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
		so.MaxAttempts = MaxAttempts
		so.MaxBackoff = MaxBackoff
	})
	o.HTTPClient = awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = DialTimeout }).
		WithTransportOptions(func(t *http.Transport) {
			t.TLSHandshakeTimeout = DialTimeout
			t.ResponseHeaderTimeout = AttemptTimeout
		})
}

// throttled is the error codes with which DynamoDB refuses a request for
// want of capacity: the table's (provisioned or the on-demand cap), the
// account's, or the service's.
var throttled = map[string]bool{
	"ProvisionedThroughputExceededException": true,
	"ThrottlingException":                    true,
	"RequestLimitExceeded":                   true,
	"Throttling":                             true,
}

// Unavailable reports whether err means that DynamoDB did not serve the call
// in time, for reasons of its own rather than the caller's: it throttled, it
// did not answer before the context's deadline, the connection failed, or it
// answered with a server error. Such a call may succeed if tried again
// later; a write so failed may or may not have been made.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		return throttled[api.ErrorCode()] || api.ErrorFault() == smithy.FaultServer
	}
	var resp *smithyhttp.ResponseError
	if errors.As(err, &resp) && resp.HTTPStatusCode() >= 500 {
		return true
	}
	var send *smithyhttp.RequestSendError
	var netErr net.Error
	var quota *retry.MaxAttemptsError
	return errors.As(err, &send) || errors.As(err, &netErr) || errors.As(err, &quota)
}

// IDFor returns the id of the todo a create with the client's idempotency
// key makes: the same key, the same id, so that a create sent again after an
// unknown outcome finds its todo instead of making a second (Create). It is
// a hash, so that keys of any shape give ids of ValidID's shape, and a key
// cannot be read back from its id.
func IDFor(key string) string {
	sum := sha256.Sum256([]byte("todo create\x00" + key))
	return idEncoding.EncodeToString(sum[:16])
}

// sameCreate reports whether the todo stored is the one t would make: a
// create repeated, by the SDK after an answer it did not receive or by a
// client with the same idempotency key. Only what the client gave counts,
// and only while nothing changed it since (version 1): a later create time
// is a repeat, a later edit is not.
func sameCreate(stored, t Todo) bool {
	return stored.Version == 1 && stored.Title == t.Title && stored.Memo == t.Memo &&
		stored.Priority == t.Priority && stored.Completed == t.Completed
}

// sameUpdate reports whether the todo stored is t, the todo an update
// wrote: the same version, content and update time, to the nanosecond.
func sameUpdate(stored, t Todo) bool {
	return stored.Version == t.Version && stored.Title == t.Title && stored.Memo == t.Memo &&
		stored.Priority == t.Priority && stored.Completed == t.Completed && stored.UpdatedAt.Equal(t.UpdatedAt)
}
