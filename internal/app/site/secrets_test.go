package site

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gowebapp/webapp/webappsecret"
)

// TestUnreadableSecretIs503WithRetryAfter answers a handler's
// *webappsecret.Error with 503 and Retry-After, and logs the error, which
// names the secret; the client sees neither the secret nor the reason.
func TestUnreadableSecretIs503WithRetryAfter(t *testing.T) {
	var logs bytes.Buffer
	s := &server{log: slog.New(slog.NewJSONHandler(&logs, nil))}
	err := fmt.Errorf("checking the signature: %w", &webappsecret.Error{Name: "TWILIO_AUTH_TOKEN", Reason: "SSM parameter /app/twilio did not answer in time"})
	rec := httptest.NewRecorder()
	s.fail(rec, httptest.NewRequest("POST", "/twilio/sms", nil), err, false)

	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != retryAfterSeconds {
		t.Errorf("status %d, Retry-After %q; want 503 and %s", rec.Code, rec.Header().Get("Retry-After"), retryAfterSeconds)
	}
	body := rec.Body.String()
	if !strings.Contains(body, `"Code":"ServiceUnavailableError"`) || strings.Contains(body, "TWILIO") || strings.Contains(body, "/app/twilio") {
		t.Errorf("body = %s, want ServiceUnavailableError without the secret or the reason", body)
	}
	if !strings.Contains(logs.String(), "secret TWILIO_AUTH_TOKEN: SSM parameter /app/twilio did not answer in time") {
		t.Errorf("log = %s, want the error naming the secret", logs.String())
	}
}
