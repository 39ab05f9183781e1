package webapp

import (
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/tools/cdktest"
)

const (
	secretsKeyARN     = "arn:aws:kms:eu-west-1:123456789012:key/0f0e0d0c-0b0a-0908-0706-050403020100"
	partnerSecretARN  = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:partner/token-AbCdEf"
	secretsTestRegion = "eu-west-1"
)

var secretsSite *synthesized

// secretsConfig is a site with one secret of every kind, synthesized once.
func secretsConfig(t *testing.T) *synthesized {
	t.Helper()
	if secretsSite != nil {
		return secretsSite
	}
	stack := awscdk.NewStack(cdktest.NewApp(t, nil), jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String(secretsTestRegion)},
	})
	secure := func(id, name string) awsssm.IStringParameter {
		return awsssm.StringParameter_FromSecureStringParameterAttributes(stack, jsii.String(id), &awsssm.SecureStringParameterAttributes{ParameterName: jsii.String(name)})
	}
	key := awskms.Key_FromKeyArn(stack, jsii.String("Key"), jsii.String(secretsKeyARN))
	p := baseProps()
	p.Secrets = []Secret{
		SecretFromParameter("TWILIO_AUTH_TOKEN", secure("Twilio", "/app/twilio")),
		SecretFromEncryptedParameter("API_KEY", secure("ApiKey", "/app/api-key"), key),
		SecretFromSecretsManager("DB_PASSWORD", awssecretsmanager.Secret_FromSecretNameV2(stack, jsii.String("Db"), jsii.String("app/db"))),
		SecretFromSecretsManager("PARTNER_TOKEN", awssecretsmanager.Secret_FromSecretAttributes(stack, jsii.String("Partner"), &awssecretsmanager.SecretAttributes{
			SecretCompleteArn: jsii.String(partnerSecretARN), EncryptionKey: key,
		})),
		GeneratedSecret("SESSION_KEY"),
	}
	w := NewWebApp(stack, "Site", &p)
	secretsSite = &synthesized{stack: stack, sites: []*WebApp{w}, tpl: assertions.Template_FromStack(stack, nil)}
	return secretsSite
}

// functionEnvironment is the site function's environment, each value as
// JSON (a literal's quoted string, or an intrinsic).
func functionEnvironment(t *testing.T, s *synthesized) map[string]string {
	t.Helper()
	for _, r := range cdktest.Resources(s.tpl, "AWS::Lambda::Function") {
		props := r["Properties"].(map[string]any)
		if props["Handler"] != "bootstrap" {
			continue
		}
		vars := props["Environment"].(map[string]any)["Variables"].(map[string]any)
		out := map[string]string{}
		for k, v := range vars {
			raw, _ := json.Marshal(v)
			out[k] = string(raw)
		}
		return out
	}
	t.Fatal("no site function")
	return nil
}

func TestSecretsReachTheFunctionAsReferences(t *testing.T) {
	s := secretsConfig(t)
	env := functionEnvironment(t, s)
	generatedID := s.stack.GetLogicalId(s.sites[0].GeneratedSecrets["SESSION_KEY"].Node().DefaultChild().(awscdk.CfnElement))
	want := map[string]func(string) bool{
		"WEBAPP_SECRET_TWILIO_AUTH_TOKEN": func(v string) bool { return v == `"ssm:/app/twilio"` },
		"WEBAPP_SECRET_API_KEY":           func(v string) bool { return v == `"ssm:/app/api-key"` },
		// A secret imported by name has a partial ARN, which Secrets Manager takes.
		"WEBAPP_SECRET_DB_PASSWORD":   func(v string) bool { return v == `"arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db"` },
		"WEBAPP_SECRET_PARTNER_TOKEN": func(v string) bool { return v == `"`+partnerSecretARN+`"` },
		"WEBAPP_SECRET_SESSION_KEY":   func(v string) bool { return v == `{"Ref":"`+*generatedID+`"}` },
	}
	for k, ok := range want {
		if v, set := env[k]; !set || !ok(v) {
			t.Errorf("%s = %s, want a reference to its parameter or secret", k, v)
		}
	}
	for k := range env {
		if strings.HasPrefix(k, "WEBAPP_SECRET_") && want[k] == nil {
			t.Errorf("unexpected %s", k)
		}
	}
}

func TestGeneratedSecretIsCreatedWithoutAValue(t *testing.T) {
	s := secretsConfig(t)
	if s.sites[0].GeneratedSecrets["SESSION_KEY"] == nil {
		t.Fatal("GeneratedSecrets[SESSION_KEY] is nil")
	}
	secrets := cdktest.Resources(s.tpl, "AWS::SecretsManager::Secret")
	var found bool
	for id, r := range secrets {
		props := r["Properties"].(map[string]any)
		if _, literal := props["SecretString"]; literal {
			t.Errorf("secret %s has a SecretString literal", id)
		}
		if strings.Contains(id, "SESSIONKEY") {
			found = true
			gen, _ := json.Marshal(props["GenerateSecretString"])
			if string(gen) != `{"ExcludePunctuation":true,"PasswordLength":40}` {
				t.Errorf("GenerateSecretString = %s, want 40 letters and digits", gen)
			}
		}
	}
	if !found {
		t.Errorf("no generated secret SESSION_KEY among %d secrets", len(secrets))
	}
}

// TestFunctionMayReadExactlyItsSecrets holds the role to the reads of the
// listed parameters and secrets: GetParameter (not GetParameters, History
// or Describe) and GetSecretValue (not DescribeSecret), each on its own
// ARN, and kms:Decrypt of the customer key only through SSM or Secrets
// Manager.
func TestFunctionMayReadExactlyItsSecrets(t *testing.T) {
	s := secretsConfig(t)
	w := s.sites[0]
	role := *s.stack.GetLogicalId(w.Function.Role().Node().DefaultChild().(awscdk.CfnElement))
	secret := *s.stack.GetLogicalId(w.GeneratedSecrets["SESSION_KEY"].Node().DefaultChild().(awscdk.CfnElement))
	type statement struct {
		Effect    string
		Action    any
		Resource  any
		Condition map[string]map[string]any
	}
	var got []string
	for _, r := range cdktest.Resources(s.tpl, "AWS::IAM::Policy") {
		props := r["Properties"].(map[string]any)
		if roles, _ := json.Marshal(props["Roles"]); string(roles) != `[{"Ref":"`+role+`"}]` {
			continue
		}
		raw, _ := json.Marshal(props["PolicyDocument"].(map[string]any)["Statement"])
		var statements []statement
		if err := json.Unmarshal(raw, &statements); err != nil {
			t.Fatal(err)
		}
		for _, st := range statements {
			action, _ := json.Marshal(st.Action)
			resource, _ := json.Marshal(st.Resource)
			line := st.Effect + " " + string(action) + " on " + string(resource)
			if c := st.Condition; c != nil {
				cond, _ := json.Marshal(c)
				line += " if " + string(cond)
			}
			got = append(got, line)
		}
	}
	slices.Sort(got)
	want := []string{
		`Allow "kms:Decrypt" on "` + secretsKeyARN + `" if {"StringEquals":{"kms:ViaService":"secretsmanager.eu-west-1.amazonaws.com"}}`,
		`Allow "kms:Decrypt" on "` + secretsKeyARN + `" if {"StringEquals":{"kms:ViaService":"ssm.eu-west-1.amazonaws.com"}}`,
		`Allow "secretsmanager:GetSecretValue" on ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db-??????","` + partnerSecretARN + `",{"Ref":"` + secret + `"}]`,
		`Allow "ssm:GetParameter" on ["arn:aws:ssm:eu-west-1:123456789012:parameter/app/api-key","arn:aws:ssm:eu-west-1:123456789012:parameter/app/twilio"]`,
		`Allow ["logs:CreateLogStream","logs:PutLogEvents"] on {"Fn::GetAtt":["SiteFunctionLogs`, /* prefix */
	}
	if len(got) != len(want) {
		t.Fatalf("the function's role has %d statements, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("statement %d = %s\nwant %s", i, got[i], want[i])
		}
	}
}

func TestSecretsPassNagAndValidator(t *testing.T) {
	s := secretsConfig(t)
	for _, f := range cdktest.NagFindings(s.stack) {
		t.Errorf("cdk-nag: %s", f)
	}
	cdktest.CheckTemplatesExcept(t, nil, cdktest.TemplatePath(s.stack))
}

func TestWebAppFailsOnSecretsThatCannotWork(t *testing.T) {
	secure := func(stack awscdk.Stack, name string) awsssm.IParameter {
		return awsssm.StringParameter_FromSecureStringParameterAttributes(stack, jsii.String(name), &awsssm.SecureStringParameterAttributes{ParameterName: jsii.String("/app/" + name)})
	}
	tests := []struct {
		name string
		edit func(stack awscdk.Stack, p *Props)
		want string
	}{
		{"InvalidName", func(stack awscdk.Stack, p *Props) {
			p.Secrets = []Secret{SecretFromParameter("twilio-token", secure(stack, "a"))}
		}, `webapp Test/Site: Secrets[0] name "twilio-token" is invalid: use an upper-case letter, then upper-case letters, digits and '_' (the function gets WEBAPP_SECRET_<NAME>)`},
		{"Duplicate", func(stack awscdk.Stack, p *Props) {
			p.Secrets = []Secret{SecretFromParameter("TOKEN", secure(stack, "a")), GeneratedSecret("TOKEN")}
		}, `webapp Test/Site: Secrets[1] name "TOKEN" is also Secrets[0]'s: give each secret its own name`},
		{"StringParameter", func(stack awscdk.Stack, p *Props) {
			param := awsssm.StringParameter_FromStringParameterName(stack, jsii.String("Plain"), jsii.String("/app/plain"))
			p.Secrets = []Secret{SecretFromParameter("TOKEN", param)}
		}, `webapp Test/Site: Secrets[0] (TOKEN) parameter /app/plain is of type String, not SecureString: a secret must be stored encrypted; create it with aws ssm put-parameter --type SecureString and import it with awsssm.StringParameter_FromSecureStringParameterAttributes`},
		{"NoSource", func(_ awscdk.Stack, p *Props) { p.Secrets = []Secret{{}} },
			`webapp Test/Site: Secrets[0] has no name: give the name the function reads it by, such as "TWILIO_AUTH_TOKEN"`},
		{"ValueInEnvironment", func(_ awscdk.Stack, p *Props) {
			p.FunctionEnvironment = map[string]string{"WEBAPP_SECRET_TOKEN": "hunter2"}
		}, `webapp Test/Site: FunctionEnvironment sets WEBAPP_SECRET_TOKEN, which is for Secrets: a secret's value belongs in no environment; add it to Secrets, which passes a reference`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := newWebAppError(t, "us-east-1", tt.edit)
			if !strings.Contains(msg, tt.want) {
				t.Errorf("panic = %q\nwant it to contain %q", msg, tt.want)
			}
			if strings.Contains(msg, "hunter2") {
				t.Errorf("the message shows the variable's value: %s", msg)
			}
		})
	}
}

func TestNoSecretsAddNothing(t *testing.T) {
	s := config(t, "default")
	if s.sites[0].GeneratedSecrets != nil {
		t.Error("GeneratedSecrets is not nil without Secrets")
	}
	for k := range functionEnvironment(t, s) {
		if strings.HasPrefix(k, "WEBAPP_SECRET_") {
			t.Errorf("%s is set without Secrets", k)
		}
	}
}

// TestConstructLinksNoAWSSDK keeps a CDK app that imports the construct
// free of the AWS SDK, which only the function's webappsecret needs: the
// construct shares the secrets' contract through internal/secretref.
func TestConstructLinksNoAWSSDK(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "github.com/gowebapp/webapp/constructs/webapp").Output()
	if err != nil {
		t.Skip("go list:", err)
	}
	for dep := range strings.Lines(string(out)) {
		if strings.Contains(dep, "github.com/aws/aws-sdk-go-v2") || strings.Contains(dep, "/webappsecret") {
			t.Errorf("the construct links %s", strings.TrimSpace(dep))
		}
	}
}
