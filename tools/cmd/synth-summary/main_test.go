package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSummarize(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("manifest.json", `{"artifacts":{
		"Site":{"type":"aws:cloudformation:stack","environment":"aws://1/eu-west-1","properties":{"templateFile":"Site.template.json"}},
		"Tree":{"type":"cdk:tree"}}}`)
	write("Site.template.json", `{"Resources":{
		"A":{"Type":"AWS::S3::Bucket"},"B":{"Type":"AWS::S3::Bucket"},"F":{"Type":"AWS::Lambda::Function"}},
		"Outputs":{"SiteUrl":{"Description":"The site's address"}}}`)
	var out strings.Builder
	if err := summarize(&out, dir); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Site  (aws://1/eu-west-1)", "2  AWS::S3::Bucket", "1  AWS::Lambda::Function", "output SiteUrl: The site's address"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "Tree") {
		t.Errorf("summary lists a non-stack artifact:\n%s", out.String())
	}
}

func TestSummarizeWithoutAssembly(t *testing.T) {
	if err := summarize(&strings.Builder{}, t.TempDir()); err == nil {
		t.Fatal("want an error for a directory without manifest.json")
	}
}
