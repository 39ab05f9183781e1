package site

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/gowebapp/webapp/internal/app/todo"
)

// memStore is a TEST DOUBLE of the DynamoDB store, for handler tests and
// benchmarks: the same contract (errors, versions, cursors, newest first),
// in a map, without the store's read budget. The real store is tested
// against dynalite in package todo, and with this package's handlers in
// TestWithDynamoDBStore and the tests of hostile_test.go.
type memStore struct {
	mu    sync.Mutex
	todos map[string]todo.Todo
	err   error // when set, every call fails with it (an internal failure)
	calls int
	clock time.Time // of the todos add makes
}

func newMemStore() *memStore {
	return &memStore{todos: map[string]todo.Todo{}, clock: time.Now().Add(-time.Hour)}
}

func (m *memStore) enter() (unlock func(), err error) {
	m.mu.Lock()
	m.calls++
	return m.mu.Unlock, m.err
}

func (m *memStore) Create(_ context.Context, t todo.Todo) (todo.Todo, error) {
	unlock, err := m.enter()
	defer unlock()
	if err != nil {
		return todo.Todo{}, err
	}
	if err := t.Validate(); err != nil {
		return todo.Todo{}, err
	}
	if stored, ok := m.todos[t.ID]; ok {
		// As todo.Store: a repeat of the create that made it returns it.
		if stored.Version == 1 && stored.Title == t.Title && stored.Memo == t.Memo &&
			stored.Priority == t.Priority && stored.Completed == t.Completed {
			return stored, nil
		}
		return todo.Todo{}, todo.ErrConflict
	}
	m.todos[t.ID] = t
	return t, nil
}

func (m *memStore) Get(_ context.Context, id string) (todo.Todo, error) {
	unlock, err := m.enter()
	defer unlock()
	if err != nil {
		return todo.Todo{}, err
	}
	t, ok := m.todos[id]
	if !ok {
		return todo.Todo{}, todo.ErrNotFound
	}
	return t, nil
}

// List pages newest first, as the store does.
func (m *memStore) List(_ context.Context, limit int, cursor string) (todo.Page, error) {
	unlock, err := m.enter()
	defer unlock()
	if err != nil {
		return todo.Page{}, err
	}
	return m.page(limit, cursor, func(todo.Todo) bool { return true })
}

// page returns the todos that keep selects, newest first, up to limit
// after the cursor, with the cursor of the next page. The test double reads
// everything: it has no budget, so its pages are always full.
func (m *memStore) page(limit int, cursor string, keep func(todo.Todo) bool) (todo.Page, error) {
	after := ""
	if cursor != "" {
		var err error
		if after, err = todo.DecodeCursor(cursor); err != nil {
			return todo.Page{}, err
		}
	}
	var all []todo.Todo
	for _, t := range m.todos {
		if (after == "" || todo.Position(t) < after) && keep(t) {
			all = append(all, t)
		}
	}
	todo.SortNewestFirst(all)
	page := todo.Page{Items: append([]todo.Todo{}, all[:min(limit, len(all))]...)}
	if len(all) > limit {
		page.Next = todo.EncodeCursor(todo.Position(all[limit-1]))
	}
	return page, nil
}

func (m *memStore) Update(_ context.Context, id string, p todo.Patch) (todo.Todo, error) {
	unlock, err := m.enter()
	defer unlock()
	if err != nil {
		return todo.Todo{}, err
	}
	if p, err = p.Normalize(); err != nil {
		return todo.Todo{}, err
	}
	t, ok := m.todos[id]
	switch {
	case !ok:
		return todo.Todo{}, todo.ErrNotFound
	case t.Version != p.Version:
		return todo.Todo{}, todo.ErrConflict
	}
	t = p.Apply(t, time.Now())
	m.todos[id] = t
	return t, nil
}

func (m *memStore) Delete(_ context.Context, id string, version int) error {
	unlock, err := m.enter()
	defer unlock()
	if err != nil {
		return err
	}
	t, ok := m.todos[id]
	switch {
	case !ok:
		return todo.ErrNotFound
	case version != 0 && t.Version != version:
		return todo.ErrConflict
	}
	delete(m.todos, id)
	return nil
}

func (m *memStore) Search(_ context.Context, q string, limit int, cursor string) (todo.Page, error) {
	unlock, err := m.enter()
	defer unlock()
	if err != nil {
		return todo.Page{}, err
	}
	if limit < 1 || limit > todo.MaxSearchLimit {
		return todo.Page{}, &todo.ValidationError{Field: "limit", Message: "limit out of range"}
	}
	if todo.Fold(q) == "" {
		return todo.Page{}, &todo.ValidationError{Field: "q", Message: "q is required"}
	}
	return m.page(limit, cursor, func(t todo.Todo) bool { return todo.Matches(t, q) })
}

// add stores todos with the titles (memo "memo of TITLE", priority 2),
// each created a millisecond after the one before, and returns them.
func (m *memStore) add(titles ...string) []todo.Todo {
	var added []todo.Todo
	for _, title := range titles {
		m.clock = m.clock.Add(time.Millisecond)
		t, err := todo.New(todo.Draft{Title: title, Memo: "memo of " + strings.ToLower(title), Priority: 2}, m.clock)
		if err != nil {
			panic(err)
		}
		m.todos[t.ID] = t
		added = append(added, t)
	}
	return added
}
