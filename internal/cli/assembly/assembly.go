// Package assembly reads a CDK cloud assembly (the cdk.out directory that
// `cdk synth` writes) — its manifest, the stacks' CloudFormation templates
// and the file assets — and evaluates template values the way CloudFormation
// would at deploy time, with local stand-ins for what only a deployment
// knows: physical ids, generated names, ARNs, domain names and the values of
// dynamic references ({{resolve:secretsmanager:…}}, {{resolve:ssm:…}}).
//
// Stand-ins are deterministic (derived from the stack and logical id), so an
// ARN built with Fn::Join in one place equals the ARN a Fn::GetAtt gives in
// another, and a value can be traced back to the resource it names with
// Stack.ResourceFor. Dynamic references resolve to one value per reference
// for the life of the Assembly, so a header CloudFront sends and the key API
// Gateway checks, both read from the same secret, match.
package assembly

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Assembly is a cloud assembly read from disk.
type Assembly struct {
	// Dir is the assembly's directory, absolute.
	Dir string
	// Stacks are its CloudFormation stacks (those of nested assemblies too),
	// sorted by name.
	Stacks []*Stack

	assets map[string]FileAsset // by destination object key

	mu      sync.Mutex
	dynamic map[string]string // dynamic reference → its stand-in value
}

// Stack is one CloudFormation stack of the assembly.
type Stack struct {
	// Name is the stack's name, e.g. GoWebApp-v1.
	Name string
	// Account and Region come from the artifact's environment; an
	// environment-agnostic stack gets DefaultAccount and DefaultRegion.
	Account, Region string
	// Agnostic reports that the environment left the account or the
	// region open, so that a default stands in for it.
	Agnostic bool
	// TemplateFile is the template's path, absolute.
	TemplateFile string
	// Template is the parsed template.
	Template *Template

	asm *Assembly
}

// Template is a CloudFormation template.
type Template struct {
	Resources  map[string]Resource  `json:"Resources"`
	Parameters map[string]Parameter `json:"Parameters"`
	Conditions map[string]any       `json:"Conditions"`
	Mappings   map[string]any       `json:"Mappings"`
	Outputs    map[string]Output    `json:"Outputs"`
}

// Resource is a template's resource, its properties unevaluated.
type Resource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
	Condition  string         `json:"Condition"`
	Metadata   map[string]any `json:"Metadata"`
}

// Parameter is a template parameter; only its default can be used locally.
type Parameter struct {
	Type    string `json:"Type"`
	Default any    `json:"Default"`
}

// Output is a template output, with its export name if it has one.
type Output struct {
	Value  any `json:"Value"`
	Export *struct {
		Name any `json:"Name"`
	} `json:"Export"`
}

// FileAsset is a file asset of the assembly: a directory or a file that
// cdk deploy uploads to the bootstrap bucket under ObjectKey.
type FileAsset struct {
	// ID is the asset's hash.
	ID string
	// Path is the asset's source, absolute: a directory for Packaging
	// "zip" (deploy zips it), a file for "file" (uploaded as is).
	Path string
	// Packaging is "zip" or "file".
	Packaging string
	// ObjectKey is the key it is uploaded under, e.g. "<hash>.zip".
	ObjectKey string
}

// Defaults for environment-agnostic stacks. The account is AWS's
// documentation account.
const (
	DefaultAccount = "123456789012"
	DefaultRegion  = "us-east-1"
)

type manifest struct {
	Artifacts map[string]struct {
		Type        string `json:"type"`
		Environment string `json:"environment"`
		DisplayName string `json:"displayName"`
		Properties  struct {
			TemplateFile  string `json:"templateFile"`
			StackName     string `json:"stackName"`
			File          string `json:"file"`
			DirectoryName string `json:"directoryName"`
		} `json:"properties"`
	} `json:"artifacts"`
}

type assetManifest struct {
	Files map[string]struct {
		Source struct {
			Path      string `json:"path"`
			Packaging string `json:"packaging"`
		} `json:"source"`
		Destinations map[string]struct {
			BucketName string `json:"bucketName"`
			ObjectKey  string `json:"objectKey"`
		} `json:"destinations"`
	} `json:"files"`
}

// ErrNoAssembly is wrapped by Load's error when dir has no manifest.json.
// How to make one depends on the project, so the caller says what to do.
var ErrNoAssembly = errors.New("no cloud assembly")

// Load reads the assembly in dir, and the nested assemblies it refers to.
func Load(dir string) (*Assembly, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	a := &Assembly{Dir: abs, assets: map[string]FileAsset{}, dynamic: map[string]string{}}
	if err := a.load(abs); err != nil {
		return nil, err
	}
	sort.Slice(a.Stacks, func(i, j int) bool { return a.Stacks[i].Name < a.Stacks[j].Name })
	return a, nil
}

func (a *Assembly) load(dir string) error {
	var m manifest
	if err := readJSON(filepath.Join(dir, "manifest.json"), &m); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("assembly: %w in %s (no manifest.json)", ErrNoAssembly, dir)
		}
		return err
	}
	ids := make([]string, 0, len(m.Artifacts))
	for id := range m.Artifacts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		art := m.Artifacts[id]
		switch art.Type {
		case "aws:cloudformation:stack":
			s := &Stack{Name: art.Properties.StackName, asm: a, TemplateFile: filepath.Join(dir, art.Properties.TemplateFile)}
			if s.Name == "" {
				s.Name = id
			}
			s.Account, s.Region, s.Agnostic = parseEnvironment(art.Environment)
			s.Template = &Template{}
			if err := readJSON(s.TemplateFile, s.Template); err != nil {
				return err
			}
			a.Stacks = append(a.Stacks, s)
		case "cdk:asset-manifest":
			if err := a.loadAssets(dir, filepath.Join(dir, art.Properties.File)); err != nil {
				return err
			}
		case "cdk:cloud-assembly":
			if err := a.load(filepath.Join(dir, art.Properties.DirectoryName)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a *Assembly) loadAssets(dir, file string) error {
	var m assetManifest
	if err := readJSON(file, &m); err != nil {
		return err
	}
	for id, f := range m.Files {
		for _, d := range f.Destinations {
			a.assets[d.ObjectKey] = FileAsset{
				ID:        id,
				Path:      filepath.Join(dir, f.Source.Path),
				Packaging: f.Source.Packaging,
				ObjectKey: d.ObjectKey,
			}
		}
	}
	return nil
}

// parseEnvironment splits "aws://ACCOUNT/REGION"; unknown parts get the
// defaults, and defaulted says so.
func parseEnvironment(env string) (account, region string, defaulted bool) {
	account, region = DefaultAccount, DefaultRegion
	rest, ok := strings.CutPrefix(env, "aws://")
	if !ok {
		return account, region, true
	}
	acct, reg, _ := strings.Cut(rest, "/")
	if acct != "" && acct != "unknown-account" {
		account = acct
	} else {
		defaulted = true
	}
	if reg != "" && reg != "unknown-region" {
		region = reg
	} else {
		defaulted = true
	}
	return account, region, defaulted
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("assembly: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("assembly: %s: %w", path, err)
	}
	return nil
}

// Asset returns the file asset uploaded under objectKey (the S3Key of a
// function's code, a SourceObjectKeys entry of a bucket deployment).
func (a *Assembly) Asset(objectKey string) (FileAsset, bool) {
	f, ok := a.assets[objectKey]
	return f, ok
}

// Stack returns the stack called name.
func (a *Assembly) Stack(name string) (*Stack, bool) {
	for _, s := range a.Stacks {
		if s.Name == name {
			return s, true
		}
	}
	return nil, false
}

// Assembly returns the assembly the stack belongs to.
func (s *Stack) Assembly() *Assembly { return s.asm }

// Partition returns the stack's partition, from its region.
func (s *Stack) Partition() string {
	switch {
	case strings.HasPrefix(s.Region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(s.Region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// URLSuffix returns the domain suffix of the stack's partition.
func (s *Stack) URLSuffix() string {
	if s.Partition() == "aws-cn" {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}

// Resources returns the logical ids of the resources of type typ whose
// condition holds, sorted.
func (s *Stack) Resources(typ string) []string {
	var ids []string
	for id, r := range s.Template.Resources {
		if r.Type == typ && s.exists(id) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// Resource returns the resource with the logical id.
func (s *Stack) Resource(id string) (Resource, bool) {
	r, ok := s.Template.Resources[id]
	return r, ok && s.exists(id)
}

// exists reports whether the resource's condition, if any, holds.
func (s *Stack) exists(id string) bool {
	r := s.Template.Resources[id]
	if r.Condition == "" {
		return true
	}
	ok, err := s.condition(r.Condition, nil)
	return err == nil && ok
}
