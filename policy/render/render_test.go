package render

import (
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/internal/linux"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/syscalls"
)

func TestCond(t *testing.T) {
	for _, c := range []struct {
		sys  string
		cond policy.Cond
		want string
	}{
		{"ioctl", policy.Cond{Arg: 1, Op: policy.OpEQ, Value: 0x5413, Width32: true}, "request == TIOCGWINSZ (0x5413)"},
		{"ioctl", policy.Cond{Arg: 1, Op: policy.OpEQ, Value: 0x5413}, "request (all 64 bits) == TIOCGWINSZ (0x5413)"},
		{"clone", policy.Cond{Arg: 0, Op: policy.OpMaskedEQ, Mask: 0x10000100, Value: 0x100}, "flags has CLONE_VM, lacks CLONE_NEWUSER"},
		{"clone", policy.Cond{Arg: 0, Op: policy.OpMaskedEQ, Mask: 0x10000100, Value: 0x100, Width32: true}, "flags (low 32 bits) has CLONE_VM, lacks CLONE_NEWUSER"},
		{"clone", policy.Cond{Arg: 0, Op: policy.OpMaskedEQ}, "flags & 0x0 == 0"},
		{"sendto", policy.Cond{Arg: 4, Op: policy.OpEQ}, "dest_addr == NULL"},
		{"kill", policy.Cond{Arg: 0, Op: policy.OpEQ, Value: catalog.OwnPID, Width32: true}, "pid == own pid"},
		{"kill", policy.Cond{Arg: 0, Op: policy.OpLT, Value: 2, Width32: true}, "pid < 0x2"},
		{"prctl", policy.Cond{Arg: 0, Op: policy.OpMaskedEQ, Mask: 0xFF, Value: 0x100, Width32: true}, "option & 0xff == 0x0"},
		{"read", policy.Cond{Arg: 0, Op: policy.OpEQ, Value: 3}, policy.Cond{Arg: 0, Op: policy.OpEQ, Value: 3}.String()},
	} {
		if got := Cond(c.sys, c.cond); got != c.want {
			t.Errorf("%s %v: %q, want %q", c.sys, c.cond, got, c.want)
		}
	}
	if got := Conds("read", nil); got != "any arguments" {
		t.Errorf("no conditions: %q", got)
	}
	two := []policy.Cond{{Arg: 0, Op: policy.OpEQ, Value: linux.AF_UNIX, Width32: true}, {Arg: 1, Op: policy.OpEQ, Value: 1, Width32: true}}
	if got, want := Conds("socket", two), Cond("socket", two[0])+" and "+Cond("socket", two[1]); got != want {
		t.Errorf("two conditions: %q, want %q", got, want)
	}
}

// TestCatalogWidths: every argument the catalog's rules test is named
// here, on the width the rules compare it, so that the catalog's rules
// render without a width note.
func TestCatalogWidths(t *testing.T) {
	for _, e := range append(catalog.All(), catalog.Base()) {
		for _, r := range e.Rules {
			for _, c := range r.Conds {
				ai, ok := argsOf()[r.Syscall][c.Arg]
				if !ok {
					t.Errorf("%s: %s argument %d has no name", e.Name, r.Syscall, c.Arg)
					continue
				}
				if ai.w32 != c.Width32 {
					t.Errorf("%s: %s %s: Width32 %v, argument table says %v", e.Name, r.Syscall, c, c.Width32, ai.w32)
				}
			}
		}
	}
}

// edgeValues are the values and masks the property test builds conditions
// from and tries them on: zero, one, the 32- and 64-bit sign and top bits,
// sign-extended negatives, the own-pid sentinel and a few constants the
// catalog names.
var edgeValues = []uint64{
	0, 1, 2, 3, 0x5413, 0x100,
	catalog.OwnPID, 1 << 31, 1<<32 - 1, 1 << 32, 1<<32 + 5,
	1 << 63, 1<<63 - 1, 1<<64 - 1,
	0xFFFFFFFFFFFFFF9C, // -100 (AT_FDCWD) sign-extended
	0xFFFFFFFF80000000, // int32 min sign-extended
	0xFFFFFFFF00000000, 0x00000000FFFFFF9C,
	0x10000100, 0xFF, 0xFFFF,
	linux.CLONE_THREAD | linux.CLONE_VM | linux.CLONE_SIGHAND, linux.CLONE_NEWUSER,
}

var ops = []policy.Op{policy.OpInvalid, policy.OpEQ, policy.OpNE, policy.OpLT, policy.OpLE, policy.OpGT, policy.OpGE, policy.OpMaskedEQ, policy.OpMaskedEQ + 1}

// conditions returns the edge conditions on argument arg: every operator,
// width, edge value and (for masked comparisons) edge mask; and n random
// ones.
func conditions(arg uint8, rng *rand.Rand, n int) []policy.Cond {
	var cs []policy.Cond
	for _, op := range ops {
		for _, w := range []bool{false, true} {
			for _, v := range edgeValues {
				if op != policy.OpMaskedEQ {
					cs = append(cs, policy.Cond{Arg: arg, Op: op, Value: v, Width32: w})
					continue
				}
				for _, m := range edgeValues {
					cs = append(cs, policy.Cond{Arg: arg, Op: op, Value: v, Mask: m, Width32: w})
				}
			}
		}
	}
	value := func() uint64 {
		switch rng.IntN(4) {
		case 0:
			return rng.Uint64()
		case 1:
			return edgeValues[rng.IntN(len(edgeValues))]
		case 2:
			return uint64(rng.IntN(1 << 12))
		}
		return 1 << rng.IntN(64)
	}
	for range n {
		c := policy.Cond{Arg: arg, Op: ops[rng.IntN(len(ops))], Value: value(), Width32: rng.IntN(2) == 0}
		if c.Op == policy.OpMaskedEQ {
			low, high := value(), value() // two draws: masks with more bits
			c.Mask = low | high
		}
		cs = append(cs, c)
	}
	return cs
}

// probes are the argument values conditions cs are compared on: the edge
// values and, for each condition, its value and masked value, their
// neighbours, their low halves, high halves filled, and each of their bits
// (and the mask's) flipped.
func probes(cs []policy.Cond) []uint64 {
	ps := slices.Clone(edgeValues)
	add := func(v uint64) {
		ps = append(ps, v, v+1, v-1, v&0xFFFFFFFF, v|0xFFFFFFFF00000000, v^1<<32)
	}
	for _, c := range cs {
		add(c.Value)
		add(c.Value & c.Mask)
		for m := c.Value | c.Mask; m != 0; m &= m - 1 {
			bit := uint64(1) << bits.TrailingZeros64(m)
			ps = append(ps, c.Value^bit, (c.Value&c.Mask)^bit)
		}
	}
	slices.Sort(ps)
	return slices.Compact(ps)
}

// TestFaithful: rendering is deterministic and never merges conditions
// that differ: conditions on one system call that render alike accept the
// same argument values, on 64- and 32-bit architectures; and the has/lacks
// reading of masked flag comparisons decides as policy.Evaluate does.
func TestFaithful(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 4))
	n := 300
	if testing.Short() {
		n = 30
	}
	calls := []string{"read"} // an argument the table does not name
	for sys := range argsOf() {
		calls = append(calls, sys)
	}
	slices.Sort(calls)
	for _, sys := range calls {
		args := []uint8{0, 5}
		for a := range argsOf()[sys] {
			args = append(args, a)
		}
		slices.Sort(args)
		for _, arg := range slices.Compact(args) {
			byText := map[string][]policy.Cond{}
			for _, c := range conditions(arg, rng, n) {
				s := Cond(sys, c)
				if again := Cond(sys, c); again != s {
					t.Fatalf("%s %v: rendered %q, then %q", sys, c, s, again)
				}
				byText[s] = append(byText[s], c)
			}
			for s, cs := range byText {
				if len(cs) < 2 {
					continue
				}
				ps := probes(cs)
				for _, c := range cs[1:] {
					for _, wordBits := range []int{64, 32} {
						for _, v := range ps {
							if cs[0].Match(v, wordBits) != c.Match(v, wordBits) {
								t.Fatalf("%s: %v and %v both render %q but decide %#x differently on %d bits", sys, cs[0], c, s, v, wordBits)
							}
						}
					}
				}
			}
		}
	}
}

// TestHasLacks: "has set, lacks clear" (on the low 32 bits when the
// condition or the architecture compares 32) decides every probe as
// policy.Evaluate decides the condition.
func TestHasLacks(t *testing.T) {
	var arches []*syscalls.Arch
	for _, a := range syscalls.All() {
		if _, ok := a.Number("clone"); ok && !slices.ContainsFunc(arches, func(b *syscalls.Arch) bool { return b.Bits() == a.Bits() }) {
			arches = append(arches, a)
		}
	}
	if len(arches) != 2 {
		t.Fatalf("want a 64- and a 32-bit architecture with clone, have %v", arches)
	}
	rng := rand.New(rand.NewPCG(4, 8))
	for _, c := range conditions(0, rng, 2000) {
		if c.Op != policy.OpMaskedEQ || c.Mask == 0 {
			continue
		}
		set, clear := hasLacks(c)
		for _, a := range arches {
			nr, _ := a.Number("clone")
			p := &policy.Policy{
				DefaultAction: policy.KillProcess,
				Arches:        []*syscalls.Arch{a},
				Rules:         []policy.Rule{{Syscall: "clone", Action: policy.Allow, Conds: []policy.Cond{c}}},
			}
			for _, v := range probes([]policy.Cond{c}) {
				lo := v
				s, cl := set, clear
				if c.Width32 || a.Bits() == 32 {
					lo, s, cl = v&0xFFFFFFFF, s&0xFFFFFFFF, cl&0xFFFFFFFF
				}
				reading := lo&s == s && lo&cl == 0
				if got := p.Evaluate(a.AuditArch(), nr, [6]uint64{v}) == policy.Allow; got != reading {
					t.Fatalf("%s %v (%q) on %#x: Evaluate allows %v, has/lacks reading says %v", a, c, Cond("clone", c), v, got, reading)
				}
			}
		}
	}
}
