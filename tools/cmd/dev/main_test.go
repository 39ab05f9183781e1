package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestSiteServesPagesTodosAndEveryAsset runs `make dev` as it runs: the
// function in ./lambda built and started by the dev server, dynalite, the
// real ./static. The home page renders, every asset it refers to is served
// with its type, and a todo posted to the API is kept in dynalite (so the
// function got TABLE_NAME and the endpoint).
func TestSiteServesPagesTodosAndEveryAsset(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ./lambda and runs dynalite")
	}
	base := start(t)

	status, page := get(t, base+"/")
	if status != 200 {
		t.Fatalf("GET / = %d, want 200:\n%s", status, page)
	}
	assets := regexp.MustCompile(`(?:href|src)="(/(?:css|js|images)/[^"]+|/favicon\.ico)"`).FindAllStringSubmatch(page, -1)
	if len(assets) != 4 {
		t.Fatalf("the home page refers to %d assets, want 4 (css, js, logo, favicon)", len(assets))
	}
	wantType := map[string]string{".css": "text/css", ".js": "javascript", ".svg": "image/svg+xml", ".ico": ""}
	for _, m := range assets {
		resp, err := http.Get(base + m[1])
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(body) < 100 {
			t.Errorf("GET %s = %d with %d bytes, want 200 and a real file", m[1], resp.StatusCode, len(body))
		}
		ext := m[1][strings.LastIndex(m[1], "."):]
		if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, wantType[ext]) {
			t.Errorf("GET %s: Content-Type = %q, want %s", m[1], ct, wantType[ext])
		}
		if ext == ".ico" && !bytes.HasPrefix(body, []byte("\x00\x00\x01\x00")) {
			t.Errorf("favicon.ico does not start with the ICO header")
		}
	}

	resp, err := http.Post(base+"/todos", "application/json", strings.NewReader(`{"title":"buy 牛乳","priority":2}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /todos = %d %s, want 201", resp.StatusCode, body)
	}
	if status, list := get(t, base+"/todos"); status != 200 || !strings.Contains(list, "buy 牛乳") {
		t.Errorf("GET /todos = %d %s, want 200 with the todo just posted", status, list)
	}
}

// start runs the dev server on a free port until the test ends and returns
// its URL once the function answers.
func start(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	returned := make(chan error, 1)
	go func() { returned <- run(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		if err := <-returned; err != nil {
			t.Errorf("run = %v after cancel, want nil", err)
		}
	})

	base := "http://" + l.Addr().String()
	// The first build may take a while on a cold build cache: the dev
	// server answers 503 after a few seconds, and this asks again.
	for deadline := time.Now().Add(3 * time.Minute); ; {
		select {
		case err := <-returned:
			returned <- err // for the cleanup
			t.Fatalf("run returned before serving: %v", err)
		default:
		}
		switch status, body := get(t, base+"/healthz"); status {
		case 200:
			return base
		case http.StatusServiceUnavailable: // still building
		default:
			t.Fatalf("GET /healthz = %d, want 200:\n%s", status, body)
		}
		if time.Now().After(deadline) {
			t.Fatal("/healthz did not answer 200 within 3 minutes")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}
