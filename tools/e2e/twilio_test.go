package e2e

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gowebapp/webapp/internal/app/twilio"
)

// twilioTestToken is TWILIO_AUTH_TOKEN as TestMain gives it to the local
// site, whose function reads it through webappsecret from the site's SSM
// server, with the reference the template holds.
const twilioTestToken = "e2e-twilio-auth-token"

// TestTwilioWebhookReachesTheFunction posts forms as Twilio does to the
// synthesized site: CloudFront's default behaviour and API Gateway pass the
// urlencoded POST to the function (no 415, no gateway 403), base64 as the
// binary media type */* makes API Gateway send it; the function reads the
// auth token through the secret's reference and answers a form signed with
// it with TwiML, and one signed with another token with 403.
func TestTwilioWebhookReachesTheFunction(t *testing.T) {
	s := requireSite(t)
	params := url.Values{"CallSid": {"CA0123456789abcdef0123456789abcdef"}, "From": {"+81312345678"}}
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	// Behind CloudFront the URL Twilio called is https on the viewer's host
	// (webapphttp.PublicURL), which the local edge passes as CloudFront does.
	publicURL := "https://" + u.Host + "/twilio/voice"
	for _, tt := range []struct {
		name, token string
		want        int
	}{
		{"signed with the secret", twilioTestToken, http.StatusOK},
		{"signed with another token", "not-the-secret", http.StatusForbidden},
	} {
		resp, body := get(t, "POST", "/twilio/voice", params.Encode(), map[string]string{
			"Content-Type":       "application/x-www-form-urlencoded; charset=UTF-8",
			"X-Twilio-Signature": base64.StdEncoding.EncodeToString(twilio.Signature(tt.token, publicURL, params)),
		})
		if et := resp.Header.Get("X-Amzn-Errortype"); et != "" {
			t.Fatalf("%s: API Gateway refused the webhook: %d %s %s", tt.name, resp.StatusCode, et, body)
		}
		if resp.StatusCode != tt.want {
			t.Errorf("%s: POST /twilio/voice = %d %q, want %d", tt.name, resp.StatusCode, body, tt.want)
			continue
		}
		if tt.want == http.StatusOK && (resp.Header.Get("Content-Type") != twilio.ContentType || !strings.Contains(body, `language="ja-JP"`)) {
			t.Errorf("%s: %s %q, want Japanese TwiML as %s", tt.name, resp.Header.Get("Content-Type"), body, twilio.ContentType)
		}
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
