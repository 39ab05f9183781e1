// Package watch reports changes to a project's files by polling, with the
// standard library alone, for the local servers that rebuild and restart a
// function when its source changes.
//
// Polling rather than inotify/kqueue (fsnotify) keeps it dependency-free and
// the same on every operating system, editor and file system (network
// mounts, containers' bind mounts, editors that save by renaming): a scan of
// a project's directories costs a few milliseconds, which at a tenth of a
// second is nothing next to the build it triggers.
package watch

import (
	"context"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Change is what changed in one burst of edits.
type Change struct {
	// Files are the paths of the files created, modified or deleted,
	// relative to the watched root, slash-separated and sorted.
	Files []string
}

// String names the changed files for a message: "lambda/main.go changed",
// "a.go and b.go changed", "a.go and 4 more changed".
func (c Change) String() string {
	switch len(c.Files) {
	case 0:
		return "nothing changed"
	case 1:
		return c.Files[0] + " changed"
	case 2:
		return c.Files[0] + " and " + c.Files[1] + " changed"
	}
	return c.Files[0] + " and " + strconv.Itoa(len(c.Files)-1) + " more changed"
}

// Watch reports the files under root for which match returns true (given
// the path relative to root, slash-separated) whenever they are created,
// modified or deleted, scanning every interval. It scans once before it
// returns, so every change made after Watch returns is reported.
//
// Changes are debounced: a Change is sent once a scan finds nothing new, so
// a burst of writes (an editor saving several files, a git checkout) comes
// as one Change. Changes found while the receiver is busy are merged into
// the next one, so none is lost and the receiver never falls behind.
//
// Watch does not descend into the directories the go command ignores (names
// starting with "." or "_", and testdata), node_modules, cdk.out, or nested
// modules (directories with a go.mod of their own, other than root). A nil
// match is SourceFiles.
//
// The channel is closed when ctx is done.
func Watch(ctx context.Context, root string, match func(rel string) bool, interval time.Duration) <-chan Change {
	if match == nil {
		match = SourceFiles
	}
	tick := time.NewTicker(interval)
	changes := watch(ctx, scanner{root: root, match: match}, tick.C, nil)
	go func() {
		<-ctx.Done()
		tick.Stop()
	}()
	return changes
}

// watch is Watch with the scans timed by ticks. A test sends them one by
// one and, with scanned, learns when each scan is over.
func watch(ctx context.Context, s scanner, ticks <-chan time.Time, scanned chan<- struct{}) <-chan Change {
	last := s.scan()
	changes := make(chan Change)
	go func() {
		defer close(changes)
		pending := map[string]bool{}
		quiet := false // the last scan found nothing new
		for {
			var send chan<- Change // nil, so never ready, until a change has settled
			var next Change
			if quiet && len(pending) > 0 {
				send, next = changes, Change{Files: slices.Sorted(maps.Keys(pending))}
			}
			select {
			case <-ctx.Done():
				return
			case send <- next:
				clear(pending)
			case <-ticks:
				now := s.scan()
				changed := diff(last, now)
				for _, f := range changed {
					pending[f] = true
				}
				last, quiet = now, len(changed) == 0
				if scanned != nil {
					scanned <- struct{}{}
				}
			}
		}
	}()
	return changes
}

// SourceFiles matches what a Go function is built from: Go files other than
// tests, templates (.html, .tmpl, .gohtml), go.mod and go.sum. Files whose
// name starts with "." (editors' lock and swap files) never match.
func SourceFiles(rel string) bool {
	name := path.Base(rel)
	if strings.HasPrefix(name, ".") {
		return false
	}
	switch name {
	case "go.mod", "go.sum":
		return true
	}
	if strings.HasSuffix(name, "_test.go") {
		return false
	}
	switch path.Ext(name) {
	case ".go", ".html", ".tmpl", ".gohtml":
		return true
	}
	return false
}

// stamp is what a scan remembers of a file: a change to either means the
// file changed. (An edit that keeps the size within the file system's
// timestamp granularity, a few milliseconds, goes unseen; editors do not
// save that fast.)
type stamp struct {
	mod  time.Time
	size int64
}

type scanner struct {
	root  string
	match func(rel string) bool
}

// scan returns the matching files under root. Errors are not fatal: a
// directory removed during the walk (a checkout) just has no files, and a
// root that does not exist yet has none.
func (s scanner) scan() map[string]stamp {
	files := map[string]stamp{}
	filepath.WalkDir(s.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable or vanished: skip it, the next scan sees what is there
		}
		if p == s.root {
			return nil
		}
		if d.IsDir() {
			if skipDir(p, d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(s.root, p)
		if err != nil {
			return nil
		}
		rel = filepath.ToSlash(rel)
		if !s.match(rel) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		files[rel] = stamp{mod: info.ModTime(), size: info.Size()}
		return nil
	})
	return files
}

// skipDir reports whether the directory dir (named name) is not part of
// the project's source: what the go command ignores, the tools' trees, and
// nested modules, which are other projects.
func skipDir(dir, name string) bool {
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
		return true
	}
	switch name {
	case "testdata", "node_modules", "cdk.out":
		return true
	}
	_, err := os.Stat(filepath.Join(dir, "go.mod"))
	return err == nil
}

// diff returns the files that are in one scan and not the other, or in
// both with another stamp.
func diff(before, after map[string]stamp) []string {
	var changed []string
	for f, st := range after {
		if old, ok := before[f]; !ok || old.size != st.size || !old.mod.Equal(st.mod) {
			changed = append(changed, f)
		}
	}
	for f := range before {
		if _, ok := after[f]; !ok {
			changed = append(changed, f)
		}
	}
	return changed
}
