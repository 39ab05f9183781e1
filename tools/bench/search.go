package bench

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gowebapp/webapp/internal/app/todo"
	"github.com/gowebapp/webapp/internal/app/todo/todotest"
)

// SearchQuery is a query the search benchmark asks of the index and of the
// scan it replaced.
type SearchQuery struct {
	Name, Q string
}

// SearchQueries returns the benchmark's queries: one that matches nothing
// (the scan's worst case: it reads the whole table), rare words in English
// and Japanese (SearchNeedles todos have them, whatever the size), a common
// word, two common words that are rarely next to each other (the index's
// hardest case: every gram is common), and one character.
func SearchQueries() []SearchQuery {
	return []SearchQuery{
		{"nothing matches", "zzqx"},
		{"rare word", "needle"},
		{"rare Japanese word", "針仕事"},
		{"common word", "milk"},
		{"two common words", "milk train"},
		{"one character", "針"},
	}
}

// SearchNeedles is how many todos of the benchmark's table have the rare
// words: the first SearchNeedles*SearchNeedleEvery todos, so every size has
// them all.
const (
	SearchNeedles     = 5
	SearchNeedleEvery = 150
)

var searchWords = strings.Fields("buy milk bread call mum walk the dog pay rent book train fix bike water plants " +
	"牛乳 を 買う 散歩 本 電車 予約 会議 資料 掃除")

// SearchTodo returns the i-th todo of the benchmark's table, the same for
// the same i on every run but for its fresh id: three words of a small vocabulary (about one
// todo in eight has "milk"), some with the rare words, created a second
// after the one before.
func SearchTodo(i int) todo.Todo {
	word := func(k int) string { return searchWords[(i*7919+k*104729)%len(searchWords)] }
	title := fmt.Sprintf("%s %s %s #%d", word(1), word(2), word(3), i)
	memo := word(4) + " " + word(5)
	if i%SearchNeedleEvery == 0 && i/SearchNeedleEvery < SearchNeedles {
		title, memo = fmt.Sprintf("thread the needle #%d", i), "針仕事"
	}
	t, err := todo.New(todo.Draft{Title: title, Memo: memo, Priority: 1 + i%5}, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*time.Second))
	if err != nil {
		panic(err) // the vocabulary makes valid todos
	}
	return t
}

// SearchCost is what one search request of a query costs, measured over
// runs: its latency, and what it read (the same every run).
type SearchCost struct {
	Latency   Summary
	ItemsRead int     // index entries and todos, or scanned items
	ReadUnits float64 // as DynamoDB reports them
	Found     int     // todos returned
	More      bool    // the index's page has a next one
}

// IndexSearch measures the first page (20 todos) of q by store, whose
// client counter counts.
func IndexSearch(ctx context.Context, store *todo.Store, counter *todotest.Counter, q string, runs int) (SearchCost, error) {
	return measure(counter, runs, func() (int, bool, error) {
		page, err := store.Search(ctx, q, 20, "")
		return len(page.Items), page.Next != "", err
	})
}

// ScanSearch measures the search the app did before the index, the
// baseline: ScanSearchOnce on client, which counter counts.
func ScanSearch(ctx context.Context, client *dynamodb.Client, counter *todotest.Counter, table, q string, runs int) (SearchCost, error) {
	return measure(counter, runs, func() (int, bool, error) {
		found, err := ScanSearchOnce(ctx, client, table, q)
		return len(found), false, err
	})
}

func measure(counter *todotest.Counter, runs int, search func() (int, bool, error)) (SearchCost, error) {
	var cost SearchCost
	var times []time.Duration
	for range runs {
		counter.Reset()
		start := time.Now()
		found, more, err := search()
		if err != nil {
			return cost, err
		}
		times = append(times, time.Since(start))
		c := counter.Counts()
		cost.ItemsRead, cost.ReadUnits, cost.Found, cost.More = c.ItemsRead, c.ReadUnits, found, more
	}
	cost.Latency = Summarize(times)
	return cost, nil
}

// ScanSearchOnce is the app's search before the index, kept here as the
// baseline and nowhere else: a scan of the whole table, page after page,
// the todos whose title or memo contains q kept, newest first. Its reads
// grow with the table.
func ScanSearchOnce(ctx context.Context, client *dynamodb.Client, table, q string) ([]todo.Todo, error) {
	var found []todo.Todo
	in := &dynamodb.ScanInput{TableName: aws.String(table)}
	for {
		out, err := client.Scan(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("scan todos: %w", err)
		}
		for _, item := range out.Items {
			t, err := scanned(item)
			if err != nil {
				return nil, err
			}
			if todo.Matches(t, q) {
				found = append(found, t)
			}
		}
		if out.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	todo.SortNewestFirst(found)
	return found, nil
}

// scanned reads what the scan's filter and order need of an item.
func scanned(item map[string]types.AttributeValue) (todo.Todo, error) {
	s := func(name string) string {
		v, _ := item[name].(*types.AttributeValueMemberS)
		if v == nil {
			return ""
		}
		return v.Value
	}
	created, err := time.Parse(time.RFC3339Nano, s("createdAt"))
	if err != nil {
		return todo.Todo{}, fmt.Errorf("todo %s: createdAt: %w", s("id"), err)
	}
	return todo.Todo{ID: s("id"), Title: s("title"), Memo: s("memo"), CreatedAt: created}, nil
}
