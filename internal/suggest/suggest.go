// Package suggest finds the known names closest to a misspelt one, for
// "did you mean" messages.
package suggest

import "sort"

// MaxLen bounds the names worth comparing: longer inputs get no
// suggestions, so hostile input cannot cause quadratic work.
const MaxLen = 64

// Nearest returns up to n candidates closest to name by edit distance, at
// most max(2, len(name)/3) edits away, closest first.
func Nearest(name string, candidates []string, n int) []string {
	out := []string{}
	if len(name) > MaxLen {
		return out
	}
	type scored struct {
		s string
		d int
	}
	limit := max(2, len(name)/3)
	var hits []scored
	for _, c := range candidates {
		if d := Distance(name, c); d <= limit {
			hits = append(hits, scored{c, d})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].d < hits[j].d })
	for i := 0; i < len(hits) && i < n; i++ {
		out = append(out, hits[i].s)
	}
	return out
}

// Distance is the Damerau–Levenshtein (optimal string alignment) distance
// between a and b, in bytes. Inputs longer than MaxLen compare as far apart.
func Distance(a, b string) int {
	if len(a) > MaxLen || len(b) > MaxLen {
		return max(len(a), len(b))
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
