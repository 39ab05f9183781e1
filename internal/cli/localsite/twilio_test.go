package localsite

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gowebapp/webapp/internal/app/site"
	"github.com/gowebapp/webapp/internal/app/todo"
	"github.com/gowebapp/webapp/internal/app/twilio"
	"github.com/gowebapp/webapp/webapphttp"
)

// createOnly is the todo store of TestTwilioWebhookThroughTheEdge: the
// webhook only creates.
type createOnly struct {
	mu    sync.Mutex
	todos map[string]todo.Todo
}

func (s *createOnly) Create(_ context.Context, t todo.Todo) (todo.Todo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.todos[t.ID] = t
	return t, nil
}

var errNotInThisTest = errors.New("not used by the webhook")

func (s *createOnly) Get(context.Context, string) (todo.Todo, error) {
	return todo.Todo{}, errNotInThisTest
}
func (s *createOnly) List(context.Context, int, string) (todo.Page, error) {
	return todo.Page{}, errNotInThisTest
}
func (s *createOnly) Update(context.Context, string, todo.Patch) (todo.Todo, error) {
	return todo.Todo{}, errNotInThisTest
}
func (s *createOnly) Delete(context.Context, string, int) error { return errNotInThisTest }
func (s *createOnly) Search(context.Context, string, int, string) (todo.Page, error) {
	return todo.Page{}, errNotInThisTest
}

// TestTwilioWebhookThroughTheEdge posts Twilio's signed forms through the
// local CloudFront and API Gateway, to the site's own handler behind
// webapphttp's adapter: the urlencoded body reaches it (base64, as the
// binary media type */* makes API Gateway send it), the signature checks
// against the URL Twilio called — the viewer's host without the stage
// behind CloudFront, the execute-api host with it directly — and the
// answer is TwiML.
func TestTwilioWebhookThroughTheEdge(t *testing.T) {
	const token = "local-test-token"
	store := &createOnly{todos: map[string]todo.Todo{}}
	h, err := webapphttp.Wrap(site.New(site.Config{
		Store:           store,
		Logger:          slog.New(slog.DiscardHandler),
		TwilioAuthToken: func(context.Context) (string, error) { return token, nil },
	}), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	serveEvent := webapphttp.Handler(h)
	fixture := fixtureSite(t)
	e, fn, _ := testEdge(t, fixture, func(re restEvent) (any, error) {
		b, err := json.Marshal(re)
		if err != nil {
			return nil, err
		}
		var ev events.APIGatewayProxyRequest
		if err := json.Unmarshal(b, &ev); err != nil {
			return nil, err
		}
		return serveEvent(context.Background(), ev)
	})
	api := fixture.Behaviors[4].Origin.API

	params := url.Values{
		"CallSid": {"CA0123456789abcdef0123456789abcdef"}, "From": {"+81312345678"}, "To": {"+81501234567"},
	}
	sign := func(r *http.Request, publicURL string, params url.Values) *http.Request {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("X-Twilio-Signature", base64.StdEncoding.EncodeToString(twilio.Signature(token, publicURL, params)))
		return r
	}

	viewer := sign(httptest.NewRequest("POST", "/twilio/voice", strings.NewReader(params.Encode())),
		"https://www.example.com/twilio/voice", params)
	viewer.Host = "www.example.com"
	// As CloudFront's origin request would be, with the origin key: the
	// fixture's API requires a key on every method.
	direct := sign(httptest.NewRequest("POST", "https://"+api.Domain+"/prod/twilio/voice", strings.NewReader(params.Encode())),
		"https://"+api.Domain+"/prod/twilio/voice", params)
	direct.Header.Set("X-Api-Key", api.Keys[0].Value)

	gathered := url.Values{"SpeechResult": {"牛乳を買う"}}
	for k, v := range params {
		gathered[k] = v
	}
	action := regexp.MustCompile(`action="([^"]+)"`)
	for i, tt := range []struct {
		name       string
		h          http.Handler
		r          *http.Request
		wantAction string
		// request is the request of the gather to its action URL.
		request func(action string) *http.Request
	}{
		{"behind CloudFront", e, viewer, "https://www.example.com/twilio/gather?issued=", func(action string) *http.Request {
			r := httptest.NewRequest("POST", strings.TrimPrefix(action, "https://www.example.com"), strings.NewReader(gathered.Encode()))
			r.Host = "www.example.com"
			return r
		}},
		{"directly under the stage", e.api[api], direct, "https://" + api.Domain + "/prod/twilio/gather?issued=", func(action string) *http.Request {
			r := httptest.NewRequest("POST", action, strings.NewReader(gathered.Encode()))
			r.Header.Set("X-Api-Key", api.Keys[0].Value)
			return r
		}},
	} {
		resp := serve(tt.h, tt.r)
		b := body(t, resp)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != twilio.ContentType {
			t.Errorf("%s: POST /twilio/voice = %d %s %s, want 200 TwiML", tt.name, resp.StatusCode, resp.Header.Get("Content-Type"), b)
			continue
		}
		if !strings.Contains(b, `<Say voice="Polly.Mizuki" language="ja-JP">`) || !strings.Contains(b, `action="`+tt.wantAction) {
			t.Errorf("%s: TwiML %s, want a Japanese <Say> and a Gather action starting %s", tt.name, b, tt.wantAction)
		}
		if ev := fn.last(t); !ev.IsBase64Encoded {
			t.Errorf("%s: the form reached the function as text, want base64 (binary media type */*)", tt.name)
		}

		m := action.FindStringSubmatch(b)
		if m == nil {
			continue
		}
		u := html.UnescapeString(m[1])
		resp = serve(tt.h, sign(tt.request(u), u, gathered))
		if b := body(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(b, "「牛乳を買う」を追加しました。") {
			t.Errorf("%s: POST %s = %d %s, want the confirmation", tt.name, u, resp.StatusCode, b)
		}
		if len(store.todos) != i+1 {
			t.Errorf("%s: store holds %d todos after the gather, want %d", tt.name, len(store.todos), i+1)
		}
	}

	unsigned := httptest.NewRequest("POST", "/twilio/voice", strings.NewReader(params.Encode()))
	unsigned.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp := serve(e, unsigned); resp.StatusCode != http.StatusForbidden {
		t.Errorf("unsigned POST /twilio/voice through CloudFront = %d, want the function's 403", resp.StatusCode)
	}
	if len(store.todos) != 2 {
		t.Errorf("store holds %d todos, want the 2 gathers'", len(store.todos))
	}
}
