package webapphttp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

// requestOf decodes the event fixture and turns it into the request the
// handlers see, as the Lambda function does.
func requestOf(t *testing.T, fixture string) *http.Request {
	t.Helper()
	r, err := NewRequest(context.Background(), loadEvent(t, fixture))
	if err != nil {
		t.Fatalf("%s: NewRequest: %v", fixture, err)
	}
	return r
}

func TestCallerOfEvents(t *testing.T) {
	tests := []struct {
		fixture string
		want    Caller
		found   bool
	}{
		{
			"lambda-token-authorizer.json",
			Caller{PrincipalID: "user-42", Claims: map[string]any{"tenant": "acme", "plan": "pro", "admin": "true", "quota": "100"}},
			true,
		},
		{
			"lambda-request-authorizer.json",
			Caller{PrincipalID: "service:billing", Claims: map[string]any{"scope": "todos:write"}},
			true,
		},
		{
			"cognito-authorizer.json",
			Caller{PrincipalID: "a1b2c3d4-5678-90ab-cdef-1234567890ab", Claims: map[string]any{
				"sub":              "a1b2c3d4-5678-90ab-cdef-1234567890ab",
				"email_verified":   "true",
				"iss":              "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEfGhI",
				"cognito:username": "alice",
				"origin_jti":       "5e7f9a1b-3c5d-4e7f-9a1b-3c5d7e9f1a3b",
				"aud":              "6k2q8r4t0v6x2z4b6d8f0h2j4l",
				"event_id":         "9b8a7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d",
				"token_use":        "id",
				"auth_time":        "1794474000",
				"exp":              "Thu Nov 12 10:14:00 UTC 2026",
				"iat":              "Thu Nov 12 09:14:00 UTC 2026",
				"jti":              "1a3c5e7f-9b1d-4f3a-5c7e-9f1b3d5e7a9c",
				"email":            "alice@example.com",
			}},
			true,
		},
		// AWS_IAM: the signer API Gateway verified, from requestContext.identity.
		{"iam.json", Caller{
			PrincipalID: "arn:aws:sts::123456789012:assumed-role/TodoReader/deploy-bot",
			Claims: map[string]any{
				"userArn":   "arn:aws:sts::123456789012:assumed-role/TodoReader/deploy-bot",
				"accountId": "123456789012",
				"user":      "AROAEXAMPLEROLEID1234:deploy-bot",
				"caller":    "AROAEXAMPLEROLEID1234:deploy-bot",
				"accessKey": "ASIAEXAMPLEKEY123456",
			},
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			got, found := CallerOf(requestOf(t, tt.fixture))
			if found != tt.found || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("CallerOf = %#v, %v\nwant       %#v, %v", got, found, tt.want, tt.found)
			}
		})
	}
}

func TestCallerOfContexts(t *testing.T) {
	tests := []struct {
		name       string
		authorizer map[string]any
		want       Caller
		found      bool
	}{
		{"no authorizer", nil, Caller{}, false},
		{"empty principal", map[string]any{"principalId": "", "tenant": "acme"}, Caller{}, false},
		{"principal not a string", map[string]any{"principalId": 42.0}, Caller{}, false},
		{"empty claims", map[string]any{"claims": map[string]any{}}, Caller{}, false},
		{"only a principal", map[string]any{"principalId": "u1"}, Caller{PrincipalID: "u1", Claims: map[string]any{}}, true},
		{
			"JWT authorizer: claims keep their JSON types, no sub",
			map[string]any{"claims": map[string]any{"client_id": "c1", "iat": 1516239022.0, "roles": []any{"user", "editor"}}},
			Caller{Claims: map[string]any{"client_id": "c1", "iat": 1516239022.0, "roles": []any{"user", "editor"}}},
			true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/todos", nil)
			r = r.WithContext(WithInfo(r.Context(), Info{Authorizer: tt.authorizer}))
			got, found := CallerOf(r)
			if found != tt.found || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("CallerOf = %#v, %v\nwant       %#v, %v", got, found, tt.want, tt.found)
			}
		})
	}
}

func TestCallerOfWithoutInfo(t *testing.T) {
	if c, found := CallerOf(httptest.NewRequest("GET", "/todos", nil)); found {
		t.Errorf("CallerOf a plain request = %#v, true; want no caller", c)
	}
}

func TestCallerClaimsAreACopy(t *testing.T) {
	r := requestOf(t, "lambda-token-authorizer.json")
	c, _ := CallerOf(r)
	c.Claims["tenant"] = "changed"
	if again, _ := CallerOf(r); again.Claims["tenant"] != "acme" {
		t.Errorf("after changing one caller's claims, tenant = %v, want acme", again.Claims["tenant"])
	}
}

func TestCallerClaim(t *testing.T) {
	c := Caller{Claims: map[string]any{
		"email": "alice@example.com", "iat": 1516239022.0, "ratio": 0.5, "verified": true,
		"roles": []any{"user", "editor"}, "address": map[string]any{"city": "Seattle"},
	}}
	for name, want := range map[string]string{
		"email":    "alice@example.com",
		"iat":      "1516239022",
		"ratio":    "0.5",
		"verified": "true",
		"roles":    `["user","editor"]`,
		"address":  `{"city":"Seattle"}`,
		"missing":  "",
	} {
		if got := c.Claim(name); got != want {
			t.Errorf("Claim(%q) = %q, want %q", name, got, want)
		}
	}
}
