package cdktest

import (
	"encoding/json"
	"fmt"
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
func NagFindings(stack awscdk.Stack) []string {
	assembly := awscdk.Stage_Of(stack).Synth(nil)
	var findings []string
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

// Diagnostic is one finding of the CloudFormation validator.
type Diagnostic struct {
	Severity string `json:"severity"`
	RuleID   string `json:"ruleId"`
	Message  string `json:"message"`
}

// ValidateTemplates runs the official offline CloudFormation validator
// (@aws/cloudformation-validate, pinned in package.json) over the template
// files and returns its diagnostics by template path.
func ValidateTemplates(t testing.TB, paths ...string) map[string][]Diagnostic {
	t.Helper()
	root := ModuleRoot(t)
	args := append([]string{filepath.Join(root, "scripts", "cfn-validate.mjs")}, paths...)
	cmd := exec.Command("node", args...)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("cfn-validate: %v\n%s\n(is @aws/cloudformation-validate installed? run `make deps`)", err, msg)
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
