// Package secretref is the contract between the WebApp construct and
// webappsecret: the environment variable that carries a secret's reference,
// the references' forms and what a secret's name may be. It depends on
// nothing, so that the construct, which a CDK app links, does not link the
// AWS SDK that webappsecret reads with; webappsecret re-exports it.
package secretref

// EnvPrefix starts the variable of a secret's reference:
// WEBAPP_SECRET_TWILIO_AUTH_TOKEN for the secret TWILIO_AUTH_TOKEN.
const EnvPrefix = "WEBAPP_SECRET_"

// Reference prefixes: "ssm:" and a parameter's name or ARN, or
// "secretsmanager:" and a secret's ARN or name.
const (
	SSMPrefix            = "ssm:"
	SecretsManagerPrefix = "secretsmanager:"
)

// ValidName reports whether name may name a secret: an upper-case letter,
// then upper-case letters, digits and '_' (^[A-Z][A-Z0-9_]*$), the rest of
// an environment variable's name. A loop, not a regexp compiled at init.
func ValidName(name string) bool {
	for i, c := range []byte(name) {
		if !('A' <= c && c <= 'Z' || i > 0 && ('0' <= c && c <= '9' || c == '_')) {
			return false
		}
	}
	return name != ""
}

// EnvName is the variable of the secret name's reference.
func EnvName(name string) string { return EnvPrefix + name }
