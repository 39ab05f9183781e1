package todo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// MaxSearchLimit is the most todos one page of search results holds.
const MaxSearchLimit = 50

// The budget of one search request, whatever the size of the table: it
// reads at most SearchEntryBudget index entries, over all its Queries, and
// SearchItemBudget todos, to check the candidates, in BatchGetItem calls of
// at most 100. (The Store's entries and items fields; tests lower them.)
const (
	SearchEntryBudget = 600
	SearchItemBudget  = 100
)

// searchProbes is how many of the query's grams a search reads the entries
// of, to choose the one that drives.
const searchProbes = 3

// Matches reports whether t's title or memo contains q, both folded (see
// Fold). Every query matches once folded to nothing.
func Matches(t Todo, q string) bool {
	return matchesFolded(t, Fold(q))
}

func matchesFolded(t Todo, folded string) bool {
	return strings.Contains(Fold(t.Title), folded) || strings.Contains(Fold(t.Memo), folded)
}

// Search returns a page of at most limit (1 to MaxSearchLimit) todos whose
// title or memo contains q, folded (see Fold), newest first, and the cursor
// of the next page ("" at the end); cursor is "" for the first page. A page
// may hold fewer than limit todos, or none, and still have a next one: each
// request reads at most a fixed budget, whatever the size of the table.
//
// It answers from the index: every todo containing q has the entries of q's
// grams (q itself if it is one character, else its bigrams). It reads a
// few entries of up to three of q's grams, newest first, and lets the gram
// whose entries reach furthest back drive — the most selective one — while
// the others rule out the candidates they cover but do not list. It reads
// the candidates' todos and returns those that contain q, reading further
// into the driving gram while the page is not full and the budget lasts
// (SearchEntryBudget, SearchItemBudget). An entry is only a hint: an entry
// of a write in flight, of a refused one or of an older version never
// gives a wrong result. Stale entries it meets are deleted, a few per
// request. See docs/search.md.
func (s *Store) Search(ctx context.Context, q string, limit int, cursor string) (Page, error) {
	if limit < 1 || limit > MaxSearchLimit {
		return Page{}, invalid("limit", "limit must be an integer from 1 to %d, got %d", MaxSearchLimit, limit)
	}
	folded := Fold(q)
	if folded == "" {
		return Page{}, invalid("q", "q is required: give a word to search for")
	}
	all := queryGrams(folded)
	probes, after := probeGrams(all), ""
	if cursor != "" {
		c, err := decodeCursor(cursor)
		if err != nil || !slices.Contains(all, c.Gram) {
			return Page{}, ErrInvalidCursor
		}
		// The gram that drove the first page drives the next: the cursor
		// is a position in its partition.
		rest := slices.DeleteFunc(probes, func(g string) bool { return g == c.Gram })
		probes = append([]string{c.Gram}, rest[:min(len(rest), searchProbes-1)]...)
		after = c.After
	}

	// Probe: a few entries of each gram, about twice what the page needs,
	// from the same position on.
	probeLimit := max(1, min(2*limit+10, s.entries/len(probes)))
	pages := make([]entryPage, len(probes))
	err := parallel(len(probes), searchProbes, func(i int) error {
		var err error
		pages[i], err = s.queryEntries(ctx, probes[i], after, probeLimit)
		return err
	})
	if err != nil {
		return Page{}, err
	}
	read := 0 // entries
	for _, p := range pages {
		read += len(p.entries)
	}
	drive := 0
	if cursor == "" {
		drive = widest(pages)
	}
	filters := slices.Delete(slices.Clone(pages), drive, drive+1)

	// Check the driving gram's candidates, reading further into its
	// partition, twice as far each time, while the page is not full and the
	// budget lasts.
	c := checker{s: s, folded: folded, limit: limit, found: make([]Todo, 0, limit), now: s.now()}
	chunk, start, next := pages[drive], after, ""
	for {
		candidates := prune(chunk.entries, filters)
		n, err := c.check(ctx, candidates)
		if err != nil {
			return Page{}, err
		}
		if n < len(candidates) { // stopped at the limit or the budget
			next = start
			if n > 0 {
				next = candidates[n-1].position
			}
			break
		}
		if chunk.complete {
			break
		}
		if c.full() || read >= s.entries {
			next = chunk.last()
			break
		}
		start = chunk.last()
		if chunk, err = s.queryEntries(ctx, chunk.gram, start, min(s.entries-read, 2*len(chunk.entries))); err != nil {
			return Page{}, err
		}
		read += len(chunk.entries)
	}
	s.cleanup(ctx, c.stales)

	page := Page{Items: c.found}
	if next != "" {
		page.Next = pageCursor{Gram: pages[drive].gram, After: next}.encode()
	}
	return page, nil
}

// checker reads the todos of a search's candidates and keeps those that
// match, up to the page's limit and the store's budget of todos.
type checker struct {
	s      *Store
	folded string // the query
	limit  int
	found  []Todo
	reads  int     // todos read
	rounds int     // BatchGetItem calls so far: each reads up to twice the last
	stales []entry // met on the way
	now    time.Time
}

func (c *checker) full() bool { return len(c.found) == c.limit || c.reads >= c.s.items }

// check reads the candidates' todos in order, as many at a time as are
// still wanted, doubling from call to call while too few of them match, and
// returns how many candidates it looked at: all of them, unless the page
// filled up or the budget ran out.
func (c *checker) check(ctx context.Context, candidates []entry) (int, error) {
	examined := 0
	for ; examined < len(candidates) && !c.full(); c.rounds++ {
		n := min(len(candidates)-examined, c.s.items-c.reads, (c.limit-len(c.found))<<min(c.rounds, 6), batchGetMax)
		batch := candidates[examined : examined+n]
		todos, err := c.s.getTodos(ctx, batch)
		if err != nil {
			return examined, err
		}
		c.reads += n
		for _, e := range batch {
			examined++
			t, ok := todos[idOf(e.position)]
			if ok && Position(t) == e.position && matchesFolded(t, c.folded) {
				if c.found = append(c.found, t); len(c.found) == c.limit {
					return examined, nil
				}
			} else if stale(e, t, ok, c.now) {
				c.stales = append(c.stales, e)
			}
		}
	}
	return examined, nil
}

// probeGrams returns the grams of a query whose entries a search reads: up
// to searchProbes of them, spread over the query, preferring grams without a
// space (a space is in the most common ones).
func probeGrams(all []string) []string {
	pick := slices.DeleteFunc(slices.Clone(all), func(g string) bool { return strings.Contains(g, " ") })
	if len(pick) == 0 {
		pick = all
	}
	if len(pick) <= searchProbes {
		return pick
	}
	out := make([]string, searchProbes)
	for i := range out {
		out[i] = pick[i*(len(pick)-1)/(searchProbes-1)]
	}
	return out
}

// entryPage is what one Query of a gram's partition read: its entries from
// the start position on, newest first.
type entryPage struct {
	gram     string
	entries  []entry
	complete bool // no entry is older than the last one read
}

func (p entryPage) last() string { return p.entries[len(p.entries)-1].position }

// covers reports whether the page would list the position, if the gram had
// an entry there.
func (p entryPage) covers(position string) bool {
	return p.complete || len(p.entries) > 0 && position >= p.last()
}

// widest returns the index of the page that reaches furthest back: a
// complete one (the fewest entries first), else the one ending at the oldest
// position. Its gram is the query's most selective one the pages know of.
func widest(pages []entryPage) int {
	best := 0
	for i, p := range pages[1:] {
		b := pages[best]
		switch {
		case p.complete && (!b.complete || len(p.entries) < len(b.entries)),
			!p.complete && !b.complete && p.last() < b.last():
			best = i + 1
		}
	}
	return best
}

// prune returns the entries of the driving page whose todo every other page
// lists or does not cover: a todo one of them covers without listing lacks
// its gram, so it cannot match.
func prune(driving []entry, others []entryPage) []entry {
	sets := make([]map[string]bool, len(others))
	for i, p := range others {
		sets[i] = make(map[string]bool, len(p.entries))
		for _, e := range p.entries {
			sets[i][e.position] = true
		}
	}
	return slices.DeleteFunc(slices.Clone(driving), func(e entry) bool {
		for i, p := range others {
			if p.covers(e.position) && !sets[i][e.position] {
				return true
			}
		}
		return false
	})
}

// queryEntries reads up to limit entries of the gram's partition, newest
// first, from after the position after ("": from the newest).
func (s *Store) queryEntries(ctx context.Context, gram, after string, limit int) (entryPage, error) {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.index),
		KeyConditionExpression:    aws.String("#gram = :gram"),
		ExpressionAttributeNames:  map[string]string{"#gram": attrGram},
		ExpressionAttributeValues: map[string]types.AttributeValue{":gram": str(gram)},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(int32(limit)),
	}
	if after != "" {
		in.ExclusiveStartKey = entryKey(gram, after)
	}
	out, err := s.client.Query(ctx, in)
	if err != nil {
		return entryPage{}, fmt.Errorf("query index: %w", err)
	}
	p := entryPage{gram: gram, entries: make([]entry, 0, len(out.Items)), complete: out.LastEvaluatedKey == nil}
	for _, item := range out.Items {
		e, err := readEntry(item)
		if err != nil {
			return entryPage{}, err
		}
		p.entries = append(p.entries, e)
	}
	if len(p.entries) == 0 {
		p.complete = true // DynamoDB may say there is more when there is not
	}
	return p, nil
}

// getTodos reads the todos of the entries, at most batchGetMax, by id, with
// eventually consistent reads (an entry is checked against what is read, so
// a slightly older todo is still a right answer), retrying what DynamoDB
// leaves unprocessed. A todo that does not exist is absent from the map.
func (s *Store) getTodos(ctx context.Context, entries []entry) (map[string]Todo, error) {
	todos := make(map[string]Todo, len(entries))
	if len(entries) == 0 {
		return todos, nil
	}
	// Each id once: BatchGetItem refuses duplicates, and two entries lead to
	// one todo when a create was repeated (see Create).
	keys := make([]map[string]types.AttributeValue, 0, len(entries))
	seen := make(map[string]bool, len(entries))
	for _, e := range entries {
		if id := idOf(e.position); !seen[id] {
			seen[id] = true
			keys = append(keys, key(id))
		}
	}
	pending := map[string]types.KeysAndAttributes{s.table: {Keys: keys}}
	for attempt := 0; ; attempt++ {
		out, err := s.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending})
		if err != nil {
			return nil, fmt.Errorf("get todos: %w", err)
		}
		for _, item := range out.Responses[s.table] {
			t, err := unmarshal(item)
			if err != nil {
				return nil, err
			}
			todos[t.ID] = t
		}
		if len(out.UnprocessedKeys) == 0 {
			return todos, nil
		}
		if attempt+1 == maxAttempts {
			return nil, fmt.Errorf("get todos: %d keys still unprocessed after %d attempts", len(out.UnprocessedKeys[s.table].Keys), maxAttempts)
		}
		pending = out.UnprocessedKeys
		if err := backoff(ctx, attempt); err != nil {
			return nil, err
		}
	}
}
