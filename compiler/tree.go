package compiler

import "fmt"

// tree builds the syscall-number dispatch: a binary search over segments of
// equal outcome, each internal node one "jge" on the number.
//
// The tree is the optimal alphabetic tree for the segments' weights (the
// number of system calls each covers; see nrTree), found by the classic
// dynamic programme with Knuth's speed-up, O(n²). With equal weights this is
// a balanced tree; with real weights, large runs of allowed calls sit near
// the root, which lowers the mean number of instructions a call executes.
// Above maxDP segments a weight-halving split is used instead.
func (c *compilation) tree(segs []segment) *node {
	if len(segs) > maxDP {
		return c.splitTree(segs)
	}
	n := len(segs)
	prefix := make([]float64, n+1)
	for i, s := range segs {
		prefix[i+1] = prefix[i] + s.weight
	}
	w := func(i, j int) float64 { return prefix[j+1] - prefix[i] }
	cost := make([][]float64, n)
	root := make([][]int32, n)
	for i := range cost {
		cost[i] = make([]float64, n)
		root[i] = make([]int32, n)
		root[i][i] = int32(i)
	}
	for length := 2; length <= n; length++ {
		for i := 0; i+length-1 < n; i++ {
			j := i + length - 1
			lo, hi := int(root[i][j-1]), int(root[i+1][j])
			if lo < i {
				lo = i
			}
			if hi > j-1 {
				hi = j - 1
			}
			best, bestK := -1.0, lo
			for k := lo; k <= hi; k++ {
				v := cost[i][k] + cost[k+1][j]
				if best < 0 || v < best {
					best, bestK = v, k
				}
			}
			cost[i][j] = best + w(i, j)
			root[i][j] = int32(bestK)
		}
	}
	var build func(i, j int) *node
	build = func(i, j int) *node {
		if i == j {
			return segs[i].out
		}
		k := int(root[i][j])
		return c.split(segs, k, build(i, k), build(k+1, j))
	}
	return build(0, n-1)
}

const maxDP = 1500

// splitTree halves the weight at each level.
func (c *compilation) splitTree(segs []segment) *node {
	if len(segs) == 1 {
		return segs[0].out
	}
	total := 0.0
	for _, s := range segs {
		total += s.weight
	}
	acc, k := 0.0, 0
	for k = 0; k < len(segs)-2; k++ {
		acc += segs[k].weight
		if acc >= total/2 {
			break
		}
	}
	return c.split(segs, k, c.splitTree(segs[:k+1]), c.splitTree(segs[k+1:]))
}

// split tests nr >= segs[k+1].lo: the left side holds segments 0..k.
func (c *compilation) split(segs []segment, k int, left, right *node) *node {
	s := segs[k+1]
	note := fmt.Sprintf("nr >= %#x", s.lo)
	if s.name != "" {
		note += " (" + s.name + ")"
	}
	return c.b.test(word{off: offNr, mask: fullMsk}, opJGE, s.lo, right, left, note)
}
