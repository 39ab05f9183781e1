package staticpaths

import "testing"

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"/css/*", "/css/site.css", true},
		{"/css/*", "/css/", true},
		{"/css/*", "/css", false},
		{"/css/*", "/CSS/site.css", false},
		{"/css/*", "/js/css/x", false},
		{"/images/*", "/images/a/b/c.png", true},
		{"/favicon.ico", "/favicon.ico", true},
		{"/favicon.ico", "/favicon.icon", false},
		{"favicon.ico", "/favicon.ico", true},
		{"/*.png", "/a/b.png", true},
		{"/file?.txt", "/file1.txt", true},
		{"/file?.txt", "/file12.txt", false},
		{"/a*b*c", "/aXXbYYc", true},
		{"/a*b*c", "/aXXbYY", false},
		{"*", "/anything", true},
	}
	for _, tt := range tests {
		if got := Match(tt.pattern, tt.path); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.path, got, tt.want)
		}
	}
}

func TestMatchAnyDefault(t *testing.T) {
	for path, want := range map[string]bool{
		"/css/site.css":  true,
		"/js/app.js":     true,
		"/images/x.svg":  true,
		"/favicon.ico":   true,
		"/":              false,
		"/todos":         false,
		"/cssx/site.css": false,
	} {
		if got := MatchAny(Default(), path); got != want {
			t.Errorf("MatchAny(Default(), %q) = %v, want %v", path, got, want)
		}
	}
}

func TestDefaultIsACopy(t *testing.T) {
	d := Default()
	d[0] = "/changed/*"
	if Default()[0] == "/changed/*" {
		t.Fatal("Default() returned shared state: a caller's change leaked into the next call")
	}
}
