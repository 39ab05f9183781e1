package site

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gowebapp/webapp/internal/reqinfo"
)

// middleware gives every request an id (the edge's, or one of its own),
// limits its body, turns a panic into a 500 and logs one line for it: id,
// method, path (never the query, which may hold what users typed), status
// and duration.
func (s *server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := reqinfo.From(r.Context())
		if info.RequestID == "" {
			info.RequestID = rand.Text()[:16]
			r = r.WithContext(reqinfo.With(r.Context(), info))
		}
		h := w.Header()
		h.Set("X-Request-Id", info.RequestID)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		if r.Body == nil { // a request made by a client library may have none
			r.Body = http.NoBody
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.maxBody)
		rec := &recorder{ResponseWriter: w}

		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				err := fmt.Errorf("panic: %v\n%s", v, debug.Stack())
				if rec.status == 0 {
					s.fail(rec, r, err, wantsHTML(r))
				} else {
					s.log.ErrorContext(r.Context(), "panic after the response started", "requestId", info.RequestID, "err", err.Error())
				}
			}
			s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("requestId", info.RequestID),
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", rec.code()),
				slog.Float64("durationMs", float64(time.Since(start).Microseconds())/1000),
			)
		}()
		next.ServeHTTP(rec, r)
	})
}

// recorder remembers the status a handler wrote.
type recorder struct {
	http.ResponseWriter
	status int
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

// Unwrap lets http.ResponseController reach the underlying writer.
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

// code is the status sent, 200 if the handler wrote nothing.
func (rec *recorder) code() int {
	if rec.status == 0 {
		return http.StatusOK
	}
	return rec.status
}
