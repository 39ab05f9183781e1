package webapp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/tools/cdktest"
	"github.com/gowebapp/webapp/webappassets"
)

// deploymentsByCacheControl returns the site's bucket deployments' properties
// by the Cache-Control they set.
func deploymentsByCacheControl(t *testing.T, s *synthesized) map[string]map[string]any {
	t.Helper()
	byCache := map[string]map[string]any{}
	for id, r := range cdktest.Resources(s.tpl, "Custom::CDKBucketDeployment") {
		props := r["Properties"].(map[string]any)
		meta, _ := props["SystemMetadata"].(map[string]any)
		cc, _ := meta["cache-control"].(string)
		if _, dup := byCache[cc]; dup {
			t.Fatalf("two deployments with Cache-Control %q (%s)", cc, id)
		}
		byCache[cc] = props
	}
	return byCache
}

func TestStaticFilesArePublishedUnderBothNamesAndNeverPruned(t *testing.T) {
	s := config(t, "default")
	byCache := deploymentsByCacheControl(t, s)
	if len(byCache) != 2 {
		t.Fatalf("bucket deployments by Cache-Control: %v, want %q and %q", byCache, webappassets.RevalidatedCacheControl, webappassets.ImmutableCacheControl)
	}
	plain, hashed := byCache[webappassets.RevalidatedCacheControl], byCache[webappassets.ImmutableCacheControl]
	if plain == nil || hashed == nil {
		t.Fatalf("no deployment with Cache-Control %q or %q: %v", webappassets.RevalidatedCacheControl, webappassets.ImmutableCacheControl, byCache)
	}
	for name, props := range map[string]map[string]any{"plain": plain, "hashed": hashed} {
		// Prune is CDK's default, true, unless set: either deployment's
		// prune would delete the other's files and the previous version's.
		if props["Prune"] != false {
			t.Errorf("the %s names' deployment has Prune %v, want false", name, props["Prune"])
		}
	}
	if plain["DistributionPaths"] == nil {
		t.Error("the plain names are not invalidated on deploy")
	}
	if hashed["DistributionPaths"] != nil {
		t.Errorf("the hashed names are invalidated (%v): a new content has a new name", hashed["DistributionPaths"])
	}
}

// assetDir returns the directory of the asset with this S3 key (hash.zip).
func assetDir(t *testing.T, s *synthesized, key string) string {
	t.Helper()
	return filepath.Join(*awscdk.Stage_Of(s.stack).Outdir(), "asset."+strings.TrimSuffix(key, ".zip"))
}

func TestHashedDeploymentHoldsTheFilesTheFunctionsManifestNames(t *testing.T) {
	s := config(t, "default")
	w := s.sites[0]
	key, _ := functionAsset(t, s, w)
	data, err := os.ReadFile(filepath.Join(assetDir(t, s, key), webappassets.FileName))
	if err != nil {
		t.Fatalf("the function's bundle has no manifest: %v", err)
	}
	m, err := webappassets.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := webappassets.Build(os.DirFS(staticDir), nil)
	if got, want := strings.Join(m.Files(), " "), strings.Join(want.Files(), " "); got != want {
		t.Errorf("the manifest names %s, want StaticDir's files %s", got, want)
	}
	hashed := deploymentsByCacheControl(t, s)[webappassets.ImmutableCacheControl]
	keys := hashed["SourceObjectKeys"].([]any)
	if len(keys) != 1 {
		t.Fatalf("hashed deployment sources: %v, want one asset", keys)
	}
	dir := assetDir(t, s, keys[0].(string))
	if p, _ := m.Path("/favicon.ico"); p != "/favicon.ico" {
		t.Errorf("/favicon.ico is published as %s, which the exact pattern /favicon.ico does not serve", p)
	}
	for _, src := range m.Files() {
		published, _ := m.Path(src)
		if published == src {
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(src[1:]))); err == nil {
				t.Errorf("the hashed deployment uploads %s under its own name", src)
			}
			continue
		}
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(published[1:])))
		source, _ := os.ReadFile(filepath.Join(staticDir, filepath.FromSlash(src[1:])))
		if err != nil || string(got) != string(source) {
			t.Errorf("%s: the hashed deployment's %s: %v; want the file's content", src, published, err)
		}
	}
}

func TestAliasWaitsForTheHashedFiles(t *testing.T) {
	s := config(t, "default")
	w := s.sites[0]
	id := func(e awscdk.CfnElement) string { return *s.stack.GetLogicalId(e) }
	alias := cdktest.Resources(s.tpl, "AWS::Lambda::Alias")[id(w.FunctionAlias.Node().DefaultChild().(awscdk.CfnElement))]
	// A BucketDeployment's custom resource is its child CustomResource's.
	deployment := id(w.HashedStaticDeployment.Node().FindChild(jsii.String("CustomResource")).Node().DefaultChild().(awscdk.CfnElement))
	if meta := cdktest.Resources(s.tpl, "Custom::CDKBucketDeployment")[deployment]["Properties"].(map[string]any)["SystemMetadata"]; meta.(map[string]any)["cache-control"] != webappassets.ImmutableCacheControl {
		t.Fatalf("HashedStaticDeployment %s sets %v, not the hashed names' Cache-Control", deployment, meta)
	}
	deps, _ := alias["DependsOn"].([]any)
	for _, d := range deps {
		if d == deployment {
			return
		}
	}
	t.Errorf("the alias depends on %v, not on the hashed deployment %s: a new version could link files not yet uploaded", deps, deployment)
}

// TestSitesWithOtherStaticFilesGetTheirOwnManifests guards against CDK's
// bundle cache, which is keyed by source directory and bundling options: a
// second site with the same FunctionDir must not get the first one's
// manifest.
func TestSitesWithOtherStaticFilesGetTheirOwnManifests(t *testing.T) {
	app := cdktest.NewApp(t, nil)
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("ap-northeast-1")}})
	a := NewWebApp(stack, "A", &Props{FunctionDir: functionDir, StaticDir: staticDir})
	b := NewWebApp(stack, "B", &Props{FunctionDir: functionDir, StaticDir: "testdata/static-extra"})
	s := &synthesized{stack: stack}
	cdktest.Try(t, "synth", func() { app.Synth(nil) })
	s.tpl = assertions.Template_FromStack(stack, nil)
	keyA, _ := functionAsset(t, s, a)
	keyB, _ := functionAsset(t, s, b)
	if keyA == keyB {
		t.Fatalf("both functions deploy asset %s", keyA)
	}
	data, _ := os.ReadFile(filepath.Join(assetDir(t, s, keyB), webappassets.FileName))
	m, err := webappassets.Parse(data)
	if err != nil || strings.Join(m.Files(), " ") != "/robots.txt" {
		t.Errorf("site B's manifest names %v (%v), want /robots.txt alone", m.Files(), err)
	}
	// No default pattern serves a hashed robots.txt: nothing to upload.
	if b.HashedStaticDeployment != nil {
		t.Error("site B has a HashedStaticDeployment without a file to publish under a hashed name")
	}
}
