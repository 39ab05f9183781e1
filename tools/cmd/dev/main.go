// Command dev runs the site on this machine as it runs behind CloudFront:
// the static path patterns are served from ./static, everything else by the
// same site handler as in Lambda, at the root path, with DynamoDB played by
// dynalite from node_modules.
//
//	make dev                 # or: go run ./tools/cmd/dev (from the module root)
//	PORT=9000 DEBUG=1 make dev
//	CORS_CONFIG='{"allowOrigins":["http://localhost:5173"]}' make dev
//
// CORS_CONFIG and TODO_API_REQUIRE_CALLER are read as in Lambda (CORS
// applied around the site by webapphttp.Wrap, as webapphttp.Start does). No
// authorizer runs here, so with TODO_API_REQUIRE_CALLER=1 every /todos
// request gets 401.
//
// It listens on 127.0.0.1:$PORT (default 8080), prints the URL and stops,
// dynalite too, on Ctrl-C or SIGTERM. The data lives in memory and is gone
// when it stops.
package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/gowebapp/webapp/internal/app/site"
	"github.com/gowebapp/webapp/internal/app/todo"
	"github.com/gowebapp/webapp/internal/staticpaths"
	"github.com/gowebapp/webapp/tools/dynalitetest"
	"github.com/gowebapp/webapp/internal/cli/modroot"
	"github.com/gowebapp/webapp/webapphttp"
)

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(logger); err != nil {
		logger.Error("dev server failed", "err", err.Error())
		os.Exit(1)
	}
}

func run(logger *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	debug, _ := strconv.ParseBool(os.Getenv("DEBUG"))
	cfg := site.Config{Logger: logger, Debug: debug}
	if err := cfg.ReadEnv(os.Getenv); err != nil {
		return err
	}
	root, err := modroot.Find()
	if err != nil {
		return err
	}
	addr := net.JoinHostPort("127.0.0.1", cmp.Or(os.Getenv("PORT"), "8080"))
	listener, err := net.Listen("tcp", addr) // before anything else, so a busy port fails fast
	if err != nil {
		return err
	}
	defer listener.Close()

	db, err := dynalitetest.Launch(ctx, root)
	if err != nil {
		return err
	}
	defer db.Stop()
	store, err := localStore(ctx, db)
	if err != nil {
		return err
	}

	cfg.Store = store
	app, err := webapphttp.Wrap(site.New(cfg), os.Getenv)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           newHandler(staticpaths.Default(), os.DirFS(filepath.Join(root, "static")), app),
		ReadHeaderTimeout: 10 * time.Second,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(listener) }()
	fmt.Printf("Go Todos: http://%s/  (DynamoDB: dynalite at %s, table %s; Ctrl-C to stop)\n", addr, db.Endpoint, store.Table())

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	fmt.Println("stopping")
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// localStore points the SDK's standard configuration at dynalite — the
// environment variables Lambda would get, with dummy credentials — creates
// the table and returns the store exactly as Lambda builds it.
func localStore(ctx context.Context, db *dynalitetest.Server) (*todo.Store, error) {
	for k, v := range dynalitetest.Env(db.Endpoint) {
		os.Setenv(k, v)
	}
	os.Setenv("TABLE_NAME", cmp.Or(os.Getenv("TABLE_NAME"), "todos"))
	store, err := todo.NewStoreFromEnv(ctx)
	if err != nil {
		return nil, err
	}
	return store, dynalitetest.CreateTable(ctx, db.Client(), store.Table())
}

// newHandler routes as the distribution does: a path matching one of the
// static patterns goes to the files (the S3 origin), any other to the app
// (the API origin). The app sees what it sees behind CloudFront: the path
// at the root and no base path (the zero webapphttp.Info).
func newHandler(patterns []string, static fs.FS, app http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !staticpaths.MatchAny(patterns, r.URL.Path) {
			app.ServeHTTP(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "static files are read-only", http.StatusMethodNotAllowed)
			return
		}
		// Like S3: an object or nothing, no directory listings.
		name := path.Clean(r.URL.Path)[1:]
		if info, err := fs.Stat(static, name); err != nil || info.IsDir() {
			http.NotFound(w, r)
			return
		}
		http.ServeFileFS(w, r, static, name)
	})
}
