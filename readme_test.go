package main

import (
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gowebapp/webapp/constructs/webapp"
	"github.com/gowebapp/webapp/tools/cdktest"
)

// The README is what a newcomer follows literally: these tests keep the parts
// of it that restate the code equal to the code.

func readme(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// section returns the README's text from the line that starts with heading
// to the next line that starts with "#" at that depth or higher.
func section(t *testing.T, doc, heading string) string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README has no %q", heading)
	}
	level := strings.Repeat("#", strings.Count(strings.Fields(heading)[0], "#"))
	for i, line := range strings.Split(rest, "\n") {
		if strings.HasPrefix(line, "#") && strings.HasPrefix(level, strings.Fields(line)[0]) {
			return strings.Join(strings.Split(rest, "\n")[:i], "\n")
		}
	}
	return rest
}

func TestReadmeOutputKeysAreTheDeployedOnes(t *testing.T) {
	printed := regexp.MustCompile(`(?m)^\s*GoWebApp-v1\.(\w+) = `).FindAllStringSubmatch(section(t, readme(t), "## Deploy"), -1)
	var got []string
	for _, m := range printed {
		got = append(got, m[1])
	}
	raw, err := os.ReadFile("testdata/no-domain.GoWebApp-v1.json")
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Outputs map[string]any
	}
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	var want []string
	for k := range tpl.Outputs {
		want = append(want, k)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("README's Deploy section prints the outputs %v; the template (testdata/no-domain.GoWebApp-v1.json) has %v", got, want)
	}
}

func TestReadmeStagesAreCdkJsons(t *testing.T) {
	block := regexp.MustCompile("(?s)```json\n(.*?)```").FindStringSubmatch(section(t, readme(t), "### Stages side by side"))
	if block == nil {
		t.Fatal("README's stages section has no json block")
	}
	var shown map[string]any
	if err := json.Unmarshal([]byte("{"+block[1]+"}"), &shown); err != nil {
		t.Fatalf("README's stages block is not JSON: %v", err)
	}
	if stages := cdktest.CdkJSONContext(t)["stages"]; !reflect.DeepEqual(shown["stages"], stages) {
		t.Errorf("README shows the stages\n%v\ncdk.json has\n%v", shown["stages"], stages)
	}
}

// TestReadmesListEveryStageSetting: the "Settings:" paragraphs of the README
// and of the README that `webapp new` writes name every key a stage may
// have, and nothing else in backquotes that is not one, so a new setting
// cannot go undocumented in either.
func TestReadmesListEveryStageSetting(t *testing.T) {
	var keys []string
	st := reflect.TypeFor[webapp.StageSettings]()
	for i := range st.NumField() {
		if name, _, _ := strings.Cut(st.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			keys = append(keys, name)
		}
	}
	slices.Sort(keys)
	for _, file := range []string{"README.md", "internal/cli/scaffold/site/README.md.tmpl"} {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		_, rest, ok := strings.Cut(string(raw), "\nSettings: ")
		if !ok {
			t.Fatalf("%s has no paragraph starting \"Settings: \"", file)
		}
		paragraph, _, _ := strings.Cut(rest, "\n\n")
		paragraph, _, _ = strings.Cut(paragraph, "; an unknown")
		paragraph, _, _ = strings.Cut(paragraph, ". An unknown")
		// A setting's values may follow it in parentheses.
		paragraph = regexp.MustCompile(`\([^)]*\)`).ReplaceAllString(paragraph, "")
		var listed []string
		for _, m := range regexp.MustCompile("`([A-Za-z]+)`").FindAllStringSubmatch(paragraph, -1) {
			listed = append(listed, m[1])
		}
		slices.Sort(listed)
		if !slices.Equal(listed, keys) {
			t.Errorf("%s lists the settings %v; webapp.StageSettings has %v", file, listed, keys)
		}
	}
}
