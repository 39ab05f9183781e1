package webapphttp

import (
	"log/slog"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

// Start serves h as the function of a WebApp: it applies what the construct
// passes through the environment (see Wrap) and hands API Gateway's events
// to h through Handler. It is what a function's main calls last, and it
// does not return.
//
// Outside Lambda, with LocalAddrEnv (WEBAPP_LOCAL_ADDR) set to host:port,
// Start serves the same wrapped handler over plain HTTP there instead, until
// SIGTERM or SIGINT: the function's binary is then its own local server.
//
// When the environment is invalid (a CORS_CONFIG that CorsConfigFromEnv
// refuses), Start logs why with slog's default logger (to standard error,
// unless the program set another) and exits with status 1, so that Lambda
// reports an init error instead of the function serving without the rules
// it was deployed with.
func Start(h http.Handler) {
	wrapped, err := Wrap(h, os.Getenv)
	if err != nil {
		slog.Error("webapphttp: cannot start: the environment the WebApp construct set is invalid", "err", err.Error())
		os.Exit(1)
	}
	if addr := localAddr(os.Getenv); addr != "" {
		startLocal(addr, wrapped)
	}
	lambda.Start(Handler(wrapped))
}

// Wrap returns h with what the WebApp construct passes through the
// environment applied, read with getenv (os.Getenv in a function; a map's
// lookup in a test): today CORS, when CORS_CONFIG is set, as CorsHandler
// with CorsConfigFromEnv's configuration, outside h so that preflights are
// answered before they reach it. It returns the error of an invalid value,
// and h itself when nothing is set.
//
// Start calls Wrap; call it yourself to serve the same handler with
// net/http locally, or under httptest.
func Wrap(h http.Handler, getenv func(string) string) (http.Handler, error) {
	c, err := CorsConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	if c != nil {
		h = CorsHandler(*c, h)
	}
	return h, nil
}
