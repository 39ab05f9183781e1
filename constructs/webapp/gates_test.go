package webapp

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/gowebapp/webapp/tools/cdktest"
)

// TestTemplatesPassNagAndValidator holds every configuration to two gates: no
// unsuppressed cdk-nag AwsSolutions finding, and no error or warning from the
// official CloudFormation validator (run once over all templates: its start-up
// costs seconds, a template a fraction of one).
func TestTemplatesPassNagAndValidator(t *testing.T) {
	var paths []string
	for _, name := range allConfigs {
		t.Run(name, func(t *testing.T) {
			s := config(t, name)
			stacks := []awscdk.Stack{s.stack}
			if s.certStack != nil {
				stacks = append(stacks, s.certStack)
			}
			for _, st := range stacks {
				for _, f := range cdktest.NagFindings(st) {
					t.Errorf("cdk-nag: %s", f)
				}
				paths = append(paths, cdktest.TemplatePath(st))
			}
		})
	}
	cdktest.CheckTemplates(t, paths...)
}
