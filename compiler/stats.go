package compiler

import (
	"fmt"
	"strings"

	"github.com/entitle-dev/entitle/sim"
	"github.com/entitle-dev/entitle/syscalls"
)

// Stats describes a program's size and cost on one architecture.
type Stats struct {
	Arch         string
	Len          int     // instructions in the program
	Syscalls     int     // numbers of the arch's table measured
	Mean         float64 // mean instructions executed per system call, all arguments zero
	Max          int     // most instructions executed by one of them
	MaxSyscall   string  // the call that executes Max
	Cacheable    int     // numbers the kernel's constant-action cache will allow without running the filter
	AllowedNoArg int     // numbers allowed with zero arguments
}

func (s Stats) String() string {
	return fmt.Sprintf("%s: %d instructions; executed per syscall over %d numbers: mean %.2f, max %d (%s); %d of %d allowed numbers cacheable by the kernel",
		s.Arch, s.Len, s.Syscalls, s.Mean, s.Max, s.MaxSyscall, s.Cacheable, s.AllowedNoArg)
}

// Measure runs insns (a filter for several arches, possibly) over every
// number arch's table knows, with all arguments zero, and reports what each
// call costs.
func Measure(insns []bpfInsn, arch *syscalls.Arch) (Stats, error) {
	vm, err := sim.New(insns, orderOf(arch))
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Arch: arch.Name(), Len: len(insns)}
	total := 0
	for _, s := range arch.Syscalls() {
		ret, n := vm.Run(sim.Data{Nr: s.Nr, Arch: arch.AuditArch()})
		total += n
		st.Syscalls++
		if n > st.Max {
			st.Max, st.MaxSyscall = n, s.Name
		}
		if ret == retAllow {
			st.AllowedNoArg++
			if sim.CacheAllows(insns, arch.AuditArch(), s.Nr) {
				st.Cacheable++
			}
		}
	}
	if st.Syscalls > 0 {
		st.Mean = float64(total) / float64(st.Syscalls)
	}
	return st, nil
}

// Stats measures p on each of its policy's architectures.
func (p *Program) Stats() ([]Stats, error) {
	var out []Stats
	for _, a := range p.Policy.ArchList() {
		s, err := Measure(p.Insns, a)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Asm renders the program as readable assembly with the syscall names,
// words and actions each instruction deals with.
func (p *Program) Asm() string {
	return sim.Disassemble(p.Insns, func(i int, _ bpfInsn) string {
		if i < len(p.notes) {
			return p.notes[i]
		}
		return ""
	})
}

// Summary is a one-line-per-arch description used by the CLI.
func (p *Program) Summary() (string, error) {
	st, err := p.Stats()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, s := range st {
		b.WriteString(s.String())
		b.WriteString("\n")
	}
	return b.String(), nil
}
