// `webapp local` runs a CDK app's synthesized site on this machine, as
// CloudFront, S3, API Gateway, Lambda and DynamoDB would serve it, without
// an AWS account or Docker (see package localsite for what is emulated). It
// works on any project that uses the construct, from that project's own
// module:
//
//	go tool webapp local                         # in the project (go get -tool github.com/gowebapp/webapp/cmd/webapp)
//	go run github.com/gowebapp/webapp/cmd/webapp@latest local -dir ../mysite
//	webapp local -out ../mysite/cdk.out          # the project is the directory that holds cdk.out
//	webapp local -c stage=prod                   # synthesize with CDK context first
//	webapp local -native                         # the function rebuilt for this machine, not under qemu
//	webapp local -synth never -out DIR           # an assembly as it is (says so when it is stale)
//	PORT=9000 make local                         # in this repository
//
// The project is the directory with cdk.json (-dir). It is synthesized when
// the assembly is missing or older than the project's source: with the
// project's CDK CLI (node_modules/.bin/cdk, else cdk on PATH), else by
// running cdk.json's "app" command as the CLI does. A directory without
// cdk.json or an "app" is refused with what to do, never synthesized with
// another app. Offline, the app gets CDK_DEPLOY_ACCOUNT=123456789012 and
// CDK_DEPLOY_REGION=ap-northeast-1 unless they are set, and the output says
// so.
//
// It prints what it serves and how that differs from AWS, listens on
// 127.0.0.1:$PORT (default 8080) and stops everything on Ctrl-C or
// SIGTERM. With -watch (the default, as `chalice local` reloads by
// default), a change to the source re-synthesizes and swaps the new site in
// on the same port once it is running; until then, and when the synthesis
// fails, the old one keeps serving. The data lives in memory: DynamoDB
// items survive a reload unless the tables change, and are gone when it
// stops. The functions' secrets (Props.Secrets) are served under the
// template's references by a local SSM and Secrets Manager server, with
// the value from WEBAPP_SECRET_<NAME>_VALUE, .secrets.local.json or
// secrets.local.example.json, or a made-up stand-in; the notes say which.
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
	"time"

	"github.com/gowebapp/webapp/internal/cli/localsite"
)

// watchInterval is how often -watch scans the project's sources.
const watchInterval = 500 * time.Millisecond

// contextFlag collects -c key=value flags for the synthesis.
type contextFlag map[string]string

func (c contextFlag) String() string {
	var kv []string
	for k, v := range c {
		kv = append(kv, k+"="+v)
	}
	return strings.Join(kv, " ")
}

func (c contextFlag) Set(v string) error {
	key, value, ok := strings.Cut(v, "=")
	if !ok || key == "" {
		return fmt.Errorf("want key=value, got %q", v)
	}
	c[key] = value
	return nil
}

// runLocal is `webapp local`.
func runLocal(args []string) int {
	fs := flag.NewFlagSet("webapp local", flag.ContinueOnError)
	var (
		opts   localsite.Options
		synth  = fs.String("synth", "auto", "when to synthesize: auto (when the assembly is missing or older than the project's source), always or never")
		port   = fs.String("port", cmp.Or(os.Getenv("PORT"), "8080"), "port to listen on, on 127.0.0.1 ($PORT sets the default)")
		watch  = fs.Bool("watch", true, "re-synthesize and swap in the new site, on the same port, when the project's source changes (Go files, templates, static files, cdk.json)")
		cdkCtx = contextFlag{}
	)
	fs.StringVar(&opts.Dir, "dir", "", "the project: the CDK app's directory, with cdk.json (default: the directory that holds -out if it has a cdk.json, else the current directory)")
	fs.StringVar(&opts.Out, "out", "", `the cloud assembly's directory (default: the project's cdk.json "output", or cdk.out in the project)`)
	fs.StringVar(&opts.Stack, "stack", "", "the stack to serve (default: the one with a CloudFront distribution)")
	fs.BoolVar(&opts.Native, "native", false, "run functions rebuilt for this machine instead of under qemu (the rebuild is checked against the asset)")
	fs.IntVar(&opts.Concurrency, "concurrency", 4, "most execution environments per function")
	fs.Var(cdkCtx, "c", "CDK context key=value for the synthesis (repeatable; implies -synth always)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "webapp local: unexpected argument %q: name the project with -dir\n", fs.Arg(0))
		return 2
	}

	switch *synth {
	case "auto":
	case "always":
		opts.Synth = localsite.SynthAlways
	case "never":
		opts.Synth = localsite.SynthNever
	default:
		fmt.Fprintf(os.Stderr, "webapp local: -synth %q: use auto, always or never\n", *synth)
		return 2
	}
	if len(cdkCtx) > 0 {
		opts.Synth, opts.Context = localsite.SynthAlways, cdkCtx
	}
	if opts.Synth == localsite.SynthNever && *watch {
		if flagSet(fs, "watch") {
			fmt.Fprintln(os.Stderr, "webapp local: -watch reloads by synthesizing, which -synth never turns off: drop one of them")
			return 2
		}
		*watch = false
	}
	opts.Addr = net.JoinHostPort("127.0.0.1", *port)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	site, err := localsite.Start(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "webapp local:", err)
		return 1
	}
	fmt.Println()
	for _, n := range site.Notes {
		fmt.Println("  " + n)
	}
	reloading := "not reloading on change: -watch is off"
	if *watch {
		reloading = "reloading when the source in " + site.Project.Dir + " changes"
		go site.Watch(ctx, watchInterval)
	}
	fmt.Printf("\nLocal site: %s  (Ctrl-C to stop; %s)\n", site.URL, reloading)
	select {
	case <-ctx.Done():
		fmt.Println("stopping")
	case err := <-wait(site):
		fmt.Fprintln(os.Stderr, "webapp local:", err)
	}
	if err := site.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "webapp local:", err)
		return 1
	}
	return 0
}

// flagSet reports whether the command line set the flag.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func wait(site *localsite.Local) <-chan error {
	c := make(chan error, 1)
	go func() { c <- site.Wait() }()
	return c
}
