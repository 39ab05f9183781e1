package webapp

import (
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/internal/lambdabuild"
)

// goBundler builds the function's Go package with the local Go toolchain
// during synth, so no Docker is needed. CDK calls TryBundle through jsii; the
// value must be passed as a pointer (a struct value panics in reflection).
type goBundler struct {
	pkgDir string
}

func (b *goBundler) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	if err := lambdabuild.Build(b.pkgDir, filepath.Join(*outputDir, "bootstrap"), lambdabuild.Lambda); err != nil {
		// Returning false would make CDK fall back to Docker, which would hide
		// the compiler's message behind a Docker error: fail synth with it.
		panic(err)
	}
	return jsii.Bool(true)
}

// bundlingOptions hashes the built binary (AssetHashType_OUTPUT), not the
// package directory: the main package imports the rest of the module, so a
// change anywhere in it must change the asset, and the build is reproducible,
// so an unchanged program keeps its hash.
func bundlingOptions(pkgDir string) *awscdk.BundlingOptions {
	return &awscdk.BundlingOptions{
		// Never pulled: the local bundler always succeeds or fails synth.
		Image: awscdk.DockerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/golang:1")),
		Local: &goBundler{pkgDir: pkgDir},
	}
}
