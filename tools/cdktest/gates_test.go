package cdktest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/jsii-runtime-go"
)

// recorder is a testing.TB that keeps the failures a gate reports, so the
// tests can check what the gates say instead of failing themselves.
type recorder struct {
	testing.TB
	failures []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}
func (r *recorder) Error(args ...any) { r.failures = append(r.failures, fmt.Sprint(args...)) }
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Fatal(args ...any) {
	r.Error(args...)
	runtime.Goexit()
}

// failures runs gate with a recorder, as a test would run it, and returns
// what it reported.
func failures(t *testing.T, gate func(tb testing.TB)) []string {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		gate(r)
	}()
	<-done
	return r.failures
}

func TestCheckGatesPassesAStackWithoutFindings(t *testing.T) {
	app := NewApp(t, nil)
	stack := awscdk.NewStack(app, jsii.String("Clean"), nil)
	awsssm.NewStringParameter(stack, jsii.String("Param"), &awsssm.StringParameterProps{StringValue: jsii.String("v")})
	app.Synth(nil)
	if got := failures(t, func(tb testing.TB) { CheckGates(tb, stack) }); len(got) != 0 {
		t.Errorf("a stack with only a parameter got findings: %q", got)
	}
}

func TestCheckGatesReportsNagFindingsByStack(t *testing.T) {
	app := NewApp(t, nil)
	stack := awscdk.NewStack(app, jsii.String("Careless"), nil)
	awss3.NewBucket(stack, jsii.String("Bucket"), nil) // no access logs, no SSL-only policy
	got := strings.Join(failures(t, func(tb testing.TB) { CheckGates(tb, stack) }), "\n")
	for _, want := range []string{"cdk-nag on stack Careless: Careless/Bucket/Resource: AwsSolutions-S1", "AwsSolutions-S10"} {
		if !strings.Contains(got, want) {
			t.Errorf("findings do not contain %q:\n%s", want, got)
		}
	}
}

func TestCheckGatesRefusesAnAppWithoutNagChecks(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stack := awscdk.NewStack(app, jsii.String("Unchecked"), nil)
	awss3.NewBucket(stack, jsii.String("Bucket"), nil)
	app.Synth(nil)
	got := failures(t, func(tb testing.TB) { CheckGates(tb, stack) })
	if len(got) != 1 || !strings.Contains(got[0], "no cdk-nag AwsSolutions checks") || !strings.Contains(got[0], "cdktest.NewApp") {
		t.Errorf("want one failure saying the checks are missing and how to add them, got %q", got)
	}
}

func TestCheckTemplatesReportsValidatorErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.template.json")
	bad := `{"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketNmae": "x"}}}}`
	if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	got := failures(t, func(tb testing.TB) { CheckTemplates(tb, path) })
	if len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), "BucketNmae") {
		t.Errorf("want a finding naming the misspelt property, got %q", got)
	}
}
