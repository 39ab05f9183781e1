// Package bench measures what the project promises to be fast: the
// function's cold start against a bare aws-lambda-go handler, the size of
// what is deployed, and the local server under load. tools/cmd/bench runs it all
// for `make bench`; docs/benchmarks.md reports the figures.
package bench

import (
	"slices"
	"time"
)

// Summary is the median and 90th percentile of a sample.
type Summary struct {
	N           int
	Median, P90 time.Duration
}

// Summarize returns the median and the 90th percentile (nearest rank) of d.
func Summarize(d []time.Duration) Summary {
	if len(d) == 0 {
		return Summary{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	median := s[len(s)/2]
	if len(s)%2 == 0 {
		median = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	rank := (len(s)*90 + 99) / 100 // ceil(0.9 n), 1-based
	return Summary{N: len(s), Median: median, P90: s[rank-1]}
}

// Ratio is a/b, 0 when b is 0.
func Ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
