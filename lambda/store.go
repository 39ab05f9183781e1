package main

import (
	"context"

	"github.com/gowebapp/webapp/internal/app/site"
	"github.com/gowebapp/webapp/internal/app/todo"
)

// storeFuncs is the store as the site sees it, made of the store's method
// values, so that no interface value holds a *todo.Store.
//
// Why: html/template calls methods by name through reflection, and then the
// linker keeps every exported method of every type an interface value may
// hold, and of the types of their fields. Behind site.Store directly, the
// store's *dynamodb.Client would keep all sixty-odd DynamoDB operations and
// their serializers for the five the store calls: 1.6 MB of the arm64
// bootstrap, 0.3 MB of its zip (docs/benchmarks.md). Func values carry no
// receiver type for the linker to follow.
type storeFuncs struct {
	create func(context.Context, todo.Todo) (todo.Todo, error)
	get    func(context.Context, string) (todo.Todo, error)
	list   func(context.Context, int, string) (todo.Page, error)
	update func(context.Context, string, todo.Patch) (todo.Todo, error)
	delete func(context.Context, string, int) error
	search func(context.Context, string, int, string) (todo.Page, error)
}

var _ site.Store = storeFuncs{}

func siteStore(s *todo.Store) storeFuncs {
	return storeFuncs{s.Create, s.Get, s.List, s.Update, s.Delete, s.Search}
}

func (s storeFuncs) Create(ctx context.Context, t todo.Todo) (todo.Todo, error) {
	return s.create(ctx, t)
}

func (s storeFuncs) Get(ctx context.Context, id string) (todo.Todo, error) { return s.get(ctx, id) }

func (s storeFuncs) List(ctx context.Context, limit int, cursor string) (todo.Page, error) {
	return s.list(ctx, limit, cursor)
}

func (s storeFuncs) Update(ctx context.Context, id string, p todo.Patch) (todo.Todo, error) {
	return s.update(ctx, id, p)
}

func (s storeFuncs) Delete(ctx context.Context, id string, version int) error {
	return s.delete(ctx, id, version)
}

func (s storeFuncs) Search(ctx context.Context, q string, limit int, cursor string) (todo.Page, error) {
	return s.search(ctx, q, limit, cursor)
}
