package localsite

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// createTables creates the tables in the DynamoDB-protocol server the
// client talks to, from their CloudFormation definitions (which share
// CreateTable's field names), and waits until they are active.
func createTables(ctx context.Context, client *dynamodb.Client, tables []*Table) error {
	for _, t := range tables {
		in := &dynamodb.CreateTableInput{}
		if err := remarshal(t.Definition, in); err != nil {
			return fmt.Errorf("table %s: %w", t.LogicalID, err)
		}
		in.TableName = aws.String(t.Name)
		if in.BillingMode == "" && in.ProvisionedThroughput == nil {
			in.BillingMode = types.BillingModePayPerRequest
		}
		if _, err := client.CreateTable(ctx, in); err != nil {
			return fmt.Errorf("create table %s (%s): %w", t.Name, t.LogicalID, err)
		}
	}
	for _, t := range tables {
		for {
			out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(t.Name)})
			if err != nil {
				return fmt.Errorf("describe table %s: %w", t.Name, err)
			}
			if out.Table.TableStatus == types.TableStatusActive {
				break
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	return nil
}
