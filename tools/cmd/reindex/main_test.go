package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gowebapp/webapp/internal/app/todo"
	"github.com/gowebapp/webapp/internal/app/todo/todotest"
	"github.com/gowebapp/webapp/tools/dynalitetest"
)

func TestMain(m *testing.M) { dynalitetest.Main(m) }

// upgraded returns a table of todos written before it had an index, and an
// index table that is new and empty, as an existing deployment has them
// once it is upgraded: n todos whose memo is 牛乳. The SDK's standard
// configuration points at dynalite for the test.
func upgraded(t *testing.T, n int) (client *dynamodb.Client, table, index string) {
	t.Helper()
	db := dynalitetest.Start(t)
	db.Setenv(t)
	client = db.Client()
	table, written := todotest.NewTables(t, client) // the todos, indexed elsewhere
	_, index = todotest.NewTables(t, client)        // the new, empty index
	var todos []todo.Todo
	for i := range n {
		td, err := todo.New(todo.Draft{Title: fmt.Sprint("todo ", i), Memo: "牛乳", Priority: 3}, time.Now().Add(time.Duration(i)*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		todos = append(todos, td)
	}
	if err := todo.NewStore(client, table, written).Import(t.Context(), todos); err != nil {
		t.Fatal(err)
	}
	return client, table, index
}

// found returns how many todos a search for 牛乳 finds on its first page.
func found(t *testing.T, s *todo.Store) int {
	t.Helper()
	page, err := s.Search(t.Context(), "牛乳", todo.MaxSearchLimit, "")
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Items)
}

func reindex(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut strings.Builder
	err := run(t.Context(), args, &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestReindexBuildsTheIndexOfATableThatHasTodos(t *testing.T) {
	client, table, index := upgraded(t, 30)
	site := todo.NewStore(client, table, index)
	if n := found(t, site); n != 0 {
		t.Fatalf("before reindexing, a search found %d todos, want none", n)
	}

	out, err := reindex(t, "-table", table, "-index", index)
	if err != nil {
		t.Fatalf("reindex: %v\n%s", err, out)
	}
	for _, want := range []string{"todos in " + table + ", index in " + index + " (as given, region " + dynalitetest.Region + ")",
		"indexed 30 todos in ", "cost: ", " PutItem, 1 Scan; 30 items read; ", " write units"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := found(t, site); n != 30 {
		t.Errorf("after reindexing, a search found %d todos, want all 30", n)
	}
	if page, err := site.List(t.Context(), 50, ""); err != nil || len(page.Items) != 30 || page.Items[0].Title != "todo 29" {
		t.Errorf("after reindexing, the list has %d todos (%v), want all 30, newest first", len(page.Items), err)
	}

	// Again, while nothing changed: the same todos, nothing lost.
	if out, err := reindex(t, "-table", table, "-index", index); err != nil || !strings.Contains(out, "indexed 30 todos") {
		t.Errorf("a second run: %v\n%s", err, out)
	}
	if n := found(t, site); n != 30 {
		t.Errorf("after a second run, a search found %d todos, want 30", n)
	}
}

// fakeCloudFormation answers ListStackResources for the stack with its
// resources (logical id, type, physical id), in two pages, and points the
// SDK's standard configuration at itself for the test.
func fakeCloudFormation(t *testing.T, stack string, resources [][3]string) {
	t.Helper()
	member := func(r [3]string) string {
		return "<member><LogicalResourceId>" + r[0] + "</LogicalResourceId><ResourceType>" + r[1] +
			"</ResourceType><PhysicalResourceId>" + r[2] + "</PhysicalResourceId><ResourceStatus>CREATE_COMPLETE</ResourceStatus>" +
			"<LastUpdatedTimestamp>2026-01-01T00:00:00Z</LastUpdatedTimestamp></member>"
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.Form.Get("Action") != "ListStackResources" || r.Form.Get("StackName") != stack {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id %s does not exist</Message></Error><RequestId>1</RequestId></ErrorResponse>`, r.Form.Get("StackName"))
			return
		}
		half := len(resources) / 2
		page, next := resources[:half], "<NextToken>second</NextToken>"
		if r.Form.Get("NextToken") == "second" {
			page, next = resources[half:], ""
		}
		var members strings.Builder
		for _, res := range page {
			members.WriteString(member(res))
		}
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<ListStackResourcesResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><ListStackResourcesResult>%s<StackResourceSummaries>%s</StackResourceSummaries></ListStackResourcesResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></ListStackResourcesResponse>`,
			next, members.String())
	}))
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ENDPOINT_URL_CLOUDFORMATION", srv.URL)
}

func TestReindexFindsTheTablesOfAStack(t *testing.T) {
	client, table, index := upgraded(t, 5)
	fakeCloudFormation(t, "GoWebApp-v1", [][3]string{
		{"SiteFunctionC2336E98", "AWS::Lambda::Function", "GoWebApp-v1-SiteFunctionC2336E98-abc"},
		{"TodoIndex98029402", "AWS::DynamoDB::Table", index},
		{"AuditLog0A1B2C3D", "AWS::DynamoDB::Table", "GoWebApp-v1-AuditLog0A1B2C3D-def"},
		{"Todos4F51CAC2", "AWS::DynamoDB::Table", table},
	})
	out, err := reindex(t, "-stack", "GoWebApp-v1")
	if err != nil {
		t.Fatalf("reindex: %v\n%s", err, out)
	}
	if want := "todos in " + table + ", index in " + index + " (from stack GoWebApp-v1"; !strings.Contains(out, want) || !strings.Contains(out, "indexed 5 todos") {
		t.Errorf("output lacks %q and indexed 5 todos:\n%s", want, out)
	}
	if n := found(t, todo.NewStore(client, table, index)); n != 5 {
		t.Errorf("after reindexing, a search found %d todos, want 5", n)
	}
}

func TestReindexRefusesWhatItCannotDo(t *testing.T) {
	db := dynalitetest.Start(t)
	db.Setenv(t)
	fakeCloudFormation(t, "Other", [][3]string{{"Items0A1B2C3D", "AWS::DynamoDB::Table", "Other-Items"}})
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no tables", nil, "give -stack NAME, or -table and -index"},
		{"a table without its index", []string{"-table", "todos"}, "give -stack NAME, or -table and -index"},
		{"both ways", []string{"-stack", "GoWebApp-v1", "-table", "todos"}, "give either -stack or -table and -index, not both"},
		{"an argument", []string{"-stack", "Other", "now"}, `unexpected argument "now"`},
		{"a stack without the tables", []string{"-stack", "Other"},
			"stack Other has 0 tables Todos… and 0 tables TodoIndex…, want one of each (its other tables: Items0A1B2C3D): name them with -table and -index"},
		{"a stack that does not exist", []string{"-stack", "GoWebApp-v1"}, "list the resources of stack GoWebApp-v1: "},
		{"a table that does not exist", []string{"-table", "no-such-todos", "-index", "no-such-index"},
			"is each table's name right, and is region " + dynalitetest.Region + " theirs (AWS_REGION)?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			var out strings.Builder
			err := run(ctx, tt.args, &out, &out)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("reindex %q: %v, want an error saying %q\n%s", tt.args, err, tt.want, out.String())
			}
		})
	}
}
