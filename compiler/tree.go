package compiler

import (
	"math"
	"math/bits"
)

// tree builds the syscall-number dispatch: a binary search over segments of
// equal outcome, each internal node one "jge" on the number.
//
// The tree is the optimal alphabetic tree for the segments' weights (the
// number of system calls each covers; see nrTree), found by the classic
// dynamic programme with Knuth's speed-up, O(n²). With equal weights this is
// a balanced tree; with real weights, large runs of allowed calls sit near
// the root, which lowers the mean number of instructions a call executes.
// Above maxDP segments a weight-halving split is used instead.
//
// The weights are integers (units of 1/64), so the costs are exact and the
// programme picks, among the roots of equal cost, the lowest.
func (c *compilation) tree(segs []segment) *node {
	if len(segs) > maxDP {
		return c.splitTree(segs)
	}
	n := len(segs)
	var total int64
	for _, s := range segs {
		total += s.weight
	}
	// The optimal cost of a range is at most that of a balanced tree, its
	// weight times bits.Len(n); every value the programme computes is
	// below total*(bits.Len(n)+1). int32 then suffices, with a factor 2 to
	// spare; otherwise int64.
	var t dpTable
	if total <= math.MaxInt32/int64(2*(bits.Len(uint(n))+1)) {
		t = optimalRoots(&c.dp, &c.dp.small, segs)
	} else {
		t = optimalRoots(&c.dp, &c.dp.large, segs)
	}
	var build func(i, j int) *node
	build = func(i, j int) *node {
		if i == j {
			return segs[i].out
		}
		k := int(t.root[t.off[j-i]+i])
		return c.split(segs, k, build(i, k), build(k+1, j))
	}
	return build(0, n-1)
}

// dpBuffers are the dynamic programme's tables, reused across the trees of
// one compilation.
type dpBuffers struct {
	small  []int32
	large  []int64
	root   []uint16
	off    []int
	prefix []int64
}

// dpTable holds the programme's roots: the root of the range i..j (its
// left subtree holds i..root) is root[off[j-i]+i]. The table is stored by
// diagonals (ranges of one length, in order), which the programme reads
// and writes in sequence.
type dpTable struct {
	root []uint16
	off  []int
}

// grow returns buf resliced to n elements, reallocated if it is too short.
// The contents are not cleared.
func grow[T any](buf []T, n int) []T {
	if cap(buf) < n {
		return make([]T, n)
	}
	return buf[:n]
}

// optimalRoots runs the dynamic programme over segs: for every range
// i..j, the cost of its optimal tree (the sum of each segment's weight
// times its depth) and the lowest root that achieves it, found among the
// roots of i..j-1 and i+1..j (Knuth).
func optimalRoots[T int32 | int64](d *dpBuffers, costBuf *[]T, segs []segment) dpTable {
	n := len(segs)
	size := n * (n + 1) / 2
	*costBuf = grow(*costBuf, size)
	d.root = grow(d.root, size)
	d.off = grow(d.off, n)
	d.prefix = grow(d.prefix, n+1)
	cost, root, off, prefix := *costBuf, d.root, d.off, d.prefix
	// Diagonal l holds the n-l ranges of length l+1.
	for l := range off {
		off[l] = l*n - l*(l-1)/2
	}
	// prefix[i] is the weight of segments 0..i-1.
	prefix[0] = 0
	for i, s := range segs {
		prefix[i+1] = prefix[i] + s.weight
	}
	for i := 0; i < n; i++ {
		cost[i] = 0
		root[i] = uint16(i)
	}
	for l := 1; l < n; l++ {
		// The ranges i..i+l; prev holds the roots of the ranges one
		// shorter (diagonal l-1).
		prev := root[off[l-1] : off[l-1]+n-l+1]
		curCost := cost[off[l] : off[l]+n-l]
		curRoot := root[off[l] : off[l]+n-l]
		for i := range curCost {
			j := i + l
			lo, hi := int(prev[i]), int(prev[i+1]) // roots of i..j-1 and i+1..j
			if lo < i {
				lo = i
			}
			if hi > j-1 {
				hi = j - 1
			}
			// The cost of i..k plus that of k+1..j; the lowest k wins ties.
			// (Knuth: lo <= hi. Were it not, the root would be lo at a
			// cost of -1 plus the weight, as the programme always did.)
			best, bestK := T(-1), lo
			if lo <= hi {
				best = cost[off[lo-i]+i] + cost[off[j-lo-1]+lo+1]
			}
			for k := lo + 1; k <= hi; k++ {
				if v := cost[off[k-i]+i] + cost[off[j-k-1]+k+1]; v < best {
					best, bestK = v, k
				}
			}
			curCost[i] = best + T(prefix[j+1]-prefix[i])
			curRoot[i] = uint16(bestK)
		}
	}
	return dpTable{root: root, off: off}
}

// maxDP is the most segments the programme handles (its tables grow as
// the square); roots are stored in 16 bits.
const maxDP = 1500

// splitTree halves the weight at each level.
func (c *compilation) splitTree(segs []segment) *node {
	if len(segs) == 1 {
		return segs[0].out
	}
	var total int64
	for _, s := range segs {
		total += s.weight
	}
	var acc int64
	k := 0
	for k = 0; k < len(segs)-2; k++ {
		acc += segs[k].weight
		if 2*acc >= total {
			break
		}
	}
	return c.split(segs, k, c.splitTree(segs[:k+1]), c.splitTree(segs[k+1:]))
}

// split tests nr >= segs[k+1].lo: the left side holds segments 0..k.
func (c *compilation) split(segs []segment, k int, left, right *node) *node {
	s := segs[k+1]
	return c.b.test(word{off: offNr, mask: fullMsk}, opJGE, s.lo, right, left, note{kind: noteSplit, k: s.lo, text: s.name})
}
