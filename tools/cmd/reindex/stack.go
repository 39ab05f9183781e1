package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// The logical ids CDK gives stack.go's tables: the construct id and an
// eight-digit hash of its path (Todos4F51CAC2).
var (
	todosID = regexp.MustCompile(`^Todos[0-9A-F]{8}$`)
	indexID = regexp.MustCompile(`^TodoIndex[0-9A-F]{8}$`)
)

// stackTables returns the names of the stack's table of todos and of its
// index, read from its resources.
func stackTables(ctx context.Context, client *cloudformation.Client, stack string) (table, index string, err error) {
	var todos, indexes, others []string
	pages := cloudformation.NewListStackResourcesPaginator(client, &cloudformation.ListStackResourcesInput{StackName: aws.String(stack)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return "", "", fmt.Errorf("list the resources of stack %s: %w", stack, err)
		}
		for _, r := range page.StackResourceSummaries {
			if aws.ToString(r.ResourceType) != "AWS::DynamoDB::Table" || r.ResourceStatus == types.ResourceStatusDeleteComplete {
				continue
			}
			id, name := aws.ToString(r.LogicalResourceId), aws.ToString(r.PhysicalResourceId)
			switch {
			case todosID.MatchString(id):
				todos = append(todos, name)
			case indexID.MatchString(id):
				indexes = append(indexes, name)
			default:
				others = append(others, id)
			}
		}
	}
	if len(todos) != 1 || len(indexes) != 1 {
		return "", "", fmt.Errorf("stack %s has %d tables Todos… and %d tables TodoIndex…, want one of each (its other tables: %s): name them with -table and -index",
			stack, len(todos), len(indexes), orNone(others))
	}
	return todos[0], indexes[0], nil
}

func orNone(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}
