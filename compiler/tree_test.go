package compiler

import (
	"math/rand"
	"testing"
)

// floatRoots is the programme as it was first written, on float64 weights
// (1, 1/16, 1/64 and their sums) and full n×n tables: the reference the
// integer programme must reproduce root for root.
func floatRoots(w []float64) [][]int32 {
	n := len(w)
	prefix := make([]float64, n+1)
	for i, x := range w {
		prefix[i+1] = prefix[i] + x
	}
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
			cost[i][j] = best + prefix[j+1] - prefix[i]
			root[i][j] = int32(bestK)
		}
	}
	return root
}

// TestOptimalRootsExact: the integer programme (weights in units of 1/64)
// picks the same root as the float programme for every range, on random
// weight sequences shaped like the compiler's (runs of calls, x32 calls,
// gaps), with both cost widths.
func TestOptimalRootsExact(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	var d dpBuffers
	for it := 0; it < 400; it++ {
		n := 1 + rng.Intn(260)
		if it%50 == 0 {
			n = 400 + rng.Intn(200)
		}
		segs := make([]segment, n)
		w := make([]float64, n)
		for i := range segs {
			var units int64
			switch rng.Intn(5) {
			case 0:
				units = weightUnknown
			case 1:
				units = weightSecondary * int64(1+rng.Intn(3))
			case 2:
				units = weightUnit
			case 3:
				units = weightUnit*int64(1+rng.Intn(60)) + weightUnknown*int64(rng.Intn(3))
			default:
				units = weightUnit * int64(1+rng.Intn(3))
			}
			segs[i].weight = units
			w[i] = float64(units) / weightUnit
		}
		want := floatRoots(w)
		for _, wide := range []bool{false, true} {
			var tb dpTable
			if wide {
				tb = optimalRoots(&d, &d.large, segs)
			} else {
				tb = optimalRoots(&d, &d.small, segs)
			}
			for i := 0; i < n; i++ {
				for j := i; j < n; j++ {
					if got := int32(tb.root[tb.off[j-i]+i]); got != want[i][j] {
						t.Fatalf("n=%d wide=%v range %d..%d: root %d, want %d", n, wide, i, j, got, want[i][j])
					}
				}
			}
		}
	}
}
