package webappsecret

// Error is why a secret could not be had. It names the secret and says
// what is missing; it never holds the secret's value, so it may be logged.
// An app answers it with 503 Service Unavailable: the page cannot be made
// without the secret, and a store that failed may answer in a moment.
type Error struct {
	// Name is the secret's name, as in Props.Secrets.
	Name string
	// Reason says what is missing or failed: the variable, the parameter or
	// secret, the permission, an answer in time.
	Reason string
	// Err is the SDK's error, if one caused it.
	Err error
}

func (e *Error) Error() string {
	msg := "webappsecret: secret " + e.Name + ": " + e.Reason
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }
