package localsite

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// copyDir copies the directory src to dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, _ := d.Info()
		return os.WriteFile(filepath.Join(dst, rel), b, info.Mode())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestReloadSwapsTheSiteOnTheSameAddress serves a copy of the fixture
// assembly, changes it and reloads (with SynthNever, Reload only reads the
// assembly again): requests all along are answered, the new content is
// served at the same URL, the table keeps its items, and an assembly that
// cannot be read leaves the last good site serving.
func TestReloadSwapsTheSiteOnTheSameAddress(t *testing.T) {
	needNode(t)
	if _, err := exec.LookPath("dynalite"); err != nil {
		t.Skip("dynalite is not on PATH (node_modules/.bin): the fixture's table cannot run")
	}
	out := filepath.Join(t.TempDir(), "cdk.out")
	copyDir(t, "testdata/assembly", out)
	site, _ := startSite(t, Options{Dir: t.TempDir(), Out: out, Synth: SynthNever})
	url, endpoint := site.URL, site.DynamoDB

	ctx := context.Background()
	db := site.current.Load().db.Client()
	table := aws.String(site.Site.Tables[0].Name)
	key := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "a"}, "sk": &types.AttributeValueMemberS{Value: "b"}}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: key}); err != nil {
		t.Fatal(err)
	}

	// Requests while reloading: every one must be answered.
	var failed, served atomic.Int64
	stop := make(chan struct{})
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		for {
			select {
			case <-stop:
				return
			default:
			}
			resp, err := http.Get(url + "js/app.js")
			if err != nil || resp.StatusCode != http.StatusOK {
				failed.Add(1)
			}
			if err == nil {
				resp.Body.Close()
			}
			served.Add(1)
		}
	}()

	if err := os.WriteFile(filepath.Join(out, "asset.static", "js", "app.js"), []byte("// reloaded\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := site.Reload(ctx); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	if got := get(t, url+"js/app.js"); got != "// reloaded\n" {
		t.Errorf("after Reload, /js/app.js = %q, want the new file", got)
	}
	if site.URL != url || site.DynamoDB != endpoint {
		t.Errorf("after Reload: %s with DynamoDB at %s, want the same address %s and dynalite %s", site.URL, site.DynamoDB, url, endpoint)
	}
	got, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: table, Key: key})
	if err != nil || got.Item == nil {
		t.Errorf("after Reload the table lost its item: %v, %v", got, err)
	}

	if err := os.WriteFile(filepath.Join(out, "manifest.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := site.Reload(ctx); err == nil || !strings.Contains(err.Error(), "manifest.json") {
		t.Errorf("Reload of an unreadable assembly: %v, want the error about its manifest", err)
	}
	if got := get(t, url+"js/app.js"); got != "// reloaded\n" {
		t.Errorf("after a failed Reload, /js/app.js = %q, want the last good site's", got)
	}
	close(stop)
	<-polled
	if failed.Load() > 0 {
		t.Errorf("%d of %d requests during the reloads failed, want none", failed.Load(), served.Load())
	}
}

// TestThrottleReplacesTheStagesLimits: with the stage's limits lowered to a
// burst of one, the second request is throttled, with the fixture's
// THROTTLED gateway response; restoring the limits lets requests through.
func TestThrottleReplacesTheStagesLimits(t *testing.T) {
	needNode(t)
	if _, err := exec.LookPath("dynalite"); err != nil {
		t.Skip("dynalite is not on PATH (node_modules/.bin): the fixture's table cannot run")
	}
	site, _ := startSite(t, Options{Dir: t.TempDir(), Out: "testdata/assembly", Synth: SynthNever})
	status := func() (int, string) {
		resp, err := http.Get(site.URL + "items/1")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	restore := site.Throttle(0.001, 1)
	status()
	if code, b := status(); code != http.StatusTooManyRequests || !strings.Contains(b, "TooManyRequestsError") {
		t.Errorf("second request with a burst of 1: %d %q, want 429 and the fixture's gateway response", code, b)
	}
	restore()
	for range 3 {
		if code, b := status(); code == http.StatusTooManyRequests {
			t.Fatalf("after restore: %d %q, want the stage's own limits (none)", code, b)
		}
	}
}
