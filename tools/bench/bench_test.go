package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gowebapp/webapp/internal/lambdabuild"
)

func TestSummarize(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		d := make([]time.Duration, len(ns))
		for i, n := range ns {
			d[i] = time.Duration(n) * time.Millisecond
		}
		return d
	}
	for _, c := range []struct {
		in          []time.Duration
		median, p90 time.Duration
	}{
		{ms(3, 1, 2), 2 * time.Millisecond, 3 * time.Millisecond},
		{ms(4, 1, 3, 2), 2500 * time.Microsecond, 4 * time.Millisecond},
		{ms(10, 9, 8, 7, 6, 5, 4, 3, 2, 1), 5500 * time.Microsecond, 9 * time.Millisecond},
		{ms(11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1), 6 * time.Millisecond, 10 * time.Millisecond},
	} {
		got := Summarize(c.in)
		if got.N != len(c.in) || got.Median != c.median || got.P90 != c.p90 {
			t.Errorf("Summarize(%v) = %+v, want median %v, p90 %v", c.in, got, c.median, c.p90)
		}
	}
	if got := Summarize(nil); got != (Summary{}) {
		t.Errorf("Summarize(nil) = %+v, want zero", got)
	}
}

func TestPairedRatioIsTheMedianOfThePairs(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		d := make([]time.Duration, len(ns))
		for i, n := range ns {
			d[i] = time.Duration(n) * time.Millisecond
		}
		return d
	}
	for _, c := range []struct {
		a, b []time.Duration
		want float64
	}{
		// The medians give 7.5/3 = 2.5×; every pair but one says 1.5×.
		{ms(3, 6, 9, 12), ms(2, 4, 6, 1), 1.5},
		{ms(2, 9, 4), ms(1, 3, 4), 2},
		{ms(4, 8), ms(2, 2), 3},
		{ms(4, 8, 5), ms(2, 0), 2}, // a pair without a baseline is left out
		{nil, ms(1), 0},
	} {
		if got := PairedRatio(c.a, c.b); got != c.want {
			t.Errorf("PairedRatio(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestParseGoBench(t *testing.T) {
	out := `goos: linux
BenchmarkInvokeHealthz/bare-2         	   10000	    143974 ns/op	   16965 B/op	     208 allocs/op
BenchmarkHandlerHTMLResponse-2   	   42752	     29198 ns/op	 133.77 MB/s	   12024 B/op	      52 allocs/op
BenchmarkNoMem 	 100	 12.5 ns/op
--- FAIL: BenchmarkBroken
PASS
`
	want := []GoBench{
		{"BenchmarkInvokeHealthz/bare", 143974, 16965, 208},
		{"BenchmarkHandlerHTMLResponse", 29198, 12024, 52},
		{"BenchmarkNoMem", 12.5, 0, 0},
	}
	got := ParseGoBench(out)
	if len(got) != len(want) {
		t.Fatalf("got %d results %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("result %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestParseWrk(t *testing.T) {
	out, err := os.ReadFile(filepath.Join("testdata", "wrk-404.txt"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseWrk(string(out))
	if err != nil {
		t.Fatal(err)
	}
	want := Wrk{RequestsPerSec: 759.38, P50: 4240 * time.Microsecond, P99: 30750 * time.Microsecond, Requests: 766, Errors: 766}
	if got != want {
		t.Errorf("ParseWrk = %+v, want %+v", got, want)
	}
	if _, err := ParseWrk("Running 1s test @ http://127.0.0.1/\nRequests/sec: 10\n"); err == nil {
		t.Error("ParseWrk without a latency distribution: no error")
	}
}

func TestSymbolPackage(t *testing.T) {
	for name, want := range map[string]string{
		"net/http.(*Client).Do":                     "net/http",
		"type:*net/http.Client":                     "net/http",
		"type:.eq.github.com/aws/smithy-go.Error":   "github.com/aws/smithy-go",
		"slices.SortFunc[go.shape.struct { Name }]": "slices",
		"go:itab.*net/http.http2Framer,io.Writer":   "net/http",
		"github.com/aws/aws-sdk-go-v2/service/dynamodb/types.(*AttributeValueMemberS).isAttributeValue": "github.com/aws/aws-sdk-go-v2/service/dynamodb/types",
		"crypto/internal/entropy/v1%2e0%2e0.Samples":                                                    "crypto/internal/entropy/v1.0.0",
		"go:main.inittasks": "main",
		"go:func.*":         "(go:func)",
		"aeshashbody":       "aeshashbody",
	} {
		if got := SymbolPackage(name); got != want {
			t.Errorf("SymbolPackage(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestByModule(t *testing.T) {
	got := ByModule([]Share{{"net/http", 5}, {"(go:func)", 4}, {"github.com/aws/smithy-go/ptr", 3}, {"github.com/aws/smithy-go", 2}, {"aeshashbody", 1}},
		map[string]string{"net/http": "", "github.com/aws/smithy-go/ptr": "github.com/aws/smithy-go", "github.com/aws/smithy-go": "github.com/aws/smithy-go"})
	want := []Share{{"github.com/aws/smithy-go", 5}, {"std", 5}, {"(go:func)", 4}, {"(other)", 1}}
	if len(got) != len(want) {
		t.Fatalf("ByModule = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("ByModule = %v, want %v", got, want)
			break
		}
	}
}

func TestZipSize(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "bootstrap")
	content := bytes.Repeat([]byte("a Go binary compresses well enough "), 1000)
	if err := os.WriteFile(bin, content, 0o755); err != nil {
		t.Fatal(err)
	}
	n, err := ZipSize(bin)
	if err != nil {
		t.Fatal(err)
	}
	if n <= 0 || n >= int64(len(content))/10 {
		t.Errorf("ZipSize = %d for %d repetitive bytes, want a small positive size", n, len(content))
	}
}

// TestColdStartOfTheBareHandler builds the baseline of the cold-start
// benchmark, which ./... does not build (it is under testdata), and
// measures one start of it.
func TestColdStartOfTheBareHandler(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	bin := filepath.Join(t.TempDir(), "bootstrap")
	if err := lambdabuild.Build(filepath.Join("testdata", "bare"), bin, lambdabuild.Target{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH}); err != nil {
		t.Fatal(err)
	}
	event, err := json.Marshal(events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/healthz"})
	if err != nil {
		t.Fatal(err)
	}
	var body string
	st, err := ColdStart(context.Background(), bin, nil, event, 3, func(payload []byte) error {
		var resp events.APIGatewayProxyResponse
		err := json.Unmarshal(payload, &resp)
		body = resp.Body
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Init <= 0 || st.FirstResponse < st.Init || len(st.Warm) != 3 {
		t.Errorf("ColdStart = %+v, want 0 < Init <= FirstResponse and 3 warm invocations", st)
	}
	if body != "ok" {
		t.Errorf("first response body = %q, want %q", body, "ok")
	}
}
