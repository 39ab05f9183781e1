package site

import (
	"context"

	"github.com/gowebapp/webapp/internal/app/twilio"
)

// mountTwilio registers the Twilio voice webhook (package twilio): POST
// /twilio/voice and POST /twilio/gather, which store what a caller says
// through the site's store. Their errors are Chalice's JSON, as Twilio
// shows a webhook's failing body in its debugger. Twilio's posts carry no
// Origin nor Sec-Fetch-Site, so webapphttp's cross-site check lets them
// through without a bypass; the signature is their authentication.
func (s *server) mountTwilio(authToken, refreshAuthToken func(ctx context.Context) (string, error)) {
	tw := twilio.New(twilio.Config{Store: s.store, AuthToken: authToken, RefreshAuthToken: refreshAuthToken, Now: s.now, Logger: s.log})
	s.api("POST "+twilio.VoicePath, tw.Voice)
	s.api("POST "+twilio.GatherPath, tw.Gather)
}
