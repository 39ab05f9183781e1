package site

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gowebapp/webapp/internal/app/todo"
	"github.com/gowebapp/webapp/internal/app/twilio"
	"github.com/gowebapp/webapp/webapphttp"
)

const (
	twilioToken = "test-auth-token-0123456789abcdef"
	testCallSid = "CA0123456789abcdef0123456789abcdef"
	apiHost     = "abc123.execute-api.ap-northeast-1.amazonaws.com"
)

// twilioShape is one way a request reaches the function, with the base of
// the URLs Twilio calls that way, written out rather than derived (the
// code under test derives it).
type twilioShape struct {
	name string
	base string
	// request makes the request to target (path and query) as that shape
	// delivers it.
	request func(t *testing.T, target string, body []byte, header http.Header) *http.Request
}

var twilioShapes = []twilioShape{
	{"behind CloudFront", "https://www.example.com", func(t *testing.T, target string, body []byte, h http.Header) *http.Request {
		h = h.Clone()
		h.Set("X-Forwarded-Host", "www.example.com")
		return eventRequest(t, target, body, h)
	}},
	{"directly under the stage", "https://" + apiHost + "/v1", eventRequest},
	{"locally", "http://127.0.0.1:8080", func(t *testing.T, target string, body []byte, h http.Header) *http.Request {
		r := httptest.NewRequest("POST", "http://127.0.0.1:8080"+target, bytes.NewReader(body))
		r.Header = h
		return r
	}},
}

// eventRequest is the request the adapter makes of API Gateway's event for
// a POST of body to target on the stage v1, base64 as API Gateway sends a
// form (binary media type */*).
func eventRequest(t *testing.T, target string, body []byte, h http.Header) *http.Request {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	e := events.APIGatewayProxyRequest{
		HTTPMethod:                      "POST",
		Path:                            u.Path,
		MultiValueHeaders:               map[string][]string{"Host": {apiHost}},
		MultiValueQueryStringParameters: u.Query(),
		Body:                            base64.StdEncoding.EncodeToString(body),
		IsBase64Encoded:                 true,
		RequestContext: events.APIGatewayProxyRequestContext{
			Stage: "v1", Path: "/v1" + u.Path, DomainName: apiHost, RequestID: "req-1",
		},
	}
	for k, vs := range h {
		e.MultiValueHeaders[k] = vs
	}
	r, err := webapphttp.NewRequest(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// signedPost is Twilio's POST of params to base+target, signed with token.
func signedPost(t *testing.T, shape twilioShape, target string, params url.Values, token string) *http.Request {
	t.Helper()
	sig := base64.StdEncoding.EncodeToString(twilio.Signature(token, shape.base+target, params))
	return twilioPost(t, shape, target, []byte(params.Encode()), sig)
}

func twilioPost(t *testing.T, shape twilioShape, target string, body []byte, sig string) *http.Request {
	t.Helper()
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	if sig != "" {
		h.Set("X-Twilio-Signature", sig)
	}
	return shape.request(t, target, body, h)
}

type twilioSite struct {
	h     http.Handler
	store *memStore
	logs  *bytes.Buffer
	now   time.Time
}

func newTwilioSite(t *testing.T, store *memStore, token func(context.Context) (string, error)) *twilioSite {
	t.Helper()
	ts := &twilioSite{store: store, logs: &bytes.Buffer{}, now: time.Unix(1_765_000_000, 0)}
	ts.h = New(Config{
		Store: store, Logger: slog.New(slog.NewJSONHandler(ts.logs, nil)),
		Now:             func() time.Time { return ts.now },
		TwilioAuthToken: token,
	})
	return ts
}

func staticToken(context.Context) (string, error) { return twilioToken, nil }

func (ts *twilioSite) do(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	ts.h.ServeHTTP(w, r)
	return w
}

// twiml is the part of a TwiML document the tests read.
type twiml struct {
	XMLName xml.Name `xml:"Response"`
	Gather  *struct {
		Action   string `xml:"action,attr"`
		Method   string `xml:"method,attr"`
		Input    string `xml:"input,attr"`
		Language string `xml:"language,attr"`
		Say      struct {
			Voice    string `xml:"voice,attr"`
			Language string `xml:"language,attr"`
			Text     string `xml:",chardata"`
		} `xml:"Say"`
	} `xml:"Gather"`
	Say []struct {
		Language string `xml:"language,attr"`
		Text     string `xml:",chardata"`
	} `xml:"Say"`
	Redirect struct {
		Method string `xml:"method,attr"`
		URL    string `xml:",chardata"`
	} `xml:"Redirect"`
}

func decodeTwiML(t *testing.T, w *httptest.ResponseRecorder) twiml {
	t.Helper()
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/xml; charset=utf-8" {
		t.Fatalf("got %d %s %s, want 200 application/xml; charset=utf-8", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	var doc twiml
	if err := xml.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatalf("not TwiML: %v\n%s", err, w.Body)
	}
	return doc
}

func callParams(kv ...string) url.Values {
	v := url.Values{"CallSid": {testCallSid}, "AccountSid": {"AC0123456789abcdef0123456789abcdef"},
		"From": {"+81312345678"}, "To": {"+81501234567"}, "CallStatus": {"in-progress"}}
	for i := 0; i < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// TestTwilioCall follows a call in each shape: voice's prompt, its gather
// posted to the action URL it wrote, the todo stored, the redirect back; a
// replay and an altered body of that gather store nothing more.
func TestTwilioCall(t *testing.T) {
	for _, shape := range twilioShapes {
		t.Run(shape.name, func(t *testing.T) {
			ts := newTwilioSite(t, newMemStore(), staticToken)
			voice := decodeTwiML(t, ts.do(signedPost(t, shape, "/twilio/voice", callParams(), twilioToken)))
			g := voice.Gather
			if g == nil {
				t.Fatal("voice has no <Gather>")
			}
			wantAction := shape.base + "/twilio/gather?issued=1765000000"
			if g.Action != wantAction || g.Method != "POST" || g.Input != "speech dtmf" || g.Language != "ja-JP" {
				t.Errorf("Gather action %q method %q input %q language %q, want %q POST, speech dtmf, ja-JP", g.Action, g.Method, g.Input, g.Language, wantAction)
			}
			if g.Say.Language != "ja-JP" || g.Say.Voice != "Polly.Mizuki" || !strings.Contains(g.Say.Text, "お話しください") {
				t.Errorf("the prompt is %q in %q by %q, want Japanese in ja-JP by a voice that speaks it", g.Say.Text, g.Say.Language, g.Say.Voice)
			}
			if voice.Redirect.URL != shape.base+"/twilio/voice" || voice.Redirect.Method != "POST" {
				t.Errorf("Redirect %s %q, want POST %q", voice.Redirect.Method, voice.Redirect.URL, shape.base+"/twilio/voice")
			}

			target := strings.TrimPrefix(g.Action, shape.base)
			said := callParams("SpeechResult", "牛乳を買う", "Confidence", "0.92")
			gather := signedPost(t, shape, target, said, twilioToken)
			sig := gather.Header.Get("X-Twilio-Signature")
			doc := decodeTwiML(t, ts.do(gather))
			if len(doc.Say) != 1 || doc.Say[0].Text != "「牛乳を買う」を追加しました。" || doc.Redirect.URL != shape.base+"/twilio/voice" {
				t.Errorf("gather answered %+v, want the confirmation and a redirect to voice", doc)
			}
			if todos := ts.store.todos; len(todos) != 1 {
				t.Fatalf("store holds %d todos, want 1", len(todos))
			}
			for _, td := range ts.store.todos {
				if td.Title != "牛乳を買う" || td.Priority != todo.DefaultPriority {
					t.Errorf("stored %+v, want the caller's words at the default priority", td)
				}
			}

			replay := ts.do(twilioPost(t, shape, target, []byte(said.Encode()), sig))
			if replay.Code != http.StatusConflict {
				t.Errorf("the same signed gather again = %d %s, want 409", replay.Code, replay.Body)
			}
			altered := callParams("SpeechResult", "牛乳を売る", "Confidence", "0.92")
			if w := ts.do(twilioPost(t, shape, target, []byte(altered.Encode()), sig)); w.Code != http.StatusForbidden {
				t.Errorf("the gather's signature over an altered body = %d %s, want 403", w.Code, w.Body)
			}
			if len(ts.store.todos) != 1 {
				t.Errorf("store holds %d todos after the replay and the alteration, want 1", len(ts.store.todos))
			}
			if strings.Contains(ts.logs.String(), twilioToken) || strings.Contains(ts.logs.String(), sig) {
				t.Errorf("the log holds the token or a signature:\n%s", ts.logs)
			}
		})
	}
}

// TestTwilioSignatureIsOfTheURLAsCalled: a signature of the same request
// made for another shape's URL (the stage missing, another host, http)
// is refused.
func TestTwilioSignatureIsOfTheURLAsCalled(t *testing.T) {
	ts := newTwilioSite(t, newMemStore(), staticToken)
	for _, shape := range twilioShapes {
		for _, other := range twilioShapes {
			if other.name == shape.name {
				continue
			}
			sig := base64.StdEncoding.EncodeToString(twilio.Signature(twilioToken, other.base+"/twilio/voice", callParams()))
			if w := ts.do(twilioPost(t, shape, "/twilio/voice", []byte(callParams().Encode()), sig)); w.Code != http.StatusForbidden {
				t.Errorf("%s, signed for %s's URL = %d, want 403", shape.name, other.name, w.Code)
			}
		}
	}
}

// TestTwilioReplayOnAnotherInstanceStoresNothing: a function instance
// that never saw the gather has no memory of it, and the todo's id, which
// the signature determines, makes the store's create find the first one.
func TestTwilioReplayOnAnotherInstanceStoresNothing(t *testing.T) {
	store := newMemStore()
	shape := twilioShapes[0]
	target := "/twilio/gather?issued=1765000000"
	said := callParams("SpeechResult", "傘を持つ")
	first, second := newTwilioSite(t, store, staticToken), newTwilioSite(t, store, staticToken)
	decodeTwiML(t, first.do(signedPost(t, shape, target, said, twilioToken)))
	decodeTwiML(t, second.do(signedPost(t, shape, target, said, twilioToken)))
	if len(store.todos) != 1 {
		t.Errorf("store holds %d todos after a replay to another instance, want 1", len(store.todos))
	}
}

// TestTwilioRefusesHostileInput: each request gets its 4xx, and the store
// is not called.
func TestTwilioRefusesHostileInput(t *testing.T) {
	shape := twilioShapes[2]
	const gatherTarget = "/twilio/gather?issued=1765000000"
	signedRaw := func(target string, body string) *http.Request {
		params, err := url.ParseQuery(body)
		if err != nil {
			t.Fatal(err)
		}
		sig := base64.StdEncoding.EncodeToString(twilio.Signature(twilioToken, shape.base+target, params))
		return twilioPost(t, shape, target, []byte(body), sig)
	}
	withType := func(r *http.Request, ct string) *http.Request { r.Header.Set("Content-Type", ct); return r }
	said := callParams("SpeechResult", "パンを買う")
	tests := []struct {
		name   string
		r      *http.Request
		status int
	}{
		{"no signature", twilioPost(t, shape, gatherTarget, []byte(said.Encode()), ""), 403},
		{"a signature of the wrong length", twilioPost(t, shape, gatherTarget, []byte(said.Encode()), base64.StdEncoding.EncodeToString(make([]byte, 32))), 403},
		{"a signature that is not base64", twilioPost(t, shape, gatherTarget, []byte(said.Encode()), strings.Repeat("!", 28)), 403},
		{"another token's signature", signedPost(t, shape, gatherTarget, said, "another-token"), 403},
		{"a body over 64 KiB", signedPost(t, shape, gatherTarget, callParams("SpeechResult", strings.Repeat("あ", 22<<10)), twilioToken), 413},
		{"a parameter twice", signedRaw(gatherTarget, said.Encode()+"&SpeechResult=%E6%B0%B4"), 400},
		{"invalid UTF-8", signedRaw(gatherTarget, said.Encode()+"&Caller=%FF%FE"), 400},
		{"a malformed form", twilioPost(t, shape, gatherTarget, []byte(said.Encode()+"&a=%zz"), signedPost(t, shape, gatherTarget, said, twilioToken).Header.Get("X-Twilio-Signature")), 400},
		{"JSON", withType(signedPost(t, shape, gatherTarget, said, twilioToken), "application/json"), 415},
		{"Latin-1", withType(signedPost(t, shape, gatherTarget, said, twilioToken), "application/x-www-form-urlencoded; charset=iso-8859-1"), 415},
		{"no CallSid", signedPost(t, shape, gatherTarget, url.Values{"SpeechResult": {"パン"}}, twilioToken), 400},
		{"no issued time", signedPost(t, shape, "/twilio/gather", said, twilioToken), 400},
		{"issued 11 minutes ago", signedPost(t, shape, "/twilio/gather?issued=1764999340", said, twilioToken), 403},
		{"issued in the future", signedPost(t, shape, "/twilio/gather?issued=1765000300", said, twilioToken), 403},
		{"a title over 200 characters", signedPost(t, shape, gatherTarget, callParams("SpeechResult", strings.Repeat("長", 201)), twilioToken), 400},
	}
	for _, tt := range tests {
		ts := newTwilioSite(t, newMemStore(), staticToken)
		w := ts.do(tt.r)
		if w.Code != tt.status {
			t.Errorf("%s: %d %s, want %d", tt.name, w.Code, w.Body, tt.status)
			continue
		}
		decodeError(t, w)
		if len(ts.store.todos) != 0 {
			t.Errorf("%s: %d todos stored, want none", tt.name, len(ts.store.todos))
		}
	}

	ts := newTwilioSite(t, newMemStore(), staticToken)
	utf8Type := withType(signedPost(t, shape, gatherTarget, said, twilioToken), "application/x-www-form-urlencoded; charset=UTF-8")
	decodeTwiML(t, ts.do(utf8Type))
}

func TestTwilioWithoutTokenAnswers503(t *testing.T) {
	shape := twilioShapes[0]
	for name, token := range map[string]func(context.Context) (string, error){
		"not configured": nil,
		"the reader fails": func(context.Context) (string, error) {
			return "", errors.New("secret unreachable")
		},
	} {
		store := newMemStore()
		ts := newTwilioSite(t, store, token)
		w := ts.do(signedPost(t, shape, "/twilio/gather?issued=1765000000", callParams("SpeechResult", "x"), twilioToken))
		if w.Code != http.StatusServiceUnavailable {
			t.Errorf("%s: %d %s, want 503", name, w.Code, w.Body)
			continue
		}
		msg := decodeError(t, w).Message
		if token == nil && !strings.Contains(msg, "TWILIO_AUTH_TOKEN is not configured") {
			t.Errorf("%s: message %q, want it to say TWILIO_AUTH_TOKEN is not configured", name, msg)
		}
		if strings.Contains(msg, "unreachable") || store.calls != 0 {
			t.Errorf("%s: message %q (the reader's error?), %d store calls, want a generic message and none", name, msg, store.calls)
		}
	}
}

// TestTwilioGatherAfterAStoreFailureCanBeRetried: a gather the store did
// not take is not remembered as applied, so Twilio's retry stores it.
func TestTwilioGatherAfterAStoreFailureCanBeRetried(t *testing.T) {
	store := newMemStore()
	store.err = errors.New("boom")
	ts := newTwilioSite(t, store, staticToken)
	shape := twilioShapes[0]
	target := "/twilio/gather?issued=1765000000"
	said := callParams("SpeechResult", "窓を閉める")
	if w := ts.do(signedPost(t, shape, target, said, twilioToken)); w.Code != http.StatusInternalServerError {
		t.Fatalf("gather with a failing store = %d, want 500", w.Code)
	}
	store.err = nil
	decodeTwiML(t, ts.do(signedPost(t, shape, target, said, twilioToken)))
	if len(store.todos) != 1 {
		t.Errorf("store holds %d todos after the retry, want 1", len(store.todos))
	}
}

func TestTwilioGatherWithoutInputStoresNothing(t *testing.T) {
	ts := newTwilioSite(t, newMemStore(), staticToken)
	doc := decodeTwiML(t, ts.do(signedPost(t, twilioShapes[0], "/twilio/gather?issued=1765000000", callParams("SpeechResult", "  "), twilioToken)))
	if len(doc.Say) != 1 || !strings.Contains(doc.Say[0].Text, "聞き取れませんでした") || doc.Redirect.URL != "https://www.example.com/twilio/voice" {
		t.Errorf("gather without input answered %+v, want that it heard nothing and a redirect to voice", doc)
	}
	if len(ts.store.todos) != 0 {
		t.Errorf("%d todos stored, want none", len(ts.store.todos))
	}
}

func TestTwilioDigitsAreTheTitleWithoutSpeech(t *testing.T) {
	ts := newTwilioSite(t, newMemStore(), staticToken)
	decodeTwiML(t, ts.do(signedPost(t, twilioShapes[0], "/twilio/gather?issued=1765000000", callParams("Digits", "0312345678"), twilioToken)))
	for _, td := range ts.store.todos {
		if td.Title != "0312345678" {
			t.Errorf("title %q, want the digits", td.Title)
		}
	}
}

// FuzzTwilioGather posts arbitrary bodies to the gather, signed as Twilio
// would sign them whenever they parse, so that what follows the signature
// check is what is fuzzed. Whatever the body, the answer is TwiML or a
// client error, never a 5xx or a panic; a client error stores nothing; a
// success stores at most one todo, whose title is the caller's words (or
// digits), valid UTF-8.
func FuzzTwilioGather(f *testing.F) {
	for _, seed := range []string{
		callParams("SpeechResult", "牛乳を買う").Encode(),
		callParams("Digits", "1234").Encode(),
		callParams().Encode(),
		callParams("SpeechResult", "a").Encode() + "&SpeechResult=b",
		callParams("SpeechResult", "%FF").Encode(),
		callParams().Encode() + "&SpeechResult=%E3%81",
		"CallSid=CA0123456789abcdef0123456789abcdef&SpeechResult=" + strings.Repeat("%E9%95%B7", 201),
		"CallSid=CAxyz&SpeechResult=x", "", "=", "&&&", "a=%zz", "a;b=c",
	} {
		f.Add(seed)
	}
	shape := twilioShapes[0]
	const target = "/twilio/gather?issued=1765000000"
	f.Fuzz(func(t *testing.T, body string) {
		ts := newTwilioSite(t, newMemStore(), staticToken)
		sig := base64.StdEncoding.EncodeToString(make([]byte, 20))
		if params, err := url.ParseQuery(body); err == nil {
			sig = base64.StdEncoding.EncodeToString(twilio.Signature(twilioToken, shape.base+target, params))
		}
		w := ts.do(twilioPost(t, shape, target, []byte(body), sig))
		switch {
		case w.Code == http.StatusOK:
			decodeTwiML(t, w)
			if len(ts.store.todos) > 1 {
				t.Fatalf("%q stored %d todos", body, len(ts.store.todos))
			}
			for _, td := range ts.store.todos {
				if !utf8.ValidString(td.Title) || td.Title == "" {
					t.Fatalf("%q stored the title %q", body, td.Title)
				}
			}
		case w.Code >= 400 && w.Code < 500:
			decodeError(t, w)
			if len(ts.store.todos) != 0 {
				t.Fatalf("%q refused with %d, yet stored %d todos", body, w.Code, len(ts.store.todos))
			}
		default:
			t.Fatalf("%q: %d %s, want TwiML or a client error", body, w.Code, w.Body)
		}
	})
}

// TestTwilioAcceptsARotatedTokenAtOnce: a request signed with a token newer
// than the cached one is checked again with the token read afresh, and
// passes; badly signed requests make at most one such read a minute.
func TestTwilioAcceptsARotatedTokenAtOnce(t *testing.T) {
	const rotated = "rotated-auth-token-fedcba9876543210"
	shape := twilioShapes[0]
	store := newMemStore()
	ts := &twilioSite{store: store, logs: &bytes.Buffer{}, now: time.Unix(1_765_000_000, 0)}
	var refreshes int
	ts.h = New(Config{
		Store: store, Logger: slog.New(slog.NewJSONHandler(ts.logs, nil)),
		Now:             func() time.Time { return ts.now },
		TwilioAuthToken: staticToken, // the cache still holds the old token
		TwilioRefreshAuthToken: func(context.Context) (string, error) {
			refreshes++
			return rotated, nil
		},
	})

	if w := ts.do(signedPost(t, shape, twilio.VoicePath, callParams(), rotated)); w.Code != http.StatusOK {
		t.Fatalf("signed with the rotated token: %d %s, want 200", w.Code, w.Body)
	}
	if refreshes != 1 {
		t.Fatalf("%d refreshes, want 1", refreshes)
	}
	for range 3 {
		if w := ts.do(signedPost(t, shape, twilio.VoicePath, callParams(), "an attacker's guess")); w.Code != http.StatusForbidden {
			t.Errorf("badly signed: %d, want 403", w.Code)
		}
	}
	if refreshes != 1 {
		t.Errorf("%d refreshes after three bad signatures within the minute, want still 1", refreshes)
	}
	ts.now = ts.now.Add(twilio.RefreshInterval)
	if w := ts.do(signedPost(t, shape, twilio.VoicePath, callParams(), "an attacker's guess")); w.Code != http.StatusForbidden {
		t.Errorf("badly signed a minute later: %d, want 403", w.Code)
	}
	if refreshes != 2 {
		t.Errorf("%d refreshes a minute later, want 2", refreshes)
	}
	if strings.Contains(ts.logs.String(), rotated) || strings.Contains(ts.logs.String(), twilioToken) {
		t.Errorf("a token reached the log: %s", ts.logs)
	}
}
