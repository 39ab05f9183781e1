package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// exampleSynth is the synth of examples/reuse, started by TestMain so that
// compiling another CDK app overlaps with this package's own synths.
type exampleSynth struct {
	done   chan struct{}
	outdir string
	output []byte
	err    error
}

var example *exampleSynth

func startExampleSynth(outdir string) {
	example = &exampleSynth{done: make(chan struct{}), outdir: outdir}
	go func() {
		defer close(example.done)
		cmd := exec.Command("go", "run", ".")
		cmd.Dir = filepath.Join("examples", "reuse")
		cmd.Env = append(os.Environ(), "CDK_OUTDIR="+outdir, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20")
		example.output, example.err = cmd.CombinedOutput()
	}()
}

// TestConstructIsUsableFromAnotherModule synthesizes examples/reuse, a CDK app
// in its own Go module that imports the construct, and checks its template:
// nothing in the construct may depend on being inside this module.
func TestConstructIsUsableFromAnotherModule(t *testing.T) {
	if example == nil {
		t.Skip("builds and runs another module: skipped with -short")
	}
	<-example.done
	if example.err != nil {
		t.Fatalf("go run examples/reuse: %v\n%s", example.err, example.output)
	}
	raw, err := os.ReadFile(filepath.Join(example.outdir, "ReuseExample.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	var function, distribution bool
	for _, r := range tpl.Resources {
		switch {
		case r.Type == "AWS::Lambda::Function" && r.Properties["Runtime"] == "provided.al2023":
			env, _ := json.Marshal(r.Properties["Environment"])
			function = strings.Contains(string(env), "UPLOADS_BUCKET")
		case r.Type == "AWS::CloudFront::Distribution":
			cfg, _ := json.Marshal(r.Properties["DistributionConfig"])
			distribution = strings.Contains(string(cfg), `"OriginPath":"/docs"`)
		}
	}
	if !function {
		t.Error("the example's function is missing or lacks the UPLOADS_BUCKET it added")
	}
	if !distribution {
		t.Error("the example's distribution is missing or its API origin path is not /docs")
	}
}
