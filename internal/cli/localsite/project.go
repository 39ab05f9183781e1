package localsite

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Project is a CDK app: the directory with cdk.json, and what cdk.json
// says. Everything the local site synthesizes, checks for staleness,
// rebuilds or starts (the CDK CLI, dynalite, the function's module) comes
// from the project, never from this tool's own module: pointed at another
// team's app, it runs that app.
type Project struct {
	// Dir is the project's directory, absolute.
	Dir string
	// HasConfig reports whether Dir has a cdk.json. Without one there is
	// nothing to synthesize, and whether an assembly is stale cannot be
	// told.
	HasConfig bool
	// App is cdk.json's "app", the command that synthesizes the app (run
	// in Dir by sh); "" when cdk.json has none.
	App string
	// Build is cdk.json's "build", a command run before App; usually "".
	Build string
	// Out is where the CDK CLI writes the assembly by default: cdk.json's
	// "output", else cdk.out, in Dir. Absolute.
	Out string

	config cdkConfig
}

// cdkConfig is what the local site reads of cdk.json.
type cdkConfig struct {
	App     json.RawMessage `json:"app"` // a string, or (the CLI joins it with spaces) a list of words
	Build   string          `json:"build"`
	Output  string          `json:"output"`
	Context map[string]any  `json:"context"`
	Watch   struct {
		Exclude []string `json:"exclude"`
	} `json:"watch"`
	// Settings that decide which context keys the CLI adds; absent means
	// true, as for the CLI.
	PathMetadata     *bool    `json:"pathMetadata"`
	AssetMetadata    *bool    `json:"assetMetadata"`
	VersionReporting *bool    `json:"versionReporting"`
	Staging          *bool    `json:"staging"`
	BundlingStacks   []string `json:"bundlingStacks"`
}

// ProjectDir says which project a run is about: dir when it is given; else,
// when out is given, the directory that holds out if it has a cdk.json (an
// assembly beside its app); else the working directory. The result is
// absolute.
func ProjectDir(dir, out string) (string, error) {
	if dir != "" {
		return filepath.Abs(dir)
	}
	if out != "" {
		abs, err := filepath.Abs(out)
		if err != nil {
			return "", err
		}
		if parent := filepath.Dir(abs); exists(filepath.Join(parent, "cdk.json")) {
			return parent, nil
		}
	}
	return os.Getwd()
}

// LoadProject reads the project in dir. A directory without cdk.json is a
// project too (HasConfig false): its assembly can be served as it is.
func LoadProject(dir string) (*Project, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("localsite: the project directory: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("localsite: the project %s is not a directory: name the directory that holds cdk.json", abs)
	}
	p := &Project{Dir: abs, Out: filepath.Join(abs, "cdk.out")}
	b, err := os.ReadFile(filepath.Join(abs, "cdk.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	} else if err != nil {
		return nil, fmt.Errorf("localsite: %w", err)
	}
	p.HasConfig = true
	if err := json.Unmarshal(b, &p.config); err != nil {
		return nil, fmt.Errorf("localsite: %s: %w", filepath.Join(abs, "cdk.json"), err)
	}
	if p.App, err = appCommand(p.config.App); err != nil {
		return nil, fmt.Errorf("localsite: %s: %w", filepath.Join(abs, "cdk.json"), err)
	}
	p.Build = p.config.Build
	if p.config.Output != "" {
		p.Out = p.config.Output
		if !filepath.IsAbs(p.Out) {
			p.Out = filepath.Join(abs, p.Out)
		}
	}
	return p, nil
}

// appCommand reads cdk.json's "app": a command line, or a list of words
// that the CLI joins with spaces.
func appCommand(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return strings.TrimSpace(s), nil
	}
	var words []string
	if err := json.Unmarshal(raw, &words); err != nil {
		return "", fmt.Errorf(`"app" is neither a command line nor a list of words: %s`, raw)
	}
	return strings.TrimSpace(strings.Join(words, " ")), nil
}

// cannotSynth says why the project cannot be synthesized, nil when it can.
func (p *Project) cannotSynth() error {
	switch {
	case !p.HasConfig:
		return fmt.Errorf("localsite: %s has no cdk.json, so there is no CDK app to synthesize there: "+
			"name the app's directory with -dir, or synthesize it yourself and serve the assembly as it is with -synth never -out ASSEMBLY", p.Dir)
	case p.App == "":
		return fmt.Errorf(`localsite: %s has no "app", the command that synthesizes the app: `+
			`add one (a Go app's is "app": "go run ."), or synthesize it yourself and serve the assembly as it is with -synth never -out ASSEMBLY`,
			filepath.Join(p.Dir, "cdk.json"))
	}
	return nil
}

// tool finds a Node tool the way the project would run it: from its own
// node_modules/.bin, else on PATH. found is false when neither has it.
func (p *Project) tool(name string) (path string, found bool) {
	local := filepath.Join(p.Dir, "node_modules", ".bin", name)
	if exists(local) {
		return local, true
	}
	if onPath, err := exec.LookPath(name); err == nil {
		return onPath, true
	}
	return local, false
}

// installHint says how to install the npm package pkg for the project,
// naming only commands the project has: `npm ci` when its package.json
// lists the package (and `make deps` if its Makefile has that target),
// else `npm install --save-dev pkg@version`.
func (p *Project) installHint(pkg, version string) string {
	if p.npmDeclares(pkg) {
		hint := "the project's package.json lists it but it is not installed: run npm ci in " + p.Dir
		if p.hasMakeTarget("deps") {
			hint += " (or make deps)"
		}
		return hint
	}
	return fmt.Sprintf("add it to the project: cd %s && npm install --save-dev %s@%s", p.Dir, pkg, version)
}

// npmDeclares reports whether the project's package.json lists pkg.
func (p *Project) npmDeclares(pkg string) bool {
	b, err := os.ReadFile(filepath.Join(p.Dir, "package.json"))
	if err != nil {
		return false
	}
	var manifest struct {
		Dependencies, DevDependencies map[string]string
	}
	if json.Unmarshal(b, &manifest) != nil {
		return false
	}
	_, dep := manifest.Dependencies[pkg]
	_, dev := manifest.DevDependencies[pkg]
	return dep || dev
}

// hasMakeTarget reports whether the project's Makefile defines target, so
// that a message may tell the user to run `make target`.
func (p *Project) hasMakeTarget(target string) bool {
	f, err := os.Open(filepath.Join(p.Dir, "Makefile"))
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '\t' || line[0] == ' ' || line[0] == '#' {
			continue // a recipe, blank or a comment
		}
		names, rest, ok := strings.Cut(line, ":")
		if !ok || strings.HasPrefix(rest, "=") || strings.Contains(names, "=") {
			continue // no rule: an assignment (X := y, X = a:b)
		}
		for _, name := range strings.Fields(names) {
			if name == target {
				return true
			}
		}
	}
	return false
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
