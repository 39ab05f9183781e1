package main

import (
	"cmp"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/gowebapp/webapp/tools/bench"
)

// browserEncoding is what Chrome and Firefox send over HTTPS.
const browserEncoding = "gzip, deflate, br, zstd"

// transfer serves the synthesized site with `webapp local` (the CloudFront
// emulation applies the cache policies and compression of the template) and
// counts the bytes of the home page and the files it loads: a first visit
// without compression, with gzip only and as a browser asks (Brotli), then
// a repeat visit that revalidates what the first one got. "Before" is what
// the same visit cost before the app's behaviour had a cache policy that
// compresses: its page uncompressed, the static files gzipped (their
// behaviours always compressed), both measured in this run.
func (r *runner) transfer() error {
	bin := filepath.Join(r.tmp, "webapp")
	if err := r.command(nil, "go", "build", "-o", bin, "./cmd/webapp").Run(); err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	stop, err := r.startServer(exec.Command(bin, "local", "-port", strconv.Itoa(port), "-watch=false"),
		"local.log", base, 5*time.Minute, 15*time.Second, 20)
	if err != nil {
		return err
	}
	defer stop()

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableCompression: true}}
	plain, err := bench.VisitPage(client, base, "/", "", nil)
	if err != nil {
		return err
	}
	gzipped, err := bench.VisitPage(client, base, "/", "gzip", nil)
	if err != nil {
		return err
	}
	first, err := bench.VisitPage(client, base, "/", browserEncoding, nil)
	if err != nil {
		return err
	}
	repeat, err := bench.VisitPage(client, base, "/", browserEncoding, &first)
	if err != nil {
		return err
	}
	beforeFirst := plain.Fetched[0].Bytes
	for _, f := range gzipped.Fetched[1:] {
		beforeFirst += f.Bytes
	}
	beforeRepeat := plain.Fetched[0].Bytes // the files were revalidated (304) then too

	fmt.Printf("GET / and the files it loads, through `webapp local` (20 todos), body bytes as sent:\n")
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "path\tidentity\tgzip\tbrowser: first\tencoding\tX-Cache\trepeat\tstatus\t")
	for i, f := range first.Fetched {
		rf := repeat.Fetched[i]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%d\t%d\t\n", f.Path, plain.Fetched[i].Bytes, gzipped.Fetched[i].Bytes, f.Bytes,
			cmp.Or(f.Encoding, "-"), f.XCache, rf.Bytes, rf.Status)
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t%d\t\t\t%d\t\t\n", plain.Bytes(), gzipped.Bytes(), first.Bytes(), repeat.Bytes())
	tw.Flush()

	hello, err := bench.VisitPage(client, base, "/hello", browserEncoding, nil)
	if err != nil {
		return err
	}
	again, err := bench.VisitPage(client, base, "/hello", browserEncoding, nil)
	if err != nil {
		return err
	}
	fmt.Printf("GET /hello (public, max-age=300) twice: X-Cache %q, then %q\n", hello.Fetched[0].XCache, again.Fetched[0].XCache)

	r.add(row{"home page, first visit (br)", kb(first.Bytes()), "before: " + kb(beforeFirst), times(float64(first.Bytes()) / float64(beforeFirst)), ""})
	r.add(row{"home page, repeat visit (br, 304s)", kb(repeat.Bytes()), "before: " + kb(beforeRepeat), times(float64(repeat.Bytes()) / float64(beforeRepeat)), ""})
	if again.Fetched[0].XCache != "Hit from cloudfront" {
		r.failed = true
		r.add(row{"GET /hello twice", "second: " + again.Fetched[0].XCache, "", "", "want a hit"})
	}
	return nil
}

func kb(n int) string { return fmt.Sprintf("%.1f kB", float64(n)/1000) }
