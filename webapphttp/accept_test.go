package webapphttp

import (
	"net/http/httptest"
	"testing"
)

func TestPrefersHTML(t *testing.T) {
	for accept, want := range map[string]bool{
		"":                 false,
		"*/*":              false,
		"application/json": false,
		"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8": true,
		"text/html":                         true,
		"application/json, text/html;q=0.5": false,
		"text/html;q=0.5, application/json": false,
		"text/html, application/json;q=0.9": true,
		"text/html;q=0":                     false,
		"text/html;q=abc":                   false,
		"garbage;;;":                        false,
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept", accept)
		if got := PrefersHTML(r); got != want {
			t.Errorf("PrefersHTML(Accept: %q) = %v, want %v", accept, got, want)
		}
	}
}
