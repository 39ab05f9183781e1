package main

import "testing"

func TestDevRefusesBadArguments(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want int
	}{
		{"an -env without =", []string{"-env", "TABLE_NAME"}, 2},
		{"an argument", []string{"lambda"}, 2},
		{"no function directory", []string{"-dir", t.TempDir(), "-port", "0"}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := runDev(tt.args); got != tt.want {
				t.Errorf("runDev(%q) = %d, want %d", tt.args, got, tt.want)
			}
		})
	}
}
