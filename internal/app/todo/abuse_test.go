package todo_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gowebapp/webapp/internal/app/todo"
	"github.com/gowebapp/webapp/internal/app/todo/todotest"
)

// What one search request may read at most, whatever the table holds: its
// budget of entries and todos; three probes and up to three further reads of
// the driving gram (twice as far each time, for a page of 20), and the
// todos in batches that double.
const (
	maxItemsRead = todo.SearchEntryBudget + todo.SearchItemBudget
	maxQueries   = 6
	maxBatchGets = 8
)

// TestSearchStaysBoundedUnderJunk fills the table as the attacker
// did — junk todos whose memo is "<" × 2000, and junk that has every gram of
// a real todo's words without the words — and checks, at two sizes of the
// table, that each search request reads no more than a fixed budget, that
// the reads do not grow with the table, and that the answers stay right.
func TestSearchStaysBoundedUnderJunk(t *testing.T) {
	if testing.Short() {
		t.Skip("fills dynalite with thousands of todos")
	}
	var counter todotest.Counter
	plain, client := todotest.NewStore(t)
	store := todo.NewStore(counter.Client(client), plain.Table(), plain.IndexTable())

	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	newTodo := func(title, memo string) todo.Todo {
		created = created.Add(time.Second)
		t, err := todo.New(todo.Draft{Title: title, Memo: memo, Priority: 3}, created)
		if err != nil {
			panic(err)
		}
		return t
	}
	var needles []todo.Todo
	for _, n := range [][2]string{{"Buy milk", "at the shop"}, {"牛乳を買う", "低脂肪"}, {"Oat MILK", ""}} {
		needles = append(needles, newTodo(n[0], n[1]))
	}
	if err := store.Import(t.Context(), needles); err != nil {
		t.Fatal(err)
	}
	fill := func(n int) {
		var junk []todo.Todo
		for i := range n {
			if i%2 == 0 {
				junk = append(junk, newTodo(fmt.Sprint("junk ", i), strings.Repeat("<", todo.MaxMemo)))
			} else {
				junk = append(junk, newTodo(fmt.Sprintf("mil ilk mi lk 牛 乳 を 買 %d", i), "at the shop"))
			}
		}
		if err := store.Import(t.Context(), junk); err != nil {
			t.Fatal(err)
		}
	}

	queries := []struct {
		q    string
		want []string // every title found, over all pages; nil for a broad query
	}{
		{"milk", []string{"Oat MILK", "Buy milk"}}, // its grams are in every other junk todo
		{"牛乳", []string{"牛乳を買う"}},
		{"zzqx", []string{}},
		{"Buy milk at the shop", []string{}}, // longer than any todo's field
		{"<", nil},                           // the broad query
		{"<<<<", nil},
		{"k", nil},
	}
	reads := map[string][]int{}
	filled := 0
	for _, size := range []int{200, 2000} {
		start := time.Now()
		fill(size - filled)
		filled = size
		t.Logf("%d junk todos: filled in %s", size, time.Since(start).Round(time.Millisecond))
		for _, tt := range queries {
			counter.Reset()
			start := time.Now()
			page, err := store.Search(t.Context(), tt.q, 20, "")
			elapsed := time.Since(start)
			if err != nil {
				t.Fatalf("Search(%q): %v", tt.q, err)
			}
			c := counter.Counts()
			t.Logf("%5d junk todos, %-22q %2d found, next %5v: %3d items read (%d Query, %d BatchGetItem), %.1f read units, %s",
				size, tt.q, len(page.Items), page.Next != "", c.ItemsRead, c.Calls["Query"], c.Calls["BatchGetItem"], c.ReadUnits, elapsed.Round(time.Millisecond))
			if c.ItemsRead > maxItemsRead || c.Calls["Query"] > maxQueries || c.Calls["BatchGetItem"] > maxBatchGets || c.Calls["Scan"] > 0 {
				t.Errorf("Search(%q) read %d items in %v, want at most %d items, %d Query and %d BatchGetItem calls, no Scan",
					tt.q, c.ItemsRead, c.Calls, maxItemsRead, maxQueries, maxBatchGets)
			}
			if elapsed > 5*time.Second {
				t.Errorf("Search(%q) took %s", tt.q, elapsed)
			}
			reads[tt.q] = append(reads[tt.q], c.ItemsRead)
			if tt.want == nil {
				if len(page.Items) != 20 || page.Next == "" {
					t.Errorf("Search(%q): %d todos, next %q; want a full page and a next one", tt.q, len(page.Items), page.Next)
				}
				for _, found := range page.Items {
					if !todo.Matches(found, tt.q) {
						t.Errorf("Search(%q) found %q, which does not match", tt.q, found.Title)
					}
				}
				continue
			}
			titles, pages := allPages(t, store, &counter, tt.q)
			if !slices.Equal(titles, tt.want) {
				t.Errorf("Search(%q) over %d pages found %q, want %q", tt.q, pages, titles, tt.want)
			}
		}
		reads["size"] = append(reads["size"], size)
	}
	for _, tt := range queries {
		if r := reads[tt.q]; r[1] > max(r[0], maxItemsRead) {
			t.Errorf("Search(%q) read %d items with %d junk todos, %d with %d", tt.q, r[1], reads["size"][1], r[0], reads["size"][0])
		}
	}
}

// allPages follows the cursors of a search to its end, checking that each
// request stays within the budget, and returns the titles found and the
// number of pages.
func allPages(t *testing.T, store *todo.Store, counter *todotest.Counter, q string) ([]string, int) {
	t.Helper()
	titles := []string{}
	cursor := ""
	for pages := 1; ; pages++ {
		counter.Reset()
		page, err := store.Search(t.Context(), q, 20, cursor)
		if err != nil {
			t.Fatalf("Search(%q, page %d): %v", q, pages, err)
		}
		if c := counter.Counts(); c.ItemsRead > maxItemsRead {
			t.Fatalf("Search(%q, page %d) read %d items, want at most %d", q, pages, c.ItemsRead, maxItemsRead)
		}
		for _, found := range page.Items {
			titles = append(titles, found.Title)
		}
		if cursor = page.Next; cursor == "" {
			return titles, pages
		}
	}
}
