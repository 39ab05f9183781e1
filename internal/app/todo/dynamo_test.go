package todo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gowebapp/webapp/tools/dynalitetest"
)

func TestMain(m *testing.M) { dynalitetest.Main(m) }

// newStore returns a store of fresh tables in the shared dynalite, with a
// clock that ticks one second per call, and the raw client for checks. The
// todos' table is dynalitetest's, which the index table joins (package
// todotest, which does the same for other packages, imports this one).
func newStore(t *testing.T) (*Store, *dynamodb.Client) {
	t.Helper()
	client, table := dynalitetest.Start(t).Table(t)
	index := table + "-index"
	if _, err := client.CreateTable(t.Context(), TableInputs(table, index)[1]); err != nil {
		t.Fatal(err)
	}
	if err := waitActive(t.Context(), client, index); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(index)})
	})
	s := NewStore(client, table, index)
	var mu sync.Mutex
	clock := now
	s.now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(time.Second)
		return clock
	}
	return s, client
}

// create stores a new todo with the title, or fails the test.
func create(t *testing.T, s *Store, title string) Todo {
	t.Helper()
	todo, err := New(Draft{Title: title, Memo: "memo of " + title, Priority: 2}, now)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Create(t.Context(), todo)
	if err != nil {
		t.Fatalf("Create(%q): %v", title, err)
	}
	return got
}

// count returns how many items the table holds.
func count(t *testing.T, s *Store, client *dynamodb.Client) int32 {
	t.Helper()
	out, err := client.Scan(t.Context(), &dynamodb.ScanInput{TableName: aws.String(s.table), Select: types.SelectCount})
	if err != nil {
		t.Fatal(err)
	}
	return out.Count
}

func TestStoreCreateAndGet(t *testing.T) {
	s, _ := newStore(t)
	want := create(t, s, "日本語のタイトル")
	got, err := s.Get(t.Context(), want.ID)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got != want {
		t.Errorf("Get = %+v, want %+v", got, want)
	}
}

func TestStoreCreateKeepsEmptyMemo(t *testing.T) {
	s, _ := newStore(t)
	todo, _ := New(Draft{Title: "no memo", Priority: 3}, now)
	if _, err := s.Create(t.Context(), todo); err != nil {
		t.Fatalf("Create with an empty memo: %v", err)
	}
	if got, err := s.Get(t.Context(), todo.ID); err != nil || got.Memo != "" {
		t.Errorf("Get = %+v, %v; want the todo with an empty memo", got, err)
	}
}

func TestStoreCreateConflictKeepsTheFirst(t *testing.T) {
	s, _ := newStore(t)
	first := create(t, s, "first")
	second := first
	second.Title = "second"
	if _, err := s.Create(t.Context(), second); !errors.Is(err, ErrConflict) {
		t.Fatalf("Create with a taken id: error = %v, want ErrConflict", err)
	}
	if got, _ := s.Get(t.Context(), first.ID); got.Title != "first" {
		t.Errorf("title after the refused create = %q, want %q", got.Title, "first")
	}
}

func TestStoreCreateInvalidWritesNothing(t *testing.T) {
	s, client := newStore(t)
	for name, todo := range map[string]Todo{
		"empty title":  {ID: NewID(), Title: "", Priority: 3, Version: 1},
		"bad priority": {ID: NewID(), Title: "x", Priority: 7, Version: 1},
		"bad id":       {ID: "not-an-id", Title: "x", Priority: 3, Version: 1},
		"no version":   {ID: NewID(), Title: "x", Priority: 3},
	} {
		var verr *ValidationError
		if _, err := s.Create(t.Context(), todo); !errors.As(err, &verr) {
			t.Errorf("%s: Create error = %v, want a ValidationError", name, err)
		}
	}
	if n := count(t, s, client); n != 0 {
		t.Errorf("table holds %d items after invalid creates, want 0", n)
	}
}

func TestStoreGetMissing(t *testing.T) {
	s, _ := newStore(t)
	for _, id := range []string{NewID(), "bad id", ""} {
		if _, err := s.Get(t.Context(), id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%q) error = %v, want ErrNotFound", id, err)
		}
	}
}

func TestStoreGetForeignItemIsAnError(t *testing.T) {
	s, client := newStore(t)
	id := NewID()
	_, err := client.PutItem(t.Context(), &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item:      map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: id}},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Get(t.Context(), id)
	if err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "attribute title is not a string") {
		t.Errorf("Get of an item without attributes: error = %v, want one naming the missing attribute", err)
	}
}

func TestStoreUpdate(t *testing.T) {
	s, _ := newStore(t)
	orig := create(t, s, "old")
	got, err := s.Update(t.Context(), orig.ID, Patch{Title: ptr("  new "), Completed: ptr(true), Version: 1})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	want := orig
	want.Title, want.Completed, want.Version = "new", true, 2
	want.UpdatedAt = got.UpdatedAt
	if got != want || !got.UpdatedAt.After(orig.UpdatedAt) {
		t.Errorf("Update = %+v, want %+v with a later updatedAt", got, want)
	}
	if stored, _ := s.Get(t.Context(), orig.ID); stored != got {
		t.Errorf("stored = %+v, want what Update returned, %+v", stored, got)
	}
}

func TestStoreUpdateFailures(t *testing.T) {
	s, _ := newStore(t)
	orig := create(t, s, "keep me")
	if _, err := s.Update(t.Context(), orig.ID, Patch{Memo: ptr("v2"), Version: 1}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		id    string
		patch Patch
		want  error // ErrNotFound, ErrConflict, or nil for a ValidationError
	}{
		{"stale version", orig.ID, Patch{Title: ptr("lost"), Version: 1}, ErrConflict},
		{"future version", orig.ID, Patch{Title: ptr("lost"), Version: 3}, ErrConflict},
		{"missing todo", NewID(), Patch{Title: ptr("x"), Version: 1}, ErrNotFound},
		{"malformed id", "../x", Patch{Title: ptr("x"), Version: 1}, ErrNotFound},
		{"priority out of range", orig.ID, Patch{Priority: ptr(0), Version: 2}, nil},
		{"empty title", orig.ID, Patch{Title: ptr(""), Memo: ptr("half"), Version: 2}, nil},
		{"no version", orig.ID, Patch{Title: ptr("x")}, nil},
	}
	for _, tt := range tests {
		_, err := s.Update(t.Context(), tt.id, tt.patch)
		var verr *ValidationError
		if tt.want != nil && !errors.Is(err, tt.want) || tt.want == nil && !errors.As(err, &verr) {
			t.Errorf("%s: Update error = %v, want %v", tt.name, err, cmp.Or[any](tt.want, "a ValidationError"))
		}
	}
	got, _ := s.Get(t.Context(), orig.ID)
	if got.Title != "keep me" || got.Memo != "v2" || got.Version != 2 || got.Priority != 2 {
		t.Errorf("after refused updates: %+v, want title %q, memo %q, priority 2, version 2", got, "keep me", "v2")
	}
}

func TestStoreConcurrentUpdatesOfOneVersion(t *testing.T) {
	s, _ := newStore(t)
	orig := create(t, s, "contended")
	const n = 12
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = s.Update(context.Background(), orig.ID, Patch{Title: ptr(fmt.Sprint("writer ", i)), Version: 1})
		})
	}
	close(start)
	wg.Wait()
	var won []int
	for i, err := range errs {
		switch {
		case err == nil:
			won = append(won, i)
		case !errors.Is(err, ErrConflict):
			t.Errorf("writer %d: error = %v, want nil or ErrConflict", i, err)
		}
	}
	if len(won) != 1 {
		t.Fatalf("%d writers succeeded (%v), want exactly 1", len(won), won)
	}
	got, _ := s.Get(t.Context(), orig.ID)
	if want := fmt.Sprint("writer ", won[0]); got.Version != 2 || got.Title != want {
		t.Errorf("final todo = %+v, want version 2 and title %q", got, want)
	}
}

func TestStoreDelete(t *testing.T) {
	s, _ := newStore(t)
	todo := create(t, s, "doomed")
	if err := s.Delete(t.Context(), todo.ID, 2); !errors.Is(err, ErrConflict) {
		t.Fatalf("Delete with a stale version: error = %v, want ErrConflict", err)
	}
	if _, err := s.Get(t.Context(), todo.ID); err != nil {
		t.Fatalf("after a refused delete, Get: %v, want the todo still there", err)
	}
	if err := s.Delete(t.Context(), todo.ID, 1); err != nil {
		t.Fatalf("Delete with the current version: %v", err)
	}
	if _, err := s.Get(t.Context(), todo.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("after Delete, Get error = %v, want ErrNotFound", err)
	}
	for _, version := range []int{0, 1} {
		if err := s.Delete(t.Context(), todo.ID, version); !errors.Is(err, ErrNotFound) {
			t.Errorf("Delete of a deleted todo (version %d): error = %v, want ErrNotFound", version, err)
		}
	}
}

func TestStoreDeleteWithoutVersion(t *testing.T) {
	s, client := newStore(t)
	todo := create(t, s, "any version")
	if _, err := s.Update(t.Context(), todo.ID, Patch{Completed: ptr(true), Version: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(t.Context(), todo.ID, 0); err != nil {
		t.Fatalf("Delete without a version: %v", err)
	}
	if n := count(t, s, client); n != 0 {
		t.Errorf("table holds %d items, want 0", n)
	}
}

func TestStoreListPagesThroughEverything(t *testing.T) {
	s, _ := newStore(t)
	want := map[string]bool{}
	for i := range 23 {
		want[create(t, s, fmt.Sprint("todo ", i)).ID] = true
	}
	got := map[string]bool{}
	cursor, pages := "", 0
	for {
		page, err := s.List(t.Context(), 5, cursor)
		if err != nil {
			t.Fatalf("List page %d: %v", pages, err)
		}
		pages++
		if len(page.Items) > 5 {
			t.Errorf("page %d has %d items, want at most 5", pages, len(page.Items))
		}
		for _, todo := range page.Items {
			if got[todo.ID] {
				t.Errorf("todo %s listed twice", todo.ID)
			}
			got[todo.ID] = true
		}
		if page.Next == "" {
			break
		}
		if pages > 10 {
			t.Fatal("more than 10 pages of 5 for 23 items: the cursor does not advance")
		}
		cursor = page.Next
	}
	if !maps.Equal(got, want) {
		t.Errorf("listed %d todos, want all %d: missing or extra ids", len(got), len(want))
	}
	if pages < 5 {
		t.Errorf("%d pages, want at least 5", pages)
	}
}

func TestStoreListRefusesBadInput(t *testing.T) {
	s, _ := newStore(t)
	if _, err := s.List(t.Context(), 10, "forged"); !errors.Is(err, ErrInvalidCursor) {
		t.Errorf("List with a forged cursor: error = %v, want ErrInvalidCursor", err)
	}
	var verr *ValidationError
	for _, limit := range []int{0, -1, MaxPageSize + 1} {
		if _, err := s.List(t.Context(), limit, ""); !errors.As(err, &verr) {
			t.Errorf("List with limit %d: error = %v, want a ValidationError", limit, err)
		}
	}
}

func TestNewStoreFromEnvUsesTheStandardConfiguration(t *testing.T) {
	server := dynalitetest.Start(t)
	tables, _ := newStore(t)
	server.Setenv(t)
	t.Setenv("TABLE_NAME", tables.Table())
	t.Setenv("INDEX_TABLE_NAME", tables.IndexTable())
	s, err := NewStoreFromEnv(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	todo := create(t, s, "through AWS_ENDPOINT_URL_DYNAMODB")
	if got, err := s.Get(t.Context(), todo.ID); err != nil || got.ID != todo.ID {
		t.Errorf("Get = %+v, %v; want the todo just created", got, err)
	}
	if found, err := s.Search(t.Context(), "dynamodb", 10, ""); err != nil || len(found.Items) != 1 {
		t.Errorf("Search = %+v, %v; want the todo just created, through the index table", found, err)
	}
}

func TestNewStoreFromEnvNeedsBothTableNames(t *testing.T) {
	for _, tt := range []struct{ table, index, want string }{
		{"", "index", "TABLE_NAME is not set"},
		{"todos", "", "INDEX_TABLE_NAME is not set: give the name of the DynamoDB table of the todos' index"},
	} {
		t.Setenv("TABLE_NAME", tt.table)
		t.Setenv("INDEX_TABLE_NAME", tt.index)
		if _, err := NewStoreFromEnv(t.Context()); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("TABLE_NAME=%q INDEX_TABLE_NAME=%q: error = %v, want one saying %q", tt.table, tt.index, err, tt.want)
		}
	}
}
