package webappsecret

import (
	"fmt"
	"strings"

	"github.com/gowebapp/webapp/internal/secretref"
)

// EnvPrefix starts the environment variable that holds a secret's
// reference: WEBAPP_SECRET_TWILIO_AUTH_TOKEN for the secret
// TWILIO_AUTH_TOKEN.
const EnvPrefix = secretref.EnvPrefix

// Reference prefixes: "ssm:" and a parameter's name or ARN, or
// "secretsmanager:" and a secret's ARN or name. A bare Secrets Manager ARN
// (arn:aws:secretsmanager:...) is taken as well, which is what the construct
// writes for a secret.
const (
	SSMPrefix            = secretref.SSMPrefix
	SecretsManagerPrefix = secretref.SecretsManagerPrefix
)

// ValidName reports whether name may name a secret: an upper-case letter,
// then upper-case letters, digits and '_'.
func ValidName(name string) bool { return secretref.ValidName(name) }

// EnvName is the environment variable of the secret's reference.
func EnvName(name string) string { return secretref.EnvName(name) }

// service is where a secret lives.
type service int

const (
	ssmParameter service = iota + 1
	secretsManagerSecret
)

// source is a parsed reference: the service and the parameter's name (or
// ARN) or the secret's id.
type source struct {
	service service
	id      string
}

// String says what the source is, for error messages: the reference, which
// names the parameter or secret and never holds its value.
func (s source) String() string {
	if s.service == ssmParameter {
		return "SSM parameter " + s.id
	}
	return "Secrets Manager secret " + s.id
}

// parseReference reads the value of WEBAPP_SECRET_<NAME>.
func parseReference(ref string) (source, error) {
	switch {
	case strings.HasPrefix(ref, SSMPrefix) && len(ref) > len(SSMPrefix):
		return source{ssmParameter, strings.TrimPrefix(ref, SSMPrefix)}, nil
	case strings.HasPrefix(ref, SecretsManagerPrefix) && len(ref) > len(SecretsManagerPrefix):
		return source{secretsManagerSecret, strings.TrimPrefix(ref, SecretsManagerPrefix)}, nil
	}
	// arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE
	if parts := strings.SplitN(ref, ":", 6); len(parts) == 6 && parts[0] == "arn" {
		switch {
		case parts[2] == "secretsmanager" && strings.HasPrefix(parts[5], "secret:"):
			return source{secretsManagerSecret, ref}, nil
		case parts[2] == "ssm" && strings.HasPrefix(parts[5], "parameter/"):
			return source{ssmParameter, ref}, nil
		}
	}
	// Not echoed: a variable that holds no reference may hold the value.
	return source{}, fmt.Errorf("it holds no reference (%sNAME, or a Secrets Manager ARN); what it holds is not shown, in case it is the value", SSMPrefix)
}
