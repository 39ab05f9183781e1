package main

import (
	"os"
	"testing"

	"github.com/gowebapp/webapp/webappassets"
)

// TestPageLinksOnlyFilesThatExist: every asset the page links is in public/,
// the construct's StaticDir, so a typo fails here and not on a page.
func TestPageLinksOnlyFilesThatExist(t *testing.T) {
	assets := webappassets.FromDir(os.DirFS("../public"), nil)
	if err := webappassets.Check(newPage(assets), assets); err != nil {
		t.Error(err)
	}
	if err := webappassets.Check(newPage(assets), webappassets.FromDir(os.DirFS(t.TempDir()), nil)); err == nil {
		t.Error("Check found nothing missing in an empty static directory")
	}
}
