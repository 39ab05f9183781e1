// Command webapp is the WebApp construct's command line, for any project that
// uses the construct, as `chalice` is for Chalice's:
//
//	webapp new DIR     write a new site's module into DIR (stack, function, static files, tests, Makefile)
//	webapp dev         run the function and the static files on this machine, restarting on every change
//	webapp local       run what `cdk synth` produced: CloudFront, S3, API Gateway, Lambda, DynamoDB
//
// Run it from another module at a version, or as a tool of that module:
//
//	go run github.com/gowebapp/webapp/cmd/webapp@latest new mysite
//	go get -tool github.com/gowebapp/webapp/cmd/webapp && go tool webapp local
//
// `webapp help COMMAND` (or COMMAND -h) lists a command's flags.
package main

import (
	"fmt"
	"os"
)

// commands are the subcommands, each taking its own arguments and returning
// the exit code.
var commands = map[string]func(args []string) int{
	"dev":   runDev,
	"local": runLocal,
	"new":   runNew,
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		usage()
		return 2
	}
	name, rest := args[0], args[1:]
	if name == "help" && len(rest) > 0 {
		name, rest = rest[0], []string{"-h"}
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "webapp: unknown command %q\n", name)
		usage()
		return 2
	}
	return cmd(rest)
}

func usage() {
	fmt.Fprint(os.Stderr, `usage: webapp COMMAND [flags]

  new DIR   write a new site's module into DIR
  dev       run the function and the static files locally, restarting on change
  local     run the synthesized site (cdk.out) locally

Run "webapp help COMMAND" for a command's flags.
`)
}
