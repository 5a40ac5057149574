package sim

import (
	"encoding/binary"
	"fmt"

	"github.com/entitle-dev/entitle/internal/linux"
	"github.com/entitle-dev/entitle/syscalls"
	"golang.org/x/net/bpf"
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

// Measure runs prog (a filter for one or several arches) over every
// number arch's table knows, with all arguments zero, in arch's byte
// order, and reports what each call costs.
func Measure(prog []bpf.RawInstruction, arch *syscalls.Arch) (Stats, error) {
	var order binary.ByteOrder = binary.LittleEndian
	if arch.BigEndian() {
		order = binary.BigEndian
	}
	vm, err := New(prog, order)
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Arch: arch.Name(), Len: len(prog)}
	total := 0
	for _, s := range arch.Syscalls() {
		ret, n := vm.Run(Data{Nr: s.Nr, Arch: arch.AuditArch()})
		total += n
		st.Syscalls++
		if n > st.Max {
			st.Max, st.MaxSyscall = n, s.Name
		}
		if ret == linux.SECCOMP_RET_ALLOW {
			st.AllowedNoArg++
			if CacheAllows(prog, arch.AuditArch(), s.Nr) {
				st.Cacheable++
			}
		}
	}
	if st.Syscalls > 0 {
		st.Mean = float64(total) / float64(st.Syscalls)
	}
	return st, nil
}
