package bench

import (
	"slices"
	"testing"

	"github.com/gowebapp/webapp/internal/app/todo"
	"github.com/gowebapp/webapp/internal/app/todo/todotest"
)

// TestScanSearchAgreesWithTheIndex: the baseline finds what the index
// finds, over all its pages, for every query of the benchmark; the rare
// words are in SearchNeedles todos.
func TestScanSearchAgreesWithTheIndex(t *testing.T) {
	store, client := todotest.NewStore(t)
	const n = 1000
	todos := make([]todo.Todo, n)
	for i := range todos {
		todos[i] = SearchTodo(i)
	}
	if err := store.Import(t.Context(), todos); err != nil {
		t.Fatal(err)
	}
	for _, q := range SearchQueries() {
		scanned, err := ScanSearchOnce(t.Context(), client, store.Table(), q.Q)
		if err != nil {
			t.Fatal(err)
		}
		var want, got []string
		for _, found := range scanned {
			want = append(want, found.ID)
		}
		cursor := ""
		for {
			page, err := store.Search(t.Context(), q.Q, todo.MaxSearchLimit, cursor)
			if err != nil {
				t.Fatal(err)
			}
			for _, found := range page.Items {
				got = append(got, found.ID)
			}
			if cursor = page.Next; cursor == "" {
				break
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s %q: the index found %d todos, the scan %d; want the same, in the same order", q.Name, q.Q, len(got), len(want))
		}
		if q.Name == "rare word" && len(want) != SearchNeedles {
			t.Errorf("%q is in %d todos, want %d", q.Q, len(want), SearchNeedles)
		}
	}
	if a, b := SearchTodo(7), SearchTodo(7); a.Title != b.Title || a.Memo != b.Memo || !a.CreatedAt.Equal(b.CreatedAt) {
		t.Errorf("SearchTodo(7) = %+v, then %+v: want the same todo but for its id", a, b)
	}
}
