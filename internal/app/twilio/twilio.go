// Package twilio is the sample app's Twilio voice webhook: a caller hears a
// prompt in Japanese, says (or keys in) a todo, and the todo is stored.
//
//   - POST /twilio/voice, the number's "A call comes in" webhook, answers
//     TwiML that says the prompt (<Say language="ja-JP">) inside a <Gather>
//     of speech or digits whose action is POST /twilio/gather, then, if the
//     caller said nothing, <Redirect>s back to itself.
//   - POST /twilio/gather, Twilio's post of what the caller said, stores it
//     as a todo through the site's store (with the store's validation),
//     confirms it, and <Redirect>s back to /twilio/voice for the next one.
//
// Every request must carry Twilio's X-Twilio-Signature of the URL Twilio
// called and the posted parameters (Signature), checked against the URL the
// function rebuilds with webapphttp.PublicURL — so the action and redirect
// URLs the handlers write are absolute, built the same way: behind
// CloudFront, directly under the stage and locally alike, the URL Twilio
// calls next is the one the next request rebuilds. A request without a
// valid signature gets 403 before anything is read from or written to the
// store; docs/twilio.md tells how to set the Twilio console up.
//
// What the handlers refuse, all with 4xx and nothing stored: a body over
// MaxBodyBytes (413); a type other than a urlencoded form, or a charset
// other than UTF-8 (415: Twilio sends UTF-8, so another one is not
// Twilio); a malformed form (400); a signature header missing, repeated, or
// not the base64 of 20 bytes (403); a parameter given twice, or text that
// is not UTF-8 (400: Twilio sends neither); a gather replayed (409) or
// older than GatherWindow (403).
//
// # Replays
//
// Twilio's signature covers the URL and the body but no time, so a copy of
// a genuine request verifies for ever. The only request with an effect is a
// gather, and for it "replayed fails" means:
//
//   - the gather's action URL carries the time voice wrote it
//     (?issued=<unix seconds>), which Twilio signs with the rest: a gather
//     issued more than GatherWindow ago, or in the future, gets 403;
//   - within that window, the function remembers the signatures of the
//     gathers it applied (bounded: MaxRemembered, oldest forgotten first),
//     and the same signed request again gets 409 ConflictError without
//     touching the store;
//   - and whatever reaches the store anyway (another function instance,
//     which has memories of its own, or a signature forgotten under load)
//     creates the todo whose id the signature determines (todo.IDFor): the
//     store's idempotent create finds the todo made the first time and
//     stores nothing new. Only a replay within the window, on another
//     instance, after the todo was deleted, would make it again.
//
// An altered body or URL fails the signature itself (403).
package twilio

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gowebapp/webapp/internal/app/todo"
	"github.com/gowebapp/webapp/webapphttp"
)

// Store keeps the todos a call adds: the site's store. Create is idempotent
// on the todo's id (see todo.Store.Create).
type Store interface {
	Create(ctx context.Context, t todo.Todo) (todo.Todo, error)
}

// Config is what the handlers need.
type Config struct {
	// Store keeps the todos. Required.
	Store Store
	// AuthToken returns the Twilio account's auth token, the key of its
	// signatures (the secret TWILIO_AUTH_TOKEN, see docs/twilio.md). It is
	// called for every request: caching is the reader's. Default: none, and
	// every request gets 503 saying TWILIO_AUTH_TOKEN is not configured. An
	// error from it gets 503 too; the token itself never reaches a log or a
	// response.
	AuthToken func(ctx context.Context) (string, error)
	// RefreshAuthToken reads the token again, past the reader's cache, when
	// a signature does not match the token AuthToken gave: a token rotated
	// in Twilio and in the secret at once is then accepted at once, not
	// after the cache's TTL. It is called at most once per RefreshInterval
	// per Handler, so a flood of badly signed requests cannot become reads
	// of the secret's store. Default: none (a rotation waits for the TTL).
	RefreshAuthToken func(ctx context.Context) (string, error)
	// Now is the clock of the gathers' issue times. Default: time.Now.
	Now func() time.Time
	// Logger receives why requests were refused (never the signature or
	// the token). Default: slog.Default().
	Logger *slog.Logger
}

// Limits of the webhook.
const (
	// MaxBodyBytes is the largest body accepted: Twilio's voice posts are
	// about 1 KiB, with a caller's speech a few more.
	MaxBodyBytes = 64 << 10
	// GatherWindow is how long after voice wrote a gather's action URL its
	// post is accepted: the Gather's timeout and the caller's speech take
	// seconds; Twilio's retries, minutes at most.
	GatherWindow = 10 * time.Minute
	// futureSkew is how far in the future an issue time may be: the clocks
	// of two function instances differ a little.
	futureSkew = time.Minute
	// MaxRemembered is how many applied gathers one function instance
	// remembers to refuse their replays: 16 384 signatures, under 1 MiB.
	MaxRemembered = 16 << 10
)

// Error is a refusal the client may see: a status, Chalice's error code and
// a message that is safe to show. The site renders it as its own errors.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

func forbidden(msg string) *Error {
	return &Error{Status: http.StatusForbidden, Code: "ForbiddenError", Message: msg}
}

func badRequest(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "BadRequestError", Message: fmt.Sprintf(format, args...)}
}

var (
	errNotConfigured = &Error{Status: http.StatusServiceUnavailable, Code: "ServiceUnavailableError",
		Message: "TWILIO_AUTH_TOKEN is not configured: the Twilio webhook is off"}
	errTokenUnavailable = &Error{Status: http.StatusServiceUnavailable, Code: "ServiceUnavailableError",
		Message: "the Twilio auth token could not be read: try again later"}
	errBadSignature = forbidden("invalid " + SignatureHeader + ": not Twilio's signature of this request")
	errReplayed     = &Error{Status: http.StatusConflict, Code: "ConflictError",
		Message: "this gather was applied already: a signed request counts once"}
)

// RefreshInterval is how often at most a Handler reads the auth token
// again after a signature failed (Config.RefreshAuthToken).
const RefreshInterval = time.Minute

// Handler serves the webhook's two routes. Make it with New.
type Handler struct {
	store     Store
	authToken func(ctx context.Context) (string, error)
	refresh   func(ctx context.Context) (string, error)
	now       func() time.Time
	log       *slog.Logger
	replays   *replays

	refreshMu     sync.Mutex
	lastRefreshed time.Time // when refresh was last called
}

// New returns the handlers. It panics if cfg.Store is nil, a mistake of the
// program.
func New(cfg Config) *Handler {
	if cfg.Store == nil {
		panic("twilio: Config.Store is nil: give the todo store")
	}
	h := &Handler{store: cfg.Store, authToken: cfg.AuthToken, refresh: cfg.RefreshAuthToken, now: cfg.Now, log: cfg.Logger,
		replays: newReplays(GatherWindow, MaxRemembered)}
	if h.now == nil {
		h.now = time.Now
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	return h
}

// Paths of the routes, as the site mounts them.
const (
	VoicePath  = "/twilio/voice"
	GatherPath = "/twilio/gather"
)

// What the caller hears.
const (
	language = "ja-JP"
	// voice is Amazon Polly's Japanese voice Mizuki, one of Twilio's.
	voice        = "Polly.Mizuki"
	promptText   = "こんにちは。追加するやることを、ひとことでお話しください。番号で入力するときは、最後にシャープを押してください。"
	noInputText  = "聞き取れませんでした。もう一度お願いします。"
	addedText    = "「%s」を追加しました。"
	memoFromCall = "電話で追加しました。"
)

// Voice answers a call: the prompt, inside a Gather whose action is the
// gather route, and a Redirect back here when the caller says nothing.
func (h *Handler) Voice(w http.ResponseWriter, r *http.Request) error {
	if _, _, err := h.verify(w, r); err != nil {
		return err
	}
	action := absolute(r, GatherPath)
	action.RawQuery = url.Values{"issued": {strconv.FormatInt(h.now().Unix(), 10)}}.Encode()
	return writeTwiML(w,
		gather{
			Input: "speech dtmf", Action: action.String(), Method: http.MethodPost, Language: language,
			Timeout: 5, SpeechTimeout: "auto", FinishOnKey: "#",
			Prompt: say{Voice: voice, Language: language, Text: promptText},
		},
		say{Voice: voice, Language: language, Text: noInputText},
		redirect{Method: http.MethodPost, URL: absolute(r, VoicePath).String()},
	)
}

// Gather stores what the caller said (SpeechResult) or keyed in (Digits)
// as a todo, says so and redirects back to Voice for the next one. Without
// either it says it heard nothing and redirects, storing nothing.
func (h *Handler) Gather(w http.ResponseWriter, r *http.Request) error {
	params, sig, err := h.verify(w, r)
	if err != nil {
		return err
	}
	if err := h.checkIssued(r); err != nil {
		return err
	}
	title := strings.TrimSpace(params.Get("SpeechResult"))
	if title == "" {
		title = params.Get("Digits")
	}
	back := redirect{Method: http.MethodPost, URL: absolute(r, VoicePath).String()}
	if title == "" {
		return writeTwiML(w, say{Voice: voice, Language: language, Text: noInputText}, back)
	}

	t, err := todo.New(todo.Draft{Title: title, Memo: memoFromCall, Priority: todo.DefaultPriority}, h.now())
	if err != nil {
		return err // the store's rules: a title too long is the caller's 400
	}
	t.ID = todo.IDFor("twilio gather " + base64.StdEncoding.EncodeToString(sig[:]))
	if !h.replays.claim(sig, h.now()) {
		h.log.InfoContext(r.Context(), "twilio: refused a replayed gather", "requestId", webapphttp.InfoFrom(r.Context()).RequestID)
		return errReplayed
	}
	if t, err = h.store.Create(r.Context(), t); err != nil {
		h.replays.release(sig) // nothing applied: Twilio's retry must pass
		return err
	}
	return writeTwiML(w, say{Voice: voice, Language: language, Text: fmt.Sprintf(addedText, t.Title)}, back)
}

// absolute is the absolute URL of the app's path p for the viewer of r:
// its scheme and host, and the stage when r came directly (webapphttp.URL).
func absolute(r *http.Request, p string) *url.URL {
	u := webapphttp.PublicURL(r)
	return &url.URL{Scheme: u.Scheme, Host: u.Host, Path: webapphttp.URL(r, p)}
}

// checkIssued refuses a gather whose action URL voice did not write within
// GatherWindow (see the package's Replays).
func (h *Handler) checkIssued(r *http.Request) error {
	issued, err := strconv.ParseInt(r.URL.Query().Get("issued"), 10, 64)
	if err != nil {
		return badRequest("the gather's URL has no valid issued time: use the action URL /twilio/voice writes")
	}
	age := h.now().Sub(time.Unix(issued, 0))
	if age > GatherWindow || age < -futureSkew {
		return forbidden("this gather's URL expired: it is accepted for " + GatherWindow.String() + " after the call's prompt")
	}
	return nil
}

// callSid is the shape of Twilio's call ids.
// validAfterRefresh checks the signature again with a token read afresh,
// if one may be read now (RefreshInterval) and differs from token.
func (h *Handler) validAfterRefresh(r *http.Request, token string, u *url.URL, params url.Values, sig []byte) bool {
	if h.refresh == nil {
		return false
	}
	h.refreshMu.Lock()
	now := h.now()
	due := h.lastRefreshed.IsZero() || now.Sub(h.lastRefreshed) >= RefreshInterval
	if due {
		h.lastRefreshed = now
	}
	h.refreshMu.Unlock()
	if !due {
		return false
	}
	fresh, err := h.refresh(r.Context())
	if err != nil {
		h.log.WarnContext(r.Context(), "twilio: the auth token could not be read again", "requestId", requestID(r), "err", errText(err))
		return false
	}
	return fresh != "" && fresh != token && valid(fresh, u, params, sig)
}

var callSid = regexp.MustCompile(`^CA[0-9a-f]{32}$`)

// verify reads r's form and checks its signature, in this order, each
// failure its own 4xx: the configuration (503), the media type (415), the
// body's size (413) and syntax (400), the signature header's shape (403),
// the token (503), the signature itself (403), then what Twilio never sends
// (400): a parameter twice, text that is not UTF-8, no valid CallSid. It
// returns the parameters and the signature.
func (h *Handler) verify(w http.ResponseWriter, r *http.Request) (url.Values, [sha1.Size]byte, error) {
	var sig [sha1.Size]byte
	if h.authToken == nil {
		return nil, sig, errNotConfigured
	}
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		return nil, sig, err
	}
	if r.Body == nil {
		r.Body = http.NoBody
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, sig, err
		}
		return nil, sig, badRequest("the request body could not be read")
	}
	params, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, sig, badRequest("malformed form: send Twilio's application/x-www-form-urlencoded parameters")
	}
	values := r.Header.Values(SignatureHeader)
	if len(values) != 1 {
		h.refused(r, "signature missing or repeated")
		return nil, sig, forbidden("missing " + SignatureHeader + ": only Twilio may call this URL")
	}
	decoded, ok := decodeSignature(values[0])
	if !ok {
		h.refused(r, "signature not the base64 of 20 bytes")
		return nil, sig, errBadSignature
	}
	copy(sig[:], decoded)
	token, err := h.authToken(r.Context())
	if err != nil || token == "" {
		// The reader's error, never the token: it says why it failed.
		h.log.ErrorContext(r.Context(), "twilio: the auth token could not be read", "requestId", requestID(r), "err", errText(err))
		return nil, sig, errTokenUnavailable
	}
	if u := webapphttp.PublicURL(r); !valid(token, u, params, decoded) && !h.validAfterRefresh(r, token, u, params, decoded) {
		h.refused(r, "signature does not match")
		return nil, sig, errBadSignature
	}
	for name, vs := range params {
		if len(vs) > 1 {
			return nil, sig, badRequest("parameter %q is given %d times: Twilio sends each once", name, len(vs))
		}
		if !utf8.ValidString(name) || !utf8.ValidString(vs[0]) {
			return nil, sig, badRequest("the form is not UTF-8: Twilio sends UTF-8")
		}
	}
	if !callSid.MatchString(params.Get("CallSid")) {
		return nil, sig, badRequest("CallSid is missing or not a call's id (CA and 32 hex digits)")
	}
	return params, sig, nil
}

// checkContentType accepts a urlencoded form in UTF-8: with no charset (the
// form's default, and what Twilio sends), utf-8 or us-ascii, its subset.
// Another charset is refused rather than decoded: Twilio sends UTF-8, and
// its signature is over the characters it sent, which a recoding could
// change.
func checkContentType(v string) error {
	mt, params, err := mime.ParseMediaType(v)
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return &Error{Status: http.StatusUnsupportedMediaType, Code: "UnsupportedMediaType",
			Message: "unsupported content type: send application/x-www-form-urlencoded, as Twilio does"}
	}
	switch cs := strings.ToLower(params["charset"]); cs {
	case "", "utf-8", "utf8", "us-ascii":
		return nil
	default:
		return &Error{Status: http.StatusUnsupportedMediaType, Code: "UnsupportedMediaType",
			Message: fmt.Sprintf("unsupported charset %q: send UTF-8, as Twilio does", cs)}
	}
}

// refused logs a request turned away for its signature: what was wrong,
// and the ids that find it in the other logs.
func (h *Handler) refused(r *http.Request, why string) {
	h.log.WarnContext(r.Context(), "twilio: refused an unsigned request", "why", why, "path", r.URL.Path, "requestId", requestID(r))
}

func requestID(r *http.Request) string { return webapphttp.InfoFrom(r.Context()).RequestID }

func errText(err error) string {
	if err == nil {
		return "the token is empty"
	}
	return err.Error()
}
