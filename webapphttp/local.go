package webapphttp

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// LocalAddrEnv is the environment variable that makes Start serve plain
// HTTP on this machine instead of Lambda's events: set to host:port (as
// `webapp dev` sets it), Start listens there and serves the handler with
// what Wrap applies, CORS included, so the function's own binary is the
// local server. Lambda always sets AWS_LAMBDA_RUNTIME_API, and then
// LocalAddrEnv is ignored: a deployed function never serves HTTP.
const LocalAddrEnv = "WEBAPP_LOCAL_ADDR"

// localShutdownTimeout is how long Start, serving locally, lets requests
// under way finish after SIGTERM or SIGINT.
const localShutdownTimeout = 5 * time.Second

// localAddr returns the address Start serves HTTP on, or "" to serve
// Lambda's events.
func localAddr(getenv func(string) string) string {
	if getenv("AWS_LAMBDA_RUNTIME_API") != "" {
		return ""
	}
	return getenv(LocalAddrEnv)
}

// startLocal is Start outside Lambda: it serves h on addr until SIGTERM or
// SIGINT, lets the requests under way finish and exits 0; it exits 1 when
// it cannot listen or serve.
func startLocal(addr string, h http.Handler) {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		slog.Error("webapphttp: cannot serve locally", "env", LocalAddrEnv, "err", err.Error())
		os.Exit(1)
	}
	slog.Info("webapphttp: serving HTTP on this machine, not Lambda's events", "url", "http://"+l.Addr().String()+"/", "env", LocalAddrEnv)
	if err := serveLocal(ctx, l, h); err != nil {
		slog.Error("webapphttp: local server failed", "err", err.Error())
		os.Exit(1)
	}
	os.Exit(0)
}

// serveLocal serves h on l until ctx is done, then shuts down gracefully.
// The requests carry no Info, so handlers see the zero Info: the site at
// the root path, as behind CloudFront.
func serveLocal(ctx context.Context, l net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), localShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
