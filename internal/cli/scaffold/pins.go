package scaffold

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// pinned is what this repository pins that the new module pins the same, so
// that a new site runs with what this repository tests. pins.json holds it,
// written by `go test ./internal/cli/scaffold -update` from the repository's
// go.mod, cdk.json and the construct's RecommendedContext.
type pinned struct {
	// Go is the go directive.
	Go string `json:"go"`
	// Require are the versions of the modules that the new site imports
	// directly, besides ModulePath.
	Require map[string]string `json:"require"`
	// FeatureFlags are the CDK feature flags of the new site's cdk.json: those
	// the construct assumes (webapp.RecommendedContext) and those of this
	// repository's cdk.json, which its tests and gates run under.
	FeatureFlags map[string]any `json:"featureFlags"`
}

//go:embed pins.json
var pinsJSON []byte

var pins = func() pinned {
	var p pinned
	if err := json.Unmarshal(pinsJSON, &p); err != nil {
		panic("scaffold: pins.json: " + err.Error())
	}
	return p
}()

// require returns the requirements by module path.
func (p pinned) require() []requirement {
	var rs []requirement
	for path, version := range p.Require {
		rs = append(rs, requirement{path, version})
	}
	slices.SortFunc(rs, func(a, b requirement) int { return strings.Compare(a.Path, b.Path) })
	return rs
}

// featureFlags renders the feature flags as members of a JSON object, one a
// line, sorted, each line starting with indent: cdk.json's template puts
// them after its own context keys.
func featureFlags(indent string) (string, error) {
	keys := make([]string, 0, len(pins.FeatureFlags))
	for k := range pins.FeatureFlags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	lines := make([]string, len(keys))
	for i, k := range keys {
		name, err := json.Marshal(k)
		if err != nil {
			return "", err
		}
		value, err := json.Marshal(pins.FeatureFlags[k])
		if err != nil {
			return "", fmt.Errorf("feature flag %s: %v", k, err)
		}
		lines[i] = fmt.Sprintf("%s%s: %s", indent, name, value)
	}
	return strings.Join(lines, ",\n"), nil
}
