// Command lambda is the web app's function: the site handler started with
// webapphttp.Start, which applies the CORS_CONFIG the construct passes and
// serves API Gateway's events. Configuration comes from the environment:
//
//	TABLE_NAME  the DynamoDB table of todos (required)
//	INDEX_TABLE_NAME  the table of their search index, keys gram and todo (required)
//	LOG_LEVEL   debug, info (default), warn or error
//	DEBUG       true/1 puts internal error detail in responses (never in production)
//	CORS_CONFIG JSON of webapphttp.CorsConfig: the origins whose scripts may call the site
//	            (unset: no CORS headers)
//	ORIGIN_API_KEY_ID  the id (not the value) of CloudFront's origin key, set by
//	            the construct: webapphttp removes that key from every request
//	TODO_API_REQUIRE_CALLER  true/1: /todos answers 401 unless API Gateway's
//	            authorizer identified the caller (unset: the API is open)
//
// The Twilio voice webhook (POST /twilio/voice and /twilio/gather,
// docs/twilio.md) checks signatures with the account's auth token, the
// secret TWILIO_AUTH_TOKEN, which webappsecret reads on the first call
// through the reference WEBAPP_SECRET_TWILIO_AUTH_TOKEN that the construct
// passes: while it cannot be read, those two routes answer 503 and the rest
// of the site is unaffected.
//
// An invalid CORS_CONFIG or TODO_API_REQUIRE_CALLER stops the function at
// init with a JSON log line that says why (the logger is slog's default, so
// webapphttp.Start's line is JSON too).
//
// A request has 8 s, or a second less than the function has left if that is
// sooner, and the DynamoDB client's retries and timeouts fit in it
// (todo.FailFast): when DynamoDB throttles, is slow or down, the site
// answers 503 with Retry-After before the function times out
// (docs/faults.md).
//
// The pages link the static files by the hashed names of webapp-assets.json,
// which the construct writes beside bootstrap (webappassets.Load; under
// `webapp dev`, WEBAPP_STATIC_DIR's files); a malformed one stops the
// function at init.
//
// Init makes no network call and stays cheap: the DynamoDB client is made
// with webappaws.Config, which in the build the construct makes (tag
// webapp.lambda) reads the region, the execution role's credentials and any
// AWS_ENDPOINT_URL_DYNAMODB from Lambda's environment, without the SDK's
// shared-config machinery, whose package init alone was 0.8 ms of this
// function's 2.8 ms (docs/benchmarks.md). go test, go run and webapp dev build
// without the tag and keep the SDK's standard chain.
package main

import (
	"context"
	"log/slog"
	"os"
	"strconv"

	"github.com/gowebapp/webapp/internal/app/site"
	"github.com/gowebapp/webapp/internal/app/todo"
	"github.com/gowebapp/webapp/webappassets"
	"github.com/gowebapp/webapp/webapphttp"
	"github.com/gowebapp/webapp/webappsecret"
)

func main() {
	level, badLevel := logLevel(os.Getenv("LOG_LEVEL"))
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(logger)
	if badLevel {
		logger.Warn("LOG_LEVEL is not debug, info, warn or error: logging at info", "LOG_LEVEL", os.Getenv("LOG_LEVEL"))
	}
	debug, _ := strconv.ParseBool(os.Getenv("DEBUG"))
	cfg := site.Config{Logger: logger, Debug: debug,
		TwilioAuthToken: twilioAuthToken, TwilioRefreshAuthToken: twilioRefreshAuthToken}
	if err := cfg.ReadEnv(os.Getenv); err != nil {
		logger.Error("cannot start", "err", err.Error())
		os.Exit(1)
	}

	store, err := todo.NewStoreFromEnv(context.Background())
	if err != nil {
		logger.Error("cannot start", "err", err.Error())
		os.Exit(1)
	}
	cfg.Store = siteStore(store) // not store itself: see storeFuncs
	if cfg.Assets, err = webappassets.Load(); err != nil {
		logger.Error("cannot start", "err", err.Error())
		os.Exit(1)
	}
	webapphttp.Start(site.New(cfg))
}

// logLevel parses LOG_LEVEL: info when empty, and when invalid (then bad).
func logLevel(s string) (level slog.Level, bad bool) {
	if s == "" {
		return slog.LevelInfo, false
	}
	if err := level.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo, true
	}
	return level, false
}

// twilioAuthToken reads the Twilio webhook's secret, on first use and then
// from webappsecret's cache; twilioRefreshAuthToken reads it past the cache,
// which the webhook does when a signature fails (a token just rotated).
func twilioAuthToken(ctx context.Context) (string, error) {
	return webappsecret.Get(ctx, "TWILIO_AUTH_TOKEN")
}

func twilioRefreshAuthToken(ctx context.Context) (string, error) {
	return webappsecret.Refresh(ctx, "TWILIO_AUTH_TOKEN")
}
