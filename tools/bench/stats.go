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

// PairedRatio is the median of a[i]/b[i] over the pairs both samples have:
// for measurements taken in pairs (run i of each under the same load), it
// is steadier on a shared machine than the ratio of the medians, since a
// burst of load moves both halves of a pair. 0 without pairs.
func PairedRatio(a, b []time.Duration) float64 {
	n := min(len(a), len(b))
	ratios := make([]float64, 0, n)
	for i := range n {
		if b[i] > 0 {
			ratios = append(ratios, float64(a[i])/float64(b[i]))
		}
	}
	if len(ratios) == 0 {
		return 0
	}
	slices.Sort(ratios)
	m := len(ratios) / 2
	if len(ratios)%2 == 0 {
		return (ratios[m-1] + ratios[m]) / 2
	}
	return ratios[m]
}
