package site

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gowebapp/webapp/internal/app/todo"
	"github.com/gowebapp/webapp/internal/app/todo/todotest"
	"github.com/gowebapp/webapp/tools/dynalitetest"
	"github.com/gowebapp/webapp/tools/faultproxy"
	"github.com/gowebapp/webapp/webapphttp"
)

// The tests here put a fault-injecting proxy between the store's client
// (configured as the function's, with todo.FailFast) and dynalite, send API
// Gateway's events through webapphttp.Handler as Lambda would, and check
// that the site answers 503 with Retry-After within its deadline, and that
// what a later read shows matches what the client was told.

// faultBudget is the sites' RequestTimeout here: short, for the tests'
// sake. (TestFailFastEndsCallsWithinTheDeadline in package todo shows the
// attempts within a longer one.)
const faultBudget = 1500 * time.Millisecond

// answerSlack is how late past its deadline a 503 may be: the time to
// render and log it, on a busy machine.
const answerSlack = 700 * time.Millisecond

// faultRig is a site over a store whose DynamoDB traffic goes through proxy,
// and truth, a store of the same tables that reads dynalite directly.
type faultRig struct {
	site  http.Handler
	proxy *faultproxy.Proxy
	truth *todo.Store
	logs  *syncLog
}

// syncLog is a log buffer safe for concurrent handlers.
type syncLog struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func newFaultRig(t *testing.T, budget time.Duration) *faultRig {
	t.Helper()
	server := dynalitetest.Start(t)
	proxy, err := faultproxy.Start(server.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	items, index := todotest.NewTables(t, server.Client())
	client := dynamodb.New(dynamodb.Options{
		Region:       dynalitetest.Region,
		BaseEndpoint: aws.String(proxy.Endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("dynalite", "dynalite", ""),
	}, todo.FailFast)
	logs := &syncLog{}
	h, err := webapphttp.Wrap(New(Config{
		Store:          todo.NewStore(client, items, index),
		Logger:         slog.New(slog.NewJSONHandler(logs, nil)),
		RequestTimeout: budget,
	}), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return &faultRig{site: h, proxy: proxy, truth: todo.NewStore(server.Client(), items, index), logs: logs}
}

// event is an API Gateway event of a request sent to the execute-api domain.
func event(method, target, contentType, body string, header ...string) events.APIGatewayProxyRequest {
	path, query, _ := strings.Cut(target, "?")
	h := map[string]string{"Host": "k3x9q7w2ab.execute-api.ap-northeast-1.amazonaws.com"}
	if contentType != "" {
		h["Content-Type"] = contentType
	}
	for i := 0; i+1 < len(header); i += 2 {
		h[header[i]] = header[i+1]
	}
	mv := map[string][]string{}
	for k, v := range h {
		mv[k] = []string{v}
	}
	e := events.APIGatewayProxyRequest{
		Resource: "/{proxy+}", Path: path, HTTPMethod: method, Body: body,
		Headers: h, MultiValueHeaders: mv,
		RequestContext: events.APIGatewayProxyRequestContext{
			Stage: "prod", RequestID: "fault-req", Path: "/prod" + path,
			DomainName: h["Host"], Identity: events.APIGatewayRequestIdentity{SourceIP: "203.0.113.9"},
		},
	}
	if query != "" {
		e.MultiValueQueryStringParameters = map[string][]string{}
		for _, kv := range strings.Split(query, "&") {
			k, v, _ := strings.Cut(kv, "=")
			e.MultiValueQueryStringParameters[k] = append(e.MultiValueQueryStringParameters[k], v)
		}
	}
	return e
}

// invokeWithin sends e to h as Lambda does to a function with timeout left
// before it times out, and returns the response and how long it took.
func invokeWithin(t *testing.T, h http.Handler, e events.APIGatewayProxyRequest, timeout time.Duration) (events.APIGatewayProxyResponse, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: "lambda-fault"})
	start := time.Now()
	resp, err := webapphttp.Handler(h)(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	return resp, time.Since(start)
}

// do sends e with the fault cleared, failing the test unless the status is
// one of want.
func (rig *faultRig) do(t *testing.T, e events.APIGatewayProxyRequest, want ...int) events.APIGatewayProxyResponse {
	t.Helper()
	rig.proxy.Set(faultproxy.Pass())
	resp, _ := invokeWithin(t, rig.site, e, 10*time.Second)
	for _, w := range want {
		if resp.StatusCode == w {
			return resp
		}
	}
	t.Fatalf("%s %s = %d %s, want one of %v", e.HTTPMethod, e.Path, resp.StatusCode, resp.Body, want)
	return resp
}

func (rig *faultRig) create(t *testing.T, title string) todo.Todo {
	t.Helper()
	resp := rig.do(t, event("POST", "/todos", jsonType, fmt.Sprintf(`{"title":%q}`, title)), 201)
	var created todo.Todo
	if err := json.Unmarshal([]byte(resp.Body), &created); err != nil {
		t.Fatal(err)
	}
	return created
}

// assertUnavailable checks that resp is the 503 a client must get: Chalice's
// ServiceUnavailableError (or the page, for a browser), Retry-After, the
// request id, and no internal detail.
func assertUnavailable(t *testing.T, resp events.APIGatewayProxyResponse, html bool) {
	t.Helper()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status = %d %s, want 503", resp.StatusCode, resp.Body)
	}
	if got := header(resp, "Retry-After"); got != retryAfterSeconds {
		t.Errorf("Retry-After = %q, want %q", got, retryAfterSeconds)
	}
	if html {
		if ct := header(resp, "Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("Content-Type = %q, want the error page", ct)
		}
	} else {
		var e errorBody
		if err := json.Unmarshal([]byte(resp.Body), &e); err != nil || e.Code != "ServiceUnavailableError" {
			t.Errorf("body = %s, want Code ServiceUnavailableError", resp.Body)
		}
	}
	for _, leak := range []string{"dial", "127.0.0.1", "Exception", "deadline"} {
		if strings.Contains(resp.Body, leak) {
			t.Errorf("body reveals %q: %s", leak, resp.Body)
		}
	}
	if !strings.Contains(resp.Body, "fault-req") {
		t.Errorf("body lacks the request id: %s", resp.Body)
	}
}

// assertToldUnknown checks that a 503 to a write tells the client the
// write may have happened and how to repeat it safely, and a read's does not.
func assertToldUnknown(t *testing.T, resp events.APIGatewayProxyResponse, write bool) {
	t.Helper()
	if told := strings.Contains(resp.Body, "may or may not have been"); told != write {
		t.Errorf("write %v, told the outcome is unknown %v: %s", write, told, resp.Body)
	}
}

// header is a response header, from either of the adapter's maps.
func header(resp events.APIGatewayProxyResponse, name string) string {
	if v := resp.MultiValueHeaders[name]; len(v) > 0 {
		return v[0]
	}
	return resp.Headers[name]
}

// faults are the ways DynamoDB fails, as the proxy plays them; readsFail
// is false for those that only writes meet.
var faults = []struct {
	fault     faultproxy.Fault
	readsFail bool
}{
	{faultproxy.Delay(2 * faultBudget), true},
	{faultproxy.Drop(), true},
	{faultproxy.Reset(), true},
	{faultproxy.Throttle("ThrottlingException"), true},
	{faultproxy.Throttle("ProvisionedThroughputExceededException"), true},
	{faultproxy.LoseReplies(), true},
	// The writes of the items are made, and their answers lost: the
	// outcome the client cannot know.
	{faultproxy.LoseReplies("PutItem", "DeleteItem"), false},
}

// TestFaultsAnswer503WithinTheDeadline: for each fault and each kind of
// request, 503 with Retry-After, never a 500, never later than the
// deadline; then, with the fault cleared, the client's retry as the 503
// told it, and a read showing that each write happened exactly once.
func TestFaultsAnswer503WithinTheDeadline(t *testing.T) {
	for _, tt := range faults {
		fault := tt.fault
		t.Run(strings.ReplaceAll(fault.String(), " ", "_"), func(t *testing.T) {
			t.Parallel()
			rig := newFaultRig(t, faultBudget)
			existing := rig.create(t, "existing "+fault.String())
			doomed := rig.create(t, "doomed "+fault.String())
			id, key := existing.ID, "key-"+fault.String()

			steps := []struct {
				name string
				e    events.APIGatewayProxyRequest
				html bool
				read bool
			}{
				{"list", event("GET", "/todos", "", ""), false, true},
				{"get", event("GET", "/todos/"+id, "", ""), false, true},
				{"search page", event("GET", "/search?q=existing", "", "", "Accept", browserHTML), true, true},
				{"create", event("POST", "/todos", jsonType, `{"title":"made once"}`, idempotencyKeyHeader, key), false, false},
				{"create from the form", event("POST", "/todos", formURLEncoded, form("title", "made once by form", idempotencyKeyField, key+"-form"), "Accept", browserHTML), true, false},
				{"update", event("PUT", "/todos/"+id, jsonType, `{"completed":true,"version":1}`), false, false},
				{"delete", event("DELETE", "/todos/"+doomed.ID+"?version=1", "", ""), false, false},
			}
			for _, step := range steps {
				rig.proxy.Set(fault)
				resp, took := invokeWithin(t, rig.site, step.e, 10*time.Second)
				if took > faultBudget+answerSlack {
					t.Errorf("%s: answered after %v, want within %v", step.name, took, faultBudget+answerSlack)
				}
				if step.read && !tt.readsFail {
					if resp.StatusCode != 200 {
						t.Errorf("%s = %d %s, want 200: reads meet no fault", step.name, resp.StatusCode, resp.Body)
					}
					continue
				}
				assertUnavailable(t, resp, step.html)
				assertToldUnknown(t, resp, !step.read)
			}

			// The client does what the 503 said: sends the writes again.
			rig.do(t, steps[3].e, 201)
			rig.do(t, steps[4].e, 303)
			if resp := rig.do(t, steps[5].e, 200, 409); resp.StatusCode == 409 {
				t.Logf("update: had happened (409 on the repeat)")
			}
			rig.do(t, steps[6].e, 204, 404)

			ctx := context.Background()
			if got, err := rig.truth.Get(ctx, id); err != nil || !got.Completed || got.Version != 2 {
				t.Errorf("after the update and its repeat: %+v, %v; want completed at version 2, updated once", got, err)
			}
			if _, err := rig.truth.Get(ctx, doomed.ID); err != todo.ErrNotFound {
				t.Errorf("after the delete and its repeat: Get = %v, want ErrNotFound", err)
			}
			page, err := rig.truth.List(ctx, 100, "")
			if err != nil {
				t.Fatal(err)
			}
			count := map[string]int{}
			for _, got := range page.Items {
				count[got.Title]++
			}
			for _, title := range []string{"made once", "made once by form", existing.Title} {
				if count[title] != 1 {
					t.Errorf("todos titled %q: %d, want 1 (listed: %v)", title, count[title], count)
				}
			}
			if len(page.Items) != 3 {
				t.Errorf("listed %d todos, want 3: %v", len(page.Items), count)
			}
			if !strings.Contains(rig.logs.String(), `"msg":"database unavailable"`) {
				t.Errorf("no warning logged with the cause: %s", rig.logs.String())
			}
			if strings.Contains(rig.logs.String(), `"status":500`) {
				t.Errorf("a request got 500: %s", rig.logs.String())
			}
		})
	}
}

// TestSlowDatabaseWithinTheDeadlineServes: DynamoDB slower than usual but
// within the deadline is no fault: the requests succeed.
func TestSlowDatabaseWithinTheDeadlineServes(t *testing.T) {
	rig := newFaultRig(t, faultBudget)
	created := rig.create(t, "slow")
	rig.proxy.Set(faultproxy.Delay(100 * time.Millisecond))
	for _, e := range []events.APIGatewayProxyRequest{
		event("GET", "/todos/"+created.ID, "", ""),
		event("PUT", "/todos/"+created.ID, jsonType, `{"completed":true,"version":1}`),
	} {
		if resp, took := invokeWithin(t, rig.site, e, 10*time.Second); resp.StatusCode != 200 {
			t.Errorf("%s %s = %d after %v, want 200", e.HTTPMethod, e.Path, resp.StatusCode, took)
		}
	}
}

// TestRequestOutlivingTheFunctionsDeadline: a function with less time left
// than RequestTimeout (the default, 8 s) answers 503 a second before Lambda
// would stop it, rather than being killed with no answer (API Gateway's
// bare 502) or holding the client until API Gateway's 29 s.
func TestRequestOutlivingTheFunctionsDeadline(t *testing.T) {
	rig := newFaultRig(t, 0)
	rig.proxy.Set(faultproxy.Drop())
	const left = 3 * time.Second
	resp, took := invokeWithin(t, rig.site, event("GET", "/todos", "", ""), left)
	assertUnavailable(t, resp, false)
	if want := left - answerMargin; took < want-100*time.Millisecond || took > want+answerSlack {
		t.Errorf("answered after %v, want about %v: the function's deadline less the margin", took, want)
	}
}

// TestWriteWhoseFirstAnswerIsLost: DynamoDB makes a write and its answer is
// lost; the SDK sends it again, which fails its condition (the id is taken,
// the version moved on). The store sees that the item is its own write and
// the client is told the write succeeded, once.
func TestWriteWhoseFirstAnswerIsLost(t *testing.T) {
	// Room for an attempt that times out, a backoff and a second attempt.
	const budget = todo.AttemptTimeout + 2*time.Second
	rig := newFaultRig(t, budget)

	rig.proxy.Set(faultproxy.LoseFirstReply("PutItem"))
	resp, took := invokeWithin(t, rig.site, event("POST", "/todos", jsonType, `{"title":"answer lost"}`), 10*time.Second)
	if resp.StatusCode != 201 {
		t.Fatalf("create = %d %s after %v, want 201", resp.StatusCode, resp.Body, took)
	}
	var created todo.Todo
	if err := json.Unmarshal([]byte(resp.Body), &created); err != nil {
		t.Fatal(err)
	}
	if took < todo.AttemptTimeout {
		t.Errorf("create took %v: the proxy lost no answer", took)
	}

	rig.proxy.Set(faultproxy.LoseFirstReply("PutItem"))
	resp, took = invokeWithin(t, rig.site, event("PUT", "/todos/"+created.ID, jsonType, `{"completed":true,"version":1}`), 10*time.Second)
	if resp.StatusCode != 200 {
		t.Fatalf("update = %d %s after %v, want 200", resp.StatusCode, resp.Body, took)
	}
	got, err := rig.truth.Get(context.Background(), created.ID)
	if err != nil || !got.Completed || got.Version != 2 {
		t.Errorf("stored: %+v, %v; want completed at version 2", got, err)
	}
	page, err := rig.truth.List(context.Background(), 10, "")
	if err != nil || len(page.Items) != 1 {
		t.Errorf("listed %d todos, %v; want the one", len(page.Items), err)
	}
}

// TestCreateWithIdempotencyKey: a create sent again with its key gets the
// todo the first made (201, the same id), a key used for another todo 409,
// and the home page's form carries a fresh key each time.
func TestCreateWithIdempotencyKey(t *testing.T) {
	store, _ := todotest.NewStore(t)
	h, _ := newSite(t, store, false)
	send := func(body, key string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/todos", strings.NewReader(body))
		r.Header.Set("Content-Type", jsonType)
		r.Header.Set(idempotencyKeyHeader, key)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	first := send(`{"title":"once"}`, "k1")
	again := send(`{"title":"once"}`, "k1")
	if first.Code != 201 || again.Code != 201 {
		t.Fatalf("create, create again = %d, %d; want 201, 201", first.Code, again.Code)
	}
	var a, b todo.Todo
	decodeJSONBody(t, first, &a)
	decodeJSONBody(t, again, &b)
	if a.ID != b.ID || a.ID != todo.IDFor("k1") {
		t.Errorf("ids %s, %s; want both %s", a.ID, b.ID, todo.IDFor("k1"))
	}
	if w := send(`{"title":"another"}`, "k1"); w.Code != 409 {
		t.Errorf("another todo with the key = %d %s, want 409", w.Code, w.Body)
	}
	if w := send(`{"title":"long key"}`, strings.Repeat("k", maxIdempotencyKey+1)); w.Code != 400 {
		t.Errorf("a key of %d bytes = %d, want 400", maxIdempotencyKey+1, w.Code)
	}
	page, err := store.List(t.Context(), 10, "")
	if err != nil || len(page.Items) != 1 {
		t.Errorf("stored %d todos, %v; want 1", len(page.Items), err)
	}

	keyOf := func() string {
		body := serve(h, req{method: "GET", target: "/"}).Body.String()
		_, rest, ok := strings.Cut(body, `name="idempotencyKey" value="`)
		key, _, _ := strings.Cut(rest, `"`)
		if !ok || key == "" {
			t.Fatalf("the home page's form has no idempotency key")
		}
		return key
	}
	if k1, k2 := keyOf(), keyOf(); k1 == k2 {
		t.Errorf("two home pages have the same key %q", k1)
	}
}
