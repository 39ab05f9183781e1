package e2e

import (
	"context"
	"crypto/rand"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// securityHeaders are the headers the distribution's response headers
// policy adds to every answer, with the value each must have ("" for any).
var securityHeaders = map[string]string{
	"Strict-Transport-Security": "",
	"Content-Security-Policy":   "",
	"X-Content-Type-Options":    "nosniff",
	"X-Frame-Options":           "DENY",
	"Referrer-Policy":           "strict-origin-when-cross-origin",
}

// TestSmoke is what a deploy checks on the site it deployed (make smoke
// SITE_URL=…): in one browser tab, the home page with its stylesheet and
// security headers, a todo created, found and deleted again, and the 404
// page, with no failed request, console error or CSP violation. make test
// runs it against the local site, so a deploy's smoke test is known to pass
// there. It leaves no data behind: the todo it creates is deleted through
// the page, or, if a step fails, through the API.
func TestSmoke(t *testing.T) {
	base := baseURL(t)
	ctx, w := watchTab(t, newTab(t))

	t.Run("home page with its stylesheet and security headers", func(t *testing.T) {
		resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(base+"/"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != 200 {
			t.Fatalf("GET / = %d, want 200", resp.Status)
		}
		checkSecurityHeaders(t, "GET /", resp.Headers)
		applied, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
			const s = getComputedStyle(document.body);
			return s.margin === "0px" && s.backgroundColor !== "rgba(0, 0, 0, 0)";
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		// The page links the stylesheet by its hashed name, the one this
		// deploy published (webappassets): whatever it is, it must load.
		sheet, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('link[rel="stylesheet"]')?.href ?? ""`))
		if err != nil {
			t.Fatal(err)
		}
		if !applied || !strings.HasPrefix(sheet, base+"/css/site.") || !w.requested(sheet) {
			t.Errorf("the stylesheet %q (/css/site.*.css) is not applied to the home page", sheet)
		}
		w.check(t, "home page")
		checkCSP(t, ctx, "home page")
	})

	t.Run("a todo created, found and deleted", func(t *testing.T) {
		// A word no other todo has, so that the search finds this one only.
		word := "smoke" + rand.Text()[:10]
		title := "Smoke test " + word
		deleted := false
		var todoURL string
		t.Cleanup(func() {
			if deleted {
				return
			}
			if todoURL == "" {
				todoURL = findThroughSearch(t, base, word)
			}
			if todoURL != "" {
				deleteThroughAPI(t, base, todoURL)
			}
		})
		submitTodo(t, ctx, title, "3", "")

		results := search(t, ctx, word)
		if !slices.Equal(results, []string{title}) {
			t.Fatalf("search for %s: %q, want only %q", word, results, title)
		}
		button, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`.todo button[data-action=delete]`), "data-url"))
		if err != nil || !button.Exists {
			t.Fatalf("the result has no delete button with its data-url (%v)", err)
		}
		todoURL = button.Value
		// app.js deletes through the API, then reloads the page.
		if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`.todo button[data-action=delete]`))); err != nil {
			t.Fatal(err)
		}
		if results := search(t, ctx, word); len(results) != 0 {
			t.Fatalf("after deleting it, search for %s finds %q, want nothing", word, results)
		}
		deleted = true
		w.check(t, "todo")
		checkCSP(t, ctx, "todo")
	})

	t.Run("missing page", func(t *testing.T) {
		resp := visitMissingPage(t, ctx, w, base)
		checkSecurityHeaders(t, "GET /no-such-page", resp.Headers)
	})
}

// search submits the search form with q and returns the titles found.
func search(t *testing.T, ctx context.Context, q string) []string {
	t.Helper()
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(baseURL(t)+"/")); err != nil {
		t.Fatal(err)
	}
	resp, err := chromedp.RunResponse(ctx, chromedp.SendKeys(chromedp.CSS(`#q`), q), chromedp.Submit(chromedp.CSS(`#q`)))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 {
		t.Fatalf("search for %s = %d, want 200", q, resp.Status)
	}
	titles, err := chromedp.Run(ctx, todoTitles)
	if err != nil {
		t.Fatal(err)
	}
	return titles
}

// checkSecurityHeaders fails t for each of securityHeaders missing from
// headers (as the browser received them: any case) or with another value.
func checkSecurityHeaders(t *testing.T, what string, headers network.Headers) {
	t.Helper()
	got := http.Header{}
	for k, v := range headers {
		if s, ok := v.(string); ok {
			got.Set(k, s)
		}
	}
	for name, want := range securityHeaders {
		switch v := got.Get(name); {
		case v == "":
			t.Errorf("%s: no %s header", what, name)
		case want != "" && v != want:
			t.Errorf("%s: %s is %q, want %q", what, name, v, want)
		}
	}
}

// deleteButtonURL finds a todo's data-url in a page (templates/layout.html).
var deleteButtonURL = regexp.MustCompile(`data-action="delete" data-url="([^"]+)"`)

// findThroughSearch returns the URL of the todo whose title has word, from
// the search page, or "" when there is none: for a smoke test that failed
// before it knew the URL.
func findThroughSearch(t *testing.T, base, word string) string {
	t.Helper()
	resp, err := http.Get(base + "/search?q=" + url.QueryEscape(word))
	if err != nil {
		t.Errorf("looking for the smoke test's todo %s: %v: delete it by hand", word, err)
		return ""
	}
	defer resp.Body.Close()
	page, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("looking for the smoke test's todo %s: %d %v: delete it by hand", word, resp.StatusCode, err)
		return ""
	}
	if m := deleteButtonURL.FindSubmatch(page); m != nil {
		return html.UnescapeString(string(m[1]))
	}
	return ""
}

// deleteThroughAPI deletes the todo at the page's URL for it (data-url),
// for a smoke test that failed before the page deleted it.
func deleteThroughAPI(t *testing.T, base, todoURL string) {
	t.Helper()
	u, err := url.Parse(base + "/")
	if err == nil {
		u, err = u.Parse(todoURL)
	}
	if err != nil {
		t.Errorf("the todo's URL %q: %v: delete it by hand", todoURL, err)
		return
	}
	req, _ := http.NewRequest(http.MethodDelete, u.String(), nil)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("deleting the smoke test's todo %s: %v: delete it by hand", u, err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusNotFound {
		t.Errorf("deleting the smoke test's todo %s = %d: delete it by hand", u, resp.StatusCode)
	}
}
