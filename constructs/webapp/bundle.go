package webapp

import (
	"io"
	"os"
	"path/filepath"
	"sync"

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

// built remembers, per package directory, the bootstrap built in this
// process: an app with several stacks (or a test synthesizing several
// configurations) links the same program once, and copies it after that.
// The build is reproducible, so the copy is what a new build would give.
var built sync.Map // absolute package dir → path of a built bootstrap

func (b *goBundler) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	out := filepath.Join(*outputDir, "bootstrap")
	key, _ := filepath.Abs(b.pkgDir)
	if prev, ok := built.Load(key); ok {
		if err := copyFile(prev.(string), out); err == nil {
			return jsii.Bool(true)
		}
	}
	if err := lambdabuild.Build(b.pkgDir, out, lambdabuild.Lambda); err != nil {
		// Returning false would make CDK fall back to Docker, which would hide
		// the compiler's message behind a Docker error: fail synth with it.
		panic(err)
	}
	built.Store(key, out)
	return jsii.Bool(true)
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
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
