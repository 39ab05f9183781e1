package webappsecret_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/gowebapp/webapp/webappsecret"
)

// A handler that needs a secret answers 503 with Retry-After when it cannot
// be had, and logs the error, which names the secret and never holds its
// value; the client sees neither.
func Example() {
	webhook := func(w http.ResponseWriter, r *http.Request) {
		token, err := webappsecret.Get(r.Context(), "TWILIO_AUTH_TOKEN")
		if serr := (*webappsecret.Error)(nil); errors.As(err, &serr) {
			slog.WarnContext(r.Context(), "secret unavailable", "secret", serr.Name, "err", err.Error())
			w.Header().Set("Retry-After", "5")
			http.Error(w, "service unavailable: try again in a few seconds", http.StatusServiceUnavailable)
			return
		}
		_ = token // check the request's signature with it
		w.WriteHeader(http.StatusNoContent)
	}

	// Without WEBAPP_SECRET_TWILIO_AUTH_TOKEN, as outside a WebApp's function:
	rec := httptest.NewRecorder()
	webhook(rec, httptest.NewRequest("POST", "/twilio", nil))
	fmt.Println(rec.Code, rec.Header().Get("Retry-After"))
	// Output: 503 5
}
