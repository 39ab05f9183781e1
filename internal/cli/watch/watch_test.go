package watch

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// fast is the scan interval of the tests that need no debounce margin.
const fast = 10 * time.Millisecond

// timeout bounds every wait for a Change: generous, since the machine may
// be busy; a passing test never waits for it.
const timeout = 10 * time.Second

func TestSourceFiles(t *testing.T) {
	for rel, want := range map[string]bool{
		"main.go":                            true,
		"lambda/main.go":                     true,
		"internal/app/site/templates/x.html": true,
		"views/page.tmpl":                    true,
		"views/page.gohtml":                  true,
		"go.mod":                             true,
		"go.sum":                             true,
		"sub/go.mod":                         true,
		"main_test.go":                       false,
		"lambda/.#main.go":                   false, // an Emacs lock file
		"lambda/.main.go.swp":                false, // a Vim swap file
		"main.go~":                           false,
		"static/css/site.css":                false,
		"README.md":                          false,
		"cdk.json":                           false,
	} {
		if got := SourceFiles(rel); got != want {
			t.Errorf("SourceFiles(%q) = %v, want %v", rel, got, want)
		}
	}
}

func TestChangeString(t *testing.T) {
	for _, tt := range []struct {
		files []string
		want  string
	}{
		{nil, "nothing changed"},
		{[]string{"lambda/main.go"}, "lambda/main.go changed"},
		{[]string{"a.go", "b.go"}, "a.go and b.go changed"},
		{[]string{"a.go", "b.go", "c.go", "d.go", "e.go", "f.go", "g.go", "h.go", "i.go", "j.go", "k.go", "l.go"}, "a.go and 11 more changed"},
	} {
		if got := (Change{Files: tt.files}).String(); got != tt.want {
			t.Errorf("Change%q.String() = %q, want %q", tt.files, got, tt.want)
		}
	}
}

func TestModifiedFileIsReported(t *testing.T) {
	root := t.TempDir()
	write(t, root, "lambda/main.go", "package main")
	changes := start(t, root, fast)

	write(t, root, "lambda/main.go", "package main // edited")
	assertNext(t, changes, "lambda/main.go")
}

// Each test below writes what must not be reported first, then a file
// that must: the first Change shows whether the others were seen, with no
// sleep to guess how long "never" is.

func TestNonMatchingFileIsNotReported(t *testing.T) {
	root := t.TempDir()
	changes := start(t, root, fast)

	write(t, root, "static/css/site.css", "body{}")
	write(t, root, "lambda/main_test.go", "package main")
	write(t, root, "lambda/main.go", "package main")
	assertNext(t, changes, "lambda/main.go")
}

func TestSkippedDirectoriesAreNotReported(t *testing.T) {
	root := t.TempDir()
	write(t, root, "go.mod", "module example.com/site")
	changes := start(t, root, fast)

	write(t, root, "nested/go.mod", "module example.com/nested") // first: the directory is a module from the start
	for _, rel := range []string{
		"nested/main.go",
		".git/hooks/x.go",
		"node_modules/pkg/x.go",
		"cdk.out/asset.1/main.go",
		"testdata/fixture.go",
		"_old/main.go",
	} {
		write(t, root, rel, "package x")
	}
	write(t, root, "lambda/main.go", "package main")
	assertNext(t, changes, "lambda/main.go")
}

func TestCreatedAndDeletedFilesAreReported(t *testing.T) {
	root := t.TempDir()
	write(t, root, "old.go", "package site")
	changes := start(t, root, fast)

	if err := os.Remove(filepath.Join(root, "old.go")); err != nil {
		t.Fatal(err)
	}
	write(t, root, "new.go", "package site")
	// The two may come as one Change or two: collect until both are seen.
	seen := map[string]bool{}
	for !seen["old.go"] || !seen["new.go"] {
		for _, f := range next(t, changes).Files {
			seen[f] = true
		}
	}
	if len(seen) != 2 {
		t.Errorf("changed files = %v, want old.go and new.go only", seen)
	}
}

func TestRemovedDirectoryReportsItsFiles(t *testing.T) {
	root := t.TempDir()
	write(t, root, "pkg/a.go", "package pkg")
	write(t, root, "pkg/b.go", "package pkg")
	w := newTicked(t, root) // so that no scan runs between the two files' removal

	if err := os.RemoveAll(filepath.Join(root, "pkg")); err != nil {
		t.Fatal(err)
	}
	w.scan()
	w.scan()
	assertNext(t, w.changes, "pkg/a.go", "pkg/b.go")
}

// The debounce tests time the scans themselves, one tick at a time, and
// wait for each to end, so that what each scan sees is certain.

func TestBurstIsOneChange(t *testing.T) {
	root := t.TempDir()
	w := newTicked(t, root)

	write(t, root, "a.go", "package site")
	w.scanDuringBurst() // sees a.go
	write(t, root, "b/b.go", "package b")
	write(t, root, "go.mod", "module example.com/site")
	w.scanDuringBurst() // sees b/b.go and go.mod: the burst goes on
	write(t, root, "views/page.html", "<p>")
	w.scanDuringBurst() // sees views/page.html
	w.scan()            // sees nothing new: the burst is over
	assertNext(t, w.changes, "a.go", "b/b.go", "go.mod", "views/page.html")
}

func TestChangesWhileTheReceiverIsBusyAreMerged(t *testing.T) {
	root := t.TempDir()
	w := newTicked(t, root)

	write(t, root, "a.go", "package site")
	w.scan()
	w.scan() // a.go has settled; nobody receives it yet
	write(t, root, "b.go", "package site")
	w.scan()
	w.scan()
	assertNext(t, w.changes, "a.go", "b.go")
}

// ticked is a watcher whose scans the test makes.
type ticked struct {
	t       *testing.T
	ticks   chan time.Time
	scanned chan struct{}
	changes <-chan Change
}

func newTicked(t *testing.T, root string) *ticked {
	w := &ticked{t: t, ticks: make(chan time.Time), scanned: make(chan struct{})}
	w.changes = watch(t.Context(), scanner{root: root, match: SourceFiles}, w.ticks, w.scanned)
	return w
}

// scan makes the watcher scan, and returns when the scan is over.
func (w *ticked) scan() {
	w.ticks <- time.Time{}
	<-w.scanned
}

// scanDuringBurst is scan with the test ready to receive: a Change that
// comes instead fails the test, since one must wait for the burst to end.
func (w *ticked) scanDuringBurst() {
	w.t.Helper()
	select {
	case w.ticks <- time.Time{}:
		<-w.scanned
	case c := <-w.changes:
		w.t.Fatalf("Change %q in the middle of a burst", c.Files)
	}
}

func TestCancelClosesTheChannel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	changes := Watch(ctx, t.TempDir(), nil, fast)
	cancel()
	deadline := time.After(timeout)
	for {
		select {
		case _, ok := <-changes:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatalf("the channel is still open %v after cancel", timeout)
		}
	}
}

// start watches root with SourceFiles until the test ends.
func start(t *testing.T, root string, interval time.Duration) <-chan Change {
	t.Helper()
	return Watch(t.Context(), root, SourceFiles, interval)
}

// next returns the next Change, failing the test after timeout.
func next(t *testing.T, changes <-chan Change) Change {
	t.Helper()
	select {
	case c, ok := <-changes:
		if !ok {
			t.Fatal("the channel was closed")
		}
		return c
	case <-time.After(timeout):
		t.Fatalf("no Change within %v", timeout)
		return Change{}
	}
}

// assertNext checks that the next Change has exactly the files want (sorted).
func assertNext(t *testing.T, changes <-chan Change, want ...string) {
	t.Helper()
	if got := next(t, changes).Files; !slices.Equal(got, want) {
		t.Errorf("Change.Files = %q, want %q", got, want)
	}
}

// write creates or overwrites root/rel, and its directories.
func write(t *testing.T, root, rel, content string) {
	t.Helper()
	name := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
