package compiler

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
	"strings"

	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/syscalls"
	"golang.org/x/net/bpf"
)

// Program is a compiled seccomp filter.
type Program struct {
	Insns  []bpf.RawInstruction
	Policy *policy.Policy
	notes  []note        // per instruction, rendered by Asm
	conds  []policy.Cond // the conditions noteCond notes index
}

// Compile validates p and compiles it to a seccomp cBPF program.
func Compile(p *policy.Policy) (*Program, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("invalid policy: %w", err)
	}
	b := newBuilder()
	c := &compilation{p: p, b: b, blocks: map[string]*node{}}
	c.indexRules()
	root, err := c.archDispatch()
	if err != nil {
		return nil, err
	}
	prog, notes, err := layout(b, root, c.tails)
	if err != nil {
		return nil, err
	}
	return &Program{Insns: prog, Policy: p, notes: notes, conds: c.conds}, nil
}

type compilation struct {
	p      *policy.Policy
	b      *builder
	blocks map[string]*node // argument blocks by signature (blockSignature)
	tails  []*node          // argument blocks, laid out at the end

	// The rules of each system call, in policy order: firstRule[name] is
	// the index of the first, nextRule[i] that of the one after rule i
	// (-1: none).
	firstRule map[string]int32
	nextRule  []int32

	conds  []policy.Cond // conditions noted by noteCond notes
	defRet *node         // the node returning the default action, once made

	// Buffers reused across system calls and architectures.
	rules []*policy.Rule
	sig   []byte
	segs  []segment
	dp    dpBuffers
}

// indexRules fills firstRule and nextRule.
func (c *compilation) indexRules() {
	rules := c.p.Rules
	c.firstRule = make(map[string]int32, len(rules))
	c.nextRule = make([]int32, len(rules))
	for i := len(rules) - 1; i >= 0; i-- {
		name := rules[i].Syscall
		next, ok := c.firstRule[name]
		if !ok {
			next = -1
		}
		c.nextRule[i] = next
		c.firstRule[name] = int32(i)
	}
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

func retNote(prefix string, a policy.Action) note {
	return note{kind: noteRet, text: prefix, act: a}
}

// archDispatch builds: ld arch; jeq AUDIT_1 → tree_1; jeq AUDIT_2 → tree_2
// ...; ret bad-arch.
func (c *compilation) archDispatch() (*node, error) {
	bad := c.b.ret(c.p.BadArch().Ret(), retNote("bad arch: ", c.p.BadArch()))
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
		next = c.b.test(word{off: offArch, mask: fullMsk}, opJEQ, gs[i].audit, tree, next, note{kind: noteText, text: "arch " + strings.Join(names, "+")})
	}
	return next, nil
}

type segment struct {
	lo, hi uint32 // inclusive
	out    *node
	weight int64  // in units of weightUnit
	name   string // name of the syscall numbered lo, if known
}

// Weights for the decision tree: every number the primary table knows costs
// 1, so the tree minimises the mean instructions executed over the
// architecture's system calls. Numbers of a secondary ABI sharing the audit
// arch (x32 next to x86_64) and numbers no table knows are rare.
//
// Weights are counted in units of 1/64 (weightUnit), so that the tree's
// costs are exact integers: the dynamic programme's ties are then decided
// the same way whatever the order of its additions.
const (
	weightUnit      = 64              // weight 1
	weightSecondary = weightUnit / 16 // 1/16
	weightUnknown   = weightUnit / 64 // 1/64
)

// cursor walks one table of a group.
type cursor struct {
	arch   *syscalls.Arch
	table  []syscalls.Syscall
	weight int64
}

// known is a system call of one of a group's tables.
type known struct {
	nr     uint32
	arch   *syscalls.Arch
	name   string
	weight int64
}

// segmenter cuts the 32-bit number space of one group into segments.
type segmenter struct {
	segs               []segment
	x86                bool // the group is AUDIT_ARCH_X86_64 (x86_64 and x32)
	hasPrimary, hasX32 bool
	unknown, bad       *node
}

func (s *segmenter) add(lo, hi uint32, out *node, w int64, name string) {
	if n := len(s.segs); n > 0 && s.segs[n-1].out == out && s.segs[n-1].hi+1 == lo {
		s.segs[n-1].hi = hi
		s.segs[n-1].weight += w
		return
	}
	s.segs = append(s.segs, segment{lo: lo, hi: hi, out: out, weight: w, name: name})
}

// gapOut is what a number no table knows leads to.
func (s *segmenter) gapOut(nr uint32) *node {
	if s.x86 && nr != 0xFFFFFFFF {
		isX32 := nr >= syscalls.X32.SyscallBase()
		if isX32 && !s.hasX32 || !isX32 && !s.hasPrimary {
			return s.bad
		}
	}
	return s.unknown
}

func (s *segmenter) gap(lo, hi uint32) {
	// Split a gap where its outcome changes (x32 boundary, -1).
	for lo <= hi {
		end := hi
		if s.x86 {
			base := syscalls.X32.SyscallBase()
			if lo < base && end >= base {
				end = base - 1
			}
			if lo < 0xFFFFFFFF && end == 0xFFFFFFFF {
				end = 0xFFFFFFFE
			}
		}
		s.add(lo, end, s.gapOut(lo), weightUnknown, "")
		if end == hi {
			break
		}
		lo = end + 1
	}
}

func (c *compilation) nrTree(g group) (*node, error) {
	if c.segs == nil {
		c.segs = make([]segment, 0, 256)
	}
	s := segmenter{
		segs:    c.segs[:0],
		x86:     g.audit == syscalls.X86_64.AuditArch(),
		unknown: c.b.ret(c.p.Unknown().Ret(), retNote("unknown syscall: ", c.p.Unknown())),
		bad:     c.b.ret(c.p.BadArch().Ret(), retNote("bad arch: ", c.p.BadArch())),
	}

	// The group's tables, merged in number order (each table is sorted
	// and no number is in two tables).
	var buf [3]cursor
	cur := buf[:0]
	for _, a := range g.arches {
		w := int64(weightUnit)
		if a == syscalls.X32 {
			s.hasX32 = true
			if len(g.arches) > 1 {
				w = weightSecondary
			}
		} else {
			s.hasPrimary = true
		}
		cur = append(cur, cursor{arch: a, table: a.Syscalls(), weight: w})
	}
	next := func() (k known, ok bool) {
		best := -1
		for i := range cur {
			if len(cur[i].table) > 0 && (best < 0 || cur[i].table[0].Nr < cur[best].table[0].Nr) {
				best = i
			}
		}
		if best < 0 {
			return known{}, false
		}
		t := &cur[best]
		k = known{nr: t.table[0].Nr, arch: t.arch, name: t.table[0].Name, weight: t.weight}
		t.table = t.table[1:]
		return k, true
	}

	// Segments over the whole 32-bit space, in order.
	nextNr := uint32(0)
	started, last := false, uint32(0)
	for {
		k, ok := next()
		if !ok {
			break
		}
		last = k.nr
		if started && k.nr < nextNr {
			continue // duplicate number across tables cannot happen; be safe
		}
		if k.nr > nextNr || (!started && k.nr > 0) {
			s.gap(nextNr, k.nr-1)
		}
		out, err := c.callOutcome(k.arch, k.name)
		if err != nil {
			return nil, err
		}
		s.add(k.nr, k.nr, out, k.weight, k.name)
		started = true
		if k.nr == 0xFFFFFFFF {
			nextNr = 0
			break
		}
		nextNr = k.nr + 1
	}
	if !started || last != 0xFFFFFFFF {
		s.gap(nextNr, 0xFFFFFFFF)
	}
	c.segs = s.segs
	return c.tree(s.segs), nil
}

// callOutcome returns the node deciding one known system call.
func (c *compilation) callOutcome(a *syscalls.Arch, name string) (*node, error) {
	rules := c.rules[:0]
	if i, ok := c.firstRule[name]; ok {
		for ; i >= 0; i = c.nextRule[i] {
			rules = append(rules, &c.p.Rules[i])
		}
	}
	c.rules = rules
	def := c.p.DefaultAction
	rules = simplify(rules, def)
	if c.defRet == nil {
		c.defRet = c.b.ret(def.Ret(), retNote("", def))
	}
	defRet := c.defRet
	if len(rules) == 0 {
		return defRet, nil
	}
	if len(rules) == 1 && len(rules[0].Conds) == 0 {
		return c.b.ret(rules[0].Action.Ret(), retNote("", rules[0].Action)), nil
	}
	c.sig = blockSignature(c.sig[:0], a, rules, def)
	if n, ok := c.blocks[string(c.sig)]; ok {
		return n, nil
	}
	n := defRet
	for i := len(rules) - 1; i >= 0; i-- {
		n = c.rule(a, rules[i], c.b.ret(rules[i].Action.Ret(), retNote("", rules[i].Action)), n)
	}
	c.blocks[string(c.sig)] = n
	c.tails = append(c.tails, n)
	return n, nil
}

// simplify orders rules by the kernel's precedence (stable, so the first
// listed wins among equals) and drops rules that can never decide: those
// after an unconditional rule, and trailing rules whose action is the
// default.
func simplify(rules []*policy.Rule, def policy.Action) []*policy.Rule {
	slices.SortStableFunc(rules, func(x, y *policy.Rule) int {
		switch {
		case policy.MoreRestrictive(x.Action, y.Action):
			return -1
		case policy.MoreRestrictive(y.Action, x.Action):
			return 1
		}
		return 0
	})
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

// blockSignature appends to b what identifies an argument block: the
// architecture's word size and byte order, the default action and the
// rules (actions as the values they return, conditions field by field).
// Two blocks with the same signature compile to the same nodes.
func blockSignature(b []byte, a *syscalls.Arch, rules []*policy.Rule, def policy.Action) []byte {
	var flags byte
	if a.Bits() == 32 {
		flags |= 1
	}
	if a.BigEndian() {
		flags |= 2
	}
	b = append(b, flags)
	b = binary.LittleEndian.AppendUint32(b, def.Ret())
	for _, r := range rules {
		b = binary.LittleEndian.AppendUint32(b, r.Action.Ret())
		b = binary.AppendUvarint(b, uint64(len(r.Conds)))
		for _, cd := range r.Conds {
			w32 := byte(0)
			if cd.Width32 {
				w32 = 1
			}
			b = append(b, cd.Arg, byte(cd.Op), w32)
			b = binary.LittleEndian.AppendUint64(b, cd.Value)
			b = binary.LittleEndian.AppendUint64(b, cd.Mask)
		}
	}
	return b
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
	nt := note{kind: noteCond, k: uint32(len(c.conds))}
	c.conds = append(c.conds, cd)
	vhi, vlo := uint32(cd.Value>>32), uint32(cd.Value)
	if cd.Width32 || a.Bits() == 32 {
		switch cd.Op {
		case policy.OpEQ:
			return c.b.test(loW, opJEQ, vlo, t, f, nt)
		case policy.OpNE:
			return c.b.test(loW, opJEQ, vlo, f, t, nt)
		case policy.OpGT:
			return c.b.test(loW, opJGT, vlo, t, f, nt)
		case policy.OpGE:
			return c.b.test(loW, opJGE, vlo, t, f, nt)
		case policy.OpLT:
			return c.b.test(loW, opJGE, vlo, f, t, nt)
		case policy.OpLE:
			return c.b.test(loW, opJGT, vlo, f, t, nt)
		case policy.OpMaskedEQ:
			return c.masked(loW, uint32(cd.Mask), vlo&uint32(cd.Mask), t, f, nt)
		}
		panic("unreachable: operator validated")
	}
	switch cd.Op {
	case policy.OpEQ:
		return c.b.test(hiW, opJEQ, vhi, c.b.test(loW, opJEQ, vlo, t, f, nt), f, nt)
	case policy.OpNE:
		return c.b.test(hiW, opJEQ, vhi, c.b.test(loW, opJEQ, vlo, f, t, nt), t, nt)
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
		lo := c.b.test(loW, loOp, vlo, yes, no, nt)
		eq := lo
		if vhi != 0 { // when vhi == 0, !(hi > 0) already means hi == 0
			eq = c.b.test(hiW, opJEQ, vhi, lo, no, nt)
		}
		return c.b.test(hiW, opJGT, vhi, yes, eq, nt)
	case policy.OpMaskedEQ:
		mhi, mlo := uint32(cd.Mask>>32), uint32(cd.Mask)
		lo := c.masked(loW, mlo, vlo&mlo, t, f, nt)
		return c.masked(hiW, mhi, vhi&mhi, lo, f, nt)
	}
	panic("unreachable: operator validated")
}

// masked tests (w & m) == d, with d already masked.
func (c *compilation) masked(w word, m, d uint32, t, f *node, nt note) *node {
	switch {
	case m == 0:
		return t
	case m == fullMsk:
		return c.b.test(w, opJEQ, d, t, f, nt)
	case d == 0:
		return c.b.test(w, opJSET, m, f, t, nt)
	case bits.OnesCount32(m) == 1: // d == m
		return c.b.test(w, opJSET, m, t, f, nt)
	}
	return c.b.test(word{off: w.off, mask: m}, opJEQ, d, t, f, nt)
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
