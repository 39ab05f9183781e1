package bench

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// GoBench is one result line of `go test -bench -benchmem`.
type GoBench struct {
	Name        string // without the -GOMAXPROCS suffix
	NsPerOp     float64
	BytesPerOp  float64
	AllocsPerOp float64
}

// ParseGoBench returns the result lines of go test's benchmark output, in
// order.
func ParseGoBench(out string) []GoBench {
	var results []GoBench
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		r := GoBench{Name: f[0]}
		if i := strings.LastIndexByte(r.Name, '-'); i > 0 {
			if _, err := strconv.Atoi(r.Name[i+1:]); err == nil {
				r.Name = r.Name[:i]
			}
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				r.NsPerOp = v
			case "B/op":
				r.BytesPerOp = v
			case "allocs/op":
				r.AllocsPerOp = v
			}
		}
		if r.NsPerOp > 0 {
			results = append(results, r)
		}
	}
	return results
}

// Wrk is what wrk reports for a run with --latency.
type Wrk struct {
	RequestsPerSec float64
	P50, P99       time.Duration
	Requests       int
	// Errors counts non-2xx/3xx responses and socket errors.
	Errors int
}

// ParseWrk reads the output of `wrk --latency`.
func ParseWrk(out string) (Wrk, error) {
	var w Wrk
	var haveRPS, haveP99 bool
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		f := strings.Fields(line)
		switch {
		case strings.HasPrefix(line, "Requests/sec:") && len(f) == 2:
			v, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				return Wrk{}, fmt.Errorf("wrk: %q: %v", line, err)
			}
			w.RequestsPerSec, haveRPS = v, true
		case len(f) == 2 && (f[0] == "50%" || f[0] == "99%"):
			d, err := time.ParseDuration(f[1]) // wrk writes 512.00us, 1.23ms, 2.00s: Go's units
			if err != nil {
				return Wrk{}, fmt.Errorf("wrk: %q: %v", line, err)
			}
			if f[0] == "50%" {
				w.P50 = d
			} else {
				w.P99, haveP99 = d, true
			}
		case strings.Contains(line, "requests in ") && len(f) > 0:
			w.Requests, _ = strconv.Atoi(f[0])
		case strings.HasPrefix(line, "Non-2xx or 3xx responses:") && len(f) == 5:
			n, _ := strconv.Atoi(f[4])
			w.Errors += n
		case strings.HasPrefix(line, "Socket errors:"):
			// Socket errors: connect 0, read 0, write 0, timeout 0
			for _, part := range strings.Split(strings.TrimPrefix(line, "Socket errors:"), ",") {
				if pf := strings.Fields(part); len(pf) == 2 {
					n, _ := strconv.Atoi(pf[1])
					w.Errors += n
				}
			}
		}
	}
	if !haveRPS || !haveP99 {
		return Wrk{}, fmt.Errorf("wrk: no Requests/sec or 99%% latency in its output (was --latency given?):\n%s", out)
	}
	return w, nil
}
