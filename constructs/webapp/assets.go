package webapp

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/webappassets"
)

// The static files are published twice, by two bucket deployments that
// never delete anything (Prune false):
//
//   - StaticDeployment: every file under its own name, Cache-Control
//     webappassets.RevalidatedCacheControl, invalidated in CloudFront on
//     each deploy. For the names that must not change (/favicon.ico,
//     /robots.txt), for links from elsewhere and for pages that do not use
//     the manifest.
//   - HashedStaticDeployment: every file under webappassets.HashedPath,
//     Cache-Control webappassets.ImmutableCacheControl, unless no
//     StaticPaths pattern serves that name (/favicon.ico's exact pattern).
//     The pages link these through the manifest in the function's bundle.
//
// Pruning is off in both because either one's prune would delete the
// other's files, and because the previous function version — the other
// side of a canary, the target of a rollback, the page open in a browser —
// links the previous hashed names: a deploy must leave them. So files
// removed from StaticDir stay in the bucket under both names.

// assetsEnv is the bundling environment variable that carries the
// manifest's SHA-256. Nothing reads it (the bundlers are local), but CDK
// caches a bundle per source directory and bundling options, so the
// manifest must be part of the options: two sites with one FunctionDir and
// different static files need two bundles.
const assetsEnv = "WEBAPP_ASSETS_SHA256"

// staticManifest is the manifest of StaticDir, and its JSON as the
// function's bundle carries it. validate has checked that the directory
// exists; a file that cannot be read fails synth here.
func staticManifest(path string, p Props) (*webappassets.Manifest, []byte) {
	m, err := webappassets.Build(os.DirFS(p.StaticDir), p.StaticPaths)
	if err != nil {
		panic(fmt.Errorf("webapp %s: StaticDir %q cannot be read: %w", path, p.StaticDir, err))
	}
	data, _ := m.MarshalJSON() // a built manifest: it cannot fail
	return m, data
}

// hashesAny reports whether some file is published under a hashed name:
// without one there is nothing for HashedStaticDeployment to upload.
func hashesAny(m *webappassets.Manifest) bool {
	for _, src := range m.Files() {
		if published, _ := m.Path(src); published != src {
			return true
		}
	}
	return false
}

func manifestSum(manifest []byte) string {
	sum := sha256.Sum256(manifest)
	return hex.EncodeToString(sum[:])
}

// newHashedStaticDeployment uploads the hashed copies of StaticDir. Its
// asset is bundled locally (no Docker): hashedCopier writes each file under
// its manifest name, and the asset's hash is of that output, so an
// unchanged site deploys nothing new.
func newHashedStaticDeployment(scope constructs.Construct, path string, p Props, bucket awss3.IBucket, m *webappassets.Manifest, manifest []byte) awss3deployment.BucketDeployment {
	source := awss3deployment.Source_Asset(jsii.String(p.StaticDir), &awss3assets.AssetOptions{
		AssetHashType: awscdk.AssetHashType_OUTPUT,
		Bundling: &awscdk.BundlingOptions{
			// Never pulled: the local bundler always succeeds or fails synth.
			Image:       awscdk.DockerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/busybox:1")),
			Local:       &hashedCopier{path: path, dir: p.StaticDir, manifest: m},
			Command:     jsii.Strings("sh", "-c", "copy each file of /asset-input to its name with the first 10 hex digits of its SHA-256 before the extension"),
			Environment: &map[string]*string{assetsEnv: jsii.String(manifestSum(manifest))},
		},
	})
	return awss3deployment.NewBucketDeployment(scope, jsii.String("HashedStaticDeployment"), &awss3deployment.BucketDeploymentProps{
		Sources:           &[]awss3deployment.ISource{source},
		DestinationBucket: bucket,
		Prune:             jsii.Bool(false), // the previous versions' files stay: see above
		CacheControl:      &[]awss3deployment.CacheControl{awss3deployment.CacheControl_FromString(jsii.String(webappassets.ImmutableCacheControl))},
		// No invalidation: a hashed name is new whenever its content is.
	})
}

// staticDeploymentOptions are what StaticDeployment adds to CDK's defaults
// for the plain names: no prune, and a short Cache-Control.
func staticDeploymentOptions(props *awss3deployment.BucketDeploymentProps) *awss3deployment.BucketDeploymentProps {
	props.Prune = jsii.Bool(false)
	props.CacheControl = &[]awss3deployment.CacheControl{awss3deployment.CacheControl_FromString(jsii.String(webappassets.RevalidatedCacheControl))}
	return props
}

// hashedCopier is the local bundler of HashedStaticDeployment's asset. Like
// goBundler it is passed as a pointer (jsii reflects on it).
type hashedCopier struct {
	path     string // the WebApp's construct path, for errors
	dir      string
	manifest *webappassets.Manifest
}

func (c *hashedCopier) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	for _, src := range c.manifest.Files() {
		published, _ := c.manifest.Path(src)
		if published == src {
			continue // no pattern serves its hashed name: StaticDeployment's alone
		}
		content, err := os.ReadFile(filepath.Join(c.dir, filepath.FromSlash(strings.TrimPrefix(src, "/"))))
		if err == nil && webappassets.HashedPath(src, content) != published {
			err = fmt.Errorf("changed during synth: synthesize again")
		}
		out := filepath.Join(*outputDir, filepath.FromSlash(strings.TrimPrefix(published, "/")))
		if err == nil {
			err = os.MkdirAll(filepath.Dir(out), 0o755)
		}
		if err == nil {
			err = os.WriteFile(out, content, 0o644)
		}
		if err != nil {
			// As goBundler: false would fall back to Docker and hide this.
			panic(fmt.Errorf("webapp %s: StaticDir %q, %s: %w", c.path, c.dir, src, err))
		}
	}
	return jsii.Bool(true)
}
