// Command lister lists the DynamoDB tables with a client made from
// webappaws.Config, and prints the source of its credentials and the
// tables. The webappaws tests build it as the construct builds a function,
// and without the Lambda tag, and run it against dynalite.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gowebapp/webapp/webappaws"
)

func main() {
	ctx := context.Background()
	cfg, err := webappaws.Config(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, err := dynamodb.NewFromConfig(cfg).ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(creds.Source, strings.Join(out.TableNames, ","))
}
