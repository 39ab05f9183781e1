// Package e2e tests the site as synthesized, end to end: one local site per
// test binary (package localsite: CloudFront, S3, API Gateway and the
// function's own bootstrap from cdk.out, dynalite for DynamoDB), driven over
// HTTP and, where Chromium is installed, in a headless browser.
//
// The assembly is the module's cdk.out when it is up to date with the
// source; otherwise the tests synthesize into a directory of their own, so
// that they never test stale code nor write over cdk.out while someone else
// reads it.
//
// With -site-url (make smoke SITE_URL=…) no local site starts: TestSmoke
// runs against that deployed site, and every other test skips.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gowebapp/webapp/internal/cli/localsite"
)

var siteURL = flag.String("site-url", "", "run TestSmoke against this deployed site, e.g. https://d111111abcdef8.cloudfront.net/, instead of the tests against a local site")

var (
	site    *localsite.Local
	root    string // the module's root
	siteLog = &lockedBuffer{}
	events  = &eventLog{}
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	flag.Parse()
	if testing.Short() {
		fmt.Fprintln(os.Stderr, "e2e: -short: not starting the local site")
		return m.Run()
	}
	var err error
	if root, err = filepath.Abs("../.."); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if *siteURL != "" {
		if u, err := url.Parse(*siteURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			fmt.Fprintf(os.Stderr, "e2e: -site-url %q is not a site's URL: give the stack's SiteUrl output, https://…/\n", *siteURL)
			return 2
		}
		fmt.Fprintf(os.Stderr, "e2e: smoke tests against %s (no local site)\n", *siteURL)
		code := m.Run()
		closeBrowser()
		return code
	}
	// The local site serves each secret the template references from its
	// own SSM server, taking this value before any file: the tests know the
	// Twilio token a developer's .secrets.local.json may hold otherwise.
	if err := os.Setenv("WEBAPP_SECRET_TWILIO_AUTH_TOKEN_VALUE", twilioTestToken); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	opts := localsite.Options{Dir: root, Addr: "127.0.0.1:0", Log: siteLog, Tap: events.add, Synth: localsite.SynthNever}
	st, err := localsite.CheckStale(root, filepath.Join(root, "cdk.out"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if st.Stale {
		dir, err := os.MkdirTemp("", "e2e-cdk.out-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		opts.Out, opts.Synth = dir, localsite.SynthAlways
		fmt.Fprintf(os.Stderr, "e2e: %s: synthesizing into %s\n", st.Reason, dir)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	site, err = localsite.Start(ctx, opts)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: the local site did not start: %v\n%s", err, siteLog)
		return 1
	}
	fmt.Fprintf(os.Stderr, "e2e: local site at %s, started in %.1f s\n", site.URL, time.Since(start).Seconds())
	code := m.Run()
	closeBrowser()
	site.Close()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "e2e: the local site's log:\n%s", siteLog)
	}
	return code
}

// requireSite returns the running local site, or skips in -short mode and
// against a deployed site (-site-url).
func requireSite(t *testing.T) *localsite.Local {
	t.Helper()
	if *siteURL != "" {
		t.Skip("-site-url: only TestSmoke runs against a deployed site")
	}
	if site == nil {
		t.Skip("-short: the local site is not started")
	}
	return site
}

// baseURL is the address of the site under test, without its trailing
// slash: the deployed one (-site-url) or the local one. It skips in -short
// mode, where there is neither.
func baseURL(t *testing.T) string {
	t.Helper()
	if *siteURL != "" {
		return strings.TrimSuffix(*siteURL, "/")
	}
	return strings.TrimSuffix(requireSite(t).URL, "/")
}

// lockedBuffer is a buffer for the site's log, written from many goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// eventLog keeps the events the site sent to its functions.
type eventLog struct {
	mu     sync.Mutex
	events [][]byte
}

func (l *eventLog) add(e []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, bytes.Clone(e))
}

// find returns the last event whose path and method are the given ones.
func (l *eventLog) find(method, path string) []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.events) - 1; i >= 0; i-- {
		var e struct{ HTTPMethod, Path string }
		if json.Unmarshal(l.events[i], &e) == nil && e.HTTPMethod == method && e.Path == path {
			return l.events[i]
		}
	}
	return nil
}

func readAllString(t *testing.T, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}
