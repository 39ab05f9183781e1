// `webapp dev` runs a project's function and static files on this machine
// while you edit them, as `chalice local` does, and restarts the function
// within about a second of a change to a Go file or a template:
//
//	go tool webapp dev                          # ./lambda and ./static, on http://127.0.0.1:8080/
//	go tool webapp dev -function ./function -static public -port 9000
//	go tool webapp dev -env TABLE_NAME=todos -env LOG_LEVEL=debug
//	go tool webapp dev -static-paths '/css/*,/images/*,/robots.txt'   # the construct's StaticPaths
//
// The function must end its main with webapphttp.Start, which serves HTTP
// when this command sets WEBAPP_LOCAL_ADDR. Static files are read from their
// directory on each request, so they are always current. A build that fails
// shows its errors here and on every page until the next good build.
//
// Secrets the function reads with webappsecret come from this machine:
// WEBAPP_SECRET_<NAME>_VALUE (in the environment or -env), else the
// project's .secrets.local.json, else its secrets.local.example.json,
// served by a local SSM server; the first lines say which are stand-ins.
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/gowebapp/webapp/internal/cli/devserver"
	"github.com/gowebapp/webapp/internal/staticpaths"
)

// envArgs collects -env KEY=VALUE flags.
type envArgs []string

func (e *envArgs) String() string { return strings.Join(*e, " ") }
func (e *envArgs) Set(v string) error {
	if k, _, ok := strings.Cut(v, "="); !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", v)
	}
	*e = append(*e, v)
	return nil
}

// runDev is `webapp dev`.
func runDev(args []string) int {
	fs := flag.NewFlagSet("webapp dev", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: webapp dev [flags]\n\nServes the project's static files and its function on this machine, and restarts\nthe function on every change to a Go file or a template.\n\n")
		fs.PrintDefaults()
	}
	var (
		opts devserver.Options
		port = fs.String("port", cmp.Or(os.Getenv("PORT"), "8080"), "port to listen on, on 127.0.0.1 ($PORT when set)")
		env  envArgs
	)
	fs.StringVar(&opts.Dir, "dir", ".", "the project's directory: where the function is built, watched for changes")
	fs.StringVar(&opts.Function, "function", "./lambda", "the function's main package, relative to -dir (the construct's FunctionDir)")
	fs.StringVar(&opts.StaticDir, "static", "static", "the static files' directory, relative to -dir (the construct's StaticDir)")
	staticPaths := fs.String("static-paths", strings.Join(staticpaths.Default(), ","), "the URL path patterns served from -static, comma-separated (the construct's StaticPaths)")
	fs.Var(&env, "env", "KEY=VALUE added to the function's environment (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "webapp dev: unexpected argument %q (flags only; -h lists them)\n", fs.Arg(0))
		return 2
	}
	for _, p := range strings.Split(*staticPaths, ",") {
		if p = strings.TrimSpace(p); p != "" {
			opts.StaticPaths = append(opts.StaticPaths, p)
		}
	}
	opts.Env, opts.Output = env, os.Stdout

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", *port))
	if err != nil {
		fmt.Fprintf(os.Stderr, "webapp dev: %v (-port or $PORT chooses another port)\n", err)
		return 1
	}
	opts.Listener = l
	if err := devserver.Run(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, "webapp dev:", err)
		return 1
	}
	fmt.Println("stopped")
	return 0
}
