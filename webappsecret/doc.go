// Package webappsecret reads the app's secrets in a function deployed with
// the WebApp construct (github.com/gowebapp/webapp/constructs/webapp): an SSM
// SecureString parameter or a Secrets Manager secret, each by the name it has
// in Props.Secrets.
//
//	token, err := webappsecret.Get(r.Context(), "TWILIO_AUTH_TOKEN")
//	if err != nil {
//		// a *webappsecret.Error: answer 503, log err (it never holds the value)
//	}
//
// # What the construct passes
//
// The function's environment holds a reference per secret, never a value:
// WEBAPP_SECRET_<NAME> is "ssm:<parameter name>" or the secret's Secrets
// Manager ARN ("secretsmanager:<id>" is taken too). The function's role may
// read exactly those parameters and secrets.
//
// # Reading, caching, rotation
//
// A secret is read on its first use, not at init: a cold start makes no
// client and no network call for it. The value is kept for the Reader's TTL
// (five minutes by default); the first use after that still gets it while a
// newer one is read in the background, so a rotated secret reaches every
// execution environment within about the TTL, and a store that fails for a
// while does not fail requests until the value is twice the TTL old.
// Callers that arrive while a read is under way wait for that one read
// rather than making their own. A rotation therefore reaches every
// environment within twice the TTL (ten minutes by default): whatever checks
// the secret should accept the old value that long. The SDK configuration
// is loaded once, on the first read (Reader.LoadConfig; by default
// webappaws.Config, which on Lambda links none of the SDK's shared
// configuration code), and one client serves every secret of both services:
// the SDK's signer and credentials with the two JSON calls made here, since
// the SDK's ssm and secretsmanager packages alone would add 2.3 ms and
// 1.75 MB to every cold start's init (client.go). The package itself has no
// init work at all.
//
// # Failures
//
// Every failure is an [*Error] naming the secret and what is missing (the
// variable, the parameter, the permission, an answer in time); it holds no
// value, and the package logs nothing. The value itself belongs in no log, no
// error and no response: an app answers such an error with 503 Service
// Unavailable and a Retry-After (see the Example), as the secret's store may
// be back in a moment.
//
// # On this machine
//
// `make dev` and `make local` serve the secrets from values on this machine
// (.secrets.local.json at the project's root, or WEBAPP_SECRET_<NAME>_VALUE
// in their environment) through a local server that speaks the SSM and
// Secrets Manager protocols, so the function reads them exactly as in Lambda,
// and they print which secrets are stand-ins.
package webappsecret
