package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestTwilioWebhookReachesTheFunction posts a form as Twilio does to the
// synthesized site: CloudFront's default behaviour and API Gateway pass the
// urlencoded POST to the function (no 415, no gateway 403), base64 as the
// binary media type */* makes API Gateway send it, and the function answers
// itself — 503 while TWILIO_AUTH_TOKEN is not configured, else 403 for this
// signature, which is not Twilio's.
func TestTwilioWebhookReachesTheFunction(t *testing.T) {
	resp, body := get(t, "POST", "/twilio/voice", "CallSid=CA0123456789abcdef0123456789abcdef&From=%2B81312345678",
		map[string]string{
			"Content-Type":       "application/x-www-form-urlencoded; charset=UTF-8",
			"X-Twilio-Signature": "AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		})
	if et := resp.Header.Get("X-Amzn-Errortype"); et != "" {
		t.Fatalf("API Gateway refused the webhook: %d %s %s", resp.StatusCode, et, body)
	}
	var e struct{ Code, Message string }
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("POST /twilio/voice = %d %q, want the function's Chalice error", resp.StatusCode, body)
	}
	switch {
	case resp.StatusCode == http.StatusServiceUnavailable && strings.Contains(e.Message, "TWILIO_AUTH_TOKEN is not configured"):
	case resp.StatusCode == http.StatusForbidden && e.Code == "ForbiddenError" && strings.Contains(e.Message, "X-Twilio-Signature"):
	default:
		t.Errorf("POST /twilio/voice = %d %q, want 503 (no TWILIO_AUTH_TOKEN) or 403 (a signature not Twilio's)", resp.StatusCode, body)
	}
	event := events.find("POST", "/twilio/voice")
	if event == nil {
		t.Fatal("the function received no event for POST /twilio/voice")
	}
	var ev struct{ IsBase64Encoded bool }
	if err := json.Unmarshal(event, &ev); err != nil || !ev.IsBase64Encoded {
		t.Errorf("the form reached the function as text (%v), want base64", err)
	}
}
