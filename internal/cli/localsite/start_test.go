package localsite

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gowebapp/webapp/internal/cli/modroot"
)

// reuseExample is examples/reuse: a team's own module with a stack that
// uses the construct, and a cdk.json whose app is `go run .`.
func reuseExample(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("synthesizes the reuse example and builds its function: skipped with -short")
	}
	root, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, "examples", "reuse")
}

// copyReuseExample copies the example's app (not its tests) into a new
// directory, its go.mod's replace pointed back at this checkout, so that a
// test may edit it and put its assembly beside it.
func copyReuseExample(t *testing.T) string {
	t.Helper()
	src := reuseExample(t)
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		switch {
		case d.IsDir() && (d.Name() == "testdata" || d.Name() == "cdk.out"):
			return filepath.SkipDir
		case d.IsDir():
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		case strings.HasSuffix(rel, "_test.go"):
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "mod", "edit", "-replace=github.com/gowebapp/webapp="+filepath.Dir(filepath.Dir(src)))
	cmd.Dir = dst
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go mod edit: %v\n%s", err, out)
	}
	return dst
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", url, resp.Status, b)
	}
	return string(b)
}

func startSite(t *testing.T, opts Options) (*Local, *lockedLog) {
	t.Helper()
	log := &lockedLog{}
	opts.Addr, opts.Log = "127.0.0.1:0", log
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	site, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("Start: %v\n%s", err, log)
	}
	t.Cleanup(func() { site.Close() })
	return site, log
}

// TestStartSynthesizesTheProjectBesideTheAssembly is what a team does with
// `webapp local -out ../mysite/cdk.out` from this repository: the project
// is the directory that holds the assembly, and the site served is that
// project's (the example's page), not this repository's Todo app. Then
// -watch: an edit of a static file is served once the new assembly runs,
// and an edit that breaks the app leaves the last good site serving.
func TestStartSynthesizesTheProjectBesideTheAssembly(t *testing.T) {
	project := copyReuseExample(t)
	root, _ := modroot.Find()
	t.Chdir(root) // this repository, which has a cdk.json and a stack of its own

	site, log := startSite(t, Options{Out: filepath.Join(project, "cdk.out")})
	if site.Project.Dir != project {
		t.Errorf("the project is %s, want %s, which holds the assembly", site.Project.Dir, project)
	}
	if home := get(t, site.URL); !strings.Contains(home, "<title>Docs</title>") {
		t.Fatalf("GET / is not the example's page:\n%s", home)
	}
	if !strings.Contains(strings.Join(site.Notes, "\n"), "synthesized cdk.out") {
		t.Errorf("the notes do not say the assembly was synthesized:\n%s", strings.Join(site.Notes, "\n"))
	}

	ctx, stop := context.WithCancel(context.Background())
	watching := make(chan struct{})
	go func() { defer close(watching); site.Watch(ctx, 100*time.Millisecond) }()
	defer func() { stop(); <-watching }()
	time.Sleep(300 * time.Millisecond) // the watcher's first scan

	css := filepath.Join(project, "public", "css", "docs.css")
	appendFile(t, css, "\n/* reloaded */\n")
	waitFor(t, log, "public/css/docs.css changed: reloaded in")
	if got := get(t, site.URL+"css/docs.css"); !strings.Contains(got, "/* reloaded */") {
		t.Errorf("after the reload, /css/docs.css is the old file:\n%s", got)
	}

	appendFile(t, filepath.Join(project, "main.go"), "\nthis does not compile\n")
	waitFor(t, log, "main.go changed, but the reload failed; still serving the previous assembly")
	if got := get(t, site.URL+"css/docs.css"); !strings.Contains(got, "/* reloaded */") {
		t.Errorf("after a failed reload, /css/docs.css is not the last good one:\n%s", got)
	}
}

// TestStartWithoutACLISynthesizesWithTheAppCommand synthesizes the example
// where no CDK CLI is installed: cdk.json's app runs with CDK_CONTEXT_JSON,
// and the assembly it writes is served.
func TestStartWithoutACLISynthesizesWithTheAppCommand(t *testing.T) {
	project := reuseExample(t)
	pathWithout(t, "cdk")
	t.Chdir(t.TempDir())

	site, _ := startSite(t, Options{Dir: project, Out: filepath.Join(t.TempDir(), "cdk.out"), Synth: SynthAlways})
	notes := strings.Join(site.Notes, "\n")
	if !strings.Contains(notes, "with go run . (cdk.json's app, run as the CDK CLI runs it") {
		t.Errorf("the notes do not say the app command synthesized:\n%s", notes)
	}
	if home := get(t, site.URL); !strings.Contains(home, "<title>Docs</title>") {
		t.Fatalf("GET / is not the example's page:\n%s", home)
	}
	tmpl, err := os.ReadFile(filepath.Join(site.Out, "ReuseExample.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	// What the CLI's context keys make the app write.
	for _, want := range []string{`"aws:cdk:path": "ReuseExample/Docs/Function/Resource"`, `"AWS::CDK::Metadata"`, `"aws:asset:path"`} {
		if !bytes.Contains(tmpl, []byte(want)) {
			t.Errorf("the template has no %s: the app did not get the CLI's context", want)
		}
	}
}

// TestStartRefusesADirectoryThatIsNotACDKApp: without cdk.json nothing is
// synthesized, and the message says what to do with this tool's flags.
func TestStartRefusesADirectoryThatIsNotACDKApp(t *testing.T) {
	dir := t.TempDir()
	_, err := Start(context.Background(), Options{Dir: dir, Addr: "127.0.0.1:0", Log: io.Discard})
	if err == nil {
		t.Fatal("Start in a directory without cdk.json succeeded")
	}
	for _, want := range []string{dir + " has no cdk.json", "-dir", "-synth never"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Start: %v\nwant it to say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "make") {
		t.Errorf("Start: %v\nnames make, which the directory does not have", err)
	}

	empty := t.TempDir()
	_, err = Start(context.Background(), Options{Out: empty, Synth: SynthNever, Addr: "127.0.0.1:0", Log: io.Discard})
	if err == nil || !strings.Contains(err.Error(), "no cloud assembly in "+empty) || !strings.Contains(err.Error(), "drop -synth never") ||
		strings.Contains(err.Error(), "cdk synth") {
		t.Errorf("Start -synth never without an assembly: %v, want it to say there is none and to drop -synth never, not to run a CLI the project may lack", err)
	}

	project := t.TempDir()
	writeFiles(t, project, map[string]string{"cdk.json": `{"app": "go run ."}`})
	if _, err := Start(context.Background(), Options{Out: project, Addr: "127.0.0.1:0", Log: io.Discard}); err == nil ||
		!strings.Contains(err.Error(), "it is a CDK app's directory, not a cloud assembly: name it with -dir") {
		t.Errorf("Start with -out naming a project: %v, want it to say to use -dir", err)
	}
}

// TestStartWithTablesAndNoDynaliteSaysHowToAddIt serves the fixture
// assembly, which has a table, for a project without dynalite.
func TestStartWithTablesAndNoDynaliteSaysHowToAddIt(t *testing.T) {
	pathWithout(t, "dynalite")
	out, err := filepath.Abs("testdata/assembly")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"Makefile": "local:\n\tgo tool webapp local\n"})
	_, err = Start(context.Background(), Options{Dir: dir, Out: out, Synth: SynthNever, Addr: "127.0.0.1:0", Log: io.Discard})
	if err == nil {
		t.Fatal("Start without dynalite succeeded")
	}
	for _, want := range []string{"DynamoDB tables, which run in dynalite", filepath.Join(dir, "node_modules", ".bin", "dynalite"), "npm install --save-dev dynalite@4.0.0"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Start: %v\nwant it to say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "make") {
		t.Errorf("Start: %v\nnames make, but the project's Makefile has no target that installs dynalite", err)
	}
}

func appendFile(t *testing.T, name, text string) {
	t.Helper()
	f, err := os.OpenFile(name, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// waitFor waits until the log says want.
func waitFor(t *testing.T, log *lockedLog, want string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for !strings.Contains(log.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("the log never said %q:\n%s", want, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// lockedLog is a log that many goroutines write (a site, an edge, a
// function's runtime) while a test reads it.
type lockedLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
