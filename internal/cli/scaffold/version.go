package scaffold

import (
	"runtime/debug"
	"strings"
)

// BuildVersion returns the version of ModulePath that the running program
// was built from, for Options.Version: the release that `go run
// github.com/gowebapp/webapp/cmd/webapp@v0.1.0` or a module's tool
// directive built, or "" for a development build, whose code no version
// names — built in a checkout ("(devel)"), with uncommitted changes
// ("+dirty"), or from a replacement.
func BuildVersion(info *debug.BuildInfo) string {
	if info == nil {
		return ""
	}
	m := &info.Main
	if m.Path != ModulePath {
		m = nil
		for _, dep := range info.Deps {
			if dep.Path == ModulePath {
				m = dep
			}
		}
	}
	if m == nil || m.Replace != nil || m.Version == "" || m.Version == "(devel)" || strings.HasSuffix(m.Version, "+dirty") {
		return ""
	}
	return m.Version
}
