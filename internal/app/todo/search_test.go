package todo

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// add stores a todo created now by the store's clock, so that todos added
// later are newer.
func add(t *testing.T, s *Store, title, memo string) Todo {
	t.Helper()
	todo, err := New(Draft{Title: title, Memo: memo, Priority: 3}, s.now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(t.Context(), todo); err != nil {
		t.Fatalf("Create(%q): %v", title, err)
	}
	return todo
}

// search returns the titles of every todo Search finds for q, following the
// cursors, and fails the test on a todo found twice or on too many pages.
func search(t *testing.T, s *Store, q string, limit int) []string {
	t.Helper()
	var titles []string
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 200 {
			t.Fatalf("Search(%q): more than 200 pages", q)
		}
		page, err := s.Search(t.Context(), q, limit, cursor)
		if err != nil {
			t.Fatalf("Search(%q, %d, %q): %v", q, limit, cursor, err)
		}
		if len(page.Items) > limit {
			t.Fatalf("Search(%q): a page of %d todos, over the limit %d", q, len(page.Items), limit)
		}
		for _, todo := range page.Items {
			if seen[todo.ID] {
				t.Fatalf("Search(%q): %q found twice", q, todo.Title)
			}
			seen[todo.ID] = true
			titles = append(titles, todo.Title)
		}
		if page.Next == "" {
			return titles
		}
		cursor = page.Next
	}
}

// indexOf returns the grams of the index entries at the todo's position.
func indexOf(t *testing.T, s *Store, client *dynamodb.Client, todo Todo) []string {
	t.Helper()
	out, err := client.Scan(t.Context(), &dynamodb.ScanInput{
		TableName:                 aws.String(s.index),
		FilterExpression:          aws.String("#todo = :p"),
		ExpressionAttributeNames:  map[string]string{"#todo": attrTodo},
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": str(Position(todo))},
	})
	if err != nil {
		t.Fatal(err)
	}
	var gs []string
	for _, item := range out.Items {
		gs = append(gs, item[attrGram].(*types.AttributeValueMemberS).Value)
	}
	slices.Sort(gs)
	return gs
}

func TestSearchFinds(t *testing.T) {
	s, _ := newStore(t)
	milk := add(t, s, "Buy MILK", "at the shop")
	gyunyu := add(t, s, "牛乳を買う", "低脂肪")
	gas := add(t, s, "ｶﾞｽ代を払う", "")
	dog := add(t, s, "Walk the dog", "日本語で話す")
	tests := []struct {
		q    string
		want []Todo // newest first
	}{
		{"milk", []Todo{milk}},
		{"MiLk", []Todo{milk}},
		{"ｍｉｌｋ", []Todo{milk}},
		{"y m", []Todo{milk}},
		{"Buy MILK", []Todo{milk}},
		{"  buy   milk ", []Todo{milk}},
		{"牛乳", []Todo{gyunyu}},
		{"乳を買", []Todo{gyunyu}},
		{"牛", []Todo{gyunyu}},
		{"ガス", []Todo{gas}},
		{"ｶﾞｽ", []Todo{gas}},
		{"日本語", []Todo{dog}},
		{"the", []Todo{dog, milk}},
		{"h", []Todo{dog, milk}},
		{"脂", []Todo{gyunyu}},
		{"Buy MILK and more", nil}, // longer than the todo
		{"nothing like this", nil},
		{"日本人", nil}, // 日本 is there, 本人 is not
		{"z", nil},
	}
	for _, tt := range tests {
		var want []string
		for _, todo := range tt.want {
			want = append(want, todo.Title)
		}
		if got := search(t, s, tt.q, MaxSearchLimit); !slices.Equal(got, want) {
			t.Errorf("Search(%q) = %q, want %q", tt.q, got, want)
		}
	}
}

// TestSearchPagesWithoutDuplicatesOrGaps pages through every match with a
// small budget, so that most pages stop at it, some with no match at all.
func TestSearchPagesWithoutDuplicatesOrGaps(t *testing.T) {
	s, _ := newStore(t)
	s.entries, s.items = 7, 4
	var want, wantOne []string
	for i := range 60 {
		title := fmt.Sprint("chore ", i)
		switch {
		case i%7 == 0:
			title = fmt.Sprint("needle in a haystack ", i)
		case i%5 == 0:
			title = fmt.Sprint("a noodle ", i) // shares grams with needle: candidates that do not match
		}
		add(t, s, title, "")
		if strings.Contains(title, "needle") {
			want = append([]string{title}, want...) // newest first
		}
		if strings.Contains(title, "k") {
			wantOne = append([]string{title}, wantOne...)
		}
	}
	for _, limit := range []int{1, 3, MaxSearchLimit} {
		if got := search(t, s, "NEEDLE", limit); !slices.Equal(got, want) {
			t.Errorf("limit %d: found %q, want %q", limit, got, want)
		}
		if got := search(t, s, "k", limit); !slices.Equal(got, wantOne) {
			t.Errorf("one character, limit %d: found %q, want %q", limit, got, wantOne)
		}
	}
}

func TestSearchFollowsUpdatesAndDeletes(t *testing.T) {
	s, client := newStore(t)
	todo := add(t, s, "Buy milk", "")
	add(t, s, "Buy bread rolls", "")
	if got := search(t, s, "milk", 10); len(got) != 1 {
		t.Fatalf("before the update: %q, want the todo", got)
	}
	if _, err := s.Update(t.Context(), todo.ID, Patch{Title: ptr("Buy bread"), Version: 1}); err != nil {
		t.Fatal(err)
	}
	if got := search(t, s, "milk", 10); got != nil {
		t.Errorf("after the update, milk: %q, want nothing", got)
	}
	if got := search(t, s, "bread", 10); !slices.Equal(got, []string{"Buy bread rolls", "Buy bread"}) {
		t.Errorf("after the update, bread: %q, want both", got)
	}
	updated, _ := s.Get(t.Context(), todo.ID)
	if got, want := indexOf(t, s, client, todo), slices.Sorted(slices.Values(indexed(updated))); !slices.Equal(got, want) {
		t.Errorf("after the update the index holds %q of the todo, want exactly %q", got, want)
	}
	if err := s.Delete(t.Context(), todo.ID, 0); err != nil {
		t.Fatal(err)
	}
	if got := search(t, s, "bread", 10); !slices.Equal(got, []string{"Buy bread rolls"}) {
		t.Errorf("after the delete: %q, want the other todo only", got)
	}
	if got := indexOf(t, s, client, todo); got != nil {
		t.Errorf("after the delete the index holds %q of the todo, want nothing", got)
	}
}

// TestSearchDuringWritesAndAfterCrashes plays the states a write passes
// through, and those a crash between its steps leaves, by writing the
// index and the todos as the store would have.
func TestSearchDuringWritesAndAfterCrashes(t *testing.T) {
	s, client := newStore(t)
	put := func(entries []entry) {
		t.Helper()
		if err := s.batchWrite(t.Context(), s.index, puts(entries)); err != nil {
			t.Fatal(err)
		}
	}

	// A create in flight: its entries, not yet its todo.
	inFlight, _ := New(Draft{Title: "Buy milk", Priority: 3}, s.now())
	put(entriesOf(inFlight, indexed(inFlight), s.now().Unix()))
	// An update in flight: the entries of its new title, at its version.
	updating := add(t, s, "Walk the dog", "")
	next := Patch{Title: ptr("Walk the cat"), Version: 1}.Apply(updating, s.now())
	put(entriesOf(next, minus(grams(next), grams(updating)), s.now().Unix()))
	// An update that crashed after writing its todo: the entries of the new
	// title are there, those of the old one were never deleted.
	crashed := add(t, s, "Water the plants", "")
	after := Patch{Title: ptr("Water the garden"), Version: 1}.Apply(crashed, s.now())
	put(entriesOf(after, minus(grams(after), grams(crashed)), s.now().Unix()))
	if _, err := client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: marshal(after)}); err != nil {
		t.Fatal(err)
	}

	for q, want := range map[string][]string{
		"milk":   nil,                  // not created yet
		"cat":    nil,                  // not updated yet
		"dog":    {"Walk the dog"},     // still the todo
		"plants": nil,                  // the todo no longer has it
		"garden": {"Water the garden"}, // the todo now
		"the":    {"Water the garden", "Walk the dog"},
	} {
		if got := search(t, s, q, 10); !slices.Equal(got, want) {
			t.Errorf("Search(%q) = %q, want %q", q, got, want)
		}
	}
	// The searches met the stale entries that drove them, and deleted them;
	// the others wait for a search they drive.
	search(t, s, "p", 10)
	left := indexOf(t, s, client, crashed)
	if slices.Contains(left, "p") || slices.Contains(left, "pl") || len(minus(indexed(after), left)) > 0 {
		t.Errorf("after searches of plants and p, the crashed update's todo has the entries %q: want p and pl gone, all of %q kept", left, indexed(after))
	}
	if got := indexOf(t, s, client, next); len(got) != len(indexed(updating))+len(minus(grams(next), grams(updating))) {
		t.Errorf("the entries of the update in flight were deleted: %q", got)
	}
	if got := indexOf(t, s, client, inFlight); len(got) != len(indexed(inFlight)) {
		t.Errorf("the entries of the create in flight were deleted: %q", got)
	}

	// Past any create's time, entries that lead to no todo are deleted by
	// the reads that meet them.
	s.now = func() time.Time { return now.Add(time.Hour) }
	for _, q := range []string{"milk", "m"} {
		search(t, s, q, 10)
	}
	if _, err := s.List(t.Context(), 10, ""); err != nil {
		t.Fatal(err)
	}
	if got := indexOf(t, s, client, inFlight); len(got) != len(indexed(inFlight))-3 {
		t.Errorf("after searches of milk and m and a list, the index holds %q of the create that never finished, want three entries gone: the one that drove milk, m's and the list's", got)
	}
}

func TestSearchRefusesBadInput(t *testing.T) {
	s, _ := newStore(t)
	s.entries = 2
	for i := range 5 {
		add(t, s, fmt.Sprint("milk ", i), "")
	}
	page, err := s.Search(t.Context(), "milk", 1, "")
	if err != nil || page.Next == "" {
		t.Fatalf("Search = %+v, %v; want a page with a next one", page, err)
	}
	if _, err := s.Search(t.Context(), "milky way", 1, page.Next); err != nil {
		t.Errorf("a cursor of milk for milky way, which has its grams: %v, want it taken", err)
	}
	list, _ := s.List(t.Context(), 1, "")
	for name, tt := range map[string]struct {
		q, cursor string
		limit     int
		want      string // the field of a ValidationError, or "cursor"
	}{
		"limit 0":                     {"milk", "", 0, "limit"},
		"limit over the cap":          {"milk", "", MaxSearchLimit + 1, "limit"},
		"empty query":                 {"", "", 10, "q"},
		"a query of spaces":           {"  \t", "", 10, "q"},
		"a query of invisible things": {"\u200b\u200e", "", 10, "q"},
		"a forged cursor":             {"milk", "eyJnIjoibWkifQ", 10, "cursor"},
		"a list cursor":               {"milk", list.Next, 10, "cursor"},
		"a cursor of another query":   {"bread", page.Next, 10, "cursor"},
	} {
		_, err := s.Search(t.Context(), tt.q, tt.limit, tt.cursor)
		var verr *ValidationError
		switch {
		case tt.want == "cursor" && !errors.Is(err, ErrInvalidCursor):
			t.Errorf("%s: error = %v, want ErrInvalidCursor", name, err)
		case tt.want != "cursor" && (!errors.As(err, &verr) || verr.Field != tt.want || !strings.Contains(verr.Message, tt.want)):
			t.Errorf("%s: error = %v, want a ValidationError naming %q", name, err, tt.want)
		}
	}
}

// TestWriteCost: a todo puts at most MaxGrams entries and the list's in the
// index; an update writes only the grams it adds.
func TestWriteCost(t *testing.T) {
	s, client := newStore(t)
	var title, memo strings.Builder
	for i := range MaxTitle {
		title.WriteRune(rune(0x4E00 + i))
	}
	for i := range MaxMemo {
		memo.WriteRune(rune(0x5000 + i))
	}
	big := add(t, s, title.String(), memo.String())
	if n := len(indexOf(t, s, client, big)); n != MaxGrams+1 {
		t.Errorf("the largest todo has %d index entries, want MaxGrams+1 = %d", n, MaxGrams+1)
	}
	if got := search(t, s, string([]rune(title.String())[150:160]), 10); len(got) != 1 {
		t.Errorf("a part of the title: found %d, want the todo", len(got))
	}
	if got := search(t, s, string([]rune(memo.String())[1900:1910]), 10); got != nil {
		t.Errorf("a part of the memo past the cap: found %d todos, want none (it is not indexed)", len(got))
	}
}

func TestListNewestFirstFromTheIndex(t *testing.T) {
	s, client := newStore(t)
	var want []string
	for i := range 23 {
		want = append([]string{add(t, s, fmt.Sprint("todo ", i), "").ID}, want...)
	}
	var got []string
	cursor := ""
	for range 10 {
		page, err := s.List(t.Context(), 5, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, todo := range page.Items {
			got = append(got, todo.ID)
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("listed %v, want every todo once, newest first: %v", got, want)
	}
	// A list reads the index, never the whole table.
	if _, err := client.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: aws.String(s.index), Key: entryKey(listGram, Position(mustGet(t, s, want[0])))}); err != nil {
		t.Fatal(err)
	}
	if page, _ := s.List(t.Context(), 1, ""); len(page.Items) != 1 || page.Items[0].ID != want[1] {
		t.Errorf("without the newest todo's list entry, the first page is %v, want the second newest", page.Items)
	}
}

func mustGet(t *testing.T, s *Store, id string) Todo {
	t.Helper()
	todo, err := s.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return todo
}

func TestImportAndReindex(t *testing.T) {
	s, client := newStore(t)
	var todos []Todo
	for i := range 60 {
		todo, _ := New(Draft{Title: fmt.Sprint("imported ", i), Memo: "牛乳", Priority: 3}, now.Add(time.Duration(i)*time.Second))
		todos = append(todos, todo)
	}
	if err := s.Import(t.Context(), todos); err != nil {
		t.Fatal(err)
	}
	if got := search(t, s, "牛乳", MaxSearchLimit); len(got) != 60 || got[0] != "imported 59" {
		t.Fatalf("after Import, found %q; want all 60, newest first", got)
	}
	// An index lost, or never built for a table that had todos.
	if _, err := client.DeleteTable(t.Context(), &dynamodb.DeleteTableInput{TableName: aws.String(s.index)}); err != nil {
		t.Fatal(err)
	}
	// Deleting takes a while (dynalite too): until the table is gone, creating
	// it again is refused as in use.
	waiter := dynamodb.NewTableNotExistsWaiter(client, func(o *dynamodb.TableNotExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
	})
	if err := waiter.Wait(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(s.index)}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateTable(t.Context(), TableInputs(s.table, s.index)[1]); err != nil {
		t.Fatal(err)
	}
	if err := waitActive(t.Context(), client, s.index); err != nil {
		t.Fatal(err)
	}
	if got := search(t, s, "牛乳", MaxSearchLimit); got != nil {
		t.Fatalf("with an empty index, found %d", len(got))
	}
	n, err := s.Reindex(t.Context())
	if err != nil || n != 60 {
		t.Fatalf("Reindex = %d, %v; want 60 todos", n, err)
	}
	if got := search(t, s, "IMPORTED 1", MaxSearchLimit); len(got) != 11 {
		t.Errorf("after Reindex, found %d todos for imported 1, want 11", len(got))
	}
}
