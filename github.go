package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/constructs/webapp"
)

// GitHubDeployStackName is the stack through which this repository's GitHub
// workflows (.github/workflows) deploy. It is deployed once, by hand, and is
// in the app only when the context names the repository, so no workflow
// synthesizes, diffs or deploys it.
const GitHubDeployStackName = "GoWebApp-GitHubDeploy"

// Context keys of the GitHub deploy stack.
const (
	// contextGitHubRepository is the repository, owner/name.
	contextGitHubRepository = "githubRepository"
	// contextGitHubProviderArn is the account's GitHub OIDC provider, when
	// it has one already (one per account).
	contextGitHubProviderArn = "githubOidcProviderArn"
)

// NewGitHubDeploy adds GitHubDeployStackName to app when the context has
// githubRepository, e.g. -c githubRepository=owner/name (and
// githubOidcProviderArn to reuse the account's provider), in the site's
// account and region. It trusts exactly what the workflows use: deploy.yml's
// push to main (the dev stage) and its jobs in the GitHub environment prod
// (the prod stage, approved there), and pr.yml's pull requests, which may
// only diff. It returns nil when githubRepository is unset.
func NewGitHubDeploy(app constructs.Construct, cfg SiteConfig) (*webapp.GitHubDeployStack, error) {
	repo, err := contextValue(app, contextGitHubRepository)
	if err != nil || repo == "" {
		return nil, err
	}
	providerArn, err := contextValue(app, contextGitHubProviderArn)
	if err != nil {
		return nil, err
	}
	// Where the site is: an IAM stack could be anywhere, but that account
	// and region are bootstrapped already.
	env := cfg.environment()
	return webapp.NewGitHubDeployStack(app, GitHubDeployStackName, &webapp.GitHubDeployStackProps{
		StackProps:   awscdk.StackProps{Env: env},
		Repository:   repo,
		Branches:     []string{"main"},
		Environments: []string{"prod"},
		PullRequests: true,
		ProviderArn:  providerArn,
	}), nil
}

// contextValue returns the string context value of key; empty when unset.
func contextValue(scope constructs.Construct, key string) (string, error) {
	switch v := scope.Node().TryGetContext(jsii.String(key)).(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	default:
		return "", fmt.Errorf("context: %s must be a string, e.g. -c %s=VALUE, got %v", key, key, v)
	}
}
