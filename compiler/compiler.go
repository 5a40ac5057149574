package compiler

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"sort"
	"strings"

	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/syscalls"
	"golang.org/x/net/bpf"
)

// Program is a compiled seccomp filter.
type Program struct {
	Insns  []bpf.RawInstruction
	Policy *policy.Policy
	notes  []string
}

// Compile validates p and compiles it to a seccomp cBPF program.
func Compile(p *policy.Policy) (*Program, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("invalid policy: %w", err)
	}
	b := newBuilder()
	c := &compilation{p: p, b: b, blocks: map[string]*node{}}
	root, err := c.archDispatch()
	if err != nil {
		return nil, err
	}
	prog, notes, err := layout(b, root, c.tails)
	if err != nil {
		return nil, err
	}
	return &Program{Insns: prog, Policy: p, notes: notes}, nil
}

type compilation struct {
	p      *policy.Policy
	b      *builder
	blocks map[string]*node // argument blocks by signature
	tails  []*node          // argument blocks, laid out at the end
}

// group is the set of tables that share one AUDIT_ARCH value.
type group struct {
	audit  uint32
	arches []*syscalls.Arch
}

func (c *compilation) groups() []group {
	var gs []group
	for _, a := range c.p.ArchList() {
		found := false
		for i := range gs {
			if gs[i].audit == a.AuditArch() {
				gs[i].arches = append(gs[i].arches, a)
				found = true
			}
		}
		if !found {
			gs = append(gs, group{audit: a.AuditArch(), arches: []*syscalls.Arch{a}})
		}
	}
	return gs
}

// archDispatch builds: ld arch; jeq AUDIT_1 → tree_1; jeq AUDIT_2 → tree_2
// ...; ret bad-arch.
func (c *compilation) archDispatch() (*node, error) {
	bad := c.b.ret(c.p.BadArch().Ret(), "bad arch: "+c.p.BadArch().String())
	next := bad
	gs := c.groups()
	for i := len(gs) - 1; i >= 0; i-- {
		tree, err := c.nrTree(gs[i])
		if err != nil {
			return nil, err
		}
		names := make([]string, len(gs[i].arches))
		for j, a := range gs[i].arches {
			names[j] = a.Name()
		}
		next = c.b.test(word{off: offArch, mask: fullMsk}, opJEQ, gs[i].audit, tree, next, "arch "+strings.Join(names, "+"))
	}
	return next, nil
}

type segment struct {
	lo, hi uint32 // inclusive
	out    *node
	weight float64
	name   string // name of the syscall numbered lo, if known
}

// Weights for the decision tree: every number the primary table knows costs
// 1, so the tree minimises the mean instructions executed over the
// architecture's system calls. Numbers of a secondary ABI sharing the audit
// arch (x32 next to x86_64) and numbers no table knows are rare.
const (
	weightSecondary = 1.0 / 16
	weightUnknown   = 1.0 / 64
)

func (c *compilation) nrTree(g group) (*node, error) {
	unknown := c.b.ret(c.p.Unknown().Ret(), "unknown syscall: "+c.p.Unknown().String())
	bad := c.b.ret(c.p.BadArch().Ret(), "bad arch: "+c.p.BadArch().String())

	type known struct {
		nr     uint32
		arch   *syscalls.Arch
		name   string
		weight float64
	}
	var calls []known
	hasPrimary, hasX32 := false, false
	for _, a := range g.arches {
		w := 1.0
		if a == syscalls.X32 {
			hasX32 = true
			if len(g.arches) > 1 {
				w = weightSecondary
			}
		} else {
			hasPrimary = true
		}
		for _, s := range a.Syscalls() {
			calls = append(calls, known{nr: s.Nr, arch: a, name: s.Name, weight: w})
		}
	}
	sort.Slice(calls, func(i, j int) bool { return calls[i].nr < calls[j].nr })

	// Segments over the whole 32-bit space, in order.
	var segs []segment
	add := func(lo, hi uint32, out *node, w float64, name string) {
		if n := len(segs); n > 0 && segs[n-1].out == out && segs[n-1].hi+1 == lo {
			segs[n-1].hi = hi
			segs[n-1].weight += w
			return
		}
		segs = append(segs, segment{lo: lo, hi: hi, out: out, weight: w, name: name})
	}
	// gapOut is what a number no table knows leads to.
	gapOut := func(nr uint32) *node {
		if g.audit == syscalls.X86_64.AuditArch() && nr != 0xFFFFFFFF {
			isX32 := nr >= syscalls.X32.SyscallBase()
			if isX32 && !hasX32 || !isX32 && !hasPrimary {
				return bad
			}
		}
		return unknown
	}
	gap := func(lo, hi uint32) {
		// Split a gap where its outcome changes (x32 boundary, -1).
		for lo <= hi {
			end := hi
			if g.audit == syscalls.X86_64.AuditArch() {
				base := syscalls.X32.SyscallBase()
				if lo < base && end >= base {
					end = base - 1
				}
				if lo < 0xFFFFFFFF && end == 0xFFFFFFFF {
					end = 0xFFFFFFFE
				}
			}
			add(lo, end, gapOut(lo), weightUnknown, "")
			if end == hi {
				break
			}
			lo = end + 1
		}
	}
	next := uint32(0)
	started := false
	for _, k := range calls {
		if started && k.nr < next {
			continue // duplicate number across tables cannot happen; be safe
		}
		if k.nr > next || (!started && k.nr > 0) {
			gap(next, k.nr-1)
		}
		out, err := c.callOutcome(k.arch, k.name, k.nr)
		if err != nil {
			return nil, err
		}
		add(k.nr, k.nr, out, k.weight, k.name)
		started = true
		if k.nr == 0xFFFFFFFF {
			next = 0
			break
		}
		next = k.nr + 1
	}
	if len(calls) == 0 || calls[len(calls)-1].nr != 0xFFFFFFFF {
		gap(next, 0xFFFFFFFF)
	}
	return c.tree(segs), nil
}

// callOutcome returns the node deciding one known system call.
func (c *compilation) callOutcome(a *syscalls.Arch, name string, nr uint32) (*node, error) {
	var rules []policy.Rule
	for _, r := range c.p.Rules {
		if r.Syscall == name {
			rules = append(rules, r)
		}
	}
	rules = simplify(rules, c.p.DefaultAction)
	def := c.b.ret(c.p.DefaultAction.Ret(), c.p.DefaultAction.String())
	if len(rules) == 0 {
		return def, nil
	}
	if len(rules) == 1 && len(rules[0].Conds) == 0 {
		return c.b.ret(rules[0].Action.Ret(), rules[0].Action.String()), nil
	}
	sig := blockSignature(a, rules, c.p.DefaultAction)
	if n, ok := c.blocks[sig]; ok {
		return n, nil
	}
	n := def
	for i := len(rules) - 1; i >= 0; i-- {
		n = c.rule(a, &rules[i], c.b.ret(rules[i].Action.Ret(), rules[i].Action.String()), n)
	}
	c.blocks[sig] = n
	c.tails = append(c.tails, n)
	return n, nil
}

// simplify orders rules by the kernel's precedence (stable, so the first
// listed wins among equals) and drops rules that can never decide: those
// after an unconditional rule, and trailing rules whose action is the
// default.
func simplify(rules []policy.Rule, def policy.Action) []policy.Rule {
	sort.SliceStable(rules, func(i, j int) bool { return policy.MoreRestrictive(rules[i].Action, rules[j].Action) })
	for i, r := range rules {
		if len(r.Conds) == 0 {
			rules = rules[:i+1]
			break
		}
	}
	for len(rules) > 0 && rules[len(rules)-1].Action == def {
		rules = rules[:len(rules)-1]
	}
	return rules
}

func blockSignature(a *syscalls.Arch, rules []policy.Rule, def policy.Action) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d/%v/%v|", a.Bits(), a.BigEndian(), def)
	for _, r := range rules {
		fmt.Fprintf(&b, "%v:", r.Action)
		for _, c := range r.Conds {
			fmt.Fprintf(&b, "%d,%d,%d,%d,%v;", c.Arg, c.Op, c.Value, c.Mask, c.Width32)
		}
		b.WriteString("|")
	}
	return b.String()
}

// rule builds: all conditions hold → match, else → fail.
func (c *compilation) rule(a *syscalls.Arch, r *policy.Rule, match, fail *node) *node {
	n := match
	for i := len(r.Conds) - 1; i >= 0; i-- {
		n = c.cond(a, r.Conds[i], n, fail)
	}
	return n
}

// argWords returns the seccomp_data offsets of the high and low 32-bit
// halves of argument i.
func argWords(a *syscalls.Arch, i uint8) (hi, lo word) {
	base := uint32(offArgs) + 8*uint32(i)
	if a.BigEndian() {
		return word{off: base, mask: fullMsk}, word{off: base + 4, mask: fullMsk}
	}
	return word{off: base + 4, mask: fullMsk}, word{off: base, mask: fullMsk}
}

// cond lowers one 64-bit (or 32-bit) comparison to tests on 32-bit words:
// ordered comparisons are lexicographic on (high, low), unsigned.
func (c *compilation) cond(a *syscalls.Arch, cd policy.Cond, t, f *node) *node {
	hiW, loW := argWords(a, cd.Arg)
	note := fmt.Sprintf("a%d: %s", cd.Arg, cd)
	vhi, vlo := uint32(cd.Value>>32), uint32(cd.Value)
	if cd.Width32 || a.Bits() == 32 {
		switch cd.Op {
		case policy.OpEQ:
			return c.b.test(loW, opJEQ, vlo, t, f, note)
		case policy.OpNE:
			return c.b.test(loW, opJEQ, vlo, f, t, note)
		case policy.OpGT:
			return c.b.test(loW, opJGT, vlo, t, f, note)
		case policy.OpGE:
			return c.b.test(loW, opJGE, vlo, t, f, note)
		case policy.OpLT:
			return c.b.test(loW, opJGE, vlo, f, t, note)
		case policy.OpLE:
			return c.b.test(loW, opJGT, vlo, f, t, note)
		case policy.OpMaskedEQ:
			return c.masked(loW, uint32(cd.Mask), vlo&uint32(cd.Mask), t, f, note)
		}
		panic("unreachable: operator validated")
	}
	switch cd.Op {
	case policy.OpEQ:
		return c.b.test(hiW, opJEQ, vhi, c.b.test(loW, opJEQ, vlo, t, f, note), f, note)
	case policy.OpNE:
		return c.b.test(hiW, opJEQ, vhi, c.b.test(loW, opJEQ, vlo, f, t, note), t, note)
	case policy.OpGT, policy.OpGE, policy.OpLT, policy.OpLE:
		// GT: hi > vhi || hi == vhi && lo > vlo; GE likewise with lo >= vlo.
		// LT = !GE, LE = !GT.
		loOp := uint16(opJGT)
		if cd.Op == policy.OpGE || cd.Op == policy.OpLT {
			loOp = opJGE
		}
		yes, no := t, f
		if cd.Op == policy.OpLT || cd.Op == policy.OpLE {
			yes, no = f, t
		}
		lo := c.b.test(loW, loOp, vlo, yes, no, note)
		eq := lo
		if vhi != 0 { // when vhi == 0, !(hi > 0) already means hi == 0
			eq = c.b.test(hiW, opJEQ, vhi, lo, no, note)
		}
		return c.b.test(hiW, opJGT, vhi, yes, eq, note)
	case policy.OpMaskedEQ:
		mhi, mlo := uint32(cd.Mask>>32), uint32(cd.Mask)
		lo := c.masked(loW, mlo, vlo&mlo, t, f, note)
		return c.masked(hiW, mhi, vhi&mhi, lo, f, note)
	}
	panic("unreachable: operator validated")
}

// masked tests (w & m) == d, with d already masked.
func (c *compilation) masked(w word, m, d uint32, t, f *node, note string) *node {
	switch {
	case m == 0:
		return t
	case m == fullMsk:
		return c.b.test(w, opJEQ, d, t, f, note)
	case d == 0:
		return c.b.test(w, opJSET, m, f, t, note)
	case bits.OnesCount32(m) == 1: // d == m
		return c.b.test(w, opJSET, m, t, f, note)
	}
	return c.b.test(word{off: w.off, mask: m}, opJEQ, d, t, f, note)
}

// Bytes returns the program as struct sock_filter records (8 bytes each)
// in the machine's own byte order, as the kernel and libseccomp's
// seccomp_export_bpf lay them out.
func (p *Program) Bytes() []byte {
	out := make([]byte, 0, 8*len(p.Insns))
	for _, in := range p.Insns {
		out = binary.NativeEndian.AppendUint16(out, in.Op)
		out = append(out, in.Jt, in.Jf)
		out = binary.NativeEndian.AppendUint32(out, in.K)
	}
	return out
}

// FromBytes reads struct sock_filter records in the machine's byte order,
// the inverse of [Program.Bytes] (and the format of libseccomp's
// seccomp_export_bpf). A length that is not a whole number of records, an
// empty program or one longer than [MaxInstructions] is an error: a
// filter is never silently cut short.
func FromBytes(b []byte) ([]bpf.RawInstruction, error) {
	switch {
	case len(b) == 0:
		return nil, fmt.Errorf("empty filter: a seccomp program needs at least one instruction")
	case len(b)%8 != 0:
		return nil, fmt.Errorf("filter of %d bytes is not a whole number of 8-byte sock_filter records (truncated or not a filter)", len(b))
	case len(b)/8 > MaxInstructions:
		return nil, fmt.Errorf("filter of %d instructions is above the kernel's limit of %d (BPF_MAXINSNS)", len(b)/8, MaxInstructions)
	}
	prog := make([]bpf.RawInstruction, len(b)/8)
	for i := range prog {
		r := b[8*i:]
		prog[i] = bpf.RawInstruction{Op: binary.NativeEndian.Uint16(r), Jt: r[2], Jf: r[3], K: binary.NativeEndian.Uint32(r[4:])}
	}
	return prog, nil
}

type bpfInsn = bpf.RawInstruction
