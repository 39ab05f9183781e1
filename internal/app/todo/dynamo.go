package todo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gowebapp/webapp/webappaws"
)

// Store keeps todos in two DynamoDB tables: the todos, whose partition key
// is the string attribute "id", and their index, which List and Search read
// (see TableInputs for its keys and docs/search.md for how it is kept). Every
// call takes the request's context.
type Store struct {
	client       *dynamodb.Client
	table, index string
	// now is the clock; tests may replace it.
	now func() time.Time
	// log receives what the store cannot return: the failure of a cleanup
	// after a write that succeeded.
	log *slog.Logger
	// entries and items are the read budget of one search
	// (SearchEntryBudget, SearchItemBudget); tests lower them.
	entries, items int
}

// NewStore returns a store of the todos in table and their index in index,
// using client. It logs through slog.Default().
func NewStore(client *dynamodb.Client, table, index string) *Store {
	return &Store{client: client, table: table, index: index, now: time.Now, log: slog.Default(), entries: SearchEntryBudget, items: SearchItemBudget}
}

// The environment variables of NewStoreFromEnv.
const (
	EnvTable      = "TABLE_NAME"       // the table of todos
	EnvIndexTable = "INDEX_TABLE_NAME" // the table of their index
)

// NewStoreFromEnv returns a store of the tables named by TABLE_NAME and
// INDEX_TABLE_NAME, with the client configuration of webappaws.Config: in
// the function built for Lambda, region, credentials and endpoint from
// Lambda's environment alone; elsewhere (tests, webapp dev) the SDK's
// standard chain. Either way AWS_ENDPOINT_URL_DYNAMODB points it at a
// local server. Its retries and timeouts are FailFast's, so that every
// call ends within the request's deadline. It makes no network call, so a
// cold start stays cheap.
func NewStoreFromEnv(ctx context.Context) (*Store, error) {
	table, index := os.Getenv(EnvTable), os.Getenv(EnvIndexTable)
	switch {
	case table == "":
		return nil, errors.New(EnvTable + " is not set: give the name of the DynamoDB table of todos")
	case index == "":
		return nil, errors.New(EnvIndexTable + " is not set: give the name of the DynamoDB table of the todos' index (see todo.TableInputs)")
	}
	cfg, err := webappaws.Config(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	return NewStore(dynamodb.NewFromConfig(cfg, FailFast), table, index), nil
}

// Table returns the name of the table of todos.
func (s *Store) Table() string { return s.table }

// IndexTable returns the name of the table of their index.
func (s *Store) IndexTable() string { return s.index }

// Create writes t, a todo made by New, unless an item with its id exists
// (ErrConflict). An invalid todo is refused before anything is written.
//
// A create is idempotent: when the id is taken by a todo of t's content
// still at version 1, the write is taken for this one repeated (the SDK
// retrying after DynamoDB's answer was lost, or a client sending again a
// create whose id it chose, see IDFor), and that todo is returned, with its
// own creation time.
//
// The index entries are written first, then the todo: a reader never finds
// a todo its entries do not lead to. Until the todo is written, the entries
// lead to nothing, and readers skip them.
func (s *Store) Create(ctx context.Context, t Todo) (Todo, error) {
	if err := t.Validate(); err != nil {
		return Todo{}, err
	}
	entries := entriesOf(t, indexed(t), s.now().Unix())
	if err := s.batchWrite(ctx, s.index, puts(entries)); err != nil {
		return Todo{}, fmt.Errorf("index todo: %w", err)
	}
	_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                aws.String(s.table),
		Item:                     marshal(t),
		ConditionExpression:      aws.String("attribute_not_exists(#id)"),
		ExpressionAttributeNames: map[string]string{"#id": "id"},
	})
	if isConditionFailed(err) {
		// The id is taken: by this very create, repeated (the SDK retried
		// after losing the answer, or the client sent its idempotency key
		// again), or by another todo, whose entries these now are not.
		if stored, err := s.Get(ctx, t.ID); err == nil && sameCreate(stored, t) {
			if Position(stored) != Position(t) {
				// A repeat made later: its entries lead to the todo at
				// another position, so no reader would show them.
				s.cleanup(ctx, entries)
			}
			return stored, nil
		}
		return Todo{}, ErrConflict // its entries are stale; readers delete them
	}
	if err != nil {
		return Todo{}, fmt.Errorf("put todo: %w", err)
	}
	return t, nil
}

// Import writes todos made by New, and their index entries, many at a time
// without conditions: for seeding a table and for tests and benchmarks. An
// id already taken is overwritten; use Create for anything a client sends.
func (s *Store) Import(ctx context.Context, todos []Todo) error {
	at := s.now().Unix()
	var entries, items []types.WriteRequest
	for _, t := range todos {
		if err := t.Validate(); err != nil {
			return fmt.Errorf("import todo %s: %w", t.ID, err)
		}
		entries = append(entries, puts(entriesOf(t, indexed(t), at))...)
		items = append(items, types.WriteRequest{PutRequest: &types.PutRequest{Item: marshal(t)}})
	}
	if err := s.batchWrite(ctx, s.index, entries); err != nil {
		return err
	}
	return s.batchWrite(ctx, s.table, items)
}

// Reindex writes the index entries of every todo in the table, as a scan
// reads them, and returns how many todos it indexed: once when the index
// table is new to a table that has todos, and after a change of Fold or
// MaxGrams. It may run while the site serves; its entries never take one
// back to an older version. It needs dynamodb:Scan on the table, which the
// site itself does not: run it with an operator's credentials.
func (s *Store) Reindex(ctx context.Context) (int, error) {
	n := 0
	in := &dynamodb.ScanInput{TableName: aws.String(s.table)}
	for {
		out, err := s.client.Scan(ctx, in)
		if err != nil {
			return n, fmt.Errorf("scan todos: %w", err)
		}
		at := s.now().Unix()
		var entries []entry
		for _, item := range out.Items {
			t, err := unmarshal(item)
			if err != nil {
				return n, err
			}
			entries = append(entries, entriesOf(t, indexed(t), at)...)
		}
		if err := s.putNewer(ctx, entries); err != nil {
			return n, err
		}
		n += len(out.Items)
		if out.LastEvaluatedKey == nil {
			return n, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// Get returns the todo with the id, or ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (Todo, error) {
	if !ValidID(id) {
		return Todo{}, ErrNotFound
	}
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            key(id),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return Todo{}, fmt.Errorf("get todo: %w", err)
	}
	if out.Item == nil {
		return Todo{}, ErrNotFound
	}
	return unmarshal(out.Item)
}

// List returns up to limit todos after the cursor ("" for the first page),
// newest first: a Query of the index's list partition and one BatchGetItem,
// whatever the size of the table. Every todo is listed once across the
// pages; one created while they are read is on none if it is newer than the
// first. A page may hold fewer than limit todos (entries of a create in
// flight or of a deleted todo lead to nothing) and still have a next one.
func (s *Store) List(ctx context.Context, limit int, cursor string) (Page, error) {
	if limit < 1 || limit > MaxPageSize {
		return Page{}, invalid("limit", "limit must be an integer from 1 to %d, got %d", MaxPageSize, limit)
	}
	after := ""
	if cursor != "" {
		var err error
		if after, err = DecodeCursor(cursor); err != nil {
			return Page{}, err
		}
	}
	entries, err := s.queryEntries(ctx, listGram, after, limit)
	if err != nil {
		return Page{}, err
	}
	var page Page
	page.Items = make([]Todo, 0, len(entries.entries))
	var stales []entry
	for chunk := range slices.Chunk(entries.entries, batchGetMax) {
		todos, err := s.getTodos(ctx, chunk)
		if err != nil {
			return Page{}, err
		}
		for _, e := range chunk {
			t, ok := todos[idOf(e.position)]
			if ok && Position(t) == e.position {
				page.Items = append(page.Items, t)
			} else if stale(e, t, ok, s.now()) {
				stales = append(stales, e)
			}
		}
	}
	s.cleanup(ctx, stales)
	if !entries.complete {
		page.Next = EncodeCursor(entries.last())
	}
	return page, nil
}

// SortNewestFirst sorts todos as lists and searches return them: by
// creation time, newest first, then by id, the greater first (their
// Position, in descending order).
func SortNewestFirst(todos []Todo) {
	slices.SortFunc(todos, func(a, b Todo) int { return strings.Compare(Position(b), Position(a)) })
}

// Update applies p to the todo with the id if its version is still
// p.Version, in one conditional write: of concurrent updates based on the
// same version exactly one wins and the others get ErrConflict. A missing
// todo is ErrNotFound; an invalid patch is refused before anything is
// written.
//
// The entries of grams the new text adds are written before the todo, and
// those of grams it drops are deleted after it, each only if no newer write
// has put it since: while the update is in flight a reader finds the todo
// by its old text or its new one, and checks the todo it reads.
func (s *Store) Update(ctx context.Context, id string, p Patch) (Todo, error) {
	if !ValidID(id) {
		return Todo{}, ErrNotFound
	}
	p, err := p.Normalize()
	if err != nil {
		return Todo{}, err
	}
	old, err := s.Get(ctx, id)
	if err != nil {
		return Todo{}, err
	}
	if old.Version != p.Version {
		return Todo{}, ErrConflict
	}
	t := p.Apply(old, s.now())
	before, after := grams(old), grams(t)
	if err := s.putNewer(ctx, entriesOf(t, minus(after, before), s.now().Unix())); err != nil {
		return Todo{}, err
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           aws.String(s.table),
		Item:                                marshal(t),
		ConditionExpression:                 aws.String("attribute_exists(#id) AND #version = :expected"),
		ExpressionAttributeNames:            map[string]string{"#id": "id", "#version": "version"},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":expected": number(p.Version)},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if isConditionFailed(err) {
		// The version moved on: by another writer, or by this very update
		// when the SDK retried after losing DynamoDB's answer. Then the
		// item is t to the nanosecond of its update time.
		if stored, gerr := s.Get(ctx, id); gerr == nil && sameUpdate(stored, t) {
			err = nil
		}
	}
	if err != nil {
		// The entries just written stay: another writer may need them, and
		// readers delete them once they are stale.
		return Todo{}, s.whyFailed(ctx, id, err, "update todo")
	}
	if err := s.deleteOlder(ctx, Position(t), minus(before, after), t.Version); err != nil {
		s.log.WarnContext(ctx, "delete index entries after an update", "table", s.index, "id", id, "err", err.Error())
	}
	return t, nil
}

// minus returns the grams of a that b lacks.
func minus(a, b []string) []string {
	in := make(map[string]bool, len(b))
	for _, g := range b {
		in[g] = true
	}
	return slices.DeleteFunc(slices.Clone(a), func(g string) bool { return in[g] })
}

// Delete removes the todo with the id; if version is not 0, only while its
// version is still that one (ErrConflict otherwise). A missing todo is
// ErrNotFound. Its index entries are deleted after it.
func (s *Store) Delete(ctx context.Context, id string, version int) error {
	if !ValidID(id) {
		return ErrNotFound
	}
	in := &dynamodb.DeleteItemInput{
		TableName:                           aws.String(s.table),
		Key:                                 key(id),
		ConditionExpression:                 aws.String("attribute_exists(#id)"),
		ExpressionAttributeNames:            map[string]string{"#id": "id"},
		ReturnValues:                        types.ReturnValueAllOld,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
	if version != 0 {
		in.ConditionExpression = aws.String("attribute_exists(#id) AND #version = :expected")
		in.ExpressionAttributeNames["#version"] = "version"
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":expected": number(version)}
	}
	out, err := s.client.DeleteItem(ctx, in)
	if err != nil {
		return s.whyFailed(ctx, id, err, "delete todo")
	}
	old, err := unmarshal(out.Attributes)
	if err == nil {
		// No write can need these entries again: the id is never reused.
		err = s.batchWrite(ctx, s.index, deletes(entriesOf(old, indexed(old), 0)))
	}
	if err != nil {
		s.log.WarnContext(ctx, "delete index entries after a delete", "table", s.index, "id", id, "err", err.Error())
	}
	return nil
}

// whyFailed turns a failed conditional write into ErrNotFound or ErrConflict.
// DynamoDB returns the item that failed the condition (with
// ReturnValuesOnConditionCheckFailure); where it does not (local servers), a
// consistent read tells whether the item exists.
func (s *Store) whyFailed(ctx context.Context, id string, err error, op string) error {
	var failed *types.ConditionalCheckFailedException
	if !errors.As(err, &failed) {
		return fmt.Errorf("%s: %w", op, err)
	}
	if failed.Item != nil {
		return ErrConflict
	}
	if _, err := s.Get(ctx, id); err != nil {
		return err
	}
	return ErrConflict
}

func isConditionFailed(err error) bool {
	var failed *types.ConditionalCheckFailedException
	return errors.As(err, &failed)
}

func key(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"id": str(id)}
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func number(n int) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.Itoa(n)}
}

func marshal(t Todo) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"id":        str(t.ID),
		"title":     str(t.Title),
		"memo":      str(t.Memo),
		"priority":  number(t.Priority),
		"completed": &types.AttributeValueMemberBOOL{Value: t.Completed},
		"createdAt": str(t.CreatedAt.UTC().Format(time.RFC3339Nano)),
		"updatedAt": str(t.UpdatedAt.UTC().Format(time.RFC3339Nano)),
		"version":   number(t.Version),
	}
}

// unmarshal reads an item written by marshal; anything else in the table is
// an internal error, not the client's.
func unmarshal(item map[string]types.AttributeValue) (Todo, error) {
	var t Todo
	var errs []error
	getS := func(name string) string {
		v, ok := item[name].(*types.AttributeValueMemberS)
		if !ok {
			errs = append(errs, fmt.Errorf("attribute %s is not a string", name))
			return ""
		}
		return v.Value
	}
	getN := func(name string) int {
		v, ok := item[name].(*types.AttributeValueMemberN)
		if !ok {
			errs = append(errs, fmt.Errorf("attribute %s is not a number", name))
			return 0
		}
		n, err := strconv.Atoi(v.Value)
		errs = append(errs, err)
		return n
	}
	getT := func(name string) time.Time {
		t, err := time.Parse(time.RFC3339Nano, getS(name))
		errs = append(errs, err)
		return t.UTC()
	}
	t.ID = getS("id")
	t.Title = getS("title")
	t.Memo = getS("memo")
	t.Priority = getN("priority")
	t.Version = getN("version")
	t.CreatedAt = getT("createdAt")
	t.UpdatedAt = getT("updatedAt")
	if v, ok := item["completed"].(*types.AttributeValueMemberBOOL); ok {
		t.Completed = v.Value
	} else {
		errs = append(errs, errors.New("attribute completed is not a boolean"))
	}
	if err := errors.Join(errs...); err != nil {
		return Todo{}, fmt.Errorf("read todo item %q: %w", t.ID, err)
	}
	return t, nil
}
