package devserver

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowebapp/webapp/internal/staticpaths"
)

// TestStaticPathTraversalServesNothingOutside sends traversal paths to the
// router over a real connection, so that no client cleans them first.
// A secret one level above the static directory, and /etc/passwd, never
// come back: each answer is a 4xx, or the app's answer for a path that is
// not a static one.
func TestStaticPathTraversalServesNothingOutside(t *testing.T) {
	root := t.TempDir()
	const secret = "secret-outside-static"
	writeFile(t, filepath.Join(root, "secret.txt"), secret)
	writeFile(t, filepath.Join(root, "static", "css", "site.css"), "body{}")
	srv := httptest.NewServer(route(staticpaths.Default(), os.DirFS(filepath.Join(root, "static")), appStub))
	defer srv.Close()

	for _, path := range []string{
		"/css/../../etc/passwd",
		"/css/../secret.txt",
		"/css/../../secret.txt",
		"/css/..%2f..%2fsecret.txt",
		"/css/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
		"/css/%2e%2e/%2e%2e/secret.txt",
		"/css/..%252f..%252fsecret.txt",
		`/css/..\..\secret.txt`,
		"/css//../../secret.txt",
		"/css/../css/site.css",
		"/js/../../../../../../etc/passwd%00.js",
		"/images/%c0%ae%c0%ae/secret.txt",
		"/favicon.ico/../secret.txt",
	} {
		status, body := rawGet(t, srv.Listener.Addr().String(), path)
		if strings.Contains(body, secret) || strings.Contains(body, "root:") {
			t.Errorf("GET %s = %d and served a file outside static/: %.100q", path, status, body)
		}
		if (status < 400 || status >= 500) && body != "app" {
			t.Errorf("GET %s = %d %.100q, want a 4xx or the app", path, status, body)
		}
	}
}

// rawGet sends the path as is on the request line and returns the answer.
func rawGet(t *testing.T, addr, path string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
