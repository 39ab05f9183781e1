package todo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The index table's attributes. An entry says "the todo at this position
// has this gram"; the todo's own item stays the truth.
const (
	attrGram    = "gram" // partition key (S): a gram, or listGram
	attrTodo    = "todo" // sort key (S): the todo's Position, so a partition reads newest first
	attrVersion = "v"    // (N): the todo's version whose write put the entry
	attrAt      = "at"   // (N): when that write began, in Unix seconds
)

// listGram is the partition that holds every todo, for List. It has more
// than two characters, so it is never a gram.
const listGram = "#all"

// staleAfter is how old an entry whose todo does not exist must be before a
// reader deletes it: older than any create still in flight can be (Lambda
// stops a function after 15 minutes at most), so that the entries a create
// writes before its item are never taken for a deleted todo's.
const staleAfter = 15 * time.Minute

// TableInputs returns what creates the store's two tables, items and index,
// on demand (pay per request): the todos keyed by the string "id", and the
// index keyed by the string "gram" (partition) and the string "todo" (sort).
// The CDK stack declares the same keys; local servers and tests create the
// tables with CreateTables.
func TableInputs(items, index string) []*dynamodb.CreateTableInput {
	table := func(name string, keys ...string) *dynamodb.CreateTableInput {
		in := &dynamodb.CreateTableInput{TableName: aws.String(name), BillingMode: types.BillingModePayPerRequest}
		for i, k := range keys {
			in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String(k), AttributeType: types.ScalarAttributeTypeS})
			in.KeySchema = append(in.KeySchema, types.KeySchemaElement{AttributeName: aws.String(k), KeyType: []types.KeyType{types.KeyTypeHash, types.KeyTypeRange}[i]})
		}
		return in
	}
	return []*dynamodb.CreateTableInput{table(items, "id"), table(index, attrGram, attrTodo)}
}

// CreateTables creates the store's two tables (see TableInputs) and waits
// until both are active.
func CreateTables(ctx context.Context, client *dynamodb.Client, items, index string) error {
	for _, in := range TableInputs(items, index) {
		if _, err := client.CreateTable(ctx, in); err != nil {
			return fmt.Errorf("create table %s: %w", aws.ToString(in.TableName), err)
		}
	}
	return waitActive(ctx, client, items, index)
}

// waitActive returns once the tables are active, polling as often as a
// local server needs (the SDK's waiter, with short delays), for at most a
// minute or until ctx ends.
func waitActive(ctx context.Context, client *dynamodb.Client, names ...string) error {
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
	})
	for _, name := range names {
		if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, time.Minute); err != nil {
			return fmt.Errorf("table %s is not active: %w", name, err)
		}
	}
	return nil
}

// entry is one item of the index.
type entry struct {
	gram, position string
	version        int
	at             int64
}

func (e entry) key() map[string]types.AttributeValue { return entryKey(e.gram, e.position) }

func entryKey(gram, position string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrGram: str(gram), attrTodo: str(position)}
}

func (e entry) item() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrGram:    str(e.gram),
		attrTodo:    str(e.position),
		attrVersion: number(e.version),
		attrAt:      &types.AttributeValueMemberN{Value: strconv.FormatInt(e.at, 10)},
	}
}

func readEntry(item map[string]types.AttributeValue) (entry, error) {
	var e entry
	gram, ok1 := item[attrGram].(*types.AttributeValueMemberS)
	pos, ok2 := item[attrTodo].(*types.AttributeValueMemberS)
	v, ok3 := item[attrVersion].(*types.AttributeValueMemberN)
	at, ok4 := item[attrAt].(*types.AttributeValueMemberN)
	if !ok1 || !ok2 || !ok3 || !ok4 || !validPosition(pos.Value) {
		return e, fmt.Errorf("index entry %v is not one the store wrote", item)
	}
	var err1, err2 error
	e.gram, e.position = gram.Value, pos.Value
	e.version, err1 = strconv.Atoi(v.Value)
	e.at, err2 = strconv.ParseInt(at.Value, 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return e, fmt.Errorf("index entry %s %s: %w", e.gram, e.position, err)
	}
	return e, nil
}

// entriesOf returns the entries of t's grams, and of the list, as written at
// its version t.Version, at the time at.
func entriesOf(t Todo, gs []string, at int64) []entry {
	pos := Position(t)
	out := make([]entry, len(gs))
	for i, g := range gs {
		out[i] = entry{gram: g, position: pos, version: t.Version, at: at}
	}
	return out
}

// indexed returns every gram t's entries have: its grams and the list.
func indexed(t Todo) []string { return append(grams(t), listGram) }

// Concurrency and batch limits of the index's writes.
const (
	writeConcurrency = 8  // requests of one call in flight at once
	batchWriteMax    = 25 // DynamoDB's limit of BatchWriteItem
	batchGetMax      = 100
	maxAttempts      = 8 // of a batch with unprocessed items, backing off
)

// parallel calls f(0) … f(n-1), at most limit at once, and returns the
// first error; the other calls still run to their end.
func parallel(n, limit int, f func(i int) error) error {
	errs := make([]error, n)
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = f(i)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// backoff waits before the attempt-th retry of unprocessed items: 25 ms,
// doubling, at most 1.6 s.
func backoff(ctx context.Context, attempt int) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(25 * time.Millisecond << min(attempt, 6)):
		return nil
	}
}

// batchWrite writes the requests to the table, 25 to a BatchWriteItem, a
// few batches at once, retrying what DynamoDB leaves unprocessed. It has no
// conditions: it is for entries no other write can race with.
func (s *Store) batchWrite(ctx context.Context, table string, reqs []types.WriteRequest) error {
	batches := (len(reqs) + batchWriteMax - 1) / batchWriteMax
	return parallel(batches, writeConcurrency, func(i int) error {
		pending := map[string][]types.WriteRequest{table: reqs[i*batchWriteMax : min(len(reqs), (i+1)*batchWriteMax)]}
		for attempt := 0; ; attempt++ {
			out, err := s.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				return fmt.Errorf("batch write %s: %w", table, err)
			}
			if len(out.UnprocessedItems) == 0 {
				return nil
			}
			if attempt+1 == maxAttempts {
				return fmt.Errorf("batch write %s: %d requests still unprocessed after %d attempts", table, len(out.UnprocessedItems[table]), maxAttempts)
			}
			pending = out.UnprocessedItems
			if err := backoff(ctx, attempt); err != nil {
				return err
			}
		}
	})
}

func puts(entries []entry) []types.WriteRequest {
	reqs := make([]types.WriteRequest, len(entries))
	for i, e := range entries {
		reqs[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: e.item()}}
	}
	return reqs
}

func deletes(entries []entry) []types.WriteRequest {
	reqs := make([]types.WriteRequest, len(entries))
	for i, e := range entries {
		reqs[i] = types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: e.key()}}
	}
	return reqs
}

// putNewer writes each entry unless the index has it from a version at
// least as new: a slow writer never takes an entry's version back, which
// would let the cleanup after an older update delete an entry that a newer
// one needs.
func (s *Store) putNewer(ctx context.Context, entries []entry) error {
	return parallel(len(entries), writeConcurrency, func(i int) error {
		_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                 aws.String(s.index),
			Item:                      entries[i].item(),
			ConditionExpression:       aws.String("attribute_not_exists(#gram) OR #v < :v"),
			ExpressionAttributeNames:  map[string]string{"#gram": attrGram, "#v": attrVersion},
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": number(entries[i].version)},
		})
		if err != nil && !isConditionFailed(err) {
			return fmt.Errorf("index todo: %w", err)
		}
		return nil
	})
}

// deleteOlder deletes the entries of grams at the position that a write
// before version put: those that the todo at version no longer needs,
// unless a newer write has put them again since.
func (s *Store) deleteOlder(ctx context.Context, position string, grams []string, version int) error {
	return parallel(len(grams), writeConcurrency, func(i int) error {
		_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName:                 aws.String(s.index),
			Key:                       entryKey(grams[i], position),
			ConditionExpression:       aws.String("#v < :v"),
			ExpressionAttributeNames:  map[string]string{"#v": attrVersion},
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": number(version)},
		})
		if err != nil && !isConditionFailed(err) {
			return fmt.Errorf("unindex todo: %w", err)
		}
		return nil
	})
}

// stale reports whether e can no longer lead to its todo, t as just read
// (found false: no such todo), so that a reader may delete it:
//   - the todo does not exist and e is older than any create in flight;
//   - the todo exists at another position (the entry of a refused create);
//   - the todo's version is at least e's and lacks e's gram: the write that
//     needed e is over, and every newer write that needs the gram puts its
//     own entry, with its own version.
//
// An entry of a newer version than the todo's is an update in flight, or one
// that never wrote its item; it stays.
func stale(e entry, t Todo, found bool, now time.Time) bool {
	switch {
	case !found:
		return now.Sub(time.Unix(e.at, 0)) > staleAfter
	case Position(t) != e.position:
		return true
	case e.gram == listGram || e.version > t.Version:
		return false
	}
	for _, g := range grams(t) {
		if g == e.gram {
			return false
		}
	}
	return true
}

// maxCleanup is the most stale entries one read deletes: reads stay
// bounded, and what is left is deleted by later reads.
const maxCleanup = 10

// cleanup deletes stale entries, each only while it is still exactly as
// read: an entry a writer has put again since stays. It is best effort: a
// failure is logged, and a stale entry only costs a read.
func (s *Store) cleanup(ctx context.Context, entries []entry) {
	entries = entries[:min(len(entries), maxCleanup)]
	err := parallel(len(entries), writeConcurrency, func(i int) error {
		e := entries[i]
		_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName:                aws.String(s.index),
			Key:                      e.key(),
			ConditionExpression:      aws.String("#v = :v AND #at = :at"),
			ExpressionAttributeNames: map[string]string{"#v": attrVersion, "#at": attrAt},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":v":  number(e.version),
				":at": &types.AttributeValueMemberN{Value: strconv.FormatInt(e.at, 10)},
			},
		})
		if err != nil && !isConditionFailed(err) {
			return err
		}
		return nil
	})
	if err != nil {
		s.log.WarnContext(ctx, "delete stale index entries", "table", s.index, "err", err.Error())
	}
}
