package sim

import (
	"fmt"

	"golang.org/x/net/bpf"
)

// Waste is an instruction that does no work in its program.
type Waste struct {
	Index  int
	Reason string
}

func (w Waste) String() string { return fmt.Sprintf("instruction %d: %s", w.Index, w.Reason) }

// Wasted lists the instructions of a valid program that do no work, in
// order: those no path from the first instruction reaches (structurally:
// both outcomes of every conditional jump are taken to be possible),
// unconditional jumps to the next instruction, and conditional jumps
// whose two outcomes go to the same place. A compiler that emits none of
// these has no dead code and no jump that decides nothing; the kernel
// loads such instructions without complaint and runs or skips them at a
// cost, so only a test notices. The program should have passed Validate
// (a jump target outside the program is ignored here).
func Wasted(prog []bpf.RawInstruction) []Waste {
	n := len(prog)
	reached := make([]bool, n)
	if n > 0 {
		reached[0] = true
	}
	var out []Waste
	// Jumps go forward only, so one pass in order sees every
	// predecessor of an instruction before the instruction itself.
	for pc, ins := range prog {
		if !reached[pc] {
			out = append(out, Waste{pc, "unreachable"})
			continue
		}
		mark := func(t int) {
			if t >= 0 && t < n {
				reached[t] = true
			}
		}
		switch {
		case ins.Op == opJa:
			if ins.K == 0 {
				out = append(out, Waste{pc, "jumps to the next instruction"})
			}
			mark(pc + 1 + int(ins.K))
		case isCondJump(ins.Op):
			if ins.Jt == ins.Jf {
				out = append(out, Waste{pc, "both outcomes go to the same instruction"})
			}
			mark(pc + 1 + int(ins.Jt))
			mark(pc + 1 + int(ins.Jf))
		case ins.Op == opRetK || ins.Op == opRetA:
		default:
			mark(pc + 1)
		}
	}
	return out
}
