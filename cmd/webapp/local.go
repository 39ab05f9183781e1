// `webapp local` runs the site that `cdk synth` produced on this machine, as
// CloudFront, S3, API Gateway, Lambda and DynamoDB would serve it, without an
// AWS account or Docker (see package localsite for what is emulated):
//
//	make local                          # or: go run ./cmd/webapp local (from the module root)
//	PORT=9000 make local
//	make local CDK_ARGS="-c stage=prod"  # synthesize with CDK context first
//	go run ./cmd/webapp local -native           # the function rebuilt for this machine, not under qemu
//	go run ./cmd/webapp local -synth never      # the assembly as it is (says so when it is stale)
//
// It synthesizes first when cdk.out is missing or older than the source,
// prints what it serves and how it differs from AWS, listens on
// 127.0.0.1:$PORT (default 8080) and stops everything on Ctrl-C or SIGTERM.
// The data lives in memory and is gone when it stops.
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

	"github.com/gowebapp/webapp/internal/cli/localsite"
)

// contextArgs collects -c key=value flags for cdk synth.
type contextArgs []string

func (c *contextArgs) String() string { return strings.Join(*c, " ") }
func (c *contextArgs) Set(v string) error {
	if !strings.Contains(v, "=") {
		return fmt.Errorf("want key=value, got %q", v)
	}
	*c = append(*c, "-c", v)
	return nil
}

// runLocal is `webapp local`.
func runLocal(args []string) int {
	fs := flag.NewFlagSet("webapp local", flag.ContinueOnError)
	var (
		opts   localsite.Options
		synth  = fs.String("synth", "auto", "when to run cdk synth: auto (when cdk.out is missing or older than the source), always or never")
		port   = fs.String("port", cmp.Or(os.Getenv("PORT"), "8080"), "port to listen on, on 127.0.0.1 (default $PORT or 8080)")
		cdkCtx contextArgs
	)
	fs.StringVar(&opts.Out, "out", "cdk.out", "the cloud assembly directory")
	fs.StringVar(&opts.Stack, "stack", "", "the stack to serve (default: the one with a CloudFront distribution)")
	fs.BoolVar(&opts.Native, "native", false, "run functions rebuilt for this machine instead of under qemu (the rebuild is checked against the asset)")
	fs.IntVar(&opts.Concurrency, "concurrency", 4, "most execution environments per function")
	fs.Var(&cdkCtx, "c", "CDK context key=value for cdk synth (repeatable; implies -synth always)")
	if err := fs.Parse(args); err != nil {
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
		opts.Synth, opts.SynthArgs = localsite.SynthAlways, cdkCtx
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
	fmt.Printf("\nLocal site: %s  (Ctrl-C to stop)\n", site.URL)
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

func wait(site *localsite.Local) <-chan error {
	c := make(chan error, 1)
	go func() { c <- site.Wait() }()
	return c
}
