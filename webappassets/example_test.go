package webappassets_test

import (
	"fmt"
	"html/template"
	"log"
	"os"
	"testing/fstest"

	"github.com/gowebapp/webapp/webappassets"
)

func Example() {
	// In a function: assets, err := webappassets.Load(). Here, the manifest
	// of a static directory, as the construct builds it at synth.
	assets, err := webappassets.Build(fstest.MapFS{"css/site.css": {Data: []byte("body{}")}}, nil)
	if err != nil {
		log.Fatal(err)
	}
	page := template.Must(template.New("page").Funcs(assets.FuncMap()).Parse(
		`<link rel="stylesheet" href="{{asset "/css/site.css"}}">` + "\n"))
	if err := webappassets.Check(page, assets); err != nil {
		log.Fatal(err) // in a test: a reference to a file that is not there
	}
	page.Execute(os.Stdout, nil)
	fmt.Println(webappassets.ImmutableCacheControl)
	// Output:
	// <link rel="stylesheet" href="/css/site.7c98040a54.css">
	// public, max-age=31536000, immutable
}
