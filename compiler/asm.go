package compiler

import "github.com/entitle-dev/entitle/sim"

// Asm renders the program as readable assembly with the syscall names,
// words and actions each instruction deals with.
func (p *Program) Asm() string {
	return sim.Disassemble(p.Insns, func(i int, _ bpfInsn) string {
		if i < len(p.notes) {
			return p.notes[i].render(p.conds)
		}
		return ""
	})
}
