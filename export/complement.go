package export

import (
	"errors"
	"maps"
	"math/bits"
	"slices"

	"github.com/entitle-dev/entitle/policy"
)

// maxComplement bounds the rules complement may produce for one system
// call (and the intermediate results it keeps).
const maxComplement = 64

var errTooComplex = errors.New("complement not expressible within the limit")

// box is a conjunction of conditions with at most one per argument: the
// shape of one OCI rule under runc's semantics.
type box map[uint8]policy.Cond

// complement returns boxes whose union is exactly the set of argument
// vectors that match none of rules (each an AND of conditions), or an
// error when that set cannot be written with at most maxComplement boxes
// of the forms OCI expresses. bits32 says whether a 32-bit architecture is
// among the policy's: there 64-bit conditions compare only the low half,
// and complements of conditions on high bits are not attempted.
func complement(rules []policy.Rule, bits32 bool) ([]box, error) {
	acc := []box{{}} // the whole space
	for _, r := range rules {
		if len(r.Conds) == 0 {
			return nil, nil // matched by everything: the complement is empty
		}
		var neg []box // ¬(c1 ∧ c2 ∧ ...) = ¬c1 ∨ ¬c2 ∨ ...
		for _, c := range r.Conds {
			ns, err := negate(c, bits32)
			if err != nil {
				return nil, err
			}
			for _, n := range ns {
				neg = append(neg, box{c.Arg: n})
			}
		}
		var next []box
		for _, a := range acc {
			for _, b := range neg {
				if x, ok, err := intersect(a, b); err != nil {
					return nil, err
				} else if ok {
					next = append(next, x)
				}
			}
		}
		if len(next) > 8*maxComplement {
			return nil, errTooComplex
		}
		next = prune(merge(prune(next)))
		if len(next) > maxComplement {
			return nil, errTooComplex
		}
		acc = next
	}
	return acc, nil
}

// negate returns conditions on c's argument whose union is ¬c.
func negate(c policy.Cond, bits32 bool) ([]policy.Cond, error) {
	width := uint64(1<<64 - 1)
	if c.Width32 {
		width = 1<<32 - 1
	} else if bits32 && (c.Value|c.Mask)>>32 != 0 {
		return nil, errTooComplex
	}
	perBit := func(mask, value uint64) []policy.Cond {
		var out []policy.Cond
		for m := mask & width; m != 0; m &= m - 1 {
			b := uint64(1) << bits.TrailingZeros64(m)
			out = append(out, policy.Cond{Arg: c.Arg, Op: policy.OpMaskedEQ, Mask: b, Value: ^value & b, Width32: c.Width32})
		}
		return out
	}
	switch c.Op {
	case policy.OpMaskedEQ:
		return perBit(c.Mask, c.Value), nil
	case policy.OpEQ:
		if c.Width32 {
			return perBit(width, c.Value), nil
		}
		return []policy.Cond{{Arg: c.Arg, Op: policy.OpNE, Value: c.Value}}, nil
	case policy.OpNE:
		if c.Width32 {
			return nil, errTooComplex
		}
		return []policy.Cond{{Arg: c.Arg, Op: policy.OpEQ, Value: c.Value}}, nil
	}
	if c.Width32 {
		return nil, errTooComplex
	}
	inv := map[policy.Op]policy.Op{policy.OpLT: policy.OpGE, policy.OpGE: policy.OpLT, policy.OpLE: policy.OpGT, policy.OpGT: policy.OpLE}
	if o, ok := inv[c.Op]; ok {
		return []policy.Cond{{Arg: c.Arg, Op: o, Value: c.Value}}, nil
	}
	return nil, errTooComplex
}

// intersect returns a ∩ b as one box, ok=false when it is empty, or an
// error when two conditions on one argument cannot be merged into one.
func intersect(a, b box) (box, bool, error) {
	out := maps.Clone(a)
	for arg, cb := range b {
		ca, ok := out[arg]
		if !ok {
			out[arg] = cb
			continue
		}
		m, ok, err := meet(ca, cb)
		if err != nil || !ok {
			return nil, false, err
		}
		out[arg] = m
	}
	return out, true, nil
}

// meet intersects two conditions on the same argument.
func meet(x, y policy.Cond) (policy.Cond, bool, error) {
	if x.Width32 != y.Width32 {
		return x, false, errTooComplex
	}
	mask := uint64(1<<64 - 1)
	if x.Width32 {
		mask = 1<<32 - 1
	}
	if y.Op == policy.OpEQ && x.Op != policy.OpEQ {
		x, y = y, x
	}
	switch {
	case x.Op == policy.OpMaskedEQ && y.Op == policy.OpMaskedEQ:
		common := x.Mask & y.Mask
		if x.Value&common != y.Value&common {
			return x, false, nil
		}
		return policy.Cond{Arg: x.Arg, Op: policy.OpMaskedEQ, Mask: x.Mask | y.Mask,
			Value: (x.Value & x.Mask) | (y.Value & y.Mask), Width32: x.Width32}, true, nil
	case x.Op == policy.OpEQ && y.Op == policy.OpEQ:
		return x, x.Value&mask == y.Value&mask, nil
	case x.Op == policy.OpEQ && y.Op == policy.OpMaskedEQ:
		return x, x.Value&y.Mask == y.Value&y.Mask, nil
	case x.Op == policy.OpEQ && y.Op == policy.OpNE:
		return x, x.Value&mask != y.Value&mask, nil
	case x == y:
		return x, true, nil
	}
	return x, false, errTooComplex
}

// implies reports whether condition x (on some argument) implies y (on
// the same argument), for the shapes complement builds.
func implies(x, y policy.Cond) bool {
	if x == y {
		return true
	}
	if x.Width32 != y.Width32 {
		return false
	}
	switch {
	case y.Op == policy.OpMaskedEQ && x.Op == policy.OpMaskedEQ:
		return y.Mask&^x.Mask == 0 && x.Value&y.Mask == y.Value&y.Mask
	case y.Op == policy.OpMaskedEQ && x.Op == policy.OpEQ:
		return x.Value&y.Mask == y.Value&y.Mask
	case y.Op == policy.OpNE && x.Op == policy.OpEQ:
		return x.Value != y.Value
	}
	return false
}

// subset reports whether every vector in a is in b.
func subset(a, b box) bool {
	for arg, cb := range b {
		ca, ok := a[arg]
		if !ok || !implies(ca, cb) {
			return false
		}
	}
	return true
}

// prune drops boxes contained in another box of the list (of two equal
// boxes, the later).
func prune(bs []box) []box {
	var out []box
	for i, b := range bs {
		covered := false
		for j, o := range bs {
			if i != j && subset(b, o) && (j < i || !subset(o, b)) {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, b)
		}
	}
	return out
}

// conds returns b's conditions ordered by argument.
func (b box) conds() []policy.Cond {
	out := make([]policy.Cond, 0, len(b))
	for _, arg := range slices.Sorted(maps.Keys(b)) {
		out = append(out, b[arg])
	}
	return out
}

// merge joins pairs of boxes that differ only in one bit of one masked
// condition (x&m == v and x&m == v^b become x&(m&^b) == v&^b), to a fixed
// point, so complements of flag rules stay small.
func merge(bs []box) []box {
	for changed := true; changed; {
		changed = false
		for i := 0; i < len(bs); i++ {
			for j := i + 1; j < len(bs); j++ {
				if m, ok := mergeTwo(bs[i], bs[j]); ok {
					bs[i] = m
					bs = slices.Delete(bs, j, j+1)
					changed = true
					j = i
				}
			}
		}
	}
	return bs
}

func mergeTwo(a, b box) (box, bool) {
	if len(a) != len(b) {
		return nil, false
	}
	diff := -1
	for arg, ca := range a {
		cb, ok := b[arg]
		if !ok {
			return nil, false
		}
		if ca != cb {
			if diff >= 0 {
				return nil, false
			}
			diff = int(arg)
		}
	}
	if diff < 0 {
		return a, true
	}
	ca, cb := a[uint8(diff)], b[uint8(diff)]
	if ca.Op != policy.OpMaskedEQ || cb.Op != policy.OpMaskedEQ || ca.Mask != cb.Mask || ca.Width32 != cb.Width32 {
		return nil, false
	}
	d := (ca.Value ^ cb.Value) & ca.Mask
	if bits.OnesCount64(d) != 1 {
		return nil, false
	}
	out := maps.Clone(a)
	c := ca
	c.Mask &^= d
	c.Value &= c.Mask
	if c.Mask == 0 {
		delete(out, uint8(diff))
	} else {
		out[uint8(diff)] = c
	}
	return out, true
}
