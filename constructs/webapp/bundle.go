package webapp

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/internal/lambdabuild"
	"github.com/gowebapp/webapp/webappassets"
)

// goBundler builds the function's Go package with the local Go toolchain
// during synth, so no Docker is needed, and writes the static files'
// manifest beside bootstrap: each function version carries the names of
// its own files. CDK calls TryBundle through jsii; the
// value must be passed as a pointer (a struct value panics in reflection).
type goBundler struct {
	pkgDir   string
	opts     lambdabuild.Options
	manifest []byte // webappassets.FileName's content
}

// built remembers, per package directory and build options, the bootstrap
// built in this process: an app with several stacks (or a test synthesizing
// several configurations) links the same program once, and copies it after
// that. The build is reproducible, so the copy is what a new build would give.
var built sync.Map // absolute package dir and options → path of a built bootstrap

func (b *goBundler) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	if err := os.WriteFile(filepath.Join(*outputDir, webappassets.FileName), b.manifest, 0o644); err != nil {
		panic(err)
	}
	out := filepath.Join(*outputDir, "bootstrap")
	key := b.key()
	if prev, ok := built.Load(key); ok {
		if err := copyFile(prev.(string), out); err == nil {
			return jsii.Bool(true)
		}
	}
	if err := lambdabuild.BuildWith(b.pkgDir, out, lambdabuild.Lambda, b.opts); err != nil {
		// Returning false would make CDK fall back to Docker, which would hide
		// the compiler's message behind a Docker error: fail synth with it.
		panic(err)
	}
	built.Store(key, out)
	return jsii.Bool(true)
}

// key names one build: the package and every option (JSON sorts map keys,
// so equal options give equal keys).
func (b *goBundler) key() string {
	dir, _ := filepath.Abs(b.pkgDir)
	opts, _ := json.Marshal(b.opts) // strings and maps of strings: it cannot fail
	return dir + "\x00" + string(opts)
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
// so an unchanged program keeps its hash. Build options are part of the
// program: a new -X value or tag gives new bytes, and so a new asset.
//
// Command and Environment say what the local bundler runs, for a reader of
// the options; they also make the options differ when the build does, since
// CDK stages one asset per source directory and bundling options (the Local
// bundler is opaque to it); for the same reason the environment names the
// manifest's hash (assetsEnv).
func bundlingOptions(pkgDir string, opts lambdabuild.Options, manifest []byte) *awscdk.BundlingOptions {
	args, _ := opts.Args() // validate has refused what Args refuses
	env := make(map[string]*string, len(opts.Env)+1)
	for k, v := range opts.Env {
		env[k] = jsii.String(v)
	}
	env[assetsEnv] = jsii.String(manifestSum(manifest))
	return &awscdk.BundlingOptions{
		// Never pulled: the local bundler always succeeds or fails synth.
		Image:       awscdk.DockerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/golang:1")),
		Local:       &goBundler{pkgDir: pkgDir, opts: opts, manifest: manifest},
		Command:     jsii.Strings(append(append([]string{"go", "build"}, args...), "-o", "/asset-output/bootstrap", ".")...),
		Environment: &env,
	}
}
