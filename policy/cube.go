package policy

import (
	"math/bits"
	"slices"
)

// Cube is a set of argument values: those whose bits under Mask equal
// Value's. Mask 0 is every value; Value has no bits outside Mask.
//
// Every condition accepts a union of a few disjoint cubes (Cond.Cubes),
// which makes the algebra of conditions exact: two conditions can both
// hold if and only if a cube of one meets a cube of the other.
type Cube struct{ Mask, Value uint64 }

// Contains reports whether v is in q.
func (q Cube) Contains(v uint64) bool { return (v^q.Value)&q.Mask == 0 }

// Meet returns the values both q and r contain, and false when there are
// none.
func (q Cube) Meet(r Cube) (Cube, bool) {
	if (q.Value^r.Value)&q.Mask&r.Mask != 0 {
		return Cube{}, false
	}
	return Cube{q.Mask | r.Mask, q.Value | r.Value}, true
}

// Cubes returns disjoint cubes whose union is the set of argument values
// that satisfy c (Match) on an architecture whose arguments are bits wide
// (64 or 32): one for == and &==, up to 64 for an order comparison, up to
// 128 for !=, none for an invalid operator (which matches nothing). A
// 32-bit comparison leaves the high half free.
func (c Cond) Cubes(bits int) []Cube {
	full := uint64(1<<64 - 1)
	if bits == 32 || c.Width32 {
		full = 1<<32 - 1
	}
	v := c.Value & full
	switch c.Op {
	case OpMaskedEQ:
		m := c.Mask & full
		return []Cube{{m, c.Value & m}}
	case OpEQ:
		return []Cube{{full, v}}
	case OpNE:
		return append(below(v, full), above(v, full)...)
	case OpLT:
		return below(v, full)
	case OpLE:
		return append(below(v, full), Cube{full, v})
	case OpGT:
		return above(v, full)
	case OpGE:
		return append(above(v, full), Cube{full, v})
	}
	return nil
}

// below returns [0, x) within full as prefix cubes: for each bit set in x,
// the values that agree with x above it and have it clear.
func below(x, full uint64) []Cube {
	var out []Cube
	for m := x; m != 0; m &= m - 1 {
		j := bits.TrailingZeros64(m)
		hi := full &^ (uint64(1)<<j - 1)
		out = append(out, Cube{hi, x &^ (uint64(1) << j) & hi})
	}
	return out
}

// above returns (x, full] as prefix cubes: for each bit clear in x, the
// values that agree with x above it and have it set.
func above(x, full uint64) []Cube {
	var out []Cube
	for m := ^x & full; m != 0; m &= m - 1 {
		j := bits.TrailingZeros64(m)
		hi := full &^ (uint64(1)<<j - 1)
		out = append(out, Cube{hi, (x | uint64(1)<<j) & hi})
	}
	return out
}

// Overlaps reports whether some value of the argument satisfies both c and
// d on an architecture whose arguments are bits wide. It is exact, whatever
// the operators, masks and widths. The argument indexes are not compared:
// c and d are taken as conditions on one argument.
func (c Cond) Overlaps(d Cond, bits int) bool {
	_, ok := c.witness(d, bits)
	return ok
}

// witness returns a value that satisfies both c and d, and false when
// none does.
func (c Cond) witness(d Cond, bits int) (uint64, bool) {
	cd := d.Cubes(bits)
	for _, p := range c.Cubes(bits) {
		for _, q := range cd {
			if m, ok := p.Meet(q); ok {
				return m.Value, true
			}
		}
	}
	return 0, false
}

// EqualValues returns the values that rules compare argument arg with for
// equality (OpEQ), sorted and without duplicates, and whether each rule
// has such a comparison. When it does, no rule matches a call whose
// argument arg differs from every one of them on the low 32 bits (a
// 64-bit equality implies its low half). A rule with another kind of
// condition on arg, or none, makes ok false: it can match values that
// cannot be listed.
func EqualValues(rules []Rule, arg uint8) (values []uint64, ok bool) {
	ok = true
	for _, r := range rules {
		pinned := false
		for _, c := range r.Conds {
			if c.Arg == arg && c.Op == OpEQ {
				values = append(values, c.Value)
				pinned = true
			}
		}
		ok = ok && pinned
	}
	slices.Sort(values)
	return slices.Compact(values), ok
}
