package e2e

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "rewrite docs/screenshots/home.png")

// chromiumPaths are where Chromium is looked for; $CHROMIUM first.
var chromiumPaths = []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"}

var browser struct {
	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	dir    string
	skip   string // why the browser tests cannot run
}

// skipLoudly skips the test saying why, on stderr too, so that a skipped
// browser suite is never mistaken for a passing one.
func skipLoudly(t *testing.T, reason string) {
	t.Helper()
	fmt.Fprintf(os.Stderr, "\n!!! %s SKIPPED: %s\n\n", t.Name(), reason)
	t.Skip(reason)
}

// browserContext returns a new tab of the test binary's headless Chromium,
// for a test of the local site.
func browserContext(t *testing.T) context.Context {
	t.Helper()
	requireSite(t)
	return newTab(t)
}

// newTab returns a new tab of the test binary's headless Chromium. Without
// a browser, a test of the local site skips loudly; a smoke test of a
// deployed site (-site-url) fails, as nothing else would have checked it.
func newTab(t *testing.T) context.Context {
	t.Helper()
	browser.once.Do(startBrowser)
	if browser.skip != "" {
		if *siteURL != "" {
			t.Fatalf("the smoke tests need a browser: %s", browser.skip)
		}
		skipLoudly(t, browser.skip)
	}
	ctx, cancel := chromedp.NewContext(browser.ctx)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 45*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}

func startBrowser() {
	path := os.Getenv("CHROMIUM")
	if path == "" {
		for _, p := range chromiumPaths {
			if found, err := exec.LookPath(p); err == nil {
				path = found
				break
			}
		}
	}
	if path == "" {
		browser.skip = "Chromium is not installed (Debian: apt-get install chromium fonts-noto-cjk; `make test` installs it as root): the browser tests did not run"
		return
	}
	dir, err := os.MkdirTemp("", "e2e-chromium-")
	if err != nil {
		browser.skip = err.Error()
		return
	}
	browser.dir = dir
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancel := chromedp.NewContext(alloc)
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		cancel()
		cancelAlloc()
		browser.skip = fmt.Sprintf("Chromium (%s) does not start: %v", path, err)
		return
	}
	browser.ctx = ctx
	browser.cancel = func() { cancel(); cancelAlloc() }
}

func closeBrowser() {
	if browser.cancel != nil {
		browser.cancel()
	}
	if browser.dir != "" {
		os.RemoveAll(browser.dir)
	}
}

// watcher records what goes wrong in a tab: failed requests, HTTP errors,
// console errors, uncaught exceptions. CSP violations are caught in the page
// (see cspListener) and show as console errors too.
type watcher struct {
	mu       sync.Mutex
	problems []string
	urls     []string // every URL requested
	expected []string // URLs allowed to answer with an error
}

// watch starts recording the problems of the tab. Its func runs in the loop
// that reads the tab's messages (chromedp.Listen), so it sees every event
// before the command that follows the event returns.
func watch(t *testing.T, ctx context.Context) *watcher {
	t.Helper()
	w := &watcher{}
	requests := map[network.RequestID]string{}
	err := chromedp.Listen(ctx, func(ev any) {
		w.mu.Lock()
		defer w.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			requests[ev.RequestID] = ev.Request.URL
			w.urls = append(w.urls, ev.Request.URL)
		case *network.EventLoadingFailed:
			if !ev.Canceled {
				w.problems = append(w.problems, fmt.Sprintf("request for %s failed: %s", requests[ev.RequestID], ev.ErrorText))
			}
		case *network.EventResponseReceived:
			if ev.Response.Status >= 400 && !slices.Contains(w.expected, ev.Response.URL) {
				w.problems = append(w.problems, fmt.Sprintf("%s answered %d", ev.Response.URL, ev.Response.Status))
			}
		case *cdpruntime.EventExceptionThrown:
			w.problems = append(w.problems, "uncaught exception: "+(&chromedp.ExceptionError{ExceptionDetails: ev.ExceptionDetails}).Error())
		case *cdpruntime.EventConsoleAPICalled:
			if ev.Type == cdpruntime.ConsoleAPICalledTypeError || ev.Type == cdpruntime.ConsoleAPICalledTypeWarning {
				w.problems = append(w.problems, fmt.Sprintf("console.%s: %s", ev.Type, args(ev.Args)))
			}
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError && !slices.Contains(w.expected, ev.Entry.URL) {
				w.problems = append(w.problems, fmt.Sprintf("console error (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func args(list []*cdpruntime.RemoteObject) string {
	var s []string
	for _, a := range list {
		s = append(s, string(a.Value))
	}
	return strings.Join(s, " ")
}

func (w *watcher) expect(url string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.expected = append(w.expected, url)
}

// check fails the test with the problems seen so far, then forgets them.
func (w *watcher) check(t *testing.T, when string) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, p := range w.problems {
		t.Errorf("%s: %s", when, p)
	}
	w.problems = nil
}

func (w *watcher) requested(url string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Contains(w.urls, url)
}

// watchedTab opens a tab that records its problems (see watcher) and its
// pages' CSP violations (see cspListener).
func watchedTab(t *testing.T) (context.Context, *watcher) {
	t.Helper()
	return watchTab(t, browserContext(t))
}

// watchTab makes ctx's tab record its problems, as watchedTab does.
func watchTab(t *testing.T, ctx context.Context) (context.Context, *watcher) {
	t.Helper()
	w := watch(t, ctx)
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tab *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tab, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, tab, cdplog.Enable, cdp.Empty{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspListener})
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
	return ctx, w
}

// cspListener is run in every page before its own scripts: it keeps the
// page's Content-Security-Policy violations for the test to read.
const cspListener = `window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(e.violatedDirective + ' blocked ' + e.blockedURI);
});`

func checkCSP(t *testing.T, ctx context.Context, when string) {
	t.Helper()
	violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__cspViolations || []`))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range violations {
		t.Errorf("%s: content security policy violation: %s", when, v)
	}
}

// artifactsDir is where the screenshots go: build/artifacts/e2e.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(root, "build", "artifacts", "e2e")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func screenshot(t *testing.T, ctx context.Context, name string) []byte {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(artifactsDir(t), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	return png
}

// TestBrowser uses the site as a visitor does, in one tab: the home page
// with its stylesheet, script and image, the add form, a search in
// Japanese and a missing page — with no failed request, console error or
// content security policy violation anywhere.
func TestBrowser(t *testing.T) {
	ctx, w := watchedTab(t)
	base := strings.TrimSuffix(site.URL, "/")

	t.Run("home page with its stylesheet, script and image", func(t *testing.T) {
		resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(base+"/"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != 200 {
			t.Fatalf("GET / = %d", resp.Status)
		}
		type bodyStyle struct {
			Margin, Background, Font string
			LogoWidth                float64
		}
		style, err := chromedp.Run(ctx, chromedp.Evaluate[bodyStyle](`(() => {
			const s = getComputedStyle(document.body);
			const logo = document.querySelector('.brand img');
			return {Margin: s.margin, Background: s.backgroundColor, Font: s.fontFamily,
			        LogoWidth: logo && logo.complete ? logo.naturalWidth : 0};
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		if style.Margin != "0px" || style.Background == "rgba(0, 0, 0, 0)" || !strings.Contains(style.Font, "system-ui") {
			t.Errorf("computed body style %+v: the stylesheet is not applied (want margin 0, a background, its font stack)", style)
		}
		if style.LogoWidth <= 0 {
			t.Error("the logo image did not load")
		}
		assets := staticAssets(t)
		for _, src := range []string{"/css/site.css", "/js/app.js", "/images/logo.svg"} {
			if p, _ := assets.Path(src); !w.requested(base + p) {
				t.Errorf("the page did not request %s as %s", src, p)
			}
		}
		w.check(t, "home page")
		checkCSP(t, ctx, "home page")
	})

	t.Run("add a todo through the form", func(t *testing.T) {
		addTodo(t, ctx, "Buy milk", "2", "")
		actionsShown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`[...document.querySelectorAll('[data-actions]')].some(e => !e.hidden)`))
		if err != nil {
			t.Fatal(err)
		}
		if !actionsShown {
			t.Error("the todo's buttons are hidden: /js/app.js did not run")
		}
		w.check(t, "add a todo")
		checkCSP(t, ctx, "add a todo")
	})

	t.Run("search in Japanese", func(t *testing.T) {
		addTodo(t, ctx, "牛乳を買う", "1", "駅前のスーパーで")
		addTodo(t, ctx, "Write the report", "3", "")
		resp, err := chromedp.RunResponse(ctx,
			chromedp.SendKeys(chromedp.CSS(`#q`), "牛乳"),
			chromedp.Submit(chromedp.CSS(`#q`)),
		)
		if err != nil {
			t.Fatal(err)
		}
		heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main h1`)))
		if err != nil {
			t.Fatal(err)
		}
		titles, err := chromedp.Run(ctx, todoTitles)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != 200 || !strings.Contains(heading, "牛乳") || !slices.Equal(titles, []string{"牛乳を買う"}) {
			t.Errorf("search for 牛乳: %d, heading %q, results %q; want 200 and only 牛乳を買う", resp.Status, heading, titles)
		}
		screenshot(t, ctx, "search.png")
		w.check(t, "search")
		checkCSP(t, ctx, "search")
	})

	t.Run("home page screenshot", func(t *testing.T) {
		if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(base+"/")); err != nil {
			t.Fatal(err)
		}
		png := screenshot(t, ctx, "home.png")
		docs := filepath.Join(root, "docs", "screenshots", "home.png")
		if _, err := os.Stat(docs); *updateScreenshots || os.IsNotExist(err) {
			os.MkdirAll(filepath.Dir(docs), 0o755)
			if err := os.WriteFile(docs, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s", docs)
		}
		w.check(t, "home page")
	})

	t.Run("missing page", func(t *testing.T) {
		visitMissingPage(t, ctx, w, base)
	})
}

// visitMissingPage loads a path the site does not have and checks that the
// 404 page answers, with no problem in the tab and no CSP violation; it
// returns the response, for more checks.
func visitMissingPage(t *testing.T, ctx context.Context, w *watcher, base string) *network.Response {
	t.Helper()
	w.expect(base + "/no-such-page")
	resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(base+"/no-such-page"))
	if err != nil {
		t.Fatal(err)
	}
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.error .status`)))
	if err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 404 || status != "404" {
		t.Errorf("GET /no-such-page = %d, page status %q (title %q); want the 404 page", resp.Status, status, title)
	}
	w.check(t, "missing page")
	checkCSP(t, ctx, "missing page")
	return resp
}

// todoTitles reads the titles of the todos on the page.
var todoTitles = chromedp.Evaluate[[]string](`[...document.querySelectorAll('.todo-title')].map(e => e.textContent)`)

// addTodo fills and submits the add form, and waits for the redirect back
// to the list with the new todo in it.
func addTodo(t *testing.T, ctx context.Context, title, priority, memo string) {
	t.Helper()
	submitTodo(t, ctx, title, priority, memo)
	titles, err := chromedp.Run(ctx, todoTitles)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(titles, title) {
		t.Fatalf("after adding %q: todos %q; want it among them", title, titles)
	}
}

// submitTodo fills and submits the add form, and waits for the redirect
// back to the list.
func submitTodo(t *testing.T, ctx context.Context, title, priority, memo string) {
	t.Helper()
	base := baseURL(t)
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(base+"/")); err != nil {
		t.Fatal(err)
	}
	actions := []chromedp.Action[chromedp.Void]{
		chromedp.SendKeys(chromedp.CSS(`#title`), title),
		chromedp.SetValue(chromedp.CSS(`#priority`), priority),
	}
	if memo != "" {
		actions = append(actions, chromedp.SendKeys(chromedp.CSS(`#memo`), memo))
	}
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
	if typed, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#title`))); err != nil || typed != title {
		t.Fatalf("typed %q into the title, the field holds %q (%v)", title, typed, err)
	}
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`.add-form button[type=submit]`)))
	if err != nil {
		t.Fatal(err)
	}
	url, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || url != base+"/" {
		t.Fatalf("after adding %q: %d at %s; want the list at /", title, resp.Status, url)
	}
}

// TestBrowserChecksCanFail shows that the checks TestBrowser relies on see
// problems: a CSP violation, a console error and a failed request.
func TestBrowserChecksCanFail(t *testing.T) {
	ctx, w := watchedTab(t)
	base := strings.TrimSuffix(site.URL, "/")
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.Evaluate[chromedp.Void](`(() => {
			const img = document.createElement('img');
			img.src = 'https://example.invalid/tracker.png'; // default-src 'self' forbids it
			document.body.append(img);
			console.error('a console error');
			return fetch('/css/missing.css').then(() => true);
		})()`, chromedp.EvalAwaitPromise),
		chromedp.Sleep(200*time.Millisecond),
	)
	if err != nil {
		t.Fatal(err)
	}
	violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__cspViolations`))
	if err != nil {
		t.Fatal(err)
	}
	if len(violations) == 0 {
		t.Error("an image from another origin raised no securitypolicyviolation event")
	}
	w.mu.Lock()
	problems := strings.Join(w.problems, "\n")
	w.mu.Unlock()
	for _, want := range []string{"console.error: \"a console error\"", "/css/missing.css answered 403"} {
		if !strings.Contains(problems, want) {
			t.Errorf("the watcher saw:\n%s\nwant %q among them", problems, want)
		}
	}
}
