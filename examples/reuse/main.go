// Command reuse is a CDK app in its own Go module that imports the WebApp
// construct, as a team would from their own repository: it puts a site into a
// stack of its own and extends it through the exposed resources.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/constructs/webapp"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("ReuseExample"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")},
	})

	site := webapp.NewWebApp(stack, "Docs", &webapp.Props{
		FunctionDir: "function",
		StaticDir:   "public",
		StaticPaths: []string{"/css/*"},
		Stage:       "docs",
	})

	// Extend what the construct made: an uploads bucket the function may write.
	uploads := awss3.NewBucket(stack, jsii.String("Uploads"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
	})
	uploads.GrantPut(site.Function, nil)
	site.Function.AddEnvironment(jsii.String("UPLOADS_BUCKET"), uploads.BucketName(), nil)

	app.Synth(nil)
}
