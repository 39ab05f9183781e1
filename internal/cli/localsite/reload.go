package localsite

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gowebapp/webapp/internal/cli/watch"
)

// Watch reloads the site (see Reload) whenever the project's sources
// change — the files CheckStale compares with the assembly: Go files,
// templates, static files, cdk.json — scanning them every interval, until
// ctx is done. It says on the log what changed, how long the reload took
// and the notes that are new; or why it failed, the old site serving on.
func (l *Local) Watch(ctx context.Context, interval time.Duration) {
	log := l.opts.Log
	for change := range watch.Watch(ctx, l.Project.Dir, sourceFiles(l.Project.Dir, l.Out), interval) {
		start, before := time.Now(), l.Notes
		if err := l.reload(ctx, change.String()); err != nil {
			if ctx.Err() != nil {
				return
			}
			fmt.Fprintf(log, "localsite: %s, but the reload failed; still serving the previous assembly:\n  %v\n", change, err)
			continue
		}
		fmt.Fprintf(log, "localsite: %s: reloaded in %.1f s, serving the new assembly at %s\n", change, time.Since(start).Seconds(), l.URL)
		for _, n := range l.Notes {
			if !slices.Contains(before, n) && !strings.HasPrefix(n, "synthesized ") {
				fmt.Fprintln(log, "  "+n)
			}
		}
	}
}

// Reload synthesizes the project again (with SynthNever it only reads the
// assembly again) and starts the new assembly beside the running one; once
// it is ready, it serves on the same address in place of the old one,
// whose requests in flight finish first. The DynamoDB tables keep their
// items unless their definitions changed. On failure the old site keeps
// serving and the error says why.
func (l *Local) Reload(ctx context.Context) error {
	return l.reload(ctx, "reloading")
}

// reload is Reload, with why the synthesis runs for its messages.
func (l *Local) reload(ctx context.Context, why string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return errors.New("localsite: the site is closed")
	}
	var notes []string
	if l.opts.Synth != SynthNever {
		n, err := l.synthesize(ctx, why)
		if err != nil {
			return err
		}
		notes = append(notes, n)
	}
	inst, err := l.newInstance(ctx, notes, l.current.Load())
	if err != nil {
		return err
	}
	l.install(inst)
	return nil
}

// serveHTTP hands the request to the current instance, or to its
// successor if that one retired meanwhile; without a successor the site is
// closing.
func (l *Local) serveHTTP(w http.ResponseWriter, r *http.Request) {
	for {
		inst := l.current.Load()
		if inst.serve(w, r) {
			return
		}
		if l.current.Load() == inst {
			http.Error(w, "the local site is stopping", http.StatusServiceUnavailable)
			return
		}
	}
}

func (i *instance) serve(w http.ResponseWriter, r *http.Request) bool {
	i.mu.RLock()
	defer i.mu.RUnlock()
	if i.retired {
		return false
	}
	i.handler.ServeHTTP(w, r)
	return true
}

// install makes inst the one that serves, and retires its predecessor once
// that one's requests are done.
func (l *Local) install(inst *instance) {
	old := l.current.Swap(inst)
	if inst.db != nil {
		if old != nil && old.db == inst.db {
			old.ownsDB = false
		}
		inst.ownsDB = true
	}
	l.Site, l.Notes = inst.site, inst.notes
	l.DynamoDB = ""
	if inst.db != nil {
		l.DynamoDB = inst.db.Endpoint
	}
	if old != nil {
		l.retiring.Go(old.retire)
	}
}

func (i *instance) retire() {
	i.mu.Lock()
	i.retired = true
	i.mu.Unlock()
	i.close()
}

// close stops what the instance started, newest first.
func (i *instance) close() {
	for j := len(i.closers) - 1; j >= 0; j-- {
		i.closers[j]()
	}
	i.closers = nil
	if i.ownsDB && i.db != nil {
		i.db.Stop()
	}
}
