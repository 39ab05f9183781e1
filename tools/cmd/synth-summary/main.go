// Command synth-summary prints what a cloud assembly (cdk.out) would deploy:
// each stack with its environment and template file, and its resources
// counted by type, so a reviewer sees the shape of a change at a glance.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

type manifest struct {
	Artifacts map[string]struct {
		Type        string `json:"type"`
		Environment string `json:"environment"`
		Properties  struct {
			TemplateFile string `json:"templateFile"`
		} `json:"properties"`
	} `json:"artifacts"`
}

type template struct {
	Resources map[string]struct {
		Type string `json:"Type"`
	} `json:"Resources"`
	Outputs map[string]struct {
		Description string `json:"Description"`
	} `json:"Outputs"`
}

func main() {
	dir := "cdk.out"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	if err := summarize(os.Stdout, dir); err != nil {
		fmt.Fprintln(os.Stderr, "synth-summary:", err)
		os.Exit(1)
	}
}

func summarize(w io.Writer, dir string) error {
	var m manifest
	if err := readJSON(filepath.Join(dir, "manifest.json"), &m); err != nil {
		return err
	}
	var stacks []string
	for name, a := range m.Artifacts {
		if a.Type == "aws:cloudformation:stack" {
			stacks = append(stacks, name)
		}
	}
	if len(stacks) == 0 {
		return fmt.Errorf("%s has no stacks", dir)
	}
	sort.Strings(stacks)
	for _, name := range stacks {
		a := m.Artifacts[name]
		path := filepath.Join(dir, a.Properties.TemplateFile)
		var t template
		if err := readJSON(path, &t); err != nil {
			return err
		}
		fmt.Fprintf(w, "%s  (%s)\n  template: %s\n", name, a.Environment, path)
		counts := map[string]int{}
		for _, r := range t.Resources {
			counts[r.Type]++
		}
		types := make([]string, 0, len(counts))
		for typ := range counts {
			types = append(types, typ)
		}
		sort.Strings(types)
		for _, typ := range types {
			fmt.Fprintf(w, "  %3d  %s\n", counts[typ], typ)
		}
		outputs := make([]string, 0, len(t.Outputs))
		for id := range t.Outputs {
			outputs = append(outputs, id)
		}
		sort.Strings(outputs)
		for _, id := range outputs {
			fmt.Fprintf(w, "  output %s: %s\n", id, t.Outputs[id].Description)
		}
	}
	return nil
}

func readJSON(path string, v any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}
