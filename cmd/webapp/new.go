// `webapp new DIR` writes a new site's Go module into DIR, ready for `make
// synth` and `make test` (see package scaffold for what it holds):
//
//	go run github.com/gowebapp/webapp/cmd/webapp@latest new mysite
//	webapp new -module github.com/acme/shop shop
//	webapp new -replace ~/src/webapp mysite     # try a checkout of WebApp
//
// The new module requires the WebApp release this command was built from.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/debug"

	"github.com/gowebapp/webapp/internal/cli/scaffold"
)

// runNew is `webapp new`.
func runNew(args []string) int {
	fs := flag.NewFlagSet("webapp new", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: webapp new [flags] DIR\n\nWrites a new site's Go module into DIR, which must not exist or be empty.\n\n")
		fs.PrintDefaults()
	}
	var opts scaffold.Options
	fs.StringVar(&opts.Module, "module", "", "the new module's path (default example.com/ and DIR's base name)")
	fs.StringVar(&opts.Replace, "replace", "", "a checkout of "+scaffold.ModulePath+" to use instead of a release (a replace directive)")
	fs.BoolVar(&opts.Tidy, "tidy", true, "run go mod tidy in the new module, so that go.sum is complete")
	dir, err := parseInterspersed(fs, args)
	if err != nil {
		if err != flag.ErrHelp {
			fmt.Fprintln(os.Stderr, "webapp new:", err)
		}
		return 2
	}

	info, _ := debug.ReadBuildInfo()
	opts.Version = scaffold.BuildVersion(info)
	if err := scaffold.Write(dir, opts); err != nil {
		fmt.Fprintln(os.Stderr, "webapp new:", err)
		return 1
	}
	fmt.Printf("Wrote a new site in %s. Next:\n\n  cd %s\n  make synth   # install the pinned tools, synthesize into cdk.out/\n  make test\n  make dev     # http://127.0.0.1:8080/\n\nREADME.md says where the routes, pages and tests go.\n", dir, dir)
	return 0
}

// parseInterspersed parses flags before and after the one argument, DIR, so
// that `webapp new mysite -replace ../webapp` works as well.
func parseInterspersed(fs *flag.FlagSet, args []string) (string, error) {
	var dirs []string
	for {
		if err := fs.Parse(args); err != nil {
			return "", err
		}
		if fs.NArg() == 0 {
			break
		}
		dirs, args = append(dirs, fs.Arg(0)), fs.Args()[1:]
	}
	if len(dirs) != 1 {
		fs.Usage()
		return "", fmt.Errorf("want one directory, got %d arguments", len(dirs))
	}
	return dirs[0], nil
}
