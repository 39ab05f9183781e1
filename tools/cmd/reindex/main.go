// Command reindex builds the todos' search index (docs/search.md) from the
// table of todos: once for a deployment upgraded from a version without the
// index, whose lists and searches show none of its todos until then, and
// after a change of todo.Fold or todo.MaxGrams. The function cannot do it
// (it may not Scan), so an operator runs it, with the AWS credentials and
// region of the SDK's standard configuration (AWS_PROFILE, AWS_REGION, …):
//
//	go run ./tools/cmd/reindex -stack GoWebApp-v1
//	go run ./tools/cmd/reindex -table TODOS -index INDEX
//
// -stack finds the two tables among the stack's resources: the DynamoDB
// tables whose logical ids are stack.go's Todos and TodoIndex with CDK's
// hash, read with cloudformation:ListStackResources, the one permission
// that names them (DescribeStackResources stops at 100 resources; the
// function's environment names them too, but reading it takes a second
// call and lambda:GetFunctionConfiguration). A stack of another app names
// its tables with -table and -index. Either way it needs dynamodb:Scan on
// the todos' table and dynamodb:PutItem on the index table.
//
// It may run while the site serves (its puts never take an entry back to an
// older version) and again: a second run writes nothing new and costs the
// same. It prints how many todos it indexed and the DynamoDB calls and
// capacity units that took, which an on-demand table bills as request
// units.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gowebapp/webapp/internal/app/todo"
	"github.com/gowebapp/webapp/internal/app/todo/todotest"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "reindex:", err)
		os.Exit(1)
	}
}

// run parses args, finds the tables and reindexes, printing to stdout.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("reindex", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stack := fs.String("stack", "", "the CloudFormation stack of the site, e.g. GoWebApp-v1: its Todos and TodoIndex tables")
	table := fs.String("table", "", "the DynamoDB table of todos (instead of -stack)")
	index := fs.String("index", "", "the DynamoDB table of their index (instead of -stack)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: reindex -stack NAME | -table TODOS -index INDEX")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q: name the tables with -stack, or with -table and -index", fs.Arg(0))
	case *stack != "" && (*table != "" || *index != ""):
		return errors.New("-stack finds both tables: give either -stack or -table and -index, not both")
	case *stack == "" && (*table == "" || *index == ""):
		return errors.New("give -stack NAME, or -table and -index with the names of the todos' table and its index's")
	}

	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("load the AWS configuration: %w", err)
	}
	from := "as given"
	if *stack != "" {
		if *table, *index, err = stackTables(ctx, cloudformation.NewFromConfig(cfg), *stack); err != nil {
			return err
		}
		from = "from stack " + *stack
	}
	fmt.Fprintf(stdout, "todos in %s, index in %s (%s, region %s)\n", *table, *index, from, cfg.Region)

	var counter todotest.Counter
	store := todo.NewStore(counter.Client(dynamodb.NewFromConfig(cfg)), *table, *index)
	start := time.Now()
	n, err := store.Reindex(ctx)
	if err != nil {
		var missing *types.ResourceNotFoundException
		if errors.As(err, &missing) {
			err = fmt.Errorf("%w: is each table's name right, and is region %s theirs (AWS_REGION)?", err, cfg.Region)
		}
		return fmt.Errorf("after %d todos: %w", n, err)
	}
	fmt.Fprintf(stdout, "indexed %d todos in %.1f s\n", n, time.Since(start).Seconds())
	fmt.Fprintf(stdout, "cost: %s\n", cost(counter.Counts()))
	return nil
}

// cost says what the calls counted took: each operation's calls, the items
// read, and the capacity units.
func cost(c todotest.Counts) string {
	var calls []string
	for _, op := range slices.Sorted(maps.Keys(c.Calls)) {
		calls = append(calls, fmt.Sprintf("%d %s", c.Calls[op], op))
	}
	if len(calls) == 0 {
		calls = []string{"no calls"}
	}
	return fmt.Sprintf("%s; %d items read; %.1f read units, %.1f write units",
		strings.Join(calls, ", "), c.ItemsRead, c.ReadUnits, c.WriteUnits)
}
