package e2e

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	appsite "github.com/gowebapp/webapp/internal/app/site"
	"github.com/gowebapp/webapp/internal/app/todo"
	"github.com/gowebapp/webapp/internal/staticpaths"
	"github.com/gowebapp/webapp/webappassets"
	"github.com/gowebapp/webapp/webapphttp"
)

// downStore is a todo store whose database does not answer in time: every
// call fails as the DynamoDB client does when its deadline passes.
type downStore struct{}

func (downStore) Create(context.Context, todo.Todo) (todo.Todo, error) {
	return todo.Todo{}, context.DeadlineExceeded
}
func (downStore) Get(context.Context, string) (todo.Todo, error) {
	return todo.Todo{}, context.DeadlineExceeded
}
func (downStore) List(context.Context, int, string) (todo.Page, error) {
	return todo.Page{}, context.DeadlineExceeded
}
func (downStore) Update(context.Context, string, todo.Patch) (todo.Todo, error) {
	return todo.Todo{}, context.DeadlineExceeded
}
func (downStore) Delete(context.Context, string, int) error { return context.DeadlineExceeded }
func (downStore) Search(context.Context, string, int, string) (todo.Page, error) {
	return todo.Page{}, context.DeadlineExceeded
}

// TestErrorPagesAreAccessible runs axe-core against the pages a visitor sees
// when the database is down (503) and when the search is refused (400), as
// the site renders them with its stylesheet: the error pages are pages too.
// The local site cannot be made to fail, so this serves the site's handler
// with a store that is down and static/ beside it, as make dev does.
func TestErrorPagesAreAccessible(t *testing.T) {
	h, err := webapphttp.Wrap(appsite.New(appsite.Config{
		Store:  downStore{},
		Logger: slog.New(slog.DiscardHandler),
		Assets: webappassets.Plain(),
	}), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	static := http.FileServerFS(os.DirFS(filepath.Join(root, "static")))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if staticpaths.MatchAny(staticpaths.Default(), r.URL.Path) {
			static.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)

	ctx := axeTab(t)
	for _, p := range []struct {
		name, path string
		status     int64
	}{
		{"database down", "/", http.StatusServiceUnavailable},
		{"search too long", "/search?q=" + strings.Repeat("a", appsite.MaxQuery+1), http.StatusBadRequest},
	} {
		t.Run(p.name, func(t *testing.T) {
			if got := checkAxe(t, ctx, srv.URL+p.path); got != p.status {
				t.Errorf("GET %s = %d, want %d", p.path, got, p.status)
			}
			if sheets, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.styleSheets.length`)); err != nil || sheets == 0 {
				t.Errorf("the error page has %d style sheets (%v): axe checked it unstyled", sheets, err)
			}
		})
	}
}
