package site

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gowebapp/webapp/internal/app/todo"
	"github.com/gowebapp/webapp/webapphttp"
)

// apiError is a failure the client may see: a status, Chalice's error code
// and a message safe to show.
type apiError struct {
	Status  int
	Code    string
	Message string
	Allow   string // the methods that would have worked, for 405
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
	case errors.As(err, &invalid):
		return badRequest("%s", invalid.Message)
	case errors.Is(err, todo.ErrInvalidCursor):
		return badRequest("invalid next cursor: pass the one the previous page gave, with the same q")
	case errors.Is(err, todo.ErrNotFound):
		return errTodoNotFound
	case errors.Is(err, todo.ErrConflict):
		return &apiError{Status: http.StatusConflict, Code: "ConflictError", Message: err.Error()}
	}
	return &apiError{Status: http.StatusInternalServerError, Code: "InternalServerError", Message: "internal server error"}
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
	if e.Status >= 500 {
		id := webapphttp.InfoFrom(r.Context()).RequestID
		s.log.ErrorContext(r.Context(), "internal error", "requestId", id, "method", r.Method, "path", r.URL.Path, "err", err.Error())
		// An apiError's message is the site's own, safe to show; any other
		// error's detail only in debug mode.
		msg := e.Message + " (request id " + id + ")"
		var ours *apiError
		if s.debug && !errors.As(err, &ours) {
			msg += ": " + err.Error()
		}
		e = &apiError{Status: e.Status, Code: e.Code, Message: msg}
	}
	if e.Allow != "" {
		w.Header().Set("Allow", e.Allow)
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
