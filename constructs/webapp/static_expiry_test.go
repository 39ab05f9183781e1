package webapp

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gowebapp/webapp/tools/cdktest"
	"github.com/gowebapp/webapp/webappassets"
)

// expiryHarness runs static_expiry.js's expire over a fake bucket, listed
// two keys a page, for deploys on the given days (from day 0, with the
// current keys of each), and prints the bucket after each.
const expiryHarness = `
const { expire } = require(process.argv[2]);
const steps = JSON.parse(process.argv[3]);
const day0 = Date.parse('2026-12-01T00:00:00Z'), day = 86400000;
const bucket = new Map(Object.entries(JSON.parse(process.argv[4])));
const s3 = {
  // As S3's continuation token: the page after the last key listed, so
  // deleting a listed key skips nothing.
  list: async (token) => {
    const keys = [...bucket.keys()].sort().filter((k) => token === undefined || k > token);
    return { keys: keys.slice(0, 2), next: keys.length > 2 ? keys[1] : undefined };
  },
  getTags: async (key) => bucket.get(key),
  putTags: async (key, tags) => { bucket.set(key, tags); },
  delete: async (key) => { bucket.delete(key); },
};
(async () => {
  const out = [];
  for (const s of steps) {
    await expire(s3, s.keys, 7, new Date(day0 + s.day * day));
    out.push(Object.fromEntries([...bucket.entries()].sort()));
  }
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
`

type tag struct{ Key, Value string }

func runExpiry(t *testing.T, bucket map[string][]tag, steps []map[string]any) []map[string][]tag {
	t.Helper()
	node := filepath.Join(cdktest.ModuleRoot(t), "node_modules", ".bin", "node")
	if _, err := os.Stat(node); err != nil {
		if node, err = exec.LookPath("node"); err != nil {
			t.Skip("no node to run static_expiry.js")
		}
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "static_expiry.js")
	os.WriteFile(script, []byte(staticExpiryCode), 0o644)
	harness := filepath.Join(dir, "harness.js")
	os.WriteFile(harness, []byte(expiryHarness), 0o644)
	stepsJSON, _ := json.Marshal(steps)
	bucketJSON, _ := json.Marshal(bucket)
	out, err := exec.Command(node, harness, script, string(stepsJSON), string(bucketJSON)).Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var got []map[string][]tag
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return got
}

func TestStaticExpiryTagsSupersededFilesAndDeletesThemAWeekLater(t *testing.T) {
	superseded := func(day string) tag { return tag{"webapp-superseded", "2026-" + day + "T00:00:00.000Z"} }
	bucket := map[string][]tag{
		"css/site.css":            {},
		"css/site.1111111111.css": {},                                     // superseded by this deploy
		"css/site.2222222222.css": {},                                     // this deploy's
		"js/gone.js":              {superseded("11-23")},                  // superseded 8 days ago
		"js/recent.js":            {superseded("11-30")},                  // superseded a day ago
		"images/back.svg":         {{"team", "web"}, superseded("11-20")}, // named again: a rollback
		"robots.txt":              {{"team", "web"}},                      // superseded, keeps its tag
	}
	current := []string{"css/site.css", "css/site.2222222222.css", "images/back.svg"}
	got := runExpiry(t, bucket, []map[string]any{
		{"day": 0, "keys": current},
		{"day": 5, "keys": current},
		{"day": 7, "keys": current},
	})
	now := superseded("12-01")
	want := []map[string][]tag{
		{
			"css/site.css": {}, "css/site.2222222222.css": {},
			"css/site.1111111111.css": {now},
			"js/recent.js":            {superseded("11-30")},
			"images/back.svg":         {{"team", "web"}},
			"robots.txt":              {{"team", "web"}, now},
		},
	}
	// Day 5: nothing changes; day 7: what day 0 superseded is a week old,
	// and js/recent.js more than that.
	want = append(want, want[0], map[string][]tag{
		"css/site.css": {}, "css/site.2222222222.css": {}, "images/back.svg": {{"team", "web"}},
	})
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("after the deploy of step %d the bucket is\n%v\nwant\n%v", i, got[i], want[i])
		}
	}
}

func TestStaticExpiryRunsAfterBothDeploymentsWithThePublishedNames(t *testing.T) {
	s := config(t, "default")
	w := s.sites[0]
	id := func(c constructs.IConstruct) string {
		return *s.stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
	}
	expiry := cdktest.Resources(s.tpl, "Custom::StaticExpiry")[id(w.StaticExpiry)]
	if expiry == nil {
		t.Fatal("no Custom::StaticExpiry")
	}
	props := expiry["Properties"].(map[string]any)
	m, _ := webappassets.Build(os.DirFS(staticDir), nil)
	var want []any
	for _, k := range publishedKeys(m) {
		want = append(want, k)
	}
	if !reflect.DeepEqual(props["Keys"], want) || props["ExpireAfterDays"] != float64(SupersededStaticFileDays) {
		t.Errorf("StaticExpiry Keys %v, ExpireAfterDays %v; want %v, %d", props["Keys"], props["ExpireAfterDays"], want, SupersededStaticFileDays)
	}
	if len(want) < 2*len(m.Files())-1 { // every file twice but /favicon.ico
		t.Errorf("published keys %v: want each file's own name and its hashed one", want)
	}
	deps := fmt.Sprint(expiry["DependsOn"])
	for _, d := range []constructs.IConstruct{w.StaticDeployment, w.HashedStaticDeployment} {
		cr := id(d.Node().FindChild(jsii.String("CustomResource")))
		if !strings.Contains(deps, cr) {
			t.Errorf("StaticExpiry depends on %s, not on %s: it could tag files before they are uploaded", deps, cr)
		}
	}
}

func TestStaticExpiryMayTouchOnlyTheStaticBucket(t *testing.T) {
	s := config(t, "default")
	w := s.sites[0]
	bucket := *s.stack.GetLogicalId(w.StaticBucket.Node().DefaultChild().(awscdk.CfnElement))
	role := *s.stack.GetLogicalId(w.Node().FindChild(jsii.String("StaticExpiryRole")).Node().DefaultChild().(awscdk.CfnElement))
	for name, r := range cdktest.Resources(s.tpl, "AWS::IAM::Policy") {
		doc, _ := json.Marshal(r["Properties"])
		if !strings.Contains(string(doc), `{"Ref":"`+role+`"}`) {
			continue
		}
		var p struct {
			PolicyDocument struct {
				Statement []struct {
					Action   any
					Resource any
				}
			}
		}
		json.Unmarshal(doc, &p)
		for _, st := range p.PolicyDocument.Statement {
			actions, _ := json.Marshal(st.Action)
			resource, _ := json.Marshal(st.Resource)
			if strings.Contains(string(actions), "s3:") && !strings.Contains(string(resource), bucket) {
				t.Errorf("policy %s grants %s on %s, not on the static bucket %s", name, actions, resource, bucket)
			}
			if strings.Contains(string(actions), `"s3:*"`) || strings.Contains(string(actions), "PutObject\"") {
				t.Errorf("policy %s grants %s: more than tagging, listing and deleting", name, actions)
			}
		}
		return
	}
	t.Errorf("no policy of the expiry's role %s", role)
}
