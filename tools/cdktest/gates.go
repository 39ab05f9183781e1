package cdktest

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// AddNagChecks runs cdk-nag's AwsSolutions rules over every stack of app at
// synth. Findings become error and warning annotations, which NagFindings
// reads; suppressed findings do not.
func AddNagChecks(app awscdk.App) {
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}

// NagFindings returns the unsuppressed AwsSolutions findings on stack, one
// line each: "path: message". It reads the messages of the app's cached
// assembly: Annotations.FromStack would synthesize the whole app again.
//
// Under the feature flag @aws-cdk/core:annotationsInValidationReport, error
// annotations fail synth itself; NagFindings then reads the findings from the
// validation report that synth wrote, so a finding is reported as a finding,
// not as a panic of the test binary. (Warnings are then not reported until the
// errors are fixed: the failed synth wrote no assembly to read them from.)
func NagFindings(stack awscdk.Stack) []string {
	assembly, violations := synthesize(awscdk.Stage_Of(stack))
	var findings []string
	if assembly == nil {
		for _, v := range violations {
			if strings.HasPrefix(v.message, "AwsSolutions-") && v.template == *stack.TemplateFile() {
				findings = append(findings, v.path+": "+v.message)
			}
		}
		sort.Strings(findings)
		return findings
	}
	for _, m := range *assembly.GetStackArtifact(stack.ArtifactId()).Messages() {
		if m.Level == cxapi.SynthesisMessageLevel_INFO {
			continue
		}
		data := fmt.Sprint(m.Entry.Data)
		if strings.HasPrefix(data, "AwsSolutions-") {
			findings = append(findings, fmt.Sprintf("%s: %s", *m.Id, data))
		}
	}
	sort.Strings(findings)
	return findings
}

// violation is one error of a synth that failed validation.
type violation struct {
	path, template, message string
}

// synthesize synthesizes stage (or returns its cached assembly). When synth
// fails validation, it returns no assembly but the violations that the
// validation report lists; any other failure panics as synth did.
func synthesize(stage awscdk.Stage) (assembly cxapi.CloudAssembly, violations []violation) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		msg := fmt.Sprint(r)
		if !strings.Contains(msg, "ValidationFailed") {
			panic(r)
		}
		path := filepath.Join(*stage.Outdir(), "validation-report.json")
		if _, after, ok := strings.Cut(msg, "can be found in: "); ok {
			path = strings.TrimSpace(strings.SplitN(after, "\n", 2)[0])
		}
		found, err := readValidationReport(path)
		if err != nil {
			panic(fmt.Sprintf("%v (and its report: %v)", r, err))
		}
		violations = found
	}()
	return stage.Synth(nil), nil
}

// readValidationReport reads the violations of a validation report, as
// synth writes it to validation-report.json.
func readValidationReport(path string) ([]violation, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var report struct {
		PluginReports []struct {
			Violations []struct {
				Description         string `json:"description"`
				ViolatingConstructs []struct {
					ConstructPath          string `json:"constructPath"`
					CloudFormationResource struct {
						TemplatePath string `json:"templatePath"`
					} `json:"cloudFormationResource"`
				} `json:"violatingConstructs"`
			} `json:"violations"`
		} `json:"pluginReports"`
	}
	if err := json.Unmarshal(raw, &report); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	var out []violation
	for _, p := range report.PluginReports {
		for _, v := range p.Violations {
			for _, c := range v.ViolatingConstructs {
				out = append(out, violation{
					path:     c.ConstructPath,
					template: filepath.Base(c.CloudFormationResource.TemplatePath),
					message:  strings.TrimSpace(v.Description),
				})
			}
		}
	}
	return out, nil
}

// CheckGates fails t for every finding of the two gates on each stack:
// cdk-nag's AwsSolutions rules (no unsuppressed finding) and the official
// CloudFormation validator (no error or warning, and informational findings
// only those in AcceptedInformational). The stacks' app must carry the nag
// checks before it synthesizes, as NewApp's does (or AddNagChecks); without
// them CheckGates fails rather than pass on rules that never ran. Call it
// before other assertions synthesize the app: under the flag
// @aws-cdk/core:annotationsInValidationReport a finding fails synth, which
// CheckGates reports as findings and an assertion would report as a panic.
func CheckGates(t testing.TB, stacks ...awscdk.Stack) {
	t.Helper()
	if len(stacks) == 0 {
		t.Fatal("cdktest.CheckGates: no stacks given")
	}
	var paths []string
	for _, stack := range stacks {
		if !hasNagChecks(stack) {
			t.Fatalf("cdktest.CheckGates: stack %s: its app has no cdk-nag AwsSolutions checks, so they would pass without running: "+
				"create the app with cdktest.NewApp, or call cdktest.AddNagChecks(app) before anything synthesizes it", *stack.Node().Path())
		}
		for _, f := range NagFindings(stack) {
			t.Errorf("cdk-nag on stack %s: %s", *stack.StackName(), f)
		}
		paths = append(paths, TemplatePath(stack))
	}
	CheckTemplates(t, paths...)
}

// hasNagChecks reports whether an AwsSolutions nag pack is an aspect of the
// stack or of a scope above it.
func hasNagChecks(stack awscdk.Stack) bool {
	for _, scope := range *stack.Node().Scopes() {
		for _, a := range *awscdk.Aspects_Of(scope).All() {
			if pack, ok := a.(cdknag.NagPack); ok && *pack.ReadPackName() == "AwsSolutions" {
				return true
			}
		}
	}
	return false
}

// Diagnostic is one finding of the CloudFormation validator.
type Diagnostic struct {
	Severity string `json:"severity"`
	RuleID   string `json:"ruleId"`
	Message  string `json:"message"`
}

// validatorScript is run by node with the module root as its working
// directory, so that it imports the validator from the module's own
// node_modules: the gates work in any module that pins it, not only here.
//
//go:embed cfn-validate.mjs
var validatorScript string

// ValidatorPackage is the npm package of the CloudFormation validator, at the
// version this module tests with; a module using the gates pins it in its
// package.json's devDependencies.
const ValidatorPackage = "@aws/cloudformation-validate@1.9.0-beta"

// ValidateTemplates runs the official offline CloudFormation validator
// (@aws/cloudformation-validate, from the node_modules of the module under
// test) over the template files and returns its diagnostics by template path.
func ValidateTemplates(t testing.TB, paths ...string) map[string][]Diagnostic {
	t.Helper()
	root := ModuleRoot(t)
	if _, err := os.Stat(filepath.Join(root, "node_modules", "@aws", "cloudformation-validate")); errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("cdktest: the CloudFormation validator is not installed in %s: add it to package.json "+
			"(npm install --save-dev --save-exact %s) and install it (npm ci)", filepath.Join(root, "node_modules"), ValidatorPackage)
	}
	args := append([]string{"--input-type=module", "--eval", validatorScript, "--"}, paths...)
	cmd := exec.Command("node", args...)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("cdktest: the CloudFormation validator (node in %s) failed: %v\n%s", root, err, msg)
	}
	var reports []struct {
		Template    string       `json:"template"`
		Diagnostics []Diagnostic `json:"diagnostics"`
	}
	if err := json.Unmarshal(out, &reports); err != nil {
		t.Fatalf("cfn-validate output: %v\n%s", err, out)
	}
	byPath := map[string][]Diagnostic{}
	for _, r := range reports {
		byPath[r.Template] = r.Diagnostics
	}
	return byPath
}

// AcceptedInformational are the validator's informational findings that the
// templates keep on purpose; docs/security.md gives the same list with the
// reasons. Errors and warnings are never accepted.
var AcceptedInformational = map[string]string{
	"I1022": "CDK renders string joins as Fn::Join; Fn::Sub would read better but is CDK's choice, not a defect",
	"I9001": "a note that a property is create-only (changing it replaces the resource); CDK's logical ids and the snapshots make such changes visible in review",
	"I9040": "a resource could carry tags but has none: tags are the deploying team's choice (the app tags its stacks; a construct does not impose tags)",
}

// CheckTemplates fails the test for every error or warning of the validator,
// and for every informational finding not in AcceptedInformational.
func CheckTemplates(t testing.TB, paths ...string) {
	t.Helper()
	CheckTemplatesExcept(t, nil, paths...)
}

// CheckTemplatesExcept is CheckTemplates but leaves out the findings that
// name a resource whose logical id starts with one of userOwned: a test's
// stand-ins for a user's own resources beside a construct, whose findings
// are the user's to fix, not the construct's (the construct must leave them
// as CDK renders them).
func CheckTemplatesExcept(t testing.TB, userOwned []string, paths ...string) {
	t.Helper()
	reports := ValidateTemplates(t, paths...)
	for _, path := range paths {
		if _, ok := reports[path]; !ok {
			t.Errorf("the validator returned no report for %s: it was not checked", path)
		}
	}
	for path, diags := range reports {
		for _, d := range diags {
			if d.Severity == "INFO" || d.Severity == "INFORMATIONAL" {
				if _, ok := AcceptedInformational[d.RuleID]; ok {
					continue
				}
			}
			if namesAny(d.Message, userOwned) {
				continue
			}
			t.Errorf("%s: [%s] %s: %s", filepath.Base(path), d.Severity, d.RuleID, d.Message)
		}
	}
}

// namesAny reports whether message quotes a logical id ('Id...') that starts
// with one of the prefixes, as the validator's messages quote resources.
func namesAny(message string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.Contains(message, "'"+p) {
			return true
		}
	}
	return false
}
