package todo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Store keeps todos in a DynamoDB table whose partition key is the string
// attribute "id". Every call takes the request's context.
type Store struct {
	client *dynamodb.Client
	table  string
	// now is the clock; tests may replace it.
	now func() time.Time
	// searchPage, if not 0, limits the items of each scan page of Search;
	// tests make it small to prove that Search pages through the table.
	searchPage int32
}

// NewStore returns a store of the table, using client.
func NewStore(client *dynamodb.Client, table string) *Store {
	return &Store{client: client, table: table, now: time.Now}
}

// NewStoreFromEnv returns a store of the table named by TABLE_NAME, with the
// SDK's standard configuration: region, credentials and endpoint come from
// the environment and the shared config files (AWS_ENDPOINT_URL_DYNAMODB
// points it at a local server). It makes no network call: credentials are
// fetched on the first request, so a cold start stays cheap.
func NewStoreFromEnv(ctx context.Context) (*Store, error) {
	table := os.Getenv("TABLE_NAME")
	if table == "" {
		return nil, errors.New("TABLE_NAME is not set: give the name of the DynamoDB table of todos")
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	return NewStore(dynamodb.NewFromConfig(cfg), table), nil
}

// Table returns the name of the table.
func (s *Store) Table() string { return s.table }

// Create writes t, a todo made by New, unless an item with its id exists
// (ErrConflict). An invalid todo is refused before anything is written.
func (s *Store) Create(ctx context.Context, t Todo) (Todo, error) {
	if err := t.Validate(); err != nil {
		return Todo{}, err
	}
	_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                aws.String(s.table),
		Item:                     marshal(t),
		ConditionExpression:      aws.String("attribute_not_exists(#id)"),
		ExpressionAttributeNames: map[string]string{"#id": "id"},
	})
	if isConditionFailed(err) {
		return Todo{}, ErrConflict
	}
	if err != nil {
		return Todo{}, fmt.Errorf("put todo: %w", err)
	}
	return t, nil
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

// List returns up to limit todos after the cursor ("" for the first page).
//
// It scans the table with Limit and ExclusiveStartKey: fine for the tutorial's
// small table, and every item is returned exactly once across the pages, in
// the table's (hash) order. A large table would want a query on an index.
func (s *Store) List(ctx context.Context, limit int, cursor string) (Page, error) {
	if limit < 1 || limit > MaxPageSize {
		return Page{}, invalid("limit", "limit must be an integer from 1 to %d, got %d", MaxPageSize, limit)
	}
	in := &dynamodb.ScanInput{TableName: aws.String(s.table), Limit: aws.Int32(int32(limit))}
	if cursor != "" {
		id, err := DecodeCursor(cursor)
		if err != nil {
			return Page{}, err
		}
		in.ExclusiveStartKey = key(id)
	}
	out, err := s.client.Scan(ctx, in)
	if err != nil {
		return Page{}, fmt.Errorf("scan todos: %w", err)
	}
	page := Page{Items: make([]Todo, 0, len(out.Items))}
	for _, item := range out.Items {
		t, err := unmarshal(item)
		if err != nil {
			return Page{}, err
		}
		page.Items = append(page.Items, t)
	}
	if out.LastEvaluatedKey != nil {
		last, ok := out.LastEvaluatedKey["id"].(*types.AttributeValueMemberS)
		if !ok {
			return Page{}, errors.New("scan todos: LastEvaluatedKey has no string id")
		}
		page.Next = EncodeCursor(last.Value)
	}
	return page, nil
}

// Search returns the todos whose title or memo contains q, ignoring case,
// newest first. It pages through a scan of the whole table and filters here
// (DynamoDB's contains() is case-sensitive): correct for any size, cheap
// for the tutorial's; a large table would want a search index.
func (s *Store) Search(ctx context.Context, q string) ([]Todo, error) {
	var found []Todo
	in := &dynamodb.ScanInput{TableName: aws.String(s.table)}
	if s.searchPage != 0 {
		in.Limit = aws.Int32(s.searchPage)
	}
	for {
		out, err := s.client.Scan(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("scan todos: %w", err)
		}
		for _, item := range out.Items {
			t, err := unmarshal(item)
			if err != nil {
				return nil, err
			}
			if Matches(t, q) {
				found = append(found, t)
			}
		}
		if out.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	SortNewestFirst(found)
	return found, nil
}

// Matches reports whether t's title or memo contains q, ignoring case.
func Matches(t Todo, q string) bool {
	q = strings.ToLower(q)
	return strings.Contains(strings.ToLower(t.Title), q) || strings.Contains(strings.ToLower(t.Memo), q)
}

// SortNewestFirst sorts todos by creation time, newest first, then by id.
func SortNewestFirst(todos []Todo) {
	slices.SortFunc(todos, func(a, b Todo) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// Update applies p to the todo with the id if its version is still
// p.Version, in one conditional write: of concurrent updates based on the
// same version exactly one wins and the others get ErrConflict. A missing
// todo is ErrNotFound; an invalid patch is refused before anything is
// written.
func (s *Store) Update(ctx context.Context, id string, p Patch) (Todo, error) {
	if !ValidID(id) {
		return Todo{}, ErrNotFound
	}
	p, err := p.Normalize()
	if err != nil {
		return Todo{}, err
	}
	names := map[string]string{"#id": "id", "#version": "version", "#updatedAt": "updatedAt"}
	values := map[string]types.AttributeValue{
		":expected": number(p.Version),
		":one":      number(1),
		":now":      str(s.now().UTC().Format(time.RFC3339Nano)),
	}
	sets := []string{"#updatedAt = :now", "#version = #version + :one"}
	set := func(attr string, v types.AttributeValue) {
		names["#"+attr] = attr
		values[":"+attr] = v
		sets = append(sets, "#"+attr+" = :"+attr)
	}
	if p.Title != nil {
		set("title", str(*p.Title))
	}
	if p.Memo != nil {
		set("memo", str(*p.Memo))
	}
	if p.Priority != nil {
		set("priority", number(*p.Priority))
	}
	if p.Completed != nil {
		set("completed", &types.AttributeValueMemberBOOL{Value: *p.Completed})
	}
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           aws.String(s.table),
		Key:                                 key(id),
		UpdateExpression:                    aws.String("SET " + strings.Join(sets, ", ")),
		ConditionExpression:                 aws.String("attribute_exists(#id) AND #version = :expected"),
		ExpressionAttributeNames:            names,
		ExpressionAttributeValues:           values,
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err != nil {
		return Todo{}, s.whyFailed(ctx, id, err, "update todo")
	}
	return unmarshal(out.Attributes)
}

// Delete removes the todo with the id; if version is not 0, only while its
// version is still that one (ErrConflict otherwise). A missing todo is
// ErrNotFound.
func (s *Store) Delete(ctx context.Context, id string, version int) error {
	if !ValidID(id) {
		return ErrNotFound
	}
	in := &dynamodb.DeleteItemInput{
		TableName:                           aws.String(s.table),
		Key:                                 key(id),
		ConditionExpression:                 aws.String("attribute_exists(#id)"),
		ExpressionAttributeNames:            map[string]string{"#id": "id"},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
	if version != 0 {
		in.ConditionExpression = aws.String("attribute_exists(#id) AND #version = :expected")
		in.ExpressionAttributeNames["#version"] = "version"
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":expected": number(version)}
	}
	if _, err := s.client.DeleteItem(ctx, in); err != nil {
		return s.whyFailed(ctx, id, err, "delete todo")
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
