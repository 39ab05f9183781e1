package scaffold

import (
	"encoding/json"
	"flag"
	"go/parser"
	"go/token"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gowebapp/webapp/constructs/webapp"
	"github.com/gowebapp/webapp/internal/cli/modroot"
)

var update = flag.Bool("update", false, "rewrite pins.json, site/package.json and site/package-lock.json from this repository's go.mod, cdk.json and package.json (npm writes the lock)")

// TestPinsAreTheRepositorys: a new site requires the Go modules it imports
// at this repository's versions, under its go directive, and its cdk.json
// sets the feature flags the construct assumes and those this repository's
// tests run under. With -update it rewrites pins.json instead.
func TestPinsAreTheRepositorys(t *testing.T) {
	root := repoRoot(t)
	want := pinned{Require: map[string]string{}, FeatureFlags: map[string]any{}}

	var gomod struct {
		Go      string
		Require []struct{ Path, Version string }
	}
	decodeJSON(t, "go mod edit -json", run(t, root, "go", "mod", "edit", "-json"), &gomod)
	want.Go = gomod.Go
	for _, imp := range siteImports(t) {
		var module, version string
		for _, r := range gomod.Require { // the longest module path that holds the import
			if (imp == r.Path || strings.HasPrefix(imp, r.Path+"/")) && len(r.Path) > len(module) {
				module, version = r.Path, r.Version
			}
		}
		switch {
		case imp == ModulePath || strings.HasPrefix(imp, ModulePath+"/"):
		case module == "":
			t.Errorf("the site imports %s, which no module in %s/go.mod provides: the site may only use what this repository tests", imp, root)
		default:
			want.Require[module] = version
		}
	}

	var cdkJSON struct{ Context map[string]any }
	decodeJSON(t, "cdk.json", readFile(t, filepath.Join(root, "cdk.json")), &cdkJSON)
	for k, v := range cdkJSON.Context {
		if strings.HasPrefix(k, "@") { // the feature flags; "stage" and "stages" are the app's own
			want.FeatureFlags[k] = v
		}
	}
	var recommended map[string]any // as JSON has it, like cdk.json's values
	decodeJSON(t, "webapp.RecommendedContext", toJSON(t, webapp.RecommendedContext()), &recommended)
	for k, v := range recommended {
		if have, ok := want.FeatureFlags[k]; ok && !reflect.DeepEqual(have, v) {
			t.Fatalf("%s/cdk.json sets %s to %v, but webapp.RecommendedContext to %v: make them agree first", root, k, have, v)
		}
		want.FeatureFlags[k] = v
	}

	if *update {
		out, err := json.MarshalIndent(want, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, "pins.json", append(out, '\n'))
		return
	}
	if pins.Go != want.Go {
		t.Errorf("pins.json: go %s, want %s (%s/go.mod)", pins.Go, want.Go, root)
	}
	if !maps.Equal(pins.Require, want.Require) {
		t.Errorf("pins.json: require %v, want %v (the site's imports at %s/go.mod's versions)", pins.Require, want.Require, root)
	}
	for k := range keysOf(pins.FeatureFlags, want.FeatureFlags) {
		if have, w := pins.FeatureFlags[k], want.FeatureFlags[k]; !reflect.DeepEqual(have, w) {
			t.Errorf("pins.json: feature flag %s = %v, want %v", k, have, w)
		}
	}
	if t.Failed() {
		t.Log("renew pins.json with: go test ./internal/cli/scaffold -run TestPins -update")
	}
}

// siteNodeTools are the Node packages a new site pins: Node itself (jsii
// and the CDK CLI run on it), the CDK CLI, and the CloudFormation validator
// of the gates. Not dynalite: the site has no table.
var siteNodeTools = []string{"@aws/cloudformation-validate", "aws-cdk", "node"}

// TestNodeToolsAreTheRepositorys: the site's package.json pins its Node
// tools at this repository's versions, and its lock agrees with it, as npm
// ci requires. With -update it rewrites both, the lock with npm from this
// repository's lock (so the packages' own dependencies stay those tested).
func TestNodeToolsAreTheRepositorys(t *testing.T) {
	root := repoRoot(t)
	var repo struct{ DevDependencies map[string]string }
	decodeJSON(t, "package.json", readFile(t, filepath.Join(root, "package.json")), &repo)
	want := map[string]string{}
	for _, name := range siteNodeTools {
		if repo.DevDependencies[name] == "" {
			t.Fatalf("%s/package.json pins no %s", root, name)
		}
		want[name] = repo.DevDependencies[name]
	}

	if *update {
		updateNodeTools(t, root, want)
		return
	}
	var pkg struct{ DevDependencies map[string]string }
	decodeJSON(t, "site/package.json", readFile(t, "site/package.json"), &pkg)
	if !maps.Equal(pkg.DevDependencies, want) {
		t.Errorf("site/package.json pins %v, want %v (%s/package.json)", pkg.DevDependencies, want, root)
	}
	var lock struct {
		Packages map[string]struct {
			Version         string
			DevDependencies map[string]string
		}
	}
	decodeJSON(t, "site/package-lock.json", readFile(t, "site/package-lock.json"), &lock)
	if got := lock.Packages[""].DevDependencies; !maps.Equal(got, pkg.DevDependencies) {
		t.Errorf("site/package-lock.json was written for %v, but site/package.json pins %v: npm ci would refuse it", got, pkg.DevDependencies)
	}
	for name, version := range pkg.DevDependencies {
		if got := lock.Packages["node_modules/"+name].Version; got != version {
			t.Errorf("site/package-lock.json locks %s %q, want %s", name, got, version)
		}
	}
	if t.Failed() {
		t.Log("renew them with: go test ./internal/cli/scaffold -run TestNodeTools -update")
	}
}

// updateNodeTools writes site/package.json with the tools and has npm write
// its lock, starting from the repository's lock.
func updateNodeTools(t *testing.T, root string, tools map[string]string) {
	pkg, err := json.MarshalIndent(struct {
		Name            string            `json:"name"`
		Private         bool              `json:"private"`
		Description     string            `json:"description"`
		DevDependencies map[string]string `json:"devDependencies"`
	}{
		Name:            "site-tools",
		Private:         true,
		Description:     "The site's pinned Node tools: Node 22 itself (jsii and the CDK CLI run on it), the CDK CLI, and the offline CloudFormation validator of the tests.",
		DevDependencies: tools,
	}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	pkg = append(pkg, '\n')
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "package.json"), pkg)
	writeFile(t, filepath.Join(dir, "package-lock.json"), readFile(t, filepath.Join(root, "package-lock.json")))
	run(t, dir, "npm", "install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund")
	writeFile(t, "site/package.json", pkg)
	writeFile(t, "site/package-lock.json", readFile(t, filepath.Join(dir, "package-lock.json")))
}

// siteImports returns the packages that the site's Go files import, but the
// standard library's.
func siteImports(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("site/*.go.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("site/*/*.go.tmpl")
	seen := map[string]bool{}
	for _, file := range append(files, more...) {
		f, err := parser.ParseFile(token.NewFileSet(), file, readFile(t, file), parser.ImportsOnly)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, spec := range f.Imports {
			p, _ := strconv.Unquote(spec.Path.Value)
			if first, _, _ := strings.Cut(p, "/"); strings.Contains(first, ".") {
				seen[p] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func toJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func keysOf(ms ...map[string]any) map[string]bool {
	keys := map[string]bool{}
	for _, m := range ms {
		for k := range m {
			keys[k] = true
		}
	}
	return keys
}
