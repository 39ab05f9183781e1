package e2e

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// axeTags are the rule sets the pages must pass: WCAG 2.0, 2.1 and 2.2, A and AA.
const axeTags = `["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]`

// axeViolation is what a failing test shows of one of axe's violations.
type axeViolation struct {
	ID     string    `json:"id"`
	Impact string    `json:"impact"`
	Help   string    `json:"help"`
	Nodes  []axeNode `json:"nodes"` // the first few only
	Count  int       `json:"count"` // of all the nodes
}

type axeNode struct {
	Target         []string `json:"target"`
	FailureSummary string   `json:"failureSummary"`
}

// axeRun runs axe in the page and keeps, of each violation, what a failure
// message needs (the whole result is megabytes of passes).
const axeRun = `axe.run(document, {runOnly: {type: "tag", values: ` + axeTags + `}}).then(r =>
  r.violations.map(v => ({
    id: v.id, impact: v.impact || "", help: v.help, count: v.nodes.length,
    nodes: v.nodes.slice(0, 3).map(n => ({target: n.target.map(String), failureSummary: n.failureSummary || ""})),
  })))`

// TestAccessibility runs axe-core against the home page, a page of search
// results and the 404 page of the local site, and fails on any WCAG 2.2 A or
// AA violation.
func TestAccessibility(t *testing.T) {
	requireSite(t)
	ctx := axeTab(t)
	base := strings.TrimSuffix(site.URL, "/")
	addTodo(t, ctx, "Read the axe report", "2", "Contrast and labels")
	for _, p := range []struct{ name, path string }{
		{"home page", "/"},
		{"search results", "/search?q=axe"},
		{"missing page", "/no-such-page"},
	} {
		t.Run(p.name, func(t *testing.T) { checkAxe(t, ctx, base+p.path) })
	}
}

// axeTab returns a browser tab that ignores the pages' Content-Security-
// Policy, which forbids the injected axe (script-src 'self'): a test in it
// says nothing about CSP (TestBrowser checks that). It skips loudly without
// node_modules/axe-core.
func axeTab(t *testing.T) context.Context {
	t.Helper()
	axePath := filepath.Join(root, "node_modules", "axe-core", "axe.min.js")
	axe, err := os.ReadFile(axePath)
	if errors.Is(err, fs.ErrNotExist) {
		skipLoudly(t, fmt.Sprintf("%s is missing: add the npm package axe-core (devDependencies) and run npm ci: the accessibility checks did not run", axePath))
	}
	if err != nil {
		t.Fatal(err)
	}
	axeScript = string(axe)
	ctx := newTab(t)
	err = chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tab *chromedp.Target) error {
		_, err := cdp.Call(ctx, tab, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true})
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

// axeScript is axe.min.js, read by axeTab.
var axeScript string

// checkAxe loads url in the tab, runs axe in it and fails the test for each
// violation, naming the rule and the first nodes. It returns the page's
// HTTP status.
func checkAxe(t *testing.T, ctx context.Context, url string) int64 {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(url))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](axeScript)); err != nil {
		t.Fatalf("injecting axe: %v", err)
	}
	violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe.run: %v", err)
	}
	for _, v := range violations {
		var nodes []string
		for _, n := range v.Nodes {
			nodes = append(nodes, fmt.Sprintf("  %s: %s", strings.Join(n.Target, " "), strings.ReplaceAll(n.FailureSummary, "\n", " ")))
		}
		t.Errorf("%s: %s (%s, %d nodes): %s\n%s", url, v.ID, v.Impact, v.Count, v.Help, strings.Join(nodes, "\n"))
	}
	return resp.Status
}
