// Command gowebapp is the CDK app: it synthesizes the web site's stacks.
//
// Configuration comes from CDK context (cdk.json or -c key=value):
//
//	stage           API Gateway stage name and stack name suffix (default v1)
//	stages          each stage's settings (see webapp.StageSettings), e.g. in cdk.json
//	                "stages": {"prod": {"memorySize": 512, "logLevel": "info"}}
//	domainName      custom domain, e.g. www.example.com (default: none)
//	hostedZoneId    Route 53 zone id of that domain, e.g. Z0123456789ABCDEFGHIJ
//	hostedZoneName  that zone's name, e.g. example.com
//	alternateDomainNames  the site's other names in that zone, redirected to
//	                domainName, e.g. example.com,shop.example.com
//	originSecretVersionId  pins the origin key to a secret version (rotation)
//	twilioAuthTokenParameter  the SSM SecureString parameter of the Twilio auth
//	                token (default /GoWebApp-<stage>/twilio-auth-token)
//
// domainName, the hosted zone, alternateDomainNames and originSecretVersionId
// override the stage's own settings. Two more add the stack
// that GitHub's workflows deploy through, deployed once by hand:
//
//	githubRepository  owner/name: adds the stack GitHub's workflows deploy
//	                through (GoWebApp-GitHubDeploy, see NewGitHubDeploy)
//	githubOidcProviderArn  the account's GitHub OIDC provider, if it has one
//
// Account and region follow the CDK convention: CDK_DEPLOY_ACCOUNT and
// CDK_DEPLOY_REGION when set (to target an environment explicitly), else
// CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION, which the CDK CLI sets from the
// AWS profile (it overwrites CDK_DEFAULT_REGION with us-east-1 when no
// profile names a region, hence the CDK_DEPLOY_ variables for offline synth).
package main

import (
	"cmp"
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/constructs/webapp"
)

// SiteConfig is what the app reads from the context and the environment.
type SiteConfig struct {
	// Stage is the stage's name and settings (webapp.StageFromContext).
	webapp.Stage
	// Account and Region of the site's stack; empty means environment-agnostic.
	Account, Region string
	// TwilioAuthTokenParameter names the SSM SecureString parameter of
	// the Twilio auth token (context twilioAuthTokenParameter).
	// Default: /GoWebApp-<stage>/twilio-auth-token.
	TwilioAuthTokenParameter string
}

// configFromContext reads the stage from the context (see
// webapp.StageFromContext) and the site's account and region from environ.
func configFromContext(scope constructs.Construct, environ func(string) string) (SiteConfig, error) {
	stage, err := webapp.StageFromContext(scope)
	if err != nil {
		return SiteConfig{}, err
	}
	cfg := SiteConfig{
		Stage:   *stage,
		Account: firstSet(environ, "CDK_DEPLOY_ACCOUNT", "CDK_DEFAULT_ACCOUNT"),
		Region:  firstSet(environ, "CDK_DEPLOY_REGION", "CDK_DEFAULT_REGION"),
	}
	switch v := scope.Node().TryGetContext(jsii.String("twilioAuthTokenParameter")).(type) {
	case nil:
	case string:
		cfg.TwilioAuthTokenParameter = v
	default:
		return SiteConfig{}, fmt.Errorf("context: twilioAuthTokenParameter %v is not a string: give the parameter's name, such as \"/mysite/twilio-auth-token\"", v)
	}
	return cfg, nil
}

// twilioAuthTokenParameter is the SSM parameter of the Twilio auth token.
func (cfg SiteConfig) twilioAuthTokenParameter() string {
	return cmp.Or(cfg.TwilioAuthTokenParameter, "/"+StackName(cfg.Name)+"/twilio-auth-token")
}

func firstSet(environ func(string) string, keys ...string) string {
	for _, k := range keys {
		if v := environ(k); v != "" {
			return v
		}
	}
	return ""
}

// SiteStackProps configure NewSiteStack.
type SiteStackProps struct {
	awscdk.StackProps
	// Config gives the stage and the custom domain.
	Config SiteConfig
	// WebApp is passed to the construct; FunctionDir (unless Code is given)
	// and StaticDir default to lambda and static, and what else it leaves
	// open comes from Config's stage (webapp.Stage.Apply), the hosted zone
	// and the certificate included.
	WebApp webapp.Props
}

// SiteStack is the site with its data: the WebApp construct, the todos'
// table and the table of their search index.
type SiteStack struct {
	awscdk.Stack
	Site       *webapp.WebApp
	Table      awsdynamodb.Table
	IndexTable awsdynamodb.Table
	// EdgeAlarms watch the site's distribution in us-east-1, where CloudFront
	// publishes its metrics: in this stack when it is there, else in a sibling
	// stack (webapp.NewSiteEdgeAlarms). Nil when the stack has no region.
	EdgeAlarms *webapp.EdgeAlarms
}

// NewSiteStack defines the site's stack. It shows how a stack extends the
// construct: it adds a table and grants the function exactly what the app does
// with it. When the custom domain needs a certificate that this stack's region
// cannot hold (CloudFront reads certificates only in us-east-1), it also adds a
// sibling stack in us-east-1 for the certificate (webapp.Stage.Certificate);
// when the stage has waf, the web ACL goes there too, or into a us-east-1
// sibling of its own, unless this stack is in us-east-1 (webapp.Stage.WebAcl);
// and, for a site outside us-east-1, one for the alarm on CloudFront's 5xx
// rate (webapp.NewSiteEdgeAlarms), with the stage's AlarmEmail.
func NewSiteStack(scope constructs.Construct, id string, props *SiteStackProps) *SiteStack {
	cfg, wp := props.Config, props.WebApp
	stack := awscdk.NewStack(scope, &id, &props.StackProps)
	// Tags for cost allocation and ownership, on every resource that takes them.
	awscdk.Tags_Of(stack).Add(jsii.String("app"), jsii.String("gowebapp"), nil)
	awscdk.Tags_Of(stack).Add(jsii.String("stage"), jsii.String(cfg.Name), nil)

	if wp.FunctionDir == "" && wp.Code == nil {
		wp.FunctionDir = "lambda"
	}
	if wp.StaticDir == "" {
		wp.StaticDir = "static"
	}
	cfg.Apply(&wp)
	// The Twilio webhook's auth token, which the function reads with
	// webappsecret: a SecureString parameter that CloudFormation cannot
	// create, so the operator puts it (aws ssm put-parameter --type
	// SecureString); until then, what reads it answers 503.
	wp.Secrets = append(wp.Secrets, webapp.SecretFromParameter("TWILIO_AUTH_TOKEN",
		awsssm.StringParameter_FromSecureStringParameterAttributes(stack, jsii.String("TwilioAuthToken"), &awsssm.SecureStringParameterAttributes{
			ParameterName: jsii.String(cfg.twilioAuthTokenParameter()),
		})))
	if wp.HostedZone == nil {
		wp.HostedZone = cfg.HostedZone(stack)
	}
	if wp.AlternateHostedZones == nil {
		wp.AlternateHostedZones = cfg.AlternateHostedZones(stack)
	}
	if wp.Certificate == nil {
		wp.Certificate = cfg.Certificate(scope, stack, wp.HostedZone)
	}
	// After Certificate: a site outside us-east-1 keeps its ACL in the
	// certificate's stack when there is one.
	cfg.WebAcl(scope, stack, &wp)

	// On demand, each table's writes are capped: a create writes its todo (1
	// unit per KB, up to 10) and an index entry per distinct gram (about 43,
	// at most 513), so at the caps a flood of creates costs at most about
	// $10 an hour (4,200 units a second at $0.625 a million) and is
	// throttled beyond, instead of growing with the attacker's budget.
	table := newTable(stack, "Todos", "id", "", 200)
	// The index (package todo: grams → todos, and the list of all todos)
	// lives and dies with the todos: without it they can be neither listed
	// nor found, so it is kept and restorable like them.
	index := newTable(stack, "TodoIndex", "gram", "todo", 4000)

	site := webapp.NewWebApp(stack, "Site", &wp)
	site.Function.AddEnvironment(jsii.String("TABLE_NAME"), table.TableName(), nil)
	site.Function.AddEnvironment(jsii.String("INDEX_TABLE_NAME"), index.TableName(), nil)
	// Only the calls the app makes: no Scan, no table administration.
	table.Grant(site.Function, *jsii.Strings(
		"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:DeleteItem",
	)...)
	index.Grant(site.Function, *jsii.Strings(
		"dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
	)...)

	edge := webapp.NewSiteEdgeAlarms(scope, site, &webapp.EdgeAlarmsProps{Email: cfg.AlarmEmail})
	if edge != nil { // tags them in their own stack too, outside us-east-1
		awscdk.Tags_Of(edge.Construct).Add(jsii.String("app"), jsii.String("gowebapp"), nil)
		awscdk.Tags_Of(edge.Construct).Add(jsii.String("stage"), jsii.String(cfg.Name), nil)
	}

	return &SiteStack{Stack: stack, Site: site, Table: table, IndexTable: index, EdgeAlarms: edge}
}

// newTable adds an on-demand, encrypted table with point-in-time recovery,
// keyed by the string attributes partition and sort (none when empty),
// writing at most maxWrites request units a second, that deleting the stack
// keeps: it holds the users' data.
func newTable(stack awscdk.Stack, id, partition, sort string, maxWrites float64) awsdynamodb.Table {
	props := &awsdynamodb.TableProps{
		MaxWriteRequestUnits: jsii.Number(maxWrites),
		PartitionKey:         &awsdynamodb.Attribute{Name: jsii.String(partition), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:          awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		Encryption:    awsdynamodb.TableEncryption_AWS_MANAGED,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	}
	if sort != "" {
		props.SortKey = &awsdynamodb.Attribute{Name: jsii.String(sort), Type: awsdynamodb.AttributeType_STRING}
	}
	return awsdynamodb.NewTable(stack, jsii.String(id), props)
}

// environment is the account and region cfg names, nil when it names
// neither (an environment-agnostic stack).
func (cfg SiteConfig) environment() *awscdk.Environment {
	if cfg.Account == "" && cfg.Region == "" {
		return nil
	}
	env := &awscdk.Environment{}
	if cfg.Account != "" {
		env.Account = jsii.String(cfg.Account)
	}
	if cfg.Region != "" {
		env.Region = jsii.String(cfg.Region)
	}
	return env
}

// StackName is the name of the site's stack for a stage, so that stages can
// live side by side in one account.
func StackName(stage string) string {
	return "GoWebApp-" + stage
}

// NewSite adds the site's stacks for cfg to app.
func NewSite(app constructs.Construct, cfg SiteConfig) *SiteStack {
	return NewSiteStack(app, StackName(cfg.Name), &SiteStackProps{
		StackProps: awscdk.StackProps{
			Env:         cfg.environment(),
			Description: jsii.String("Go web app on Lambda, API Gateway, S3 and CloudFront (stage " + cfg.Name + ")"),
		},
		Config: cfg,
	})
}

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	cfg, err := configFromContext(app, os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	NewSite(app, cfg)
	if _, err := NewGitHubDeploy(app, cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	app.Synth(nil)
}
