package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gowebapp/webapp/internal/app/todo"
	"github.com/gowebapp/webapp/internal/app/todo/todotest"
	"github.com/gowebapp/webapp/tools/bench"
	"github.com/gowebapp/webapp/tools/dynalitetest"
)

// search loads dynalite with the benchmark's todos, size after size, and at
// each size times the first page of every query through the index and
// through the scan it replaced, counting what each request read. It ends
// with the cost of a create.
func (r *runner) search() error {
	ctx := context.Background()
	db, err := dynalitetest.Launch(ctx, r.root)
	if err != nil {
		return err
	}
	defer db.Stop()
	raw := db.Client()
	const items, index = "bench-todos", "bench-index"
	if err := todo.CreateTables(ctx, raw, items, index); err != nil {
		return err
	}
	var counter todotest.Counter
	client := counter.Client(raw)
	store := todo.NewStore(client, items, index)

	var results []searchResult
	queries := bench.SearchQueries()
	loaded := 0
	for _, size := range r.searchSizes {
		start := time.Now()
		for loaded < size {
			n := min(size-loaded, 2000)
			todos := make([]todo.Todo, n)
			for i := range todos {
				todos[i] = bench.SearchTodo(loaded + i)
			}
			if err := store.Import(ctx, todos); err != nil {
				return fmt.Errorf("load todos %d to %d: %w", loaded, loaded+n, err)
			}
			loaded += n
		}
		fmt.Printf("%d todos in dynalite (loading took %s)\n", size, time.Since(start).Round(time.Second))
		scanRuns := max(3, min(r.searchRuns, 50_000/size)) // a scan of 50,000 todos takes a second
		for _, q := range queries {
			res := searchResult{size: size}
			if res.index, err = bench.IndexSearch(ctx, store, &counter, q.Q, r.searchRuns); err != nil {
				return err
			}
			if res.scan, err = bench.ScanSearch(ctx, client, &counter, items, q.Q, scanRuns); err != nil {
				return err
			}
			results = append(results, res)
		}
	}

	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "query\ttodos\tindex: median\tp90\titems read\tread units\tfound (page of 20)\tscan: median\tp90\titems read\tread units\tfound\t\n")
	for i, res := range results {
		q := queries[i%len(queries)]
		more := ""
		if res.index.More {
			more = " + next"
		}
		fmt.Fprintf(tw, "%s %q\t%d\t%s\t%s\t%d\t%.1f\t%d%s\t%s\t%s\t%d\t%.1f\t%d\t\n", q.Name, q.Q, res.size,
			ms(res.index.Latency.Median), ms(res.index.Latency.P90), res.index.ItemsRead, res.index.ReadUnits, res.index.Found, more,
			ms(res.scan.Latency.Median), ms(res.scan.Latency.P90), res.scan.ItemsRead, res.scan.ReadUnits, res.scan.Found)
	}
	tw.Flush()
	fmt.Printf("index: %d runs of each query at each size; scan: as many up to 2,500 todos, 50,000 / size above, at least 3\n", r.searchRuns)

	// The summary: per query, the index's median and items read at each
	// size, beside the scan's at the largest.
	sizes := make([]string, len(r.searchSizes))
	for i, n := range r.searchSizes {
		sizes[i] = strconv.Itoa(n)
	}
	for qi, q := range queries {
		var lat, reads []string
		var last searchResult
		for si := range r.searchSizes {
			res := results[si*len(queries)+qi]
			lat = append(lat, ms(res.index.Latency.Median))
			reads = append(reads, strconv.Itoa(res.index.ItemsRead))
			last = res
		}
		r.add(row{
			what:     fmt.Sprintf("search %q at %s todos", q.Q, strings.Join(sizes, "/")),
			value:    strings.Join(lat, ", ") + "; " + strings.Join(reads, "/") + " items read",
			baseline: fmt.Sprintf("scan %s, %d items read at %s", ms(last.scan.Latency.Median), last.scan.ItemsRead, sizes[len(sizes)-1]),
			ratio:    fmt.Sprintf("1/%.0f", ratio(last.scan.Latency.Median, last.index.Latency.Median)),
			budget:   flatVerdict(results, qi, len(queries)),
		})
	}
	return r.writeCost(ctx, store, &counter, loaded)
}

// searchResult is one query at one size of the table.
type searchResult struct {
	size        int
	index, scan bench.SearchCost
}

// flatVerdict says whether the index's reads for query qi at the largest
// size stayed at most those at the smallest, or within the store's fixed
// budget of a request.
func flatVerdict(results []searchResult, qi, nq int) string {
	first, last := results[qi].index.ItemsRead, results[len(results)-nq+qi].index.ItemsRead
	return verdict(last <= max(first, 700), "reads flat (≤ 700 a request)")
}

// writeCost creates todos one by one through the store, as the site does,
// and reports the write units each took: the item and its index entries.
func (r *runner) writeCost(ctx context.Context, store *todo.Store, counter *todotest.Counter, loaded int) error {
	const n = 20
	var units []float64
	for i := range n {
		t := bench.SearchTodo(loaded + i)
		counter.Reset()
		if _, err := store.Create(ctx, t); err != nil {
			return err
		}
		units = append(units, counter.Counts().WriteUnits)
	}
	slices.Sort(units)
	fmt.Printf("create: %.0f write units median (the todo and its index entries; min %.0f, max %.0f, %d creates of the benchmark's todos)\n",
		median(units), units[0], units[n-1], n)
	r.add(row{"search index: write units a create", fmt.Sprintf("%.0f (min %.0f, max %.0f)", median(units), units[0], units[n-1]), "the todo alone: 1", "",
		fmt.Sprintf("at most %d entries + the todo's 1–9", todo.MaxGrams+1)})
	return nil
}
