// Package todotest gives tests and benchmarks of the todo store its two
// tables in dynalite, and counts what the store reads and writes: DynamoDB
// calls, items read and capacity units, as DynamoDB reports them.
package todotest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/gowebapp/webapp/internal/app/todo"
	"github.com/gowebapp/webapp/tools/dynalitetest"
)

var tables atomic.Int64

// NewTables creates a fresh pair of the store's tables (todo.CreateTables)
// through client, deleted when the test ends, and returns their names.
func NewTables(t testing.TB, client *dynamodb.Client) (items, index string) {
	t.Helper()
	n := tables.Add(1)
	items, index = fmt.Sprintf("todos-%d", n), fmt.Sprintf("todo-index-%d", n)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := todo.CreateTables(ctx, client, items, index); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, name := range []string{items, index} {
			client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
		}
	})
	return items, index
}

// NewStore returns a store of fresh tables in the test's dynalite
// (dynalitetest.Start) and the client it uses.
func NewStore(t testing.TB) (*todo.Store, *dynamodb.Client) {
	t.Helper()
	client := dynalitetest.Start(t).Client()
	items, index := NewTables(t, client)
	return todo.NewStore(client, items, index), client
}

// Counter counts what the clients it made (Client) did. Its zero value is
// ready; it is safe for concurrent use.
type Counter struct {
	mu     sync.Mutex
	counts Counts
}

// Counts is what a Counter counted.
type Counts struct {
	Calls      map[string]int // by operation: "Query", "BatchGetItem", …
	ItemsRead  int            // items a read evaluated: returned by GetItem and BatchGetItem, scanned by Query and Scan
	ReadUnits  float64        // read capacity units consumed, as DynamoDB reports them
	WriteUnits float64        // write capacity units consumed
}

// Reads is the number of read calls.
func (c Counts) Reads() int {
	return c.Calls["GetItem"] + c.Calls["BatchGetItem"] + c.Calls["Query"] + c.Calls["Scan"]
}

// Counts returns what was counted since the last Reset.
func (c *Counter) Counts() Counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.counts
	out.Calls = make(map[string]int, len(c.counts.Calls))
	for k, v := range c.counts.Calls {
		out.Calls[k] = v
	}
	return out
}

// Reset starts counting again from zero.
func (c *Counter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts = Counts{}
}

// Client returns a client like client whose calls the counter counts. It
// asks DynamoDB for the consumed capacity of every call it counts.
func (c *Counter) Client(client *dynamodb.Client) *dynamodb.Client {
	return dynamodb.New(client.Options(), func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
			return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("todotest.Counter", c.count), middleware.Before)
		})
	})
}

func (c *Counter) count(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	op, params := withCapacity(in.Parameters)
	in.Parameters = params
	out, md, err := next.HandleInitialize(ctx, in)
	if err != nil || op == "" {
		return out, md, err
	}
	items, capacity := readOf(out.Result)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts.Calls == nil {
		c.counts.Calls = map[string]int{}
	}
	c.counts.Calls[op]++
	c.counts.ItemsRead += items
	for _, cc := range capacity {
		switch {
		case cc.ReadCapacityUnits != nil || cc.WriteCapacityUnits != nil:
			c.counts.ReadUnits += aws.ToFloat64(cc.ReadCapacityUnits)
			c.counts.WriteUnits += aws.ToFloat64(cc.WriteCapacityUnits)
		case op == "GetItem" || op == "BatchGetItem" || op == "Query" || op == "Scan":
			c.counts.ReadUnits += aws.ToFloat64(cc.CapacityUnits)
		default:
			c.counts.WriteUnits += aws.ToFloat64(cc.CapacityUnits)
		}
	}
	return out, md, nil
}

// withCapacity returns the operation of the input and a copy of it that
// asks for the consumed capacity; "" for an operation it does not count.
func withCapacity(params any) (string, any) {
	total := types.ReturnConsumedCapacityTotal
	switch in := params.(type) {
	case *dynamodb.GetItemInput:
		cp := *in
		cp.ReturnConsumedCapacity = total
		return "GetItem", &cp
	case *dynamodb.BatchGetItemInput:
		cp := *in
		cp.ReturnConsumedCapacity = total
		return "BatchGetItem", &cp
	case *dynamodb.QueryInput:
		cp := *in
		cp.ReturnConsumedCapacity = total
		return "Query", &cp
	case *dynamodb.ScanInput:
		cp := *in
		cp.ReturnConsumedCapacity = total
		return "Scan", &cp
	case *dynamodb.PutItemInput:
		cp := *in
		cp.ReturnConsumedCapacity = total
		return "PutItem", &cp
	case *dynamodb.DeleteItemInput:
		cp := *in
		cp.ReturnConsumedCapacity = total
		return "DeleteItem", &cp
	case *dynamodb.BatchWriteItemInput:
		cp := *in
		cp.ReturnConsumedCapacity = total
		return "BatchWriteItem", &cp
	case *dynamodb.UpdateItemInput:
		cp := *in
		cp.ReturnConsumedCapacity = total
		return "UpdateItem", &cp
	}
	return "", params
}

// readOf returns the items a call's output read and the capacity it
// consumed.
func readOf(result any) (int, []types.ConsumedCapacity) {
	one := func(cc *types.ConsumedCapacity) []types.ConsumedCapacity {
		if cc == nil {
			return nil
		}
		return []types.ConsumedCapacity{*cc}
	}
	switch out := result.(type) {
	case *dynamodb.GetItemOutput:
		n := 0
		if out.Item != nil {
			n = 1
		}
		return n, one(out.ConsumedCapacity)
	case *dynamodb.BatchGetItemOutput:
		n := 0
		for _, items := range out.Responses {
			n += len(items)
		}
		return n, out.ConsumedCapacity
	case *dynamodb.QueryOutput:
		return int(out.ScannedCount), one(out.ConsumedCapacity)
	case *dynamodb.ScanOutput:
		return int(out.ScannedCount), one(out.ConsumedCapacity)
	case *dynamodb.PutItemOutput:
		return 0, one(out.ConsumedCapacity)
	case *dynamodb.DeleteItemOutput:
		return 0, one(out.ConsumedCapacity)
	case *dynamodb.BatchWriteItemOutput:
		return 0, out.ConsumedCapacity
	case *dynamodb.UpdateItemOutput:
		return 0, one(out.ConsumedCapacity)
	}
	return 0, nil
}
