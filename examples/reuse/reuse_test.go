package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/webapphttp"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	if synthApp != nil {
		os.RemoveAll(synthApp.outdir)
	}
	os.Exit(code)
}

// synthesized is the example's app, synthesized once in this process into
// outdir, as `cdk synth` would (the function's bootstrap included).
type synthesized struct {
	*stacks
	outdir string
	site   assertions.Template
	cert   assertions.Template
}

var (
	synthOnce sync.Once
	synthApp  *synthesized
	synthErr  any
)

func synth(t *testing.T) *synthesized {
	t.Helper()
	if testing.Short() {
		t.Skip("synthesizes the example and builds its function: skipped with -short")
	}
	synthOnce.Do(func() {
		defer func() { synthErr = recover() }()
		outdir, err := os.MkdirTemp("", "reuse-cdk.out-")
		if err != nil {
			panic(err)
		}
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir)})
		s := newStacks(app)
		app.Synth(nil)
		synthApp = &synthesized{
			stacks: s,
			outdir: outdir,
			site:   assertions.Template_FromStack(s.Site, nil),
			cert:   assertions.Template_FromStack(s.Certificate.Stack, nil),
		}
	})
	if synthErr != nil {
		t.Fatalf("synth: %v", synthErr)
	}
	return synthApp
}

func logicalID(stack awscdk.Stack, c constructs.IConstruct) string {
	return *stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

// functionEnvironment returns the Variables of the example's function in
// the template, and the template's S3 key of its code.
func functionEnvironment(t *testing.T, s *synthesized) (vars map[string]any, s3Key string) {
	t.Helper()
	env, key := assertions.NewCapture(nil), assertions.NewCapture(nil)
	s.site.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
		"Runtime":     "provided.al2023",
		"Code":        map[string]any{"S3Key": key},
		"Environment": map[string]any{"Variables": env},
		"Role": map[string]any{"Fn::GetAtt": []any{
			logicalID(s.Site, s.Docs.Function.Role()), "Arn",
		}},
	})
	return *env.AsObject(), *key.AsString()
}

// TestExampleFunctionGetsCorsAndUploads: the construct passes the Cors prop's
// two origins as CORS_CONFIG (what webapphttp.Start reads), and the
// environment the example added is there beside it.
func TestExampleFunctionGetsCorsAndUploads(t *testing.T) {
	s := synth(t)
	vars, _ := functionEnvironment(t, s)
	raw, ok := vars[webapphttp.CorsConfigEnv].(string)
	if !ok {
		t.Fatalf("function environment %v: no %s string", vars, webapphttp.CorsConfigEnv)
	}
	cfg, err := webapphttp.CorsConfigFromEnv(func(string) string { return raw })
	if err != nil {
		t.Fatalf("CORS_CONFIG %s: %v", raw, err)
	}
	if !slices.Equal(cfg.AllowOrigins, allowOrigins) {
		t.Errorf("CORS_CONFIG allowOrigins = %q, want %q", cfg.AllowOrigins, allowOrigins)
	}
	if cfg.MaxAgeSeconds != 3600 {
		t.Errorf("CORS_CONFIG maxAgeSeconds = %d, want 3600 (MaxAge: 1 hour)", cfg.MaxAgeSeconds)
	}
	wantBucket := map[string]any{"Ref": logicalID(s.Site, s.Uploads)}
	if got, _ := json.Marshal(vars["UPLOADS_BUCKET"]); string(got) != mustJSON(wantBucket) {
		t.Errorf("UPLOADS_BUCKET = %s, want %s", got, mustJSON(wantBucket))
	}
}

// TestExampleDistributionServesTheStageAtTheDomain: the API origin's path is
// the stage (so viewers' links are at the root), and the distribution answers
// for the custom domain with the us-east-1 certificate.
func TestExampleDistributionServesTheStageAtTheDomain(t *testing.T) {
	s := synth(t)
	if s.Docs.StageName != stage {
		t.Errorf("StageName = %q, want %q", s.Docs.StageName, stage)
	}
	origins := assertions.NewCapture(nil)
	s.site.HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), map[string]any{
		"DistributionConfig": map[string]any{
			"Aliases": []any{domainName},
			"Origins": origins,
			"ViewerCertificate": map[string]any{
				// Read across regions from the certificate stack.
				"AcmCertificateArn": assertions.Match_AnyValue(),
				"SslSupportMethod":  "sni-only",
			},
		},
	})
	apiRef := mustJSON(map[string]any{"Ref": logicalID(s.Site, s.Docs.Api)})
	var apiOrigins []string
	for _, o := range *origins.AsArray() {
		o := o.(map[string]any)
		if domain := mustJSON(o["DomainName"]); strings.Contains(domain, apiRef) {
			apiOrigins = append(apiOrigins, fmt.Sprint(o["OriginPath"]))
		}
	}
	if want := []string{"/" + stage}; !slices.Equal(apiOrigins, want) {
		t.Errorf("origin paths of the API's origins = %q, want %q", apiOrigins, want)
	}
}

// TestExampleCertificateIsInUsEast1 and validated in the imported zone.
func TestExampleCertificateIsInUsEast1(t *testing.T) {
	s := synth(t)
	if got := *s.Certificate.Region(); got != "us-east-1" {
		t.Errorf("certificate stack region = %q, want us-east-1", got)
	}
	if got := *s.Site.Region(); got != region {
		t.Errorf("site stack region = %q, want %q", got, region)
	}
	s.cert.HasResourceProperties(jsii.String("AWS::CertificateManager::Certificate"), map[string]any{
		"DomainName":       domainName,
		"ValidationMethod": "DNS",
		"DomainValidationOptions": []any{map[string]any{
			"DomainName": domainName, "HostedZoneId": hostedZoneId,
		}},
	})
	// The site stack does not define a certificate of its own.
	s.site.ResourceCountIs(jsii.String("AWS::CertificateManager::Certificate"), jsii.Number(0))
}

// TestExampleDomainPointsAtTheDistribution: an A and an AAAA alias in the
// imported zone.
func TestExampleDomainPointsAtTheDistribution(t *testing.T) {
	s := synth(t)
	for _, typ := range []string{"A", "AAAA"} {
		s.site.HasResourceProperties(jsii.String("AWS::Route53::RecordSet"), map[string]any{
			"Name":         domainName + ".",
			"Type":         typ,
			"HostedZoneId": hostedZoneId,
			"AliasTarget": map[string]any{"DNSName": map[string]any{
				"Fn::GetAtt": []any{logicalID(s.Site, s.Docs.Distribution), "DomainName"},
			}},
		})
	}
}

// TestExampleFunctionLinksNoCdk: the function imports the runtime package
// only; the construct's CDK dependencies stay in the app.
func TestExampleFunctionLinksNoCdk(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "./function").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps ./function: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "github.com/gowebapp/webapp/webapphttp") {
		t.Errorf("the function does not import webapphttp; its dependencies: %q", deps)
	}
	for _, dep := range deps {
		for _, banned := range []string{"github.com/aws/aws-cdk-go/", "github.com/aws/jsii-runtime-go", "github.com/aws/constructs-go/", "github.com/gowebapp/webapp/constructs/"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("the function links %s", dep)
			}
		}
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// bootstrapPath returns the function's bootstrap in the cloud assembly: the
// asset that the template's S3 key names, as the CLI would upload it.
func bootstrapPath(t *testing.T, s *synthesized, s3Key string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(s.outdir, *s.Site.ArtifactId()+".assets.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Files map[string]struct {
			Source struct{ Path, Packaging string }
		}
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatal(err)
	}
	asset, ok := manifest.Files[strings.TrimSuffix(s3Key, ".zip")]
	if !ok {
		t.Fatalf("no asset for the function's code %s in the asset manifest", s3Key)
	}
	return filepath.Join(s.outdir, asset.Source.Path, "bootstrap")
}
