package localsite

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// listen serves h as the site's address does (newViewerServer) on a free
// port of loopback, until the test ends, and returns the address.
func listen(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newViewerServer(h)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// edgeWith returns the site's edge with invoke running its functions and a
// node worker its viewer functions.
func edgeWith(t *testing.T, site *Site, invoke invoker, log io.Writer) *edge {
	t.Helper()
	needNode(t)
	n, err := startNode(site.ViewerFunctions, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return newEdge(site, invoke, n, nil, log)
}

// rawRequest writes head (the request line and headers, lines ending in
// "\n", without the blank line that ends them) on a connection of its own,
// and returns the connection and a reader of what comes back.
func rawRequest(t *testing.T, addr, head string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := io.WriteString(conn, strings.ReplaceAll(head, "\n", "\r\n")+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	return conn, bufio.NewReader(conn)
}

func TestAsteriskFormIsCloudFronts400(t *testing.T) {
	e, fn, _ := testEdge(t, fixtureSite(t), ok)
	addr := listen(t, e)

	_, r := rawRequest(t, addr, "OPTIONS * HTTP/1.1\nHost: "+addr)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b := body(t, resp); resp.StatusCode != 400 || resp.Header.Get("Server") != "CloudFront" || !strings.Contains(b, "Bad request.") {
		t.Errorf("OPTIONS * = %d (Server %q)\n%s\nwant CloudFront's 400 Bad request", resp.StatusCode, resp.Header.Get("Server"), b)
	}
	if len(fn.events) != 0 {
		t.Errorf("OPTIONS * reached the function: %+v", fn.events)
	}

	// An OPTIONS of a path is a request like any other: it reaches the origin.
	_, r = rawRequest(t, addr, "OPTIONS /todos HTTP/1.1\nHost: "+addr)
	if resp, err = http.ReadResponse(r, nil); err != nil {
		t.Fatal(err)
	}
	if b := body(t, resp); resp.StatusCode != 200 || b != "ok" {
		t.Errorf("OPTIONS /todos = %d %q, want the function's 200", resp.StatusCode, b)
	}
}

func TestBodyThatDoesNotArriveIsCloudFronts504(t *testing.T) {
	const timeout = 300 * time.Millisecond
	for name, send := range map[string]func(conn net.Conn){
		"stalled": func(conn net.Conn) { io.WriteString(conn, `{"title":`) },
		"trickled": func(conn net.Conn) {
			go func() {
				for range 100 {
					if _, err := conn.Write([]byte(" ")); err != nil {
						return
					}
					time.Sleep(timeout / 10)
				}
			}()
		},
	} {
		t.Run(name, func(t *testing.T) {
			e, fn, _ := testEdge(t, fixtureSite(t), ok)
			e.bodyTimeout = timeout
			addr := listen(t, e)

			start := time.Now()
			conn, r := rawRequest(t, addr, "POST /todos HTTP/1.1\nHost: "+addr+"\nContent-Type: application/json\nContent-Length: 100")
			send(conn)
			resp, err := http.ReadResponse(r, nil)
			if err != nil {
				t.Fatalf("no answer to a body that never ends: %v", err)
			}
			b := body(t, resp)
			if took := time.Since(start); resp.StatusCode != 504 || !strings.Contains(b, originTimedOut) || took < timeout || took > timeout+5*time.Second {
				t.Errorf("after %v: %d\n%s\nwant CloudFront's 504 after %v", took, resp.StatusCode, b, timeout)
			}
			if !resp.Close {
				t.Error("the 504 keeps the connection open, want Connection: close")
			}
			if _, err := r.ReadByte(); err != io.EOF {
				t.Errorf("after the 504, read %v, want the connection closed", err)
			}
			if len(fn.events) != 0 {
				t.Errorf("the function was invoked with a body that never arrived: %+v", fn.events)
			}
		})
	}

	// A body that arrives in time is served, however long the origin then
	// takes: the request is not cancelled when the body's time is up.
	slow := func(ctx context.Context, _ *Function, _ []byte) ([]byte, error) {
		select {
		case <-time.After(2 * timeout):
			return json.Marshal(restResponse{StatusCode: 200, Body: "ok"})
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	e := edgeWith(t, fixtureSite(t), slow, io.Discard)
	e.bodyTimeout = timeout
	resp, err := http.Post("http://"+listen(t, e)+"/todos", "application/json", strings.NewReader(`{"title":"milk"}`))
	if err != nil {
		t.Fatal(err)
	}
	if b := body(t, resp); resp.StatusCode != 200 || b != "ok" {
		t.Errorf("a body in time, a slow origin: %d %q, want the function's 200", resp.StatusCode, b)
	}
}

func TestBodiesOverTheLimitsAreRefusedAsDeployed(t *testing.T) {
	e, fn, _ := testEdge(t, fixtureSite(t), ok)

	// Over API Gateway's 10 MB: its plain answer, through CloudFront.
	r := httptest.NewRequest("POST", "/todos", bytes.NewReader(make([]byte, maxAPIPayload+1)))
	resp := serve(e, r)
	if b := body(t, resp); resp.StatusCode != 413 || b != "HTTP content length exceeded 10485760 bytes." ||
		resp.Header.Get("Content-Type") != "text; charset=utf-8" || resp.Header.Get("X-Cache") != "Error from cloudfront" {
		t.Errorf("11 MB body: %d %q (%q, X-Cache %q), want API Gateway's 413 through CloudFront", resp.StatusCode, b,
			resp.Header.Get("Content-Type"), resp.Header.Get("X-Cache"))
	}
	// Under 10 MB but over Lambda's 6 MB once in the event (base64, for
	// the binary media type */*): API Gateway's Request Too Long.
	r = httptest.NewRequest("POST", "/todos", bytes.NewReader(make([]byte, 5<<20)))
	r.Header.Set("Content-Type", "image/png")
	resp = serve(e, r)
	if b := body(t, resp); resp.StatusCode != 413 || b != `{"message": "Request Too Long"}` || resp.Header.Get("X-Amzn-Errortype") != "BadRequestException" {
		t.Errorf("5 MB binary body: %d %q (%s), want API Gateway's 413 Request Too Long", resp.StatusCode, b, resp.Header.Get("X-Amzn-Errortype"))
	}
	if len(fn.events) != 0 {
		t.Errorf("the function was invoked with a payload Lambda refuses")
	}
}

func TestCrashedFunctionIs502AndTheNextRequestRunsAFreshInit(t *testing.T) {
	log := &lockedLog{}
	fn := &Function{LogicalID: "Echo", Name: "web-Echo-ABC", Timeout: 5 * time.Second, MemoryMB: 128}
	l := newLambdaRuntime(fn, echoBinary(t), nil, 1, log, nil)
	t.Cleanup(l.Close)
	invoke := func(ctx context.Context, _ *Function, payload []byte) ([]byte, error) { return l.Invoke(ctx, payload) }
	url := "http://" + listen(t, edgeWith(t, fixtureSite(t), invoke, log)) + "/"

	initOf := func(path string) string {
		t.Helper()
		var a echoAnswer
		if err := json.Unmarshal([]byte(get(t, url+path)), &a); err != nil {
			t.Fatal(err)
		}
		return a.InitID
	}
	before := initOf("before")
	resp, err := http.Get(url + "panic")
	if err != nil {
		t.Fatal(err)
	}
	if b := body(t, resp); resp.StatusCode != 502 || b != `{"message":"Internal server error"}` {
		t.Errorf("GET /panic = %d %q, want API Gateway's 502 Internal server error", resp.StatusCode, b)
	}
	if after := initOf("after"); after == before {
		t.Errorf("the request after the crash ran in the crashed environment (init %s), want a fresh one\n%s", after, log.String())
	}
}
