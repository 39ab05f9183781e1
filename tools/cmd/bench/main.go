// Command bench runs the project's benchmarks and prints what they measured,
// each figure beside the baseline measured in the same run:
//
//	make bench                         # all of it, a few minutes
//	go run ./tools/cmd/bench -only coldstart,size -runs 50
//
// The steps (-only takes a comma-separated list of them):
//
//	coldstart  ./lambda and a bare aws-lambda-go handler, built for this
//	           machine with the Lambda flags, started alternately under the
//	           Runtime API emulator: init and first response
//	warm       go test -bench: the hot paths, and the site behind the adapter
//	           against a bare handler returning the same body
//	size       the linux/arm64 bootstrap, its zip, and what its packages weigh
//	synth      make synth, twice (the second, warm, is the figure)
//	test       make test, twice (the second, warm, is the figure)
//	wrk        wrk against the local server (tools/cmd/dev) on loopback
//	transfer   the home page's bytes through `webapp local` (CloudFront's
//	           compression and cache): a first and a repeat visit, beside
//	           the same visits uncompressed and gzipped
//	search     search against dynalite at 1k, 10k and 50k todos (-search-sizes):
//	           the index's first page beside the scan it replaced, latency
//	           and items read; and the write units of a create
//
// Logs of the commands it runs go to .cache/bench/. It exits 1 if a step
// could not run or make test failed; a missed budget is reported, not an
// error.
package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gowebapp/webapp/internal/app/todo"
	"github.com/gowebapp/webapp/internal/cli/modroot"
	"github.com/gowebapp/webapp/internal/lambdabuild"
	"github.com/gowebapp/webapp/tools/bench"
	"github.com/gowebapp/webapp/tools/dynalitetest"
)

// Budgets (docs/benchmarks.md).
const (
	budgetInit     = 1.15            // × the bare handler's init
	budgetAdapter  = 1.15            // × the bare handler's invocation
	budgetZip      = 5 * 1000 * 1000 // bytes
	budgetTestWarm = 60 * time.Second
)

var steps = []struct {
	name string
	run  func(*runner) error
}{
	{"coldstart", (*runner).coldStart},
	{"warm", (*runner).warm},
	{"size", (*runner).size},
	{"synth", (*runner).synth},
	{"test", (*runner).test},
	{"wrk", (*runner).wrk},
	{"transfer", (*runner).transfer},
	{"search", (*runner).search},
}

type runner struct {
	root, tmp, logs string
	runs            int
	wrkDuration     time.Duration
	searchSizes     []int // todos in the table at each round of the search step, growing
	searchRuns      int   // requests of each query at each size
	summary         []row
	failed          bool // a step ran but something in it failed
}

// row is a line of the summary.
type row struct {
	what, value, baseline, ratio, budget string
}

func main() {
	runs := flag.Int("runs", 30, "cold starts of each binary")
	only := flag.String("only", "", "comma-separated steps to run (default: all)")
	wrkDuration := flag.Duration("wrk-duration", 10*time.Second, "duration of each wrk run")
	searchSizes := flag.String("search-sizes", "1000,10000,50000", "comma-separated, growing sizes of the table the search step measures at")
	searchRuns := flag.Int("search-runs", 20, "requests of each query at each size in the search step")
	flag.Parse()
	sizes, err := parseSizes(*searchSizes)
	if err != nil {
		fail(err)
	}

	root, err := modroot.Find()
	if err != nil {
		fail(err)
	}
	tmp, err := os.MkdirTemp("", "bench-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(tmp)
	r := &runner{root: root, tmp: tmp, logs: filepath.Join(root, ".cache", "bench"), runs: *runs, wrkDuration: *wrkDuration,
		searchSizes: sizes, searchRuns: max(1, *searchRuns)}
	if err := os.MkdirAll(r.logs, 0o755); err != nil {
		fail(err)
	}

	selected := map[string]bool{}
	for s := range strings.SplitSeq(*only, ",") {
		if s = strings.TrimSpace(s); s != "" {
			selected[s] = true
		}
	}
	loadBefore := loadAverage()
	fmt.Printf("Machine: %d × %s, %s, %s/%s; load average %s\n", runtime.NumCPU(), cpuModel(), runtime.Version(), runtime.GOOS, runtime.GOARCH, loadBefore)
	failed := false
	for _, s := range steps {
		if len(selected) > 0 && !selected[s.name] {
			continue
		}
		fmt.Printf("\n== %s\n", s.name)
		start := time.Now()
		if err := s.run(r); err != nil {
			failed = true
			fmt.Printf("%s FAILED: %v\n", s.name, err)
			r.add(row{what: s.name, value: "FAILED", budget: "not measured"})
		}
		fmt.Printf("(%s took %s)\n", s.name, time.Since(start).Round(time.Second))
	}

	fmt.Printf("\n== Summary (load average %s before, %s after; 2 shared cores are noisy: compare ratios)\n", loadBefore, loadAverage())
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "what\tvalue\tbaseline (same run)\tratio\tbudget")
	for _, x := range r.summary {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", x.what, x.value, x.baseline, x.ratio, x.budget)
	}
	tw.Flush()
	if failed || r.failed {
		os.Exit(1)
	}
}

// parseSizes reads -search-sizes: positive, growing integers.
func parseSizes(s string) ([]int, error) {
	var sizes []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || len(sizes) > 0 && n <= sizes[len(sizes)-1] {
			return nil, fmt.Errorf("-search-sizes %q: want growing positive integers separated by commas, like 1000,10000,50000", s)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

func (r *runner) add(x row) { r.summary = append(r.summary, x) }

// function is a main package the benchmarks build, run and weigh.
type function struct {
	name, dir string // dir relative to the module root
}

// functions are ./lambda, the bare handler it is compared with, and two
// floors between them: the bare handler plus a DynamoDB client made from
// the SDK's standard configuration (config.LoadDefaultConfig), and made as
// internal/app/todo makes it, with webappaws (without config in the
// Lambda build).
var functions = []function{
	{"./lambda", "lambda"},
	{"bare handler", "tools/bench/testdata/bare"},
	{"bare + SDK client (config)", "tools/bench/testdata/sdk"},
	{"bare + SDK client (webappaws)", "tools/bench/testdata/sdklean"},
}

// build builds the functions for target into dir/<index>/bootstrap.
func (r *runner) build(target lambdabuild.Target, dir string) ([]string, error) {
	bins := make([]string, len(functions))
	for i, f := range functions {
		bins[i] = filepath.Join(r.tmp, dir, strconv.Itoa(i), "bootstrap")
		if err := lambdabuild.Build(filepath.Join(r.root, f.dir), bins[i], target); err != nil {
			return nil, err
		}
	}
	return bins, nil
}

// coldStart measures init (process start to first poll of the Runtime API)
// and first response of each function, started in turn (the order rotating
// each run), all built for this machine with lambdabuild's flags.
func (r *runner) coldStart() error {
	host := lambdabuild.Target{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH}
	bins, err := r.build(host, "host")
	if err != nil {
		return err
	}
	fmt.Printf("built for %s/%s (native, not emulated) with %q\n", host.GOOS, host.GOARCH, lambdabuild.Flags)
	healthz, err := r.event("GET", "/healthz")
	if err != nil {
		return err
	}
	// /healthz must not reach DynamoDB: nothing listens at the endpoint.
	env := []string{"TABLE_NAME=todos", "INDEX_TABLE_NAME=todo-index", "AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=example", "AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:9"}
	ctx := context.Background()

	n := len(bins)
	inits, firsts, warms := make([][]time.Duration, n), make([][]time.Duration, n), make([][]time.Duration, n)
	for i := -1; i < r.runs; i++ { // run -1 warms the page cache and is not counted
		for k := range n {
			j := (k + max(i, 0)) % n
			st, err := bench.ColdStart(ctx, bins[j], env, healthz, 20, expectStatus(200))
			if err != nil {
				return err
			}
			if i >= 0 {
				inits[j] = append(inits[j], st.Init)
				firsts[j] = append(firsts[j], st.FirstResponse)
				warms[j] = append(warms[j], st.Warm...)
			}
		}
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "GET /healthz, %d runs each\tinit median\tp90\t× bare\t× bare, paired\tfirst response median\tp90\twarm invoke median\n", r.runs)
	initSum, firstSum, warmSum := make([]bench.Summary, n), make([]bench.Summary, n), make([]bench.Summary, n)
	for j := range functions {
		initSum[j], firstSum[j], warmSum[j] = bench.Summarize(inits[j]), bench.Summarize(firsts[j]), bench.Summarize(warms[j])
	}
	for j, f := range functions {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f.name, ms(initSum[j].Median), ms(initSum[j].P90), times(ratio(initSum[j].Median, initSum[1].Median)), times(bench.PairedRatio(inits[j], inits[1])), ms(firstSum[j].Median), ms(firstSum[j].P90), us(warmSum[j].Median))
	}
	tw.Flush()
	// The init ratios are the medians of each run's ratio: the runs start
	// the binaries one after the other, so a pair shares the load of its
	// moment, which the medians of the two samples do not.
	initRatio := bench.PairedRatio(inits[0], inits[1])
	r.add(row{"cold start: init (median, p90; ratio paired)", ms(initSum[0].Median) + ", " + ms(initSum[0].P90), "bare " + ms(initSum[1].Median) + ", " + ms(initSum[1].P90), times(initRatio), verdict(initRatio <= budgetInit, "≤ 1.15×")})
	r.add(row{"  floor: bare + SDK client (config)", ms(initSum[2].Median), "bare " + ms(initSum[1].Median), times(bench.PairedRatio(inits[2], inits[1])), ""})
	r.add(row{"  floor: bare + SDK client (webappaws)", ms(initSum[3].Median), "bare " + ms(initSum[1].Median), times(bench.PairedRatio(inits[3], inits[1])), "./lambda is " + times(bench.PairedRatio(inits[0], inits[3])) + " of it"})
	r.add(row{"cold start: first response /healthz", ms(firstSum[0].Median) + ", " + ms(firstSum[0].P90), "bare " + ms(firstSum[1].Median) + ", " + ms(firstSum[1].P90), times(bench.PairedRatio(firsts[0], firsts[1])), ""})
	r.add(row{"warm invoke via Runtime API (loopback)", us(warmSum[0].Median), "bare " + us(warmSum[1].Median), times(ratio(warmSum[0].Median, warmSum[1].Median)), ""})
	return r.firstPage(ctx, bins[0], firstSum[0].Median)
}

// firstPage measures the cold start of ./lambda whose first request is the
// home page, with dynalite as DynamoDB: templates, the SDK's first call.
func (r *runner) firstPage(ctx context.Context, app string, healthzFirst time.Duration) error {
	db, err := dynalitetest.Launch(ctx, r.root)
	if err != nil {
		return err
	}
	defer db.Stop()
	if err := todo.CreateTables(ctx, db.Client(), "todos", "todo-index"); err != nil {
		return err
	}
	env := []string{"TABLE_NAME=todos", "INDEX_TABLE_NAME=todo-index"}
	for k, v := range dynalitetest.Env(db.Endpoint) {
		env = append(env, k+"="+v)
	}
	home, err := r.event("GET", "/")
	if err != nil {
		return err
	}
	var firsts []time.Duration
	for i := -1; i < max(r.runs/3, 5); i++ {
		st, err := bench.ColdStart(ctx, app, env, home, 0, expectStatus(200))
		if err != nil {
			return err
		}
		if i >= 0 {
			firsts = append(firsts, st.FirstResponse)
		}
	}
	s := bench.Summarize(firsts)
	fmt.Printf("./lambda, GET / with dynalite, %d runs: first response median %s, p90 %s\n", s.N, ms(s.Median), ms(s.P90))
	r.add(row{"cold start: first response GET / (dynalite)", ms(s.Median) + ", " + ms(s.P90), "/healthz " + ms(healthzFirst), times(ratio(s.Median, healthzFirst)), ""})
	return nil
}

// event returns the adapter's CloudFront fixture as a request for path.
func (r *runner) event(method, path string) ([]byte, error) {
	raw, err := os.ReadFile(filepath.Join(r.root, "webapphttp", "testdata", "healthz.json"))
	if err != nil {
		return nil, err
	}
	var e events.APIGatewayProxyRequest
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, err
	}
	e.HTTPMethod, e.Path = method, path
	e.RequestContext.HTTPMethod, e.RequestContext.Path = method, "/"+e.RequestContext.Stage+path
	return json.Marshal(e)
}

func expectStatus(status int) func([]byte) error {
	return func(payload []byte) error {
		var resp events.APIGatewayProxyResponse
		if err := json.Unmarshal(payload, &resp); err != nil {
			return err
		}
		if resp.StatusCode != status {
			return fmt.Errorf("status %d, want %d: %.300s", resp.StatusCode, status, resp.Body)
		}
		return nil
	}
}

// warm runs the Go benchmarks. The healthz pairs run pairRuns short times,
// site right after bare in each, and the ratio is the median of the runs'
// site/bare: a paired measure, robust to the load of a shared machine
// changing during the step.
func (r *runner) warm() error {
	site, err := r.compileTests("internal/app/site")
	if err != nil {
		return err
	}
	apigw, err := r.compileTests("webapphttp")
	if err != nil {
		return err
	}
	const pairRuns = 15
	pairs := map[string][]float64{}
	var results []bench.GoBench
	for range pairRuns {
		out, err := r.goBench(site, "^Benchmark(Invoke|Handle)Healthz$", 1, "100ms")
		if err != nil {
			return err
		}
		got := bench.ParseGoBench(out)
		results = append(results, got...)
		for _, pair := range []string{"BenchmarkInvokeHealthz", "BenchmarkHandleHealthz"} {
			s, b := find(got, pair+"/site"), find(got, pair+"/bare")
			if s == nil || b == nil {
				return fmt.Errorf("%s/site or /bare missing from the output:\n%s", pair, out)
			}
			pairs[pair] = append(pairs[pair], s.NsPerOp/b.NsPerOp)
		}
	}
	for _, b := range []struct {
		bin     testBinary
		pattern string
	}{
		{site, "^Benchmark(Home|SearchURLEncoded|SearchMultipart|CreateTodo|ListTodos|InvokeCreateTodo|InvokeListTodos)$"},
		{apigw, "^Benchmark(NewRequest|HandlerHTMLResponse)$"},
	} {
		out, err := r.goBench(b.bin, b.pattern, 3, "200ms")
		if err != nil {
			return err
		}
		results = append(results, bench.ParseGoBench(out)...)
	}

	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "benchmark (median of runs)\tns/op\tB/op\tallocs/op\t")
	var names []string
	byName := map[string][]bench.GoBench{}
	for _, x := range results {
		if byName[x.Name] == nil {
			names = append(names, x.Name)
		}
		byName[x.Name] = append(byName[x.Name], x)
	}
	medians := map[string]bench.GoBench{}
	for _, n := range names {
		m := medianBench(byName[n])
		medians[n] = m
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.0f\t\n", n, m.NsPerOp, m.BytesPerOp, m.AllocsPerOp)
	}
	tw.Flush()

	inv, hnd := median(pairs["BenchmarkInvokeHealthz"]), median(pairs["BenchmarkHandleHealthz"])
	site1, bare1 := medians["BenchmarkInvokeHealthz/site"], medians["BenchmarkInvokeHealthz/bare"]
	site2, bare2 := medians["BenchmarkHandleHealthz/site"], medians["BenchmarkHandleHealthz/bare"]
	fmt.Printf("site/bare per run: invoke %s; handler only %s\n", fmtRatios(pairs["BenchmarkInvokeHealthz"]), fmtRatios(pairs["BenchmarkHandleHealthz"]))
	fmt.Printf("site/bare of the fastest runs (least disturbed): invoke %.2f×, handler only %.2f×\n",
		fastest(byName["BenchmarkInvokeHealthz/site"])/fastest(byName["BenchmarkInvokeHealthz/bare"]),
		fastest(byName["BenchmarkHandleHealthz/site"])/fastest(byName["BenchmarkHandleHealthz/bare"]))
	r.add(row{"warm: /healthz invocation (JSON in, JSON out)", fmt.Sprintf("%.1f µs, %.0f allocs", site1.NsPerOp/1e3, site1.AllocsPerOp), fmt.Sprintf("bare %.1f µs, %.0f allocs", bare1.NsPerOp/1e3, bare1.AllocsPerOp), times(inv), verdict(inv <= budgetAdapter, "≤ 1.15×")})
	r.add(row{"warm: adapter+middleware+mux alone", fmt.Sprintf("%.1f µs, %.0f allocs", site2.NsPerOp/1e3, site2.AllocsPerOp), fmt.Sprintf("bare %.2f µs", bare2.NsPerOp/1e3), times(hnd), "(absolute: see µs)"})
	if h := medians["BenchmarkHome"]; h.NsPerOp > 0 {
		r.add(row{"warm: home page, 50 todos (httptest)", fmt.Sprintf("%.1f µs, %.0f allocs", h.NsPerOp/1e3, h.AllocsPerOp), fmt.Sprintf("/healthz %.1f µs", site2.NsPerOp/1e3), times(h.NsPerOp / site2.NsPerOp), ""})
	}
	return nil
}

func find(results []bench.GoBench, name string) *bench.GoBench {
	for i := range results {
		if results[i].Name == name {
			return &results[i]
		}
	}
	return nil
}

func medianBench(rs []bench.GoBench) bench.GoBench {
	pick := func(f func(bench.GoBench) float64) float64 {
		v := make([]float64, len(rs))
		for i, x := range rs {
			v[i] = f(x)
		}
		return median(v)
	}
	return bench.GoBench{
		Name:        rs[0].Name,
		NsPerOp:     pick(func(x bench.GoBench) float64 { return x.NsPerOp }),
		BytesPerOp:  pick(func(x bench.GoBench) float64 { return x.BytesPerOp }),
		AllocsPerOp: pick(func(x bench.GoBench) float64 { return x.AllocsPerOp }),
	}
}

// fastest is the least ns/op of the runs.
func fastest(rs []bench.GoBench) float64 {
	best := 0.0
	for _, x := range rs {
		if best == 0 || x.NsPerOp < best {
			best = x.NsPerOp
		}
	}
	return best
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(v))
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

func fmtRatios(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(parts, " ")
}

// testBinary is a compiled test binary and its package's directory, where
// it runs (its tests read testdata/).
type testBinary struct{ bin, dir string }

// compileTests compiles the tests of pkg, a directory of the module.
func (r *runner) compileTests(pkg string) (testBinary, error) {
	t := testBinary{filepath.Join(r.tmp, filepath.Base(pkg)+".test"), filepath.Join(r.root, pkg)}
	return t, r.command(nil, "go", "test", "-c", "-o", t.bin, "./"+pkg).Run()
}

// goBench runs the benchmarks of t matching pattern, count times each.
func (r *runner) goBench(t testBinary, pattern string, count int, benchtime string) (string, error) {
	cmd := exec.Command(t.bin, "-test.run", "^$", "-test.bench", pattern, "-test.benchmem",
		"-test.benchtime", benchtime, "-test.count", strconv.Itoa(count))
	cmd.Dir = t.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s: %v\n%s", filepath.Base(t.bin), err, out)
	}
	return string(out), nil
}

// size builds the functions for Lambda (linux/arm64) and weighs them and
// their zips.
func (r *runner) size() error {
	bins, err := r.build(lambdabuild.Lambda, "arm64")
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "linux/arm64\tbootstrap\tzip (zlib -9, as the CDK)\t× bare\tzip (Go flate -9)\t")
	sizes, zips, goZips := make([]int64, len(bins)), make([]int64, len(bins)), make([]int64, len(bins))
	for i, bin := range bins {
		sizes[i] = fileSize(bin)
		if zips[i], err = bench.CDKZipSize(bin); err != nil {
			return err
		}
		if goZips[i], err = bench.ZipSize(bin); err != nil {
			return err
		}
	}
	for i, f := range functions {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", f.name, mb(sizes[i]), mb(zips[i]), times(float64(zips[i])/float64(zips[1])), mb(goZips[i]))
	}
	tw.Flush()
	r.add(row{"size: arm64 bootstrap", mb(sizes[0]), "bare " + mb(sizes[1]), times(float64(sizes[0]) / float64(sizes[1])), ""})
	r.add(row{"size: its zip (zlib -9, as the CDK)", mb(zips[0]), "bare " + mb(zips[1]), times(float64(zips[0]) / float64(zips[1])), verdict(zips[0] <= budgetZip, "≤ 5 MB")})
	r.add(row{"  SDK config package's share of the zip", mb(zips[2] - zips[3]), "bare + SDK client " + mb(zips[2]), "", ""})

	// The same build with its symbol table, to weigh the packages.
	syms := filepath.Join(r.tmp, "arm64", "syms", "bootstrap")
	flags := slices.Clone(lambdabuild.Flags)
	if i := slices.Index(flags, "-ldflags"); i >= 0 {
		flags = slices.Delete(flags, i, i+2)
	}
	args := append(append([]string{"build"}, flags...), "-o", syms, "./lambda")
	if err := r.command(lambdabuild.Env(os.Environ(), lambdabuild.Lambda), "go", args...).Run(); err != nil {
		return err
	}
	pkgs, total, err := bench.PackageSizes(syms)
	if err != nil {
		return err
	}
	list := r.command(lambdabuild.Env(os.Environ(), lambdabuild.Lambda), "go", slices.Concat([]string{"list", "-deps"}, lambdabuild.Flags, []string{
		"-f", "{{.ImportPath}}\t{{with .Module}}{{.Path}}{{end}}", "./lambda"})...)
	var out bytes.Buffer
	list.Stdout = &out
	if err := list.Run(); err != nil {
		return err
	}
	moduleOf := map[string]string{}
	for line := range strings.SplitSeq(strings.TrimSpace(out.String()), "\n") {
		pkg, mod, _ := strings.Cut(line, "\t")
		moduleOf[pkg] = mod
		moduleOf["main"] = mod // the linker calls ./lambda, listed last, main
	}
	fmt.Printf("\nsymbols by module (code and data in the file; %s of %s unstripped are symbols):\n", mb(total), mb(fileSize(syms)))
	printShares(bench.ByModule(pkgs, moduleOf), total, 12)
	fmt.Println("\nlargest packages:")
	printShares(pkgs, total, 20)
	return nil
}

func printShares(shares []bench.Share, total int64, n int) {
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	for _, s := range shares[:min(n, len(shares))] {
		fmt.Fprintf(tw, "  %s\t%6.0f KB\t%4.1f%%\n", s.Name, float64(s.Bytes)/1e3, 100*float64(s.Bytes)/float64(total))
	}
	tw.Flush()
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// synth runs make synth twice: the first may build the CDK app and bundle
// the function; the second, warm, is the figure.
func (r *runner) synth() error {
	var d [2]time.Duration
	for i := range d {
		start := time.Now()
		if err := r.logTo(r.command(nil, "make", "--no-print-directory", "synth"), "synth"+strconv.Itoa(i+1)); err != nil {
			return err
		}
		d[i] = time.Since(start)
		fmt.Printf("make synth run %d: %s\n", i+1, secs(d[i]))
	}
	r.add(row{"make synth (second run)", secs(d[1]), "first run " + secs(d[0]), times(d[1].Seconds() / d[0].Seconds()), ""})
	return nil
}

// test runs make test twice with -count=1, so that the tests run rather than
// come from go test's cache; the second run, with a warm build cache, is
// the figure. Failing tests still give a time: it is reported with them.
func (r *runner) test() error {
	env := append(os.Environ(), "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -count=1"))
	var d [2]time.Duration
	var failed error
	for i := range d {
		start := time.Now()
		err := r.logTo(r.command(env, "make", "--no-print-directory", "test"), "test"+strconv.Itoa(i+1))
		d[i] = time.Since(start)
		fmt.Printf("make test run %d: %s\n", i+1, secs(d[i]))
		if err != nil {
			fmt.Println("  FAILED:", err)
			failed = err
		}
	}
	budget := verdict(d[1] <= budgetTestWarm, "≤ 60 s")
	if failed != nil {
		budget += " (tests FAILED, see .cache/bench/test*.log)"
		r.failed = true
	}
	r.add(row{"make test (second run, -count=1)", secs(d[1]), "first run " + secs(d[0]), times(d[1].Seconds() / d[0].Seconds()), budget})
	return nil
}

// wrk loads the local server: /healthz (no DynamoDB, no template) as the
// baseline, then the home page and the todo list.
func (r *runner) wrk() error {
	if _, err := exec.LookPath("wrk"); err != nil {
		return errors.New("wrk is not installed: apt-get install -y wrk (make bench does)")
	}
	dev := filepath.Join(r.tmp, "dev")
	if err := r.command(nil, "go", "build", "-o", dev, "./tools/cmd/dev").Run(); err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	srv := exec.Command(dev)
	srv.Env = append(os.Environ(), "PORT="+strconv.Itoa(port))
	stop, err := r.startServer(srv, "dev.log", base, 90*time.Second, 10*time.Second, 50)
	if err != nil {
		return err
	}
	defer stop()
	secs := strconv.Itoa(max(1, int(r.wrkDuration.Seconds())))
	fmt.Printf("wrk -t2 -c16 -d%ss --latency against %s (tools/cmd/dev with dynalite, 50 todos), one path after the other:\n", secs, base)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "path\trequests/s\tp50\tp99\terrors\t")
	var healthz bench.Wrk
	for _, path := range []string{"/healthz", "/", "/todos"} {
		cmd := exec.Command("wrk", "-t2", "-c16", "-d"+secs+"s", "--latency", base+path)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("wrk %s: %v\n%s", path, err, out)
		}
		name := "wrk" + cmp.Or(strings.ReplaceAll(strings.TrimSuffix(path, "/"), "/", "-"), "-home") + ".txt"
		if err := os.WriteFile(filepath.Join(r.logs, name), out, 0o644); err != nil {
			return err
		}
		w, err := bench.ParseWrk(string(out))
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%s\t%s\t%d\t\n", path, w.RequestsPerSec, ms(w.P50), ms(w.P99), w.Errors)
		if path == "/healthz" {
			healthz = w
			continue
		}
		note := ""
		if w.Errors > 0 {
			note = fmt.Sprintf("%d errors", w.Errors)
		}
		r.add(row{"wrk: GET " + path + " req/s, p99", fmt.Sprintf("%.0f/s, %s", w.RequestsPerSec, ms(w.P99)), fmt.Sprintf("/healthz %.0f/s, %s", healthz.RequestsPerSec, ms(healthz.P99)), times(w.RequestsPerSec / healthz.RequestsPerSec), note})
	}
	tw.Flush()
	return nil
}

// startServer starts srv in the module's root with its output in
// logs/logName, waits until base's /healthz answers (for up to healthTimeout)
// and adds todos todos through the JSON API, so that pages have content.
// stop ends the server with SIGTERM, and kills it if it has not exited after
// grace.
func (r *runner) startServer(srv *exec.Cmd, logName, base string, healthTimeout, grace time.Duration, todos int) (stop func(), err error) {
	logFile, err := os.Create(filepath.Join(r.logs, logName))
	if err != nil {
		return nil, err
	}
	srv.Dir, srv.Stdout, srv.Stderr = r.root, logFile, logFile
	if err := srv.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	stop = func() {
		srv.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { srv.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(grace):
			srv.Process.Kill()
			<-done
		}
		logFile.Close()
	}
	if err := waitHealthy(base+"/healthz", healthTimeout); err != nil {
		stop()
		return nil, fmt.Errorf("%w (log: %s)", err, logFile.Name())
	}
	for i := range todos {
		body := fmt.Sprintf(`{"title":"Todo %d: buy 牛乳 and bread","priority":%d}`, i, i%5+1)
		resp, err := http.Post(base+"/todos", "application/json", strings.NewReader(body))
		if err != nil {
			stop()
			return nil, err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			stop()
			return nil, fmt.Errorf("POST /todos: %s", resp.Status)
		}
	}
	return stop, nil
}

func waitHealthy(url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 5 * time.Second}
	for time.Now().Before(deadline) {
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("the local server did not answer %s within %s", url, timeout)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// command returns a command run in the module root, its errors on stderr;
// env nil means this process's environment.
func (r *runner) command(env []string, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = r.root, env
	cmd.Stderr = os.Stderr
	return cmd
}

// logTo runs cmd with its output in .cache/bench/<log>.log.
func (r *runner) logTo(cmd *exec.Cmd, log string) error {
	path := filepath.Join(r.logs, log+".log")
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w; its output is in %s", strings.Join(cmd.Args, " "), err, path)
	}
	return nil
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for line := range strings.SplitSeq(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func loadAverage() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func ratio(a, b time.Duration) float64 { return bench.Ratio(float64(a), float64(b)) }

func times(x float64) string { return fmt.Sprintf("%.2f×", x) }

func verdict(ok bool, budget string) string {
	if ok {
		return budget + ": holds"
	}
	return budget + ": MISSED"
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/1e6) }
func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d)/1e3) }
func secs(d time.Duration) string {
	return fmt.Sprintf("%.1f s", d.Seconds())
}
func mb(n int64) string { return fmt.Sprintf("%.2f MB", float64(n)/1e6) }
