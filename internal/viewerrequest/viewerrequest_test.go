package viewerrequest

import (
	"strings"
	"testing"
)

// The function's behaviour is tested in node, by the local site's runner
// (internal/cli/localsite/redirect_test.go); these tests hold what Code
// writes.

func TestOneNameKeepsTheHostCopyByteForByte(t *testing.T) {
	if got := Code("www.example.com", nil); got != forwardHostCode {
		t.Errorf("Code without other names =\n%s\nwant viewer_request.js as it is:\n%s", got, forwardHostCode)
	}
}

func TestSeveralNamesAreWrittenIntoTheCode(t *testing.T) {
	code := Code("www.example.com", []string{"example.com", "www.example.net"})
	for _, want := range []string{
		`var mainHost = "www.example.com";`,
		`var redirectHosts = ["example.com","www.example.net"];`,
		"function forwardHost(event) {",
		"x-forwarded-host",
	} {
		if !strings.Contains(code, want) {
			t.Errorf("code does not contain %q:\n%s", want, code)
		}
	}
	if n := strings.Count(code, "function handler("); n != 1 {
		t.Errorf("code defines handler %d times, want once:\n%s", n, code)
	}
}

// TestCodeFitsCloudFrontFunctions: a hundred long names (CloudFront's
// quota of names per distribution) would not fit, and WebApp refuses them;
// the names a site has in practice leave most of the 10 KB free.
func TestCodeFitsCloudFrontFunctions(t *testing.T) {
	names := make([]string, 20)
	for i := range names {
		names[i] = strings.Repeat("x", 40) + ".example.com"
	}
	if size := len(Code("www.example.com", names)); size > MaxCodeSize/2 {
		t.Errorf("with 20 names of 52 characters the code is %d bytes, want at most half of %d", size, MaxCodeSize)
	}
}
