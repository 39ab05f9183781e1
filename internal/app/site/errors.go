package site

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gowebapp/webapp/internal/app/todo"
	"github.com/gowebapp/webapp/internal/app/twilio"
	"github.com/gowebapp/webapp/webapphttp"
	"github.com/gowebapp/webapp/webappsecret"
)

// apiError is a failure the client may see: a status, Chalice's error code
// and a message safe to show.
type apiError struct {
	Status  int
	Code    string
	Message string
	Allow   string // the methods that would have worked, for 405
	// RetryAfter is the Retry-After header, in seconds, for 503.
	RetryAfter string
}

func (e *apiError) Error() string { return e.Message }

func badRequest(format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "BadRequestError", Message: fmt.Sprintf(format, args...)}
}

func methodNotAllowed(allow string) *apiError {
	return &apiError{
		Status:  http.StatusMethodNotAllowed,
		Code:    "MethodNotAllowedError",
		Message: "method not allowed: use " + allow,
		Allow:   allow,
	}
}

func unsupportedMediaType(want string) *apiError {
	return &apiError{
		Status:  http.StatusUnsupportedMediaType,
		Code:    "UnsupportedMediaType",
		Message: "unsupported content type: send " + want,
	}
}

var (
	errNoRoute      = &apiError{Status: http.StatusNotFound, Code: "NotFoundError", Message: "no such page or endpoint"}
	errTodoNotFound = &apiError{Status: http.StatusNotFound, Code: "NotFoundError", Message: "todo not found"}
	errNoCaller     = &apiError{Status: http.StatusUnauthorized, Code: "UnauthorizedError", Message: "sign in to use the todo API"}
)

// classify is the one place that maps an error to what the client sees.
// Anything it does not know is internal: 500 with a generic message.
func classify(err error) *apiError {
	var (
		api      *apiError
		tooLarge *http.MaxBytesError
		invalid  *todo.ValidationError
		webhook  *twilio.Error
		secret   *webappsecret.Error
	)
	switch {
	case errors.As(err, &tooLarge):
		return &apiError{
			Status:  http.StatusRequestEntityTooLarge,
			Code:    "RequestTooLargeError",
			Message: fmt.Sprintf("request body too large: the limit is %d bytes", tooLarge.Limit),
		}
	case errors.As(err, &api):
		return api
	case errors.As(err, &webhook):
		return &apiError{Status: webhook.Status, Code: webhook.Code, Message: webhook.Message}
	case errors.As(err, &invalid):
		return badRequest("%s", invalid.Message)
	case errors.Is(err, todo.ErrInvalidCursor):
		return badRequest("invalid next cursor: pass the one the previous page gave, with the same q")
	case errors.Is(err, todo.ErrNotFound):
		return errTodoNotFound
	case errors.Is(err, todo.ErrConflict):
		return &apiError{Status: http.StatusConflict, Code: "ConflictError", Message: err.Error()}
	case todo.Unavailable(err):
		return errUnavailable
	case errors.As(err, &secret):
		return errSecretUnavailable
	}
	return &apiError{Status: http.StatusInternalServerError, Code: "InternalServerError", Message: "internal server error"}
}

// errUnavailable is the store failing for reasons of its own: DynamoDB
// throttled, did not answer before the request's deadline, or could not be
// reached. fail tells a writer what became of its write.
var errUnavailable = &apiError{
	Status:     http.StatusServiceUnavailable,
	Code:       "ServiceUnavailableError",
	Message:    "the database is not answering: try again in a few seconds",
	RetryAfter: retryAfterSeconds,
}

// errSecretUnavailable is a secret a page needs (webappsecret.Get) that
// could not be read: its store did not answer, or the deployment lacks it
// or the permission. Logged with the error, which names the secret and
// never holds its value; the client is only told to come back.
var errSecretUnavailable = &apiError{
	Status:     http.StatusServiceUnavailable,
	Code:       "ServiceUnavailableError",
	Message:    "the site cannot read a setting it needs: try again in a few seconds",
	RetryAfter: retryAfterSeconds,
}

// retryAfterSeconds is what a 503 asks the client to wait: long enough for
// DynamoDB's throttling to let up (it adapts within seconds), short enough
// for a person.
const retryAfterSeconds = "2"

// unknownOutcome is what a client whose write got 503 is told. The write
// may have happened after all (DynamoDB may act on a request whose answer
// is lost), and sending it again is safe: a create with the same
// Idempotency-Key (the home page's form has one) finds the todo made the
// first time instead of making another, and an update or delete names the
// version it saw, so it cannot apply twice (the second gets 409).
// Reads (GET, and POST /search) are told to try again.
func unknownOutcome(r *http.Request) string {
	switch r.Pattern {
	case "POST /todos":
		return "the database did not confirm the new todo: it may or may not have been saved; sending it again with the same Idempotency-Key (or the same form) is safe"
	case "PUT /todos/{id}", "DELETE /todos/{id}":
		return "the database did not confirm the change: it may or may not have been made; reload the todo to see, or send it again (the version makes a repeat safe)"
	}
	return errUnavailable.Message
}

// errorBody is Chalice's error response.
type errorBody struct {
	Code    string `json:"Code"`
	Message string `json:"Message"`
}

// fail answers the request with err, as an HTML page or as JSON. An internal
// error is logged with the request id, and its detail reaches the client
// only in debug mode.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error, html bool) {
	e := classify(err)
	if e == errUnavailable {
		// Not a bug of the site: logged as a warning, with the cause, for
		// the on-call to tell throttling (raise the table's cap) from an
		// outage (wait), and the client told when to come back.
		id := webapphttp.InfoFrom(r.Context()).RequestID
		s.log.WarnContext(r.Context(), "database unavailable", "requestId", id, "method", r.Method, "path", r.URL.Path, "err", err.Error())
		msg := unknownOutcome(r) + " (request id " + id + ")"
		if s.debug {
			msg += ": " + err.Error()
		}
		e = &apiError{Status: e.Status, Code: e.Code, Message: msg, RetryAfter: e.RetryAfter}
	} else if e.Status >= 500 {
		id := webapphttp.InfoFrom(r.Context()).RequestID
		s.log.ErrorContext(r.Context(), "internal error", "requestId", id, "method", r.Method, "path", r.URL.Path, "err", err.Error())
		// An apiError's message is the site's own, safe to show; any other
		// error's detail only in debug mode.
		msg := e.Message + " (request id " + id + ")"
		var ours *apiError
		if s.debug && !errors.As(err, &ours) {
			msg += ": " + err.Error()
		}
		e = &apiError{Status: e.Status, Code: e.Code, Message: msg, RetryAfter: e.RetryAfter}
	}
	// An error is never the page a handler may have marked public before
	// it failed: CloudFront must not keep it for others.
	w.Header().Set("Cache-Control", webapphttp.CacheControlPrivate)
	if e.Allow != "" {
		w.Header().Set("Allow", e.Allow)
	}
	if e.RetryAfter != "" {
		w.Header().Set("Retry-After", e.RetryAfter)
	}
	if html {
		data := errorView{view: newView(r, http.StatusText(e.Status)), Status: e.Status, Message: e.Message}
		if err := s.render(w, e.Status, "error.html", data); err == nil {
			return
		}
		// The error page itself failed: fall back to JSON, which cannot.
	}
	writeJSON(w, e.Status, errorBody{Code: e.Code, Message: e.Message})
}
