// Command dev runs the sample site on this machine while you edit it, as it
// runs behind CloudFront: the static path patterns from ./static, every
// other path from the function in ./lambda, built for this machine and
// restarted within about a second of a change to a Go file or a template
// (internal/cli/devserver, which `webapp dev` runs for any project), with
// DynamoDB played by dynalite from node_modules.
//
//	make dev                 # or: go run ./tools/cmd/dev (from the module root)
//	PORT=9000 DEBUG=1 make dev
//	CORS_CONFIG='{"allowOrigins":["http://localhost:5173"]}' make dev
//
// The function gets this process's environment, so DEBUG, LOG_LEVEL,
// CORS_CONFIG and TODO_API_REQUIRE_CALLER are read as in Lambda, plus the
// tables, created here — TABLE_NAME (default "todos") and INDEX_TABLE_NAME
// (default TABLE_NAME-index) — and the SDK's variables that point it at
// dynalite. No authorizer runs here, so with TODO_API_REQUIRE_CALLER=1
// every /todos request gets 401.
//
// Secrets read with webappsecret come from WEBAPP_SECRET_<NAME>_VALUE,
// .secrets.local.json (which .gitignore names) or the committed stand-ins
// of secrets.local.example.json, through a local SSM server
// (internal/cli/localsecrets); the first lines say which are stand-ins.
//
// dynalite runs in this process, not in the function's, so it stays up
// across reloads and the todos survive them; they live in memory and are
// gone when this stops. It listens on 127.0.0.1:$PORT (default 8080) and
// stops, with the function and dynalite, on Ctrl-C or SIGTERM.
package main

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"net"
	"os"
	"os/signal"
	"slices"
	"syscall"

	"github.com/gowebapp/webapp/internal/app/todo"
	"github.com/gowebapp/webapp/internal/cli/devserver"
	"github.com/gowebapp/webapp/internal/cli/modroot"
	"github.com/gowebapp/webapp/tools/dynalitetest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Listen before anything else, so that a busy port fails fast.
	listener, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", cmp.Or(os.Getenv("PORT"), "8080")))
	if err != nil {
		fmt.Fprintf(os.Stderr, "make dev: %v (PORT chooses another port)\n", err)
		os.Exit(1)
	}
	if err := run(ctx, listener); err != nil {
		fmt.Fprintln(os.Stderr, "make dev:", err)
		os.Exit(1)
	}
	fmt.Println("stopped")
}

// run serves the site on listener until ctx is done.
func run(ctx context.Context, listener net.Listener) error {
	defer listener.Close()
	root, err := modroot.Find()
	if err != nil {
		return err
	}
	db, err := dynalitetest.Launch(ctx, root)
	if err != nil {
		return err
	}
	defer db.Stop()
	table := cmp.Or(os.Getenv(todo.EnvTable), "todos")
	index := cmp.Or(os.Getenv(todo.EnvIndexTable), table+"-index")
	if err := todo.CreateTables(ctx, db.Client(), table, index); err != nil {
		return err
	}
	fmt.Printf("DynamoDB: dynalite at %s, tables %s and %s; it stays up across reloads, so the todos survive them\n", db.Endpoint, table, index)

	return devserver.Run(ctx, devserver.Options{
		Dir:       root,
		Function:  "./lambda",
		StaticDir: "static",
		Listener:  listener,
		Env:       functionEnv(db.Endpoint, table, index),
		Output:    os.Stdout,
	})
}

// functionEnv is what the function needs beyond this process's
// environment: its tables, and the SDK's standard configuration pointed at
// dynalite (with dummy credentials), as KEY=VALUE in key order.
func functionEnv(endpoint, table, index string) []string {
	vars := dynalitetest.Env(endpoint)
	vars[todo.EnvTable], vars[todo.EnvIndexTable] = table, index
	env := make([]string, 0, len(vars))
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		env = append(env, k+"="+vars[k])
	}
	return env
}
