package site

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gowebapp/webapp/internal/app/todo"
)

// memStore is a TEST DOUBLE of the DynamoDB store, for handler tests and
// benchmarks: the same contract (errors, versions, cursors), in a map. The
// real store is tested against dynalite in package todo, and with this
// package's handlers in TestWithDynamoDBStore.
type memStore struct {
	mu    sync.Mutex
	todos map[string]todo.Todo
	err   error // when set, every call fails with it (an internal failure)
	calls int
}

func newMemStore() *memStore { return &memStore{todos: map[string]todo.Todo{}} }

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
	if _, ok := m.todos[t.ID]; ok {
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

// List pages in id order, as a scan pages in hash order.
func (m *memStore) List(_ context.Context, limit int, cursor string) (todo.Page, error) {
	unlock, err := m.enter()
	defer unlock()
	if err != nil {
		return todo.Page{}, err
	}
	after := ""
	if cursor != "" {
		if after, err = todo.DecodeCursor(cursor); err != nil {
			return todo.Page{}, err
		}
	}
	ids := slices.Sorted(func(yield func(string) bool) {
		for id := range m.todos {
			if id > after && !yield(id) {
				return
			}
		}
	})
	page := todo.Page{Items: []todo.Todo{}}
	for _, id := range ids[:min(limit, len(ids))] {
		page.Items = append(page.Items, m.todos[id])
	}
	if len(ids) > limit {
		page.Next = todo.EncodeCursor(ids[limit-1])
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

func (m *memStore) Search(_ context.Context, q string) ([]todo.Todo, error) {
	unlock, err := m.enter()
	defer unlock()
	if err != nil {
		return nil, err
	}
	var found []todo.Todo
	for _, t := range m.todos {
		if todo.Matches(t, q) {
			found = append(found, t)
		}
	}
	todo.SortNewestFirst(found)
	return found, nil
}

// add stores todos with the titles (memo "memo of TITLE", priority 2) and
// returns them.
func (m *memStore) add(titles ...string) []todo.Todo {
	var added []todo.Todo
	for _, title := range titles {
		t, err := todo.New(todo.Draft{Title: title, Memo: "memo of " + strings.ToLower(title), Priority: 2}, time.Now())
		if err != nil {
			panic(err)
		}
		m.todos[t.ID] = t
		added = append(added, t)
	}
	return added
}
