package devserver

import (
	"context"
	"debug/buildinfo"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowebapp/webapp/internal/lambdabuild"
)

// TestBuildLeavesOutTheLambdaTag: webapp dev runs the function on a
// developer's machine, where webappaws must use the SDK's standard chain
// (profiles, SSO), so its build has the construct's flags but not
// lambdabuild.LambdaTag.
func TestBuildLeavesOutTheLambdaTag(t *testing.T) {
	p := newProject(t, "dev")
	s := &server{dir: p.dir, function: "./lambda"}
	bin := filepath.Join(t.TempDir(), "function")
	if out, err := s.build(context.Background(), bin); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	tags := ""
	for _, st := range bi.Settings {
		if st.Key == "-tags" {
			tags = st.Value
		}
	}
	if tags != "lambda.norpc" || strings.Contains(tags, lambdabuild.LambdaTag) {
		t.Errorf("the dev build's tags are %q, want lambda.norpc alone", tags)
	}
}
