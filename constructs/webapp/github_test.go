package webapp

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/tools/cdktest"
)

var testAccount = &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("ap-northeast-1")}

// trust is the trust policy a role of the stack must have: GitHub's
// tokens for sts.amazonaws.com, with a subject among subjects, from the
// provider with the logical id or ARN given.
func trust(provider any, subjects ...string) map[string]any {
	return map[string]any{"Statement": assertions.Match_Exact([]any{map[string]any{
		"Action": "sts:AssumeRoleWithWebIdentity", "Effect": "Allow",
		"Principal": map[string]any{"Federated": provider},
		"Condition": map[string]any{
			"StringEquals": map[string]any{"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
			"StringLike":   map[string]any{"token.actions.githubusercontent.com:sub": subjects},
		},
	}})}
}

// mayOnlyAssume is the only statement a role's policy may have: assuming
// the roles of the account whose names match roleNamePattern, in the
// stack's partition (a literal or a reference, as the feature flags decide).
func mayOnlyAssume(stack awscdk.Stack, roleNamePattern string) map[string]any {
	return map[string]any{"PolicyDocument": map[string]any{"Statement": assertions.Match_Exact([]any{map[string]any{
		"Action": []any{"sts:AssumeRole", "sts:TagSession"}, "Effect": "Allow",
		"Resource": stack.Resolve(jsii.String("arn:" + *stack.Partition() + ":iam::123456789012:role/" + roleNamePattern)),
	}})}}
}

// TestGitHubDeployStackTrustsOnlyTheChosenRefs: the roles trust GitHub's
// tokens for STS with the subjects of the props only, may do nothing but
// assume bootstrap roles (the diff role only the lookup role), and pass
// the gates.
func TestGitHubDeployStackTrustsOnlyTheChosenRefs(t *testing.T) {
	stack := NewGitHubDeployStack(cdktest.NewApp(t, nil), "GitHubDeploy", &GitHubDeployStackProps{
		StackProps: awscdk.StackProps{Env: testAccount},
		Repository: "gowebapp/webapp", Branches: []string{"main", "release/*"}, Tags: []string{"v*"},
		Environments: []string{"prod"}, Subjects: []string{"repo:gowebapp/webapp:job_workflow_ref:gowebapp/webapp/.github/workflows/deploy.yml@refs/heads/main"},
		PullRequests: true,
	})
	// Before any assertion synthesizes the app (see CheckGates).
	cdktest.CheckGates(t, stack.Stack)
	tpl := assertions.Template_FromStack(stack.Stack, nil)
	cdktest.Count(t, tpl, "AWS::IAM::OIDCProvider", 1)
	cdktest.Has(t, tpl, "AWS::IAM::OIDCProvider", map[string]any{
		"Url": "https://token.actions.githubusercontent.com", "ClientIdList": []any{"sts.amazonaws.com"},
	})
	provider := map[string]any{"Ref": *stack.GetLogicalId(stack.Provider.Node().DefaultChild().(awscdk.CfnElement))}
	role := func(id string) string {
		return *stack.GetLogicalId(stack.Node().FindChild(jsii.String(id)).Node().DefaultChild().(awscdk.CfnElement))
	}

	roles := cdktest.Resources(tpl, "AWS::IAM::Role")
	if len(roles) != 2 {
		t.Fatalf("%d roles, want the deploy and diff roles", len(roles))
	}
	cdktest.Try(t, "deploy role trust", func() {
		tpl.HasResource(jsii.String("AWS::IAM::Role"), map[string]any{"Properties": map[string]any{"AssumeRolePolicyDocument": trust(provider,
			"repo:gowebapp/webapp:ref:refs/heads/main", "repo:gowebapp/webapp:ref:refs/heads/release/*",
			"repo:gowebapp/webapp:ref:refs/tags/v*", "repo:gowebapp/webapp:environment:prod",
			"repo:gowebapp/webapp:job_workflow_ref:gowebapp/webapp/.github/workflows/deploy.yml@refs/heads/main")}})
	})
	cdktest.Try(t, "diff role trust", func() {
		tpl.HasResource(jsii.String("AWS::IAM::Role"), map[string]any{"Properties": map[string]any{
			"AssumeRolePolicyDocument": trust(provider, "repo:gowebapp/webapp:pull_request")}})
	})
	for _, r := range roles {
		if mp := r["Properties"].(map[string]any)["ManagedPolicyArns"]; mp != nil {
			t.Errorf("a role has managed policies %v, want none", mp)
		}
	}
	// Each role's only permission: assuming bootstrap roles, the diff role
	// only the lookup role.
	cdktest.Count(t, tpl, "AWS::IAM::Policy", 2)
	cdktest.Has(t, tpl, "AWS::IAM::Policy", assertions.Match_ObjectLike(&map[string]any{
		"Roles": []any{map[string]any{"Ref": role("DeployRole")}}, "PolicyDocument": mayOnlyAssume(stack.Stack, "cdk-hnb659fds-*-123456789012-*")["PolicyDocument"],
	}))
	cdktest.Has(t, tpl, "AWS::IAM::Policy", assertions.Match_ObjectLike(&map[string]any{
		"Roles": []any{map[string]any{"Ref": role("DiffRole")}}, "PolicyDocument": mayOnlyAssume(stack.Stack, "cdk-hnb659fds-lookup-role-123456789012-*")["PolicyDocument"],
	}))
	outputs := cdktest.Outputs(tpl)
	for _, name := range []string{"DeployRoleArn", "DiffRoleArn"} {
		if _, ok := outputs[name]; !ok {
			t.Errorf("no output %s among %v", name, outputs)
		}
	}
}

// TestGitHubDeployStackUnderDefaultFlags: an importer's app may set no
// feature flag; the stack's trust, permissions and gates hold there too.
func TestGitHubDeployStackUnderDefaultFlags(t *testing.T) {
	cdktest.RunWithDefaultFlags(t, "^TestGitHubDeployStackTrustsOnlyTheChosenRefs$")
}

func TestGitHubDeployStackDefaultsToMainWithoutDiffRole(t *testing.T) {
	stack := NewGitHubDeployStack(cdktest.NewApp(t, nil), "GitHubDeploy", &GitHubDeployStackProps{
		StackProps: awscdk.StackProps{Env: testAccount}, Repository: "gowebapp/webapp",
	})
	tpl := assertions.Template_FromStack(stack.Stack, nil)
	cdktest.Count(t, tpl, "AWS::IAM::Role", 1)
	cdktest.Has(t, tpl, "AWS::IAM::Role", map[string]any{"AssumeRolePolicyDocument": map[string]any{"Statement": []any{
		assertions.Match_ObjectLike(&map[string]any{"Condition": map[string]any{
			"StringEquals": map[string]any{"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
			"StringLike":   map[string]any{"token.actions.githubusercontent.com:sub": []any{"repo:gowebapp/webapp:ref:refs/heads/main"}},
		}}),
	}}})
	if stack.DiffRole != nil {
		t.Error("DiffRole is set without PullRequests")
	}
}

func TestGitHubDeployStackReusesTheAccountsProvider(t *testing.T) {
	arn := "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
	stack := NewGitHubDeployStack(cdktest.NewApp(t, nil), "GitHubDeploy", &GitHubDeployStackProps{
		StackProps: awscdk.StackProps{Env: testAccount}, Repository: "gowebapp/webapp",
		ProviderArn: arn, BootstrapQualifier: "team1",
	})
	tpl := assertions.Template_FromStack(stack.Stack, nil)
	cdktest.Count(t, tpl, "AWS::IAM::OIDCProvider", 0)
	cdktest.Has(t, tpl, "AWS::IAM::Role", map[string]any{
		"AssumeRolePolicyDocument": trust(arn, "repo:gowebapp/webapp:ref:refs/heads/main"),
	})
	cdktest.Has(t, tpl, "AWS::IAM::Policy", mayOnlyAssume(stack.Stack, "cdk-team1-*-123456789012-*"))
}

func TestGitHubDeployStackFailsOnPatternsThatLetOthersIn(t *testing.T) {
	tests := []struct {
		name string
		edit func(*GitHubDeployStackProps)
		want string
	}{
		{"NoRepository", func(p *GitHubDeployStackProps) { p.Repository = "" }, "Repository is required"},
		{"WildcardOwner", func(p *GitHubDeployStackProps) { p.Repository = "*/webapp" },
			`Repository "*/webapp" has a wildcard, which would let in other repositories`},
		{"WildcardName", func(p *GitHubDeployStackProps) { p.Repository = "gowebapp/web?pp" }, `Repository "gowebapp/web?pp" has a wildcard`},
		{"NotOwnerName", func(p *GitHubDeployStackProps) { p.Repository = "webapp" }, `Repository "webapp" is not owner/name`},
		{"SubjectOfAnyRepository", func(p *GitHubDeployStackProps) { p.Subjects = []string{"repo:*"} },
			`Subjects[0] "repo:*" would let in other repositories' workflows: start it with "repo:gowebapp/webapp:"`},
		{"SubjectOfAnOwnersRepositories", func(p *GitHubDeployStackProps) { p.Subjects = []string{"repo:gowebapp/*:ref:refs/heads/main"} },
			`Subjects[0] "repo:gowebapp/*:ref:refs/heads/main" would let in other repositories' workflows`},
		{"SubjectOfALongerName", func(p *GitHubDeployStackProps) {
			p.Subjects = []string{"repo:gowebapp/webapp:ref:refs/heads/main", "repo:gowebapp/webapp-fork:ref:refs/heads/main"}
		}, `Subjects[1] "repo:gowebapp/webapp-fork:ref:refs/heads/main" would let in other repositories' workflows`},
		{"SubjectOfEveryWorkflow", func(p *GitHubDeployStackProps) { p.Subjects = []string{"repo:gowebapp/webapp:*"} },
			`Subjects[0] "repo:gowebapp/webapp:*" lets in every workflow of the repository`},
		{"PullRequestsDeploying", func(p *GitHubDeployStackProps) { p.Subjects = []string{"repo:gowebapp/webapp:pull_request"} },
			`Subjects[0] "repo:gowebapp/webapp:pull_request" would let pull requests deploy: set PullRequests`},
		{"BranchWithColon", func(p *GitHubDeployStackProps) { p.Branches = []string{"main:environment:prod"} },
			`Branches[0] "main:environment:prod" is not a name`},
		{"EmptyEnvironment", func(p *GitHubDeployStackProps) { p.Environments = []string{" "} }, `Environments[0] " " is not a name`},
		{"SubjectBesideABadBranch", func(p *GitHubDeployStackProps) {
			p.Branches, p.Subjects = []string{""}, []string{"repo:other/repo:ref:refs/heads/main"}
		},
			`Subjects[0] "repo:other/repo:ref:refs/heads/main" would let in other repositories' workflows`},
		{"Qualifier", func(p *GitHubDeployStackProps) { p.BootstrapQualifier = "my-qualifier" },
			`BootstrapQualifier "my-qualifier" is not a bootstrap qualifier`},
		{"ProviderArn", func(p *GitHubDeployStackProps) { p.ProviderArn = "arn:aws:iam::123456789012:oidc-provider/example.com" },
			`ProviderArn "arn:aws:iam::123456789012:oidc-provider/example.com" is not the ARN of an IAM OIDC provider for https://token.actions.githubusercontent.com`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := GitHubDeployStackProps{Repository: "gowebapp/webapp"}
			tt.edit(&p)
			msg := gitHubDeployStackError(&p)
			if want := "webapp GitHubDeploy: GitHubDeployStack " + tt.want; !strings.Contains(msg, want) {
				t.Errorf("message = %q, want it to contain %q", msg, want)
			}
		})
	}
	if msg := gitHubDeployStackError(nil); !strings.Contains(msg, "webapp GitHubDeploy: GitHubDeployStackProps are required") {
		t.Errorf("nil props: message = %q", msg)
	}
}

// gitHubDeployStackError returns what NewGitHubDeployStack panics with, or
// "" when it does not.
func gitHubDeployStackError(p *GitHubDeployStackProps) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	NewGitHubDeployStack(awscdk.NewApp(nil), "GitHubDeploy", p)
	return ""
}
