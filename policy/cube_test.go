package policy

import (
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"
)

// edgeValues are the values and masks the property tests build conditions
// from and probe them with: zero, one, the 32- and 64-bit sign and top
// bits, sign-extended negatives and a few flag-like constants.
var edgeValues = []uint64{
	0, 1, 2, 3, 5, 0x10, 0x5413, 0x100, 0x7FFFFFFF,
	1 << 31, 1<<32 - 1, 1 << 32, 1<<32 + 5, 0x100000010,
	1 << 63, 1<<63 - 1, 1<<64 - 1,
	0xFFFFFFFFFFFFFF9C, // -100 (AT_FDCWD) sign-extended
	0xFFFFFFFF80000000, // int32 min sign-extended
	0xFFFFFFFF00000000, 0x00000000FFFFFF9C,
	0x10000100, 0xFF, 0xFFFF, 0x7E020000,
}

var allOps = []Op{OpInvalid, OpEQ, OpNE, OpLT, OpLE, OpGT, OpGE, OpMaskedEQ, OpMaskedEQ + 1}

// randomCond returns a condition on argument arg with an operator, width,
// value and mask drawn from the edges or at random.
func randomCond(rng *rand.Rand, arg uint8) Cond {
	value := func() uint64 {
		switch rng.IntN(4) {
		case 0:
			return rng.Uint64()
		case 1:
			return edgeValues[rng.IntN(len(edgeValues))]
		case 2:
			return uint64(rng.IntN(1 << 8))
		}
		return 1 << rng.IntN(64)
	}
	c := Cond{Arg: arg, Op: allOps[rng.IntN(len(allOps))], Value: value(), Width32: rng.IntN(2) == 0}
	if c.Op == OpMaskedEQ {
		low, high := value(), value() // two draws: masks with more bits
		c.Mask = low | high
	}
	return c
}

// edgeConds returns every operator, width and edge value (and, masked,
// a spread of edge masks) on argument 0.
func edgeConds() []Cond {
	var cs []Cond
	for _, op := range allOps {
		for _, w := range []bool{false, true} {
			for i, v := range edgeValues {
				if op != OpMaskedEQ {
					cs = append(cs, Cond{Op: op, Value: v, Width32: w})
					continue
				}
				for _, m := range edgeValues[i%3:] {
					cs = append(cs, Cond{Op: op, Value: v, Mask: m, Width32: w})
				}
			}
		}
	}
	return cs
}

// probes are argument values to try conditions cs on: the edges and, for
// each condition, its value and masked value, their neighbours, low
// halves, high halves filled or flipped, and each of their bits flipped.
func probes(cs ...Cond) []uint64 {
	ps := slices.Clone(edgeValues)
	add := func(v uint64) {
		ps = append(ps, v, v+1, v-1, v&0xFFFFFFFF, v|0xFFFFFFFF00000000, v^1<<32, v+1<<32)
	}
	for _, c := range cs {
		add(c.Value)
		add(c.Value & c.Mask)
		add(c.Value | ^c.Mask)
		for m := c.Value | c.Mask; m != 0; m &= m - 1 {
			bit := uint64(1) << bits.TrailingZeros64(m)
			ps = append(ps, c.Value^bit, (c.Value&c.Mask)^bit)
		}
	}
	slices.Sort(ps)
	return slices.Compact(ps)
}

// fills returns values of cube q: free bits clear, set, and at random.
func fills(rng *rand.Rand, q Cube) []uint64 {
	return []uint64{q.Value, q.Value | ^q.Mask, q.Value | rng.Uint64()&^q.Mask}
}

// TestCubes: a condition's cubes are disjoint, normalised, and their union
// is exactly what Match accepts, on 64- and 32-bit architectures: every
// value of every cube matches, and every probe matches exactly when one
// cube holds it.
func TestCubes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cs := edgeConds()
	for range 3000 {
		cs = append(cs, randomCond(rng, 0))
	}
	for _, c := range cs {
		for _, width := range []int{64, 32} {
			cubes := c.Cubes(width)
			if len(cubes) > 128 {
				t.Fatalf("%v on %d bits: %d cubes", c, width, len(cubes))
			}
			for i, q := range cubes {
				if q.Value&^q.Mask != 0 {
					t.Fatalf("%v on %d bits: cube %#x/%#x has value bits outside its mask", c, width, q.Value, q.Mask)
				}
				for _, r := range cubes[i+1:] {
					if _, ok := q.Meet(r); ok {
						t.Fatalf("%v on %d bits: cubes %#x/%#x and %#x/%#x overlap", c, width, q.Value, q.Mask, r.Value, r.Mask)
					}
				}
				for _, v := range fills(rng, q) {
					if !c.Match(v, width) {
						t.Fatalf("%v on %d bits: %#x is in cube %#x/%#x but does not match", c, width, v, q.Value, q.Mask)
					}
				}
			}
			for _, v := range probes(c) {
				n := 0
				for _, q := range cubes {
					if q.Contains(v) {
						n++
					}
				}
				if want := c.Match(v, width); n > 1 || (n == 1) != want {
					t.Fatalf("%v on %d bits: %#x is in %d cubes, Match says %v", c, width, v, n, want)
				}
			}
		}
	}
}

// TestMeet checks Meet on every pair of cubes of a 4-bit world against
// Contains on every value of it (the other bits are free in both).
func TestMeet(t *testing.T) {
	for qm := range uint64(16) {
		for qv := range uint64(16) {
			q := Cube{qm, qv & qm}
			for rm := range uint64(16) {
				for rv := range uint64(16) {
					r := Cube{rm, rv & rm}
					m, ok := q.Meet(r)
					for v := range uint64(16) {
						both := q.Contains(v) && r.Contains(v)
						if (ok && m.Contains(v)) != both {
							t.Fatalf("%#x/%#x meet %#x/%#x = %#x/%#x %v; %#x in both: %v", q.Value, q.Mask, r.Value, r.Mask, m.Value, m.Mask, ok, v, both)
						}
					}
				}
			}
		}
	}
}

func TestOverlaps(t *testing.T) {
	tests := []struct {
		name string
		a, b Cond
		want [2]bool // on 64 and on 32 bits
	}{
		{"equal values", Cond{Op: OpEQ, Value: 5}, Cond{Op: OpEQ, Value: 5}, [2]bool{true, true}},
		{"different values", Cond{Op: OpEQ, Value: 5}, Cond{Op: OpEQ, Value: 6}, [2]bool{false, false}},
		{"== and != the same", Cond{Op: OpEQ, Value: 5}, Cond{Op: OpNE, Value: 5}, [2]bool{false, false}},
		{"disjoint ranges", Cond{Op: OpLT, Value: 5}, Cond{Op: OpGE, Value: 5}, [2]bool{false, false}},
		{"touching ranges", Cond{Op: OpLE, Value: 5}, Cond{Op: OpGE, Value: 5}, [2]bool{true, true}},
		{"< 0 is empty", Cond{Op: OpLT, Value: 0}, Cond{Op: OpGE, Value: 0}, [2]bool{false, false}},
		{"invalid operator matches nothing", Cond{Op: OpInvalid}, Cond{Op: OpGE, Value: 0}, [2]bool{false, false}},
		{"masks that agree", Cond{Op: OpMaskedEQ, Mask: 1, Value: 1}, Cond{Op: OpMaskedEQ, Mask: 6, Value: 4}, [2]bool{true, true}},
		{"masks that disagree", Cond{Op: OpMaskedEQ, Mask: 3, Value: 1}, Cond{Op: OpMaskedEQ, Mask: 6, Value: 2}, [2]bool{false, false}},
		{"mask against a range", Cond{Op: OpMaskedEQ, Mask: 0xFF00, Value: 0x1200}, Cond{Op: OpLT, Value: 0x1200}, [2]bool{false, false}},
		{"mask inside a range", Cond{Op: OpMaskedEQ, Mask: 0xFF00, Value: 0x1200}, Cond{Op: OpLT, Value: 0x1201}, [2]bool{true, true}},
		// The low half is 5 and the whole value above 2^32+16: only
		// values with a high half of 2 or more, which 32-bit
		// architectures do not have.
		{"32-bit equality against a 64-bit bound", Cond{Op: OpEQ, Value: 5, Width32: true}, Cond{Op: OpGT, Value: 0x100000010}, [2]bool{true, false}},
		{"sign-extended and zero-extended -100", Cond{Op: OpEQ, Value: 0xFFFFFFFFFFFFFF9C}, Cond{Op: OpEQ, Value: 0xFFFFFF9C}, [2]bool{false, true}},
		{"same, compared on 32 bits", Cond{Op: OpEQ, Value: 0xFFFFFFFFFFFFFF9C, Width32: true}, Cond{Op: OpEQ, Value: 0xFFFFFF9C}, [2]bool{true, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, width := range []int{64, 32} {
				if got := tt.a.Overlaps(tt.b, width); got != tt.want[i] {
					t.Errorf("on %d bits: %v", width, got)
				}
				if got := tt.b.Overlaps(tt.a, width); got != tt.want[i] {
					t.Errorf("on %d bits, reversed: %v", width, got)
				}
			}
		})
	}
}

// TestOverlapsMatch: Overlaps decides as Match does. When it says yes, its
// witness satisfies both conditions; when it says no, no probe of either
// condition and no value of any of their cubes satisfies both.
func TestOverlapsMatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	edges := edgeConds()
	pick := func() Cond {
		if rng.IntN(2) == 0 {
			return edges[rng.IntN(len(edges))]
		}
		return randomCond(rng, 0)
	}
	counts := [2]int{}
	for range 20000 {
		a, b := pick(), pick()
		for _, width := range []int{64, 32} {
			w, ok := a.witness(b, width)
			if ok != a.Overlaps(b, width) {
				t.Fatalf("witness and Overlaps disagree on %v, %v", a, b)
			}
			if ok {
				counts[1]++
				if !a.Match(w, width) || !b.Match(w, width) {
					t.Fatalf("%v and %v on %d bits: witness %#x does not satisfy both", a, b, width, w)
				}
				continue
			}
			counts[0]++
			vs := probes(a, b)
			for _, q := range append(a.Cubes(width), b.Cubes(width)...) {
				vs = append(vs, fills(rng, q)...)
			}
			for _, v := range vs {
				if a.Match(v, width) && b.Match(v, width) {
					t.Fatalf("%v and %v on %d bits: Overlaps says no, but %#x satisfies both", a, b, width, v)
				}
			}
		}
	}
	if counts[0] < 1000 || counts[1] < 1000 {
		t.Errorf("only %d disjoint and %d overlapping pairs: the generator is lopsided", counts[0], counts[1])
	}
}

func TestEqualValues(t *testing.T) {
	eq := func(arg uint8, v uint64, w bool) Cond { return Cond{Arg: arg, Op: OpEQ, Value: v, Width32: w} }
	tests := []struct {
		name  string
		rules []Rule
		want  []uint64
		ok    bool
	}{
		{"no rules", nil, nil, true},
		{"each rule pins", []Rule{
			{Syscall: "socket", Action: Allow, Conds: []Cond{eq(0, 10, true), eq(1, 1, true)}},
			{Syscall: "socket", Action: Allow, Conds: []Cond{eq(0, 2, true)}},
			{Syscall: "socketpair", Action: Allow, Conds: []Cond{eq(0, 10, false)}},
		}, []uint64{2, 10}, true},
		{"a rule without a condition on the argument", []Rule{
			{Syscall: "socket", Action: Allow, Conds: []Cond{eq(0, 1, true)}},
			{Syscall: "socket", Action: Allow, Conds: []Cond{eq(1, 1, true)}},
		}, []uint64{1}, false},
		{"a range on the argument", []Rule{
			{Syscall: "socket", Action: Allow, Conds: []Cond{{Arg: 0, Op: OpLT, Value: 3}}},
		}, nil, false},
		{"a rule without conditions", []Rule{{Syscall: "socket", Action: Allow}}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := EqualValues(tt.rules, 0)
			if !slices.Equal(got, tt.want) || ok != tt.ok {
				t.Errorf("got %#x, %v; want %#x, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestEqualValuesMatch: when EqualValues says every rule pins the
// argument, no rule matches (Rule.Matches, on 64 and 32 bits) a call whose
// argument has none of the values' low halves.
func TestEqualValuesMatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pinnedSets := 0
	for range 3000 {
		var rules []Rule
		for range 1 + rng.IntN(4) {
			r := Rule{Syscall: "socket", Action: Allow}
			for range rng.IntN(4) {
				c := randomCond(rng, uint8(rng.IntN(3)))
				if rng.IntN(2) == 0 {
					c.Op = OpEQ
				}
				r.Conds = append(r.Conds, c)
			}
			rules = append(rules, r)
		}
		arg := uint8(rng.IntN(2))
		values, ok := EqualValues(rules, arg)
		if !ok {
			continue
		}
		pinnedSets++
		low := map[uint64]bool{}
		var cs []Cond
		for _, v := range values {
			low[v&0xFFFFFFFF] = true
		}
		for _, r := range rules {
			cs = append(cs, r.Conds...)
		}
		vs := probes(cs...)
		for range 50 {
			vs = append(vs, rng.Uint64())
		}
		for _, v := range vs {
			if low[v&0xFFFFFFFF] {
				continue
			}
			for range 8 {
				var args [6]uint64
				for i := range args {
					args[i] = vs[rng.IntN(len(vs))]
				}
				args[arg] = v
				for _, r := range rules {
					for _, width := range []int{64, 32} {
						if r.Matches(args, width) {
							t.Fatalf("%s matches with a%d = %#x on %d bits, but EqualValues gave %#x", r, arg, v, width, values)
						}
					}
				}
			}
		}
	}
	if pinnedSets < 100 {
		t.Errorf("only %d pinned rule sets: the generator is lopsided", pinnedSets)
	}
}
