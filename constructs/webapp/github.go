package webapp

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// GitHubOidcUrl is the issuer of the tokens GitHub Actions gives a job that
// asks for one (permissions: id-token: write). An account holds one IAM
// provider per issuer URL.
const GitHubOidcUrl = "https://token.actions.githubusercontent.com"

// gitHubOidcAudience is the audience aws-actions/configure-aws-credentials
// asks GitHub to put in the token.
const gitHubOidcAudience = "sts.amazonaws.com"

// DefaultBootstrapQualifier is the qualifier `cdk bootstrap` uses unless
// told otherwise (--qualifier); it is part of the bootstrap roles' names.
const DefaultBootstrapQualifier = "hnb659fds"

// GitHubDeployStackProps configure NewGitHubDeployStack. Only Repository is
// required. Each of Branches, Tags, Environments and Subjects adds subjects
// (the token's sub claim, matched with StringLike, where '*' matches any
// run of characters) that may assume the deploy role; all of them are
// inside Repository, which synth checks.
type GitHubDeployStackProps struct {
	// StackProps are passed to the stack. Deploy it once, by hand, to the
	// account the workflows deploy to.
	awscdk.StackProps
	// Repository is the GitHub repository whose workflows may deploy, as
	// owner/name, e.g. "gowebapp/webapp". Required; no wildcards.
	Repository string
	// Branches whose workflow runs may deploy: "main" lets in
	// repo:OWNER/NAME:ref:refs/heads/main, a push to main. A job that names
	// a GitHub environment does not match these (see Environments).
	// Default: main, unless Tags, Environments or Subjects are given, then
	// none.
	Branches []string
	// Tags whose workflow runs may deploy: "v*" lets in
	// repo:OWNER/NAME:ref:refs/tags/v*.
	// Default: none.
	Tags []string
	// Environments whose jobs may deploy: "prod" lets in
	// repo:OWNER/NAME:environment:prod, whatever the ref, because GitHub
	// puts the environment in the subject instead of the ref. The
	// environment's own protection rules (required reviewers, the branches
	// and tags that may use it) then decide who deploys; set them before
	// adding it here.
	// Default: none.
	Environments []string
	// Subjects are further subject patterns for the deploy role, each
	// starting with repo:OWNER/NAME: followed by what GitHub puts there (for
	// repositories that customize the claim). The pull_request subject is
	// refused here: use PullRequests, whose role cannot deploy.
	// Default: none.
	Subjects []string
	// PullRequests adds DiffRole, which jobs of pull requests in the
	// repository (subject repo:OWNER/NAME:pull_request) may assume and which
	// may assume only the bootstrap's lookup role: enough for `cdk diff
	// --method template`, which reads the deployed templates through it,
	// and nothing that changes the account. That lookup role reads most of
	// the account (AWS's ReadOnlyAccess, without KMS decryption), so anyone
	// who can push a branch and open a pull request can read it. GitHub
	// gives pull requests from forks no token.
	// Default: false, no diff role.
	PullRequests bool
	// BootstrapQualifier is the qualifier of the CDK bootstrap (`cdk
	// bootstrap --qualifier`) whose roles the deploy role may assume.
	// Default: DefaultBootstrapQualifier, CDK's own.
	BootstrapQualifier string
	// ProviderArn is the account's existing IAM OIDC provider for
	// GitHubOidcUrl, e.g.
	// arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com:
	// an account holds one per issuer, so a second stack (another
	// repository's) must reuse the first one's. Its audiences must include
	// sts.amazonaws.com.
	// Default: a new provider for GitHubOidcUrl with that audience.
	ProviderArn string
}

// GitHubDeployStack lets GitHub Actions workflows of one repository deploy
// the app with the CDK CLI, with no stored AWS key: they trade GitHub's OIDC
// token for a role that can do nothing but assume the CDK bootstrap roles.
type GitHubDeployStack struct {
	awscdk.Stack
	// Provider is the IAM OIDC provider the roles trust: ProviderArn's, or
	// the one created.
	Provider awsiam.IOidcProvider
	// DeployRole may assume every role of the bootstrap (deploy, file and
	// image publishing, lookup) in every region of the account; its ARN is
	// the stack's output DeployRoleArn.
	DeployRole awsiam.Role
	// DiffRole may assume only the bootstrap's lookup roles; its ARN is the
	// output DiffRoleArn. Nil without PullRequests.
	DiffRole awsiam.Role
}

// NewGitHubDeployStack creates the stack that GitHub workflows of
// props.Repository deploy through: an OIDC provider for GitHub's tokens
// (unless ProviderArn names the account's), the deploy role and, with
// PullRequests, the diff role. Props that cannot work, or would let in
// another repository's workflows, panic naming the prop.
func NewGitHubDeployStack(scope constructs.Construct, id string, props *GitHubDeployStackProps) *GitHubDeployStack {
	path := id
	if parent := *scope.Node().Path(); parent != "" {
		path = parent + "/" + id
	}
	if err := props.validate(path); err != nil {
		panic(err)
	}
	sp := props.StackProps
	if sp.Description == nil {
		sp.Description = jsii.String("GitHub Actions of " + props.Repository + " deploy with the CDK bootstrap roles (OIDC, no stored keys)")
	}
	stack := awscdk.NewStack(scope, &id, &sp)
	this := &GitHubDeployStack{Stack: stack}

	if props.ProviderArn != "" {
		this.Provider = awsiam.OidcProviderNative_FromOidcProviderArn(stack, jsii.String("Provider"), jsii.String(props.ProviderArn))
	} else {
		this.Provider = awsiam.NewOidcProviderNative(stack, jsii.String("Provider"), &awsiam.OidcProviderNativeProps{
			Url:       jsii.String(GitHubOidcUrl),
			ClientIds: jsii.Strings(gitHubOidcAudience),
			// No thumbprints: IAM trusts GitHub's certificate through its
			// own store of root CAs.
		})
	}

	qualifier := props.BootstrapQualifier
	if qualifier == "" {
		qualifier = DefaultBootstrapQualifier
	}
	// The bootstrap's roles trust the account, so a principal of the
	// account may assume them with sts:AssumeRole; the CLI tags its
	// sessions, which the roles allow with sts:TagSession.
	bootstrapRoles := func(kind string) *string {
		return stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("iam"), Region: jsii.String(""), Resource: jsii.String("role"),
			ResourceName: jsii.String("cdk-" + qualifier + "-" + kind + "-" + *stack.Account() + "-*"),
		})
	}
	newRole := func(roleID, description, roleKind string, subjects []string) awsiam.Role {
		role := awsiam.NewRole(stack, jsii.String(roleID), &awsiam.RoleProps{
			Description: jsii.String(description),
			AssumedBy:   awsiam.NewWebIdentityPrincipal(this.Provider.OidcProviderArn(), gitHubTrust(subjects)),
		})
		role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("sts:AssumeRole", "sts:TagSession"),
			Resources: &[]*string{bootstrapRoles(roleKind)},
		}))
		suppress(role, true, [2]string{"AwsSolutions-IAM5",
			"the CDK bootstrap roles of the account, by name: their suffix is the region, and every region the app deploys to (the site's, us-east-1) has its own"})
		awscdk.NewCfnOutput(stack, jsii.String(roleID+"Arn"), &awscdk.CfnOutputProps{
			Value:       role.RoleArn(),
			Description: jsii.String("role-to-assume of aws-actions/configure-aws-credentials: " + description),
		})
		return role
	}
	this.DeployRole = newRole("DeployRole", "GitHub Actions of "+props.Repository+" deploying with the CDK bootstrap roles",
		"*", props.deploySubjects())
	if props.PullRequests {
		this.DiffRole = newRole("DiffRole", "GitHub pull requests of "+props.Repository+" reading deployed templates (cdk diff) with the CDK lookup role",
			"lookup-role", []string{props.subjectPrefix() + "pull_request"})
	}
	return this
}

// gitHubTrust is the condition of a role's trust in GitHub's tokens: our
// audience, and a subject among the patterns.
func gitHubTrust(subjects []string) *map[string]any {
	host := strings.TrimPrefix(GitHubOidcUrl, "https://")
	return &map[string]any{
		"StringEquals": map[string]any{host + ":aud": gitHubOidcAudience},
		"StringLike":   map[string]any{host + ":sub": subjects},
	}
}

func (p *GitHubDeployStackProps) subjectPrefix() string {
	return "repo:" + p.Repository + ":"
}

// deploySubjects are the subject patterns the deploy role trusts.
func (p *GitHubDeployStackProps) deploySubjects() []string {
	branches := p.Branches
	if len(p.Branches)+len(p.Tags)+len(p.Environments)+len(p.Subjects) == 0 {
		branches = []string{"main"}
	}
	var subjects []string
	for _, b := range branches {
		subjects = append(subjects, p.subjectPrefix()+"ref:refs/heads/"+b)
	}
	for _, t := range p.Tags {
		subjects = append(subjects, p.subjectPrefix()+"ref:refs/tags/"+t)
	}
	for _, e := range p.Environments {
		subjects = append(subjects, p.subjectPrefix()+"environment:"+e)
	}
	return append(subjects, p.Subjects...)
}

var (
	// gitHubRepository is owner/name as GitHub allows them: an owner of
	// letters, digits and '-', a name of those and '.' and '_'.
	gitHubRepository = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$`)
	// bootstrapQualifier is what `cdk bootstrap --qualifier` accepts.
	bootstrapQualifier = regexp.MustCompile(`^[A-Za-z0-9]{1,10}$`)
	gitHubProviderArn  = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/token\.actions\.githubusercontent\.com$`)
)

func (p *GitHubDeployStackProps) validate(path string) error {
	if p == nil {
		return fmt.Errorf("webapp %s: GitHubDeployStackProps are required: give the Repository, owner/name", path)
	}
	var problems []string
	add := func(format string, args ...any) {
		problems = append(problems, "webapp "+path+": GitHubDeployStack "+fmt.Sprintf(format, args...))
	}
	repositoryOK := false
	switch r := p.Repository; {
	case r == "":
		add("Repository is required: the GitHub repository whose workflows deploy, owner/name")
	case strings.ContainsAny(r, "*?"):
		add("Repository %q has a wildcard, which would let in other repositories: name one, owner/name", r)
	case !gitHubRepository.MatchString(r):
		add("Repository %q is not owner/name: give the GitHub repository, e.g. gowebapp/webapp", r)
	default:
		repositoryOK = true
	}
	names := func(prop string, list []string) {
		for i, n := range list {
			// A ':' would start another part of the subject.
			if strings.TrimSpace(n) == "" || strings.ContainsAny(n, ":\n") {
				add("%s[%d] %q is not a name: give it, without ':'", prop, i, n)
			}
		}
	}
	names("Branches", p.Branches)
	names("Tags", p.Tags)
	names("Environments", p.Environments)
	if repositoryOK {
		prefix := p.subjectPrefix()
		for i, s := range p.Subjects {
			rest, ok := strings.CutPrefix(s, prefix)
			switch {
			case !ok:
				add("Subjects[%d] %q would let in other repositories' workflows: start it with %q", i, s, prefix)
			case rest == "" || strings.ContainsAny(rest[:1], "*?"):
				add("Subjects[%d] %q lets in every workflow of the repository, pull requests included: follow %q with ref:, environment: or what your claim holds", i, s, prefix)
			case strings.HasPrefix(rest, "pull_request"):
				add("Subjects[%d] %q would let pull requests deploy: set PullRequests for a role that can only diff", i, s)
			}
		}
	}
	if q := p.BootstrapQualifier; q != "" && !bootstrapQualifier.MatchString(q) {
		add("BootstrapQualifier %q is not a bootstrap qualifier: give up to 10 letters or digits, as `cdk bootstrap --qualifier` does", q)
	}
	if a := p.ProviderArn; a != "" && !unresolved(a) && !gitHubProviderArn.MatchString(a) {
		add("ProviderArn %q is not the ARN of an IAM OIDC provider for %s", a, GitHubOidcUrl)
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(problems, "\n"))
}
