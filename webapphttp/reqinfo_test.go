package webapphttp

import (
	"net/http/httptest"
	"testing"
)

func TestURL(t *testing.T) {
	r := httptest.NewRequest("GET", "/todos", nil)
	if got, want := URL(r, "/todos"), "/todos"; got != want {
		t.Errorf("without info: URL = %q, want %q", got, want)
	}
	r = r.WithContext(WithInfo(r.Context(), Info{Stage: "v1", BasePath: "/v1"}))
	if got, want := URL(r, "/todos"), "/v1/todos"; got != want {
		t.Errorf("direct to the stage: URL = %q, want %q", got, want)
	}
	if got := InfoFrom(r.Context()).Stage; got != "v1" {
		t.Errorf("Stage = %q, want v1", got)
	}
}
