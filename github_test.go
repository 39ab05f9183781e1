package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"

	"github.com/gowebapp/webapp/tools/cdktest"
)

// TestGitHubDeployStackOnlyWhenAsked: without githubRepository the app has
// only the site's stacks (what the workflows diff and deploy); with it, the
// stack trusts main, the prod environment and pull requests (for the diff
// role) of that repository, and passes the gates.
func TestGitHubDeployStackOnlyWhenAsked(t *testing.T) {
	cfg := configs["no-domain"]
	if s, err := NewGitHubDeploy(cdktest.NewApp(t, nil), cfg); s != nil || err != nil {
		t.Errorf("without githubRepository: stack %v, error %v; want neither", s, err)
	}

	app := cdktest.NewApp(t, map[string]any{"githubRepository": "gowebapp/webapp"})
	s, err := NewGitHubDeploy(app, cfg)
	if err != nil || s == nil {
		t.Fatalf("with githubRepository: stack %v, error %v", s, err)
	}
	cdktest.CheckGates(t, s.Stack)
	if *s.StackName() != "GoWebApp-GitHubDeploy" || *s.Account() != cfg.Account || *s.Region() != cfg.Region {
		t.Errorf("stack %s in %s/%s, want GoWebApp-GitHubDeploy in the site's %s/%s", *s.StackName(), *s.Account(), *s.Region(), cfg.Account, cfg.Region)
	}
	tpl := assertions.Template_FromStack(s.Stack, nil)
	for _, subjects := range [][]any{
		{"repo:gowebapp/webapp:ref:refs/heads/main", "repo:gowebapp/webapp:environment:prod"},
		{"repo:gowebapp/webapp:pull_request"},
	} {
		cdktest.Has(t, tpl, "AWS::IAM::Role", map[string]any{"AssumeRolePolicyDocument": map[string]any{"Statement": []any{
			assertions.Match_ObjectLike(&map[string]any{"Condition": assertions.Match_ObjectLike(&map[string]any{
				"StringLike": map[string]any{"token.actions.githubusercontent.com:sub": subjects},
			})}),
		}}})
	}
	cdktest.Count(t, tpl, "AWS::IAM::OIDCProvider", 1)

	reuse := cdktest.NewApp(t, map[string]any{"githubRepository": "gowebapp/webapp",
		"githubOidcProviderArn": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"})
	s, err = NewGitHubDeploy(reuse, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cdktest.Count(t, assertions.Template_FromStack(s.Stack, nil), "AWS::IAM::OIDCProvider", 0)
}

func TestGitHubDeployStackFailsOnBadContext(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{"githubRepository": true}})
	if _, err := NewGitHubDeploy(app, configs["no-domain"]); err == nil || !strings.Contains(err.Error(), "context: githubRepository must be a string") {
		t.Errorf("err = %v, want githubRepository must be a string", err)
	}
	var msg string
	func() {
		defer func() { msg = fmt.Sprint(recover()) }()
		NewGitHubDeploy(awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{"githubRepository": "gowebapp/*"}}), configs["no-domain"])
	}()
	if want := `webapp GoWebApp-GitHubDeploy: GitHubDeployStack Repository "gowebapp/*" has a wildcard`; !strings.Contains(msg, want) {
		t.Errorf("message = %q, want it to contain %q", msg, want)
	}
}
