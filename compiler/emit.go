package compiler

import (
	"fmt"
	"slices"

	"golang.org/x/net/bpf"

	"github.com/entitle-dev/entitle/internal/linux"
)

// MaxInstructions is the kernel's limit on one filter (BPF_MAXINSNS).
const MaxInstructions = linux.BPF_MAXINSNS

// emitter lays a decision DAG out as a classic BPF program. It works
// backwards, from the end of the program to its start, the way Chromium's
// CodeGen does: a node is emitted after its successors, so every jump is
// forward and its offset is known when the jump is written.
//
// Conditional jumps reach at most 255 instructions. A return that is too far
// is copied next to the jump (same cost as a trampoline, one fewer executed
// instruction); any other far target gets a "ja" trampoline, reused while it
// stays in reach.
//
// Loads are elided where every path into a node already leaves the word it
// tests in the accumulator (entry states are computed over the reachable
// DAG before emission).
type emitter struct {
	rev   []bpf.RawInstruction // program in reverse order
	notes []note               // per reversed instruction
}

func (e *emitter) here() int32 { return int32(len(e.rev)) }

func (e *emitter) push(ins bpf.RawInstruction, nt note) int32 {
	e.rev = append(e.rev, ins)
	e.notes = append(e.notes, nt)
	return int32(len(e.rev) - 1)
}

// program returns the instructions in execution order, with their notes.
func (e *emitter) program() ([]bpf.RawInstruction, []note) {
	slices.Reverse(e.rev)
	slices.Reverse(e.notes)
	return e.rev, e.notes
}

// computeEntries marks, for every node reachable from roots, which word the
// accumulator holds on entry when all predecessors agree.
func computeEntries(all []*node, roots []*node) {
	for _, n := range all {
		n.reached = false
		n.entry = entryState{}
	}
	stack := make([]*node, 0, 64)
	for _, r := range roots {
		if !r.reached {
			r.reached = true
			stack = append(stack, r)
		}
	}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.ret {
			continue
		}
		if !n.jt.reached {
			n.jt.reached = true
			stack = append(stack, n.jt)
		}
		if !n.jf.reached {
			n.jf.reached = true
			stack = append(stack, n.jf)
		}
	}
	for _, r := range roots {
		r.entry = entryState{known: true, mixed: true}
	}
	// Parents have larger ids than their children.
	for i := len(all) - 1; i >= 0; i-- {
		n := all[i]
		if !n.reached || n.ret {
			continue
		}
		enter(n.jt, n.in)
		enter(n.jf, n.in)
	}
	for _, n := range all {
		if n.ret || !n.reached {
			continue
		}
		st := n.entry
		switch {
		case !st.mixed && st.w == n.in:
			n.needLoad, n.needMask = false, false
		case !st.mixed && st.w.off == n.in.off && st.w.mask == fullMsk:
			n.needLoad, n.needMask = false, true
		default:
			n.needLoad, n.needMask = true, n.in.mask != fullMsk
		}
	}
}

// enter records that a predecessor leaves w in the accumulator on the way
// to c.
func enter(c *node, w word) {
	switch {
	case !c.entry.known:
		c.entry = entryState{known: true, w: w}
	case c.entry.mixed || c.entry.w != w:
		c.entry.mixed = true
	}
}

// emit writes n and everything it reaches.
func (e *emitter) emit(n *node) {
	if n.emitted {
		return
	}
	if n.ret {
		n.pos = e.push(bpf.RawInstruction{Op: opRet, K: n.k}, n.note)
		n.latest = n.pos
		n.emitted = true
		return
	}
	// The false branch is emitted last so that it sits right after the jump.
	e.emit(n.jt)
	e.emit(n.jf)
	jt := e.target(n.jt)
	jf := e.target(n.jf)
	at := e.here()
	ins := bpf.RawInstruction{Op: n.jop, K: n.k, Jt: uint8(at - jt - 1), Jf: uint8(at - jf - 1)}
	n.jumpPos = e.push(ins, n.note)
	n.pos = n.jumpPos
	if n.needMask {
		n.pos = e.push(bpf.RawInstruction{Op: opAndK, K: n.in.mask}, note{})
	}
	if n.needLoad {
		n.pos = e.push(bpf.RawInstruction{Op: opLdW, K: n.in.off}, note{kind: noteWord, k: n.in.off})
	}
	n.emitted = true
}

// target returns a reverse index from which the next instruction to be
// pushed can reach n with a conditional jump (offset ≤ 255), adding a return
// copy or a trampoline when n is too far.
func (e *emitter) target(n *node) int32 {
	at := e.here() // index the jump will get, minus the extra pushes below
	// Allow for up to two extra instructions pushed before the jump itself
	// (one trampoline or return copy per branch).
	const slack = 2
	if n.ret {
		// n is the only return node of its value: its latest copy is
		// the latest return of that value.
		if p := n.latest; at+slack-p-1 <= 255 {
			return p
		}
		p := e.push(bpf.RawInstruction{Op: opRet, K: n.k}, n.note)
		n.latest = p
		return p
	}
	if at+slack-n.pos-1 <= 255 {
		return n.pos
	}
	if p := n.tramp; n.hasTramp && at+slack-p-1 <= 255 {
		return p
	}
	p := e.push(bpf.RawInstruction{Op: opJA, K: uint32(e.here() - n.pos - 1)}, note{})
	n.tramp, n.hasTramp = p, true
	return p
}

func wordNote(off uint32) string {
	switch {
	case off == offNr:
		return "nr"
	case off == offArch:
		return "arch"
	case off == 8:
		return "ip.lo"
	case off == 12:
		return "ip.hi"
	case off >= offArgs:
		return fmt.Sprintf("a%d word %d", (off-offArgs)/8, (off-offArgs)%8/4)
	}
	return ""
}

// layout emits the DAG below root, first emitting tails (so that they end up
// at the end of the program), and returns the program.
func layout(b *builder, root *node, tails []*node) ([]bpf.RawInstruction, []note, error) {
	computeEntries(b.all, []*node{root})
	// Most nodes take one instruction, tests often two.
	e := &emitter{rev: make([]bpf.RawInstruction, 0, 2*len(b.all)), notes: make([]note, 0, 2*len(b.all))}
	for _, t := range tails {
		e.emit(t)
	}
	e.emit(root)
	if root.pos != e.here()-1 {
		// The root must be the first instruction: it always is, because it is
		// emitted last and nothing is pushed after it.
		return nil, nil, fmt.Errorf("internal error: root is not the program's entry")
	}
	prog, notes := e.program()
	prog, notes = dropUnreachable(prog, notes)
	if len(prog) > MaxInstructions {
		return nil, nil, fmt.Errorf("the filter needs %d instructions, above the kernel's limit of %d (BPF_MAXINSNS); it was not truncated: reduce the number of argument rules or split the policy", len(prog), MaxInstructions)
	}
	return prog, notes, nil
}

// dropUnreachable removes the instructions no path from the first one
// reaches. The emitter leaves one behind when a return it emitted for a
// branch ends up too far from that branch and is copied next to the jump
// (target): the first copy may then serve no one. Jumps go forward, and
// removing instructions between a jump and its target only shortens it,
// so every offset stays in range.
func dropUnreachable(prog []bpf.RawInstruction, notes []note) ([]bpf.RawInstruction, []note) {
	n := len(prog)
	reached := make([]bool, n+1)
	if n > 0 {
		reached[0] = true
	}
	dead := 0
	for pc, ins := range prog {
		if !reached[pc] {
			dead++
			continue
		}
		switch {
		case ins.Op == opJA:
			reached[pc+1+int(ins.K)] = true
		case ins.Op&0x07 == linux.BPF_JMP:
			reached[pc+1+int(ins.Jt)] = true
			reached[pc+1+int(ins.Jf)] = true
		case ins.Op&0x07 == linux.BPF_RET:
		default:
			reached[pc+1] = true
		}
	}
	if dead == 0 {
		return prog, notes
	}
	// newIdx[i] is the index instruction i gets, or would get if it were
	// kept (the next kept instruction's): targets are always kept.
	newIdx := make([]int, n+1)
	k := 0
	for i := 0; i <= n; i++ {
		newIdx[i] = k
		if i < n && reached[i] {
			k++
		}
	}
	out := make([]bpf.RawInstruction, 0, n-dead)
	outNotes := make([]note, 0, n-dead)
	for pc, ins := range prog {
		if !reached[pc] {
			continue
		}
		at := newIdx[pc]
		switch {
		case ins.Op == opJA:
			ins.K = uint32(newIdx[pc+1+int(ins.K)] - at - 1)
		case ins.Op&0x07 == linux.BPF_JMP:
			ins.Jt = uint8(newIdx[pc+1+int(ins.Jt)] - at - 1)
			ins.Jf = uint8(newIdx[pc+1+int(ins.Jf)] - at - 1)
		}
		out = append(out, ins)
		outNotes = append(outNotes, notes[pc])
	}
	return out, outNotes
}
