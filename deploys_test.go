package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/constructs/webapp"
	"github.com/gowebapp/webapp/internal/cli/assembly"
	"github.com/gowebapp/webapp/internal/cli/localsite"
	"github.com/gowebapp/webapp/internal/staticpaths"
	"github.com/gowebapp/webapp/tools/cdktest"
	"github.com/gowebapp/webapp/webappassets"
)

// deployedVersion synthesizes the sample app's stack with staticDir as its
// StaticDir and returns the site as `webapp local` serves it from the
// assembly, and the manifest its function's bundle carries.
func deployedVersion(t *testing.T, staticDir string) (*localsite.Site, *webappassets.Manifest) {
	t.Helper()
	app := cdktest.NewApp(t, nil)
	stack := NewSiteStack(app, "Versions", &SiteStackProps{
		StackProps: awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("ap-northeast-1")}},
		Config:     SiteConfig{Stage: webapp.Stage{Name: "v1"}},
		WebApp:     webapp.Props{StaticDir: staticDir},
	})
	var out string
	cdktest.Try(t, "synth", func() { out = *app.Synth(nil).Directory() })
	asm, err := assembly.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := asm.Stack(*stack.StackName())
	site, err := localsite.NewSite(st, "")
	if err != nil {
		t.Fatal(err)
	}
	fn := *stack.GetLogicalId(stack.Site.Function.Node().DefaultChild().(awscdk.CfnElement))
	r, _ := st.Resource(fn)
	key, _ := r.Properties["Code"].(map[string]any)["S3Key"].(string)
	data, err := os.ReadFile(filepath.Join(out, "asset."+strings.TrimSuffix(key, ".zip"), webappassets.FileName))
	if err != nil {
		t.Fatalf("the function's bundle has no manifest: %v", err)
	}
	m, err := webappassets.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return site, m
}

// served returns the object the site serves at path from a static bucket —
// through the first behaviour whose pattern matches, as CloudFront picks
// it — or nil when that behaviour is the function's or there is no object.
func served(site *localsite.Site, path string) *localsite.Object {
	for _, b := range site.Behaviors {
		if staticpaths.Match(b.PathPattern, path) {
			if b.Origin == nil || b.Origin.Bucket == nil {
				return nil
			}
			return b.Origin.Bucket.Objects[strings.TrimPrefix(path, "/")]
		}
	}
	return nil
}

// TestFirstVersionsFilesSurviveTheSecondDeploy deploys two versions of the
// site — static/ as it is, then with the stylesheet changed and the logo
// removed — the second over the first, as S3 keeps a bucket across
// deploys (localsite.Site.DeployOver applies each deployment's Prune). The
// pages of the first version, still served by the other side of a canary,
// by a rollback, or open in a browser, find every file they link with the
// bytes they were built with; the second version's find theirs.
func TestFirstVersionsFilesSurviveTheSecondDeploy(t *testing.T) {
	v2Dir := t.TempDir()
	for _, name := range []string{"css/site.css", "js/app.js", "favicon.ico"} {
		data, err := os.ReadFile(filepath.Join("static", filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		if name == "css/site.css" {
			data = append(data, "\n/* v2 */\n"...)
		}
		os.MkdirAll(filepath.Join(v2Dir, filepath.Dir(name)), 0o755)
		os.WriteFile(filepath.Join(v2Dir, filepath.FromSlash(name)), data, 0o644)
	}
	v1, m1 := deployedVersion(t, "static")
	v2, m2 := deployedVersion(t, v2Dir)
	v2.DeployOver(v1)

	css1, _ := m1.Path("/css/site.css")
	css2, _ := m2.Path("/css/site.css")
	if css1 == css2 || css1 == "/css/site.css" {
		t.Fatalf("the versions link the stylesheet as %s and %s: want two hashed names", css1, css2)
	}
	for _, v := range []struct {
		name string
		dir  string
		m    *webappassets.Manifest
	}{{"v1", "static", m1}, {"v2", v2Dir, m2}} {
		for _, src := range v.m.Files() {
			published, _ := v.m.Path(src)
			if published == src {
				continue // a plain name: the newest version's, below
			}
			want, _ := os.ReadFile(filepath.Join(v.dir, filepath.FromSlash(src[1:])))
			o := served(v2, published)
			switch {
			case o == nil:
				t.Errorf("after the second deploy, %s's %s (%s) is not served", v.name, published, src)
			case string(o.Body) != string(want):
				t.Errorf("%s's %s is not the file it was built with", v.name, published)
			case o.Header.Get("Cache-Control") != webappassets.ImmutableCacheControl:
				t.Errorf("%s: Cache-Control %q, want %q", published, o.Header.Get("Cache-Control"), webappassets.ImmutableCacheControl)
			}
		}
	}
	// The plain names are the newest version's, kept five minutes.
	want, _ := os.ReadFile(filepath.Join(v2Dir, "css", "site.css"))
	if o := served(v2, "/css/site.css"); o == nil || string(o.Body) != string(want) || o.Header.Get("Cache-Control") != webappassets.RevalidatedCacheControl {
		t.Errorf("/css/site.css after the second deploy is not v2's with Cache-Control %q", webappassets.RevalidatedCacheControl)
	}
}
