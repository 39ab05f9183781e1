package webapp

import (
	_ "embed"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/webappassets"
)

//go:embed static_expiry.js
var staticExpiryCode string

// SupersededStaticFileDays is how long a static file that no current name
// refers to stays in the bucket: StaticExpiry tags it when a deploy
// supersedes it, and deletes it at the first deploy that changes the
// static files this many days or more later. A week covers a canary, a
// rollback and a page left open; a rollback by CloudFormation names the
// files again and untags them.
const SupersededStaticFileDays = 7

// newStaticExpiry is a custom resource that runs after both static
// deployments whenever the published names change (its Keys are them):
// the lambda in static_expiry.js tags, untags and deletes as
// SupersededStaticFileDays says. S3 lifecycle rules cannot do this: they
// count from an object's creation, and an unchanged file is never uploaded
// again, so an age rule would delete current files too.
func newStaticExpiry(scope constructs.Construct, p Props, bucket awss3.IBucket, m *webappassets.Manifest, after ...constructs.IDependable) awscdk.CustomResource {
	logs := awslogs.NewLogGroup(scope, jsii.String("StaticExpiryLogs"), &awslogs.LogGroupProps{
		Retention: p.LogRetention, RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	role := awsiam.NewRole(scope, jsii.String("StaticExpiryRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("The static bucket's expiry: lists it, tags superseded files and deletes old ones"),
	})
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"), Resources: jsii.Strings(*logs.LogGroupArn()),
	}))
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("s3:ListBucket"), Resources: jsii.Strings(*bucket.BucketArn()),
	}))
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("s3:GetObjectTagging", "s3:PutObjectTagging", "s3:DeleteObject"),
		Resources: jsii.Strings(*bucket.ArnForObjects(jsii.String("*"))),
	}))
	fn := awslambda.NewFunction(scope, jsii.String("StaticExpiryFunction"), &awslambda.FunctionProps{
		// The newest Node.js every supported aws-cdk-go version names.
		Runtime:     awslambda.Runtime_NODEJS_22_X(),
		Handler:     jsii.String("index.handler"),
		Code:        awslambda.Code_FromInline(jsii.String(staticExpiryCode)),
		Role:        role,
		Timeout:     awscdk.Duration_Minutes(jsii.Number(5)),
		MemorySize:  jsii.Number(256),
		LogGroup:    logs,
		Description: jsii.String("Tags static files no deploy names any more, and deletes them a week later"),
	})
	suppress(role, true, [2]string{"AwsSolutions-IAM5", "It tags and deletes superseded objects of the static bucket, which may be any of them: an object wildcard within that bucket alone"})
	suppress(fn, false, [2]string{"AwsSolutions-L1", "Node.js 22 is the newest runtime that every supported aws-cdk-go version (from v2.270.0) names"})

	keys := publishedKeys(m)
	cr := awscdk.NewCustomResource(scope, jsii.String("StaticExpiry"), &awscdk.CustomResourceProps{
		ServiceToken: fn.FunctionArn(),
		ResourceType: jsii.String("Custom::StaticExpiry"),
		Properties: &map[string]any{
			"BucketName":      bucket.BucketName(),
			"Keys":            keys,
			"ExpireAfterDays": SupersededStaticFileDays,
		},
	})
	for _, d := range after {
		cr.Node().AddDependency(d)
	}
	return cr
}

// publishedKeys are the bucket's keys that the deploy publishes: every
// file's own name and its hashed one, sorted.
func publishedKeys(m *webappassets.Manifest) []string {
	var keys []string
	for _, src := range m.Files() {
		keys = append(keys, src[1:])
		if published, _ := m.Path(src); published != src {
			keys = append(keys, published[1:])
		}
	}
	slices.Sort(keys)
	return keys
}
