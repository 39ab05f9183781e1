package webapp

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/internal/secretref"
)

// Secret is a value the function reads by name at run time, with
// webappsecret.Get, from an SSM SecureString parameter or a Secrets Manager
// secret. The function gets a reference to it (WEBAPP_SECRET_<NAME>), never
// the value, and its role may read that parameter or secret and no other.
// Make one with SecretFromParameter, SecretFromEncryptedParameter,
// SecretFromSecretsManager or GeneratedSecret.
type Secret struct {
	name      string
	parameter awsssm.IParameter
	key       awskms.IKey
	secret    awssecretsmanager.ISecret
	generated bool
}

// SecretFromParameter is the SSM SecureString parameter p, encrypted with
// SSM's AWS managed key (aws/ssm), as the secret name: for example
// awsssm.StringParameter_FromSecureStringParameterAttributes(stack, id,
// &awsssm.SecureStringParameterAttributes{ParameterName: "/app/token"}).
// CloudFormation cannot create SecureString parameters: create it with aws
// ssm put-parameter --type SecureString.
func SecretFromParameter(name string, p awsssm.IParameter) Secret {
	return Secret{name: name, parameter: p}
}

// SecretFromEncryptedParameter is the SSM SecureString parameter p
// encrypted with the customer managed key: the function may also decrypt
// with key, through SSM only (kms:ViaService).
func SecretFromEncryptedParameter(name string, p awsssm.IParameter, key awskms.IKey) Secret {
	return Secret{name: name, parameter: p, key: key}
}

// SecretFromSecretsManager is the Secrets Manager secret s, yours (for
// example awssecretsmanager.Secret_FromSecretNameV2) or one of your stack's;
// its string value is what the function reads. When s has a customer
// managed key, the function may decrypt with it through Secrets Manager
// only.
func SecretFromSecretsManager(name string, s awssecretsmanager.ISecret) Secret {
	return Secret{name: name, secret: s}
}

// GeneratedSecret is a Secrets Manager secret that the construct creates
// with a generated value of 40 letters and digits, such as a key that signs
// the site's cookies (WebApp.GeneratedSecrets). Its construct id is name,
// so renaming the secret replaces it with a new value. It is deleted with
// the stack.
func GeneratedSecret(name string) Secret {
	return Secret{name: name, generated: true}
}

// Name is the name the function reads the secret by.
func (s Secret) Name() string { return s.name }

// validateSecrets checks Props.Secrets, and that FunctionEnvironment does
// not set what they set.
func (p Props) validateSecrets(add func(string, ...any)) {
	seen := map[string]int{}
	for i, s := range p.Secrets {
		prefix := fmt.Sprintf("Secrets[%d]", i)
		switch {
		case s.name == "":
			add("%s has no name: give the name the function reads it by, such as \"TWILIO_AUTH_TOKEN\"", prefix)
		case unresolved(s.name) || !secretref.ValidName(s.name):
			add("%s name %q is invalid: use an upper-case letter, then upper-case letters, digits and '_' (the function gets %s<NAME>)", prefix, s.name, secretref.EnvPrefix)
		default:
			if j, dup := seen[s.name]; dup {
				add("%s name %q is also Secrets[%d]'s: give each secret its own name", prefix, s.name, j)
			} else {
				seen[s.name] = i
			}
		}
		if s.name != "" {
			prefix += " (" + s.name + ")"
		}
		switch {
		case s.parameter == nil && s.secret == nil && !s.generated:
			add("%s has no parameter or secret: make it with webapp.SecretFromParameter, SecretFromEncryptedParameter, SecretFromSecretsManager or GeneratedSecret", prefix)
		case s.parameter != nil:
			if typ := s.parameter.ParameterType(); typ != nil && !unresolved(*typ) && *typ != "SecureString" {
				add("%s parameter %s is of type %s, not SecureString: a secret must be stored encrypted; create it with aws ssm put-parameter --type SecureString and import it with awsssm.StringParameter_FromSecureStringParameterAttributes",
					prefix, *s.parameter.ParameterName(), *typ)
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(p.FunctionEnvironment)) {
		if strings.HasPrefix(k, secretref.EnvPrefix) {
			add("FunctionEnvironment sets %s, which is for Secrets: a secret's value belongs in no environment; add it to Secrets, which passes a reference", k)
		}
	}
}

// addSecrets passes each secret's reference to fn and lets fn's role read
// it, and it alone; it returns the secrets it generated, by name.
func addSecrets(scope constructs.Construct, p Props, fn awslambda.Function) map[string]awssecretsmanager.Secret {
	if len(p.Secrets) == 0 {
		return nil
	}
	generated := map[string]awssecretsmanager.Secret{}
	var holder constructs.Construct
	region := awscdk.Stack_Of(scope).Region()
	for _, s := range p.Secrets {
		var (
			ref       *string
			statement awsiam.PolicyStatement
			key       awskms.IKey
			via       string
		)
		switch {
		case s.parameter != nil:
			ref = jsii.String(secretref.SSMPrefix + *s.parameter.ParameterName())
			statement = allow(*s.parameter.ParameterArn(), "ssm:GetParameter")
			key, via = s.key, "ssm"
		default:
			secret := s.secret
			if s.generated {
				if holder == nil {
					holder = constructs.NewConstruct(scope, jsii.String("Secrets"))
				}
				created := newGeneratedSecret(holder, s.name)
				generated[s.name], secret = created, created
			}
			ref = secret.SecretArn()
			statement = allow(secretArnForPolicies(secret), "secretsmanager:GetSecretValue")
			key, via = secret.EncryptionKey(), "secretsmanager"
		}
		fn.AddEnvironment(jsii.String(secretref.EnvName(s.name)), ref, nil)
		fn.Role().AddToPrincipalPolicy(statement)
		if key != nil {
			// The key decrypts for the function only when the service asks on
			// its behalf: a ciphertext fetched elsewhere stays sealed.
			decrypt := allow(*key.KeyArn(), "kms:Decrypt")
			decrypt.AddCondition(jsii.String("StringEquals"), map[string]any{
				"kms:ViaService": *awscdk.Fn_Join(jsii.String(""), jsii.Strings(via+".", *region, ".amazonaws.com")),
			})
			fn.Role().AddToPrincipalPolicy(decrypt)
		}
	}
	if len(generated) == 0 {
		return nil
	}
	return generated
}

func allow(resource string, actions ...string) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings(actions...), Resources: jsii.Strings(resource),
	})
}

// secretArnForPolicies is the secret's full ARN or, for a secret imported by
// name, its partial ARN and the six characters Secrets Manager appends, as
// CDK's own grants write it.
func secretArnForPolicies(s awssecretsmanager.ISecret) string {
	if full := s.SecretFullArn(); full != nil {
		return *full
	}
	return *s.SecretArn() + "-??????"
}

func newGeneratedSecret(scope constructs.Construct, name string) awssecretsmanager.Secret {
	secret := awssecretsmanager.NewSecret(scope, jsii.String(name), &awssecretsmanager.SecretProps{
		Description: jsii.String("The web app's secret " + name + ", generated; the function reads it with webappsecret.Get"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			ExcludePunctuation: jsii.Bool(true),
			PasswordLength:     jsii.Number(40),
		},
	})
	suppress(secret, false, [2]string{"AwsSolutions-SMG4",
		"A generated app secret has no rotation Lambda: rotate it by putting a new value (aws secretsmanager put-secret-value); the function reads it again within webappsecret's TTL"})
	return secret
}
