// Command bare is the baseline of the cold-start benchmark: an aws-lambda-go
// handler with nothing else in it (package baseline). It is built with the
// same flags as the function (package lambdabuild).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/gowebapp/webapp/tools/bench/baseline"
)

func main() { lambda.Start(baseline.Healthz) }
