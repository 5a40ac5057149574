package compiler

import (
	"fmt"

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
	notes []string             // per reversed instruction
	rets  map[uint32]int       // latest copy of each return value (reverse index)
	tramp map[*node]int        // latest trampoline to a node (reverse index)
}

func (e *emitter) here() int { return len(e.rev) }

func (e *emitter) push(ins bpf.RawInstruction, note string) int {
	e.rev = append(e.rev, ins)
	e.notes = append(e.notes, note)
	return len(e.rev) - 1
}

// program returns the instructions in execution order, with their notes.
func (e *emitter) program() ([]bpf.RawInstruction, []string) {
	n := len(e.rev)
	prog := make([]bpf.RawInstruction, n)
	notes := make([]string, n)
	for i := range e.rev {
		prog[n-1-i] = e.rev[i]
		notes[n-1-i] = e.notes[i]
	}
	return prog, notes
}

// computeEntries marks, for every node reachable from roots, which word the
// accumulator holds on entry when all predecessors agree.
func computeEntries(all []*node, roots []*node) {
	reach := map[*node]bool{}
	var stack []*node
	for _, r := range roots {
		if !reach[r] {
			reach[r] = true
			stack = append(stack, r)
		}
	}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.ret {
			continue
		}
		for _, c := range []*node{n.jt, n.jf} {
			if !reach[c] {
				reach[c] = true
				stack = append(stack, c)
			}
		}
	}
	for _, n := range all {
		n.entry = entryState{}
	}
	for _, r := range roots {
		r.entry = entryState{known: true, mixed: true}
	}
	// Parents have larger ids than their children.
	for i := len(all) - 1; i >= 0; i-- {
		n := all[i]
		if !reach[n] || n.ret {
			continue
		}
		for _, c := range []*node{n.jt, n.jf} {
			switch {
			case !c.entry.known:
				c.entry = entryState{known: true, w: n.in}
			case c.entry.mixed || c.entry.w != n.in:
				c.entry.mixed = true
			}
		}
	}
	for _, n := range all {
		if n.ret || !reach[n] {
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

// emit writes n and everything it reaches.
func (e *emitter) emit(n *node) {
	if n.emitted {
		return
	}
	if n.ret {
		n.pos = e.push(bpf.RawInstruction{Op: opRet, K: n.k}, n.note)
		e.rets[n.k] = n.pos
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
		n.pos = e.push(bpf.RawInstruction{Op: opAndK, K: n.in.mask}, "")
	}
	if n.needLoad {
		n.pos = e.push(bpf.RawInstruction{Op: opLdW, K: n.in.off}, wordNote(n.in.off))
	}
	n.emitted = true
}

// target returns a reverse index from which the next instruction to be
// pushed can reach n with a conditional jump (offset ≤ 255), adding a return
// copy or a trampoline when n is too far.
func (e *emitter) target(n *node) int {
	at := e.here() // index the jump will get, minus the extra pushes below
	// Allow for up to two extra instructions pushed before the jump itself
	// (one trampoline or return copy per branch).
	const slack = 2
	if n.ret {
		if p := e.rets[n.k]; at+slack-p-1 <= 255 {
			return p
		}
		p := e.push(bpf.RawInstruction{Op: opRet, K: n.k}, n.note)
		e.rets[n.k] = p
		return p
	}
	if at+slack-n.pos-1 <= 255 {
		return n.pos
	}
	if p, ok := e.tramp[n]; ok && at+slack-p-1 <= 255 {
		return p
	}
	p := e.push(bpf.RawInstruction{Op: opJA, K: uint32(e.here() - n.pos - 1)}, "")
	e.tramp[n] = p
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
func layout(b *builder, root *node, tails []*node) ([]bpf.RawInstruction, []string, error) {
	computeEntries(b.all, []*node{root})
	e := &emitter{rets: map[uint32]int{}, tramp: map[*node]int{}}
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
	if len(prog) > MaxInstructions {
		return nil, nil, fmt.Errorf("the filter needs %d instructions, above the kernel's limit of %d (BPF_MAXINSNS); it was not truncated: reduce the number of argument rules or split the policy", len(prog), MaxInstructions)
	}
	return prog, notes, nil
}
