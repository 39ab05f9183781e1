package site

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/gowebapp/webapp/webapphttp"
)

// middleware gives every request an id (the edge's, or one of its own),
// a deadline (Config.RequestTimeout), limits its body, turns a panic into a 500 and logs one line for it: id,
// method, path (never the query, which may hold what users typed), status,
// duration, and who sent it. Who is the client's address as the adapter
// derived it (r.RemoteAddr: the viewer's behind CloudFront), the id of
// the client's API key when API Gateway verified one, and the ids that find
// the request in the other logs: requestId in API Gateway's access log,
// lambdaRequestId in Lambda's own lines, cloudFrontId in CloudFront's. Never
// the headers themselves. Every response starts "private, no-store"
// (webapphttp.CacheControlPrivate), as webapphttp.Wrap would make it: only a
// handler that calls webapphttp.CachePublic lets CloudFront keep its page.
func (s *server) middleware(next http.Handler) http.Handler {
	// The request line is logged through the handler rather than
	// Logger.LogAttrs, which walks the stack for the caller's program
	// counter on every call: a third of the line's cost here. The call site
	// never changes, so its counter is taken once, for handlers that print
	// the source (HandlerOptions.AddSource).
	var pcs [1]uintptr
	runtime.Callers(1, pcs[:])
	logPC := pcs[0]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := webapphttp.InfoFrom(r.Context())
		if info.RequestID == "" {
			info.RequestID = rand.Text()[:16]
			r = r.WithContext(webapphttp.WithInfo(r.Context(), info))
		}
		// The header values live in the recorder: one allocation for it and
		// the three values instead of one per Header.Set, whose keys are
		// canonical already.
		rec := &recorder{ResponseWriter: w, values: [3]string{info.RequestID, "nosniff", webapphttp.CacheControlPrivate}}
		h := w.Header()
		h["X-Request-Id"] = rec.values[0:1:1] // capped: appending copies
		h["X-Content-Type-Options"] = rec.values[1:2:2]
		h["Cache-Control"] = rec.values[2:3:3]
		if r.Body == nil { // a request made by a client library may have none
			r.Body = http.NoBody
		}
		if r.Body != http.NoBody { // nothing to limit in no body: spare the reader's allocation
			r.Body = http.MaxBytesReader(w, r.Body, s.maxBody)
		}

		ctx, cancel := context.WithDeadline(r.Context(), s.deadline(r.Context(), start))
		defer cancel()
		r = r.WithContext(ctx)

		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				err := fmt.Errorf("panic: %v\n%s", v, debug.Stack())
				if rec.status == 0 {
					s.fail(rec, r, err, webapphttp.PrefersHTML(r))
				} else {
					s.log.ErrorContext(r.Context(), "panic after the response started", "requestId", info.RequestID, "err", err.Error())
				}
			}
			ctx, lh := r.Context(), s.log.Handler()
			if !lh.Enabled(ctx, slog.LevelInfo) {
				return
			}
			end := time.Now() // the record's time too: one clock read, not two
			line := slog.NewRecord(end, slog.LevelInfo, "request", logPC)
			// One AddAttrs for all: each call beyond the record's five
			// inline attributes grows its slice anew. The edge's ids only
			// where there is an edge: locally the line stays short.
			attrs := [...]slog.Attr{
				slog.String("requestId", info.RequestID),
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", rec.code()),
				slog.Float64("durationMs", float64(end.Sub(start).Microseconds())/1000),
				slog.String("clientIp", clientIP(r)),
				{}, {}, {},
			}
			n := 6
			for _, id := range [...]struct{ key, value string }{
				{"lambdaRequestId", info.LambdaRequestID},
				{"cloudFrontId", info.CloudFrontID},
				{"apiKeyId", info.APIKeyID},
			} {
				if id.value != "" {
					attrs[n] = slog.String(id.key, id.value)
					n++
				}
			}
			line.AddAttrs(attrs[:n]...)
			_ = lh.Handle(ctx, line) // as LogAttrs: a handler's error has nowhere to go
		}()
		next.ServeHTTP(rec, r)
	})
}

// deadline is when the request that arrived at start must be done with the
// store: RequestTimeout after start, or answerMargin before the deadline
// ctx has already (the function's timeout, in Lambda), if that is sooner.
func (s *server) deadline(ctx context.Context, start time.Time) time.Time {
	d := start.Add(s.timeout)
	if outer, ok := ctx.Deadline(); ok && outer.Add(-answerMargin).Before(d) {
		d = outer.Add(-answerMargin)
	}
	return d
}

// clientIP is the address of r's client without the port: the adapter's
// "ip:0" says nothing, and locally the port is the browser's, which changes
// from one connection to the next.
func clientIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// recorder remembers the status a handler wrote.
type recorder struct {
	http.ResponseWriter
	status int
	values [3]string // the values of the headers the middleware sets
}

func (rec *recorder) WriteHeader(status int) {
	if rec.status == 0 {
		rec.status = status
	}
	rec.ResponseWriter.WriteHeader(status)
}

func (rec *recorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return rec.ResponseWriter.Write(b)
}

// WriteString passes a string on without the []byte copy io.WriteString
// makes for a writer without this method.
func (rec *recorder) WriteString(s string) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return io.WriteString(rec.ResponseWriter, s)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

// code is the status sent, 200 if the handler wrote nothing.
func (rec *recorder) code() int {
	if rec.status == 0 {
		return http.StatusOK
	}
	return rec.status
}
