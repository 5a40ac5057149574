// Package region compares seccomp policies exactly: for every
// architecture either policy decides, every system call number and every
// region of argument values the rules distinguish, it finds where two
// policies decide differently (Compare) and where one lets a call run that
// another does not (Looser).
//
// The regions come from the rules' constants: each condition accepts a
// union of cubes in the 64-bit value space of its argument (bits fixed by
// a mask, the others free; a range is a union of prefix cubes: package
// policy's Cond.Cubes), and the
// values of an argument are split bit by bit until every condition of the
// call is constant on each part. The parts are disjoint and cover all
// values, so evaluating both policies (policy.Policy.Evaluate, the
// reference meaning) on one value of each part decides every value.
package region

import (
	"errors"
	"fmt"
	"math/bits"
	"sort"
	"strings"

	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/syscalls"
)

// MaxRegions bounds the regions one system call may split into.
const MaxRegions = 1 << 18

// Field is the constraint a region puts on one argument: the bits in
// Mask equal those of Value; Mask 0 means any value (a policy.Cube).
type Field struct{ Mask, Value uint64 }

// Region is a set of argument vectors, one Field per argument.
type Region [6]Field

// Sample returns one argument vector of r (free bits clear).
func (r Region) Sample() [6]uint64 {
	var v [6]uint64
	for i, f := range r {
		v[i] = f.Value & f.Mask
	}
	return v
}

// Any reports whether r constrains no argument.
func (r Region) Any() bool { return r == Region{} }

// Conds returns r as conditions (equality for a full mask on bits-wide
// arguments, masked equality otherwise).
func (r Region) Conds(bits int) []policy.Cond {
	full := uint64(1<<64 - 1)
	if bits == 32 {
		full = 1<<32 - 1
	}
	var out []policy.Cond
	for i, f := range r {
		switch {
		case f.Mask == 0:
		case f.Mask&full == full:
			out = append(out, policy.Cond{Arg: uint8(i), Op: policy.OpEQ, Value: f.Value, Width32: bits == 32})
		default:
			out = append(out, policy.Cond{Arg: uint8(i), Op: policy.OpMaskedEQ, Mask: f.Mask, Value: f.Value})
		}
	}
	return out
}

// String renders r as "a0 == 0x2 && a1 & 0xf == 0x1", or "any arguments".
func (r Region) String() string {
	if r.Any() {
		return "any arguments"
	}
	var parts []string
	for _, c := range r.Conds(64) {
		parts = append(parts, c.String())
	}
	return strings.Join(parts, " && ")
}

// cubesOf returns fields whose union is the set of values c accepts on an
// argument of an architecture whose arguments are width bits wide: c's
// cubes (policy.Cond.Cubes).
func cubesOf(c policy.Cond, width int) ([]Field, error) {
	if c.Op == policy.OpInvalid || c.Op > policy.OpMaskedEQ {
		return nil, fmt.Errorf("invalid operator %v", c.Op)
	}
	var out []Field
	for _, q := range c.Cubes(width) {
		out = append(out, Field(q))
	}
	return out, nil
}

// crule is a rule with each condition as a union of fields.
type crule struct {
	action policy.Action
	conds  []ccond
}

type ccond struct {
	arg   int
	cubes []Field
}

func prepare(rules []policy.Rule, width int) ([]crule, error) {
	out := make([]crule, 0, len(rules))
	for _, r := range rules {
		cr := crule{action: r.Action}
		for _, c := range r.Conds {
			if c.Arg > 5 {
				return nil, fmt.Errorf("argument index %d out of range", c.Arg)
			}
			cs, err := cubesOf(c, width)
			if err != nil {
				return nil, err
			}
			cr.conds = append(cr.conds, ccond{int(c.Arg), cs})
		}
		out = append(out, cr)
	}
	return out, nil
}

// condOn classifies c on region r: every vector of r satisfies it
// (cover), none does (!meet), or some do, and then split is a bit of
// c's argument that r leaves free and c's fields fix.
func condOn(c ccond, r Region) (cover, meet bool, split uint64) {
	at := r[c.arg]
	var pick uint64
	for _, f := range c.cubes {
		if (f.Value^at.Value)&f.Mask&at.Mask != 0 {
			continue
		}
		meet = true
		p := f.Mask &^ at.Mask
		if p == 0 {
			return true, true, 0
		}
		if p > pick {
			pick = p
		}
	}
	if !meet {
		return false, false, 0
	}
	return false, true, uint64(1) << (63 - bits.LeadingZeros64(pick))
}

// decide returns the action rules (with default def) take on every vector
// of r, or ok false and an argument and bit to split r on.
func decide(rules []crule, def policy.Action, r Region) (act policy.Action, ok bool, arg int, bit uint64) {
	type maybe struct {
		action policy.Action
		arg    int
		bit    uint64
	}
	var best policy.Action
	var maybes []maybe
	for _, cr := range rules {
		definite, no := true, false
		var m maybe
		for _, c := range cr.conds {
			cover, meet, split := condOn(c, r)
			if !meet {
				no = true
				break
			}
			if !cover && definite {
				definite = false
				m = maybe{cr.action, c.arg, split}
			}
		}
		switch {
		case no:
		case definite:
			if !best.IsSet() || policy.MoreRestrictive(cr.action, best) {
				best = cr.action
			}
		default:
			maybes = append(maybes, m)
		}
	}
	result := best
	if !result.IsSet() {
		result = def
	}
	for _, m := range maybes {
		// Matching, m would change the result unless the result is
		// already strictly more restrictive.
		if m.action != result && (!best.IsSet() || !policy.MoreRestrictive(result, m.action)) {
			return result, false, m.arg, m.bit
		}
	}
	return result, true, 0, 0
}

// Difference is a set of calls two policies decide differently: the calls
// to Syscall (Nr on Arch) whose arguments are in Region, or, with Syscall
// empty, the numbers Arch's table does not know.
type Difference struct {
	Arch    *syscalls.Arch
	Syscall string
	Nr      uint32
	Region  Region
	A, B    policy.Action
}

// HighHalf reports whether every call in d's region has, in some
// argument, high 32 bits that are neither clear nor the sign extension of
// the low half: the
// difference then exists only for values a C library never passes in an
// int argument (whose high half the kernel ignores), typically where one
// policy compares 64 bits and the other the low 32.
func (d Difference) HighHalf() bool {
	for _, f := range d.Region {
		hiMask, hiVal := f.Mask>>32, (f.Value&f.Mask)>>32
		zeroExt := hiVal == 0
		// sign-extended: high half all set, so bit 31 set too
		signExt := hiVal == hiMask && (f.Mask&0x80000000 == 0 || f.Value&0x80000000 != 0)
		if !zeroExt && !signExt {
			return true
		}
	}
	return false
}

func (d Difference) String() string {
	what := d.Syscall
	if what == "" {
		what = "(numbers not in the table)"
	}
	return fmt.Sprintf("%s %s [%s]: %s vs %s", d.Arch.Name(), what, d.Region, d.A, d.B)
}

// Compare returns every set of calls a and b decide differently, ordered
// by architecture, number and region.
func Compare(a, b *policy.Policy) ([]Difference, error) {
	return compare(a, b, func(x, y policy.Action) bool { return x != y })
}

// Runs reports whether action a lets the system call run: allow and log
// do; trace and notify hand it to a tracer or supervisor, which may let it
// run; errno, trap and kill do not.
func Runs(a policy.Action) bool {
	switch a.Kind {
	case policy.ActAllow, policy.ActLog, policy.ActTrace, policy.ActNotify:
		return true
	}
	return false
}

// Looser returns the calls p lets run (Runs) where baseline does not: the
// counterexamples to "p is within baseline". None means every call p lets
// run, baseline lets run too. (A call both deny, with different errnos or
// kill instead of errno, is not a counterexample.)
func Looser(baseline, p *policy.Policy) ([]Difference, error) {
	return compare(baseline, p, func(base, q policy.Action) bool { return Runs(q) && !Runs(base) })
}

func compare(a, b *policy.Policy, differ func(x, y policy.Action) bool) ([]Difference, error) {
	if a == nil || b == nil {
		return nil, errors.New("nil policy")
	}
	var arches []*syscalls.Arch
	seen := map[*syscalls.Arch]bool{}
	for _, p := range []*policy.Policy{a, b} {
		for _, ar := range p.ArchList() {
			if !seen[ar] {
				seen[ar] = true
				arches = append(arches, ar)
			}
		}
	}
	sort.Slice(arches, func(i, j int) bool { return arches[i].Name() < arches[j].Name() })
	rulesOf := func(p *policy.Policy) map[string][]policy.Rule {
		m := map[string][]policy.Rule{}
		for _, r := range p.Rules {
			m[r.Syscall] = append(m[r.Syscall], r)
		}
		return m
	}
	ra, rb := rulesOf(a), rulesOf(b)
	var out []Difference
	for _, ar := range arches {
		// Numbers the table does not know: one past the highest.
		unknown := ar.Max() + 1
		if x, y := a.Evaluate(ar.AuditArch(), unknown, [6]uint64{}), b.Evaluate(ar.AuditArch(), unknown, [6]uint64{}); differ(x, y) {
			out = append(out, Difference{Arch: ar, Nr: unknown, A: x, B: y})
		}
		for _, s := range ar.Syscalls() {
			ca, err := prepare(ra[s.Name], ar.Bits())
			if err != nil {
				return nil, err
			}
			cb, err := prepare(rb[s.Name], ar.Bits())
			if err != nil {
				return nil, err
			}
			// Outside the listed architectures, and for x32 numbers
			// without x32, Evaluate gives the bad-arch action whatever
			// the rules say.
			defA := a.Evaluate(ar.AuditArch(), s.Nr, [6]uint64{})
			defB := b.Evaluate(ar.AuditArch(), s.Nr, [6]uint64{})
			if listed(a, ar) {
				defA = a.DefaultAction
			} else {
				ca = nil
			}
			if listed(b, ar) {
				defB = b.DefaultAction
			} else {
				cb = nil
			}
			type key struct{ x, y policy.Action }
			diffs := map[key][]Region{}
			var order []key
			emit := func(r Region, x, y policy.Action) {
				if differ(x, y) {
					k := key{x, y}
					if diffs[k] == nil {
						order = append(order, k)
					}
					diffs[k] = append(diffs[k], r)
				}
			}
			// walk splits r until both decisions are constant; sibling
			// parts that decide alike are joined on the way back up, so
			// only the parts that border another outcome are emitted.
			n := 0
			var walk func(r Region) (uniform bool, x, y policy.Action, err error)
			walk = func(r Region) (bool, policy.Action, policy.Action, error) {
				x, okA, argA, bitA := decide(ca, defA, r)
				y, okB, argB, bitB := decide(cb, defB, r)
				if okA && okB {
					if n++; n > MaxRegions {
						return false, x, y, errors.New("too many argument regions")
					}
					return true, x, y, nil
				}
				arg, bit := argA, bitA
				if okA {
					arg, bit = argB, bitB
				}
				var half [2]Region
				var uni [2]bool
				var xs, ys [2]policy.Action
				for i, v := range []uint64{0, bit} {
					half[i] = r
					half[i][arg].Mask |= bit
					half[i][arg].Value |= v
					var err error
					if uni[i], xs[i], ys[i], err = walk(half[i]); err != nil {
						return false, x, y, err
					}
				}
				if uni[0] && uni[1] && xs[0] == xs[1] && ys[0] == ys[1] {
					return true, xs[0], ys[0], nil
				}
				for i := range half {
					if uni[i] {
						emit(half[i], xs[i], ys[i])
					}
				}
				return false, x, y, nil
			}
			uni, x, y, err := walk(Region{})
			if err != nil {
				return nil, fmt.Errorf("%s on %s: %w", s.Name, ar.Name(), err)
			}
			if uni {
				emit(Region{}, x, y)
			}
			for _, k := range order {
				for _, r := range merge(diffs[k]) {
					out = append(out, Difference{Arch: ar, Syscall: s.Name, Nr: s.Nr, Region: r, A: k.x, B: k.y})
				}
			}
		}
	}
	return out, nil
}

// listed reports whether p decides calls of ar by its rules (rather than
// the bad-architecture action).
func listed(p *policy.Policy, ar *syscalls.Arch) bool {
	for _, x := range p.ArchList() {
		if x == ar {
			return true
		}
	}
	return false
}

// merge joins regions that differ only in one fixed bit of one argument,
// to a fixed point, so a difference over all values of an argument prints
// as one region.
func merge(rs []Region) []Region {
	// Beyond a few thousand parts (adversarial ranges on several
	// arguments) the parts stay as they are: still exact, only longer.
	for changed := len(rs) <= 2048; changed; {
		changed = false
		index := make(map[Region]int, len(rs))
		for i, r := range rs {
			index[r] = i
		}
		dead := make([]bool, len(rs))
		var next []Region
		for i, r := range rs {
			if dead[i] {
				continue
			}
			joined := false
			for arg := 0; arg < 6 && !joined; arg++ {
				for m := r[arg].Mask; m != 0 && !joined; m &= m - 1 {
					bit := uint64(1) << bits.TrailingZeros64(m)
					o := r
					o[arg].Value ^= bit
					if j, ok := index[o]; ok && j != i && !dead[j] {
						dead[i], dead[j] = true, true
						o[arg].Mask &^= bit
						o[arg].Value &^= bit
						next = append(next, o)
						joined, changed = true, true
					}
				}
			}
			if !joined {
				dead[i] = true
				next = append(next, r)
			}
		}
		rs = next
	}
	sort.Slice(rs, func(i, j int) bool {
		for a := 0; a < 6; a++ {
			if rs[i][a] != rs[j][a] {
				if rs[i][a].Mask != rs[j][a].Mask {
					return rs[i][a].Mask < rs[j][a].Mask
				}
				return rs[i][a].Value < rs[j][a].Value
			}
		}
		return false
	})
	return rs
}
