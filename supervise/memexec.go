//go:build linux

package supervise

import (
	"debug/elf"
	"errors"
	"fmt"
	"runtime"
	"slices"

	confinement "github.com/entitle-dev/entitle/confine"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/syscalls"
	"golang.org/x/sys/unix"
)

// Executable memory without mem.jit. The filter refuses PROT_EXEC on
// anonymous and writable memory, but the kernel itself hands out executable
// memory at execve: a program linked with an executable stack
// (PT_GNU_STACK with PF_X, `gcc -z execstack`) gets a read-write-execute
// stack with no system call to refuse. PR_SET_MDWE does not stop it (on
// Linux 6.18 an execstack program started under MDWE still has an rwx
// stack), so Start reads the program headers of the command (and of a
// script's interpreter) before starting it and refuses such a program
// unless the policy allows executable memory, naming mem.jit. A 32-bit x86
// program (i386 or x32) is refused too: its system calls are foreign-
// architecture calls, killed at the first one, and the kernel gives i386
// programs READ_IMPLIES_EXEC (every readable mapping executable).
//
// The init child also sets PR_SET_MDWE(PR_MDWE_REFUSE_EXEC_GAIN) when the
// policy does not allow executable memory (not in Complain mode, which
// must let everything run): the kernel then refuses writable+executable
// mappings and mappings that gain PROT_EXEC by any path, a second layer
// behind the filter (Linux 6.3; older kernels go without it). dlopen of an
// execstack library needs mprotect(PROT_EXEC) on the stack, which the
// filter refuses (explained as needing mem.jit). personality(2) with
// READ_IMPLIES_EXEC is admin.debug's, and execve of a 64-bit program
// clears that flag anyway.
//
// Known limit: a later execve (proc.exec) of an execstack program is not
// seen (seccomp cannot read the file); MDWE does not cover it.

const (
	protRWX               = unix.PROT_READ | unix.PROT_WRITE | unix.PROT_EXEC
	mapPrivateAnon uint64 = unix.MAP_PRIVATE | unix.MAP_ANONYMOUS
)

// allowsJIT reports whether p lets the process make memory executable
// (mem.jit, or a profile that allows mprotect or mmap with PROT_EXEC).
func allowsJIT(p *policy.Policy) bool {
	a := syscalls.Native()
	for _, c := range []struct {
		name string
		args [6]uint64
	}{
		{"mprotect", [6]uint64{0, 4096, protRWX}},
		{"mmap", [6]uint64{0, 4096, protRWX, mapPrivateAnon, ^uint64(0), 0}},
	} {
		nr, ok := a.Number(c.name)
		if !ok {
			continue
		}
		if p.Evaluate(a.AuditArch(), nr, c.args).Kind == policy.ActAllow {
			return true
		}
	}
	return false
}

// ExecMemoryError refuses a command for what execve would give it:
// executable memory the policy does not allow (a program linked with an
// executable stack; mem.jit allows it), or a 32-bit x86 program, whose
// every system call the filter kills.
type ExecMemoryError struct {
	Path  string // the program (the command, or a script's interpreter)
	Stack bool   // an executable stack; otherwise a 32-bit program
	ABI   string // a 32-bit program's: "i386" or "x32"
}

func (e *ExecMemoryError) Error() string {
	if e.Stack {
		return fmt.Sprintf("executable stack: %s is linked with an executable stack (PT_GNU_STACK RWE): the kernel would give it read-write-execute memory, which needs mem.jit", e.Path)
	}
	return fmt.Sprintf("foreign-architecture program: %s is a 32-bit %s program: its system calls are foreign-architecture calls, which entitle never allows (the filter would kill it at the first one); use a 64-bit build", e.Path, e.ABI)
}

// checkExecMemory returns why execve of the files (confine.ExecFiles of
// the command), under p, would hand out executable memory p does not allow
// or start a program whose every system call p kills; nil if neither.
func checkExecMemory(files []confinement.ExecFile, p *policy.Policy) error {
	for _, f := range files {
		var em *ExecMemoryError
		err := checkELF(f)
		switch {
		case errors.As(err, &em) && em.Stack && allowsJIT(p):
		case errors.As(err, &em) && !em.Stack && (slices.Contains(p.Arches, syscalls.X86) || slices.Contains(p.Arches, syscalls.X32)):
		case err != nil:
			return err
		}
	}
	return nil
}

func checkELF(f confinement.ExecFile) error {
	if !f.ELF {
		return nil // not ELF (a script, checked through its interpreter) or unreadable: execve reports it
	}
	if runtime.GOARCH == "amd64" && f.Class == elf.ELFCLASS32 && (f.Machine == elf.EM_386 || f.Machine == elf.EM_X86_64) {
		abi := "i386"
		if f.Machine == elf.EM_X86_64 {
			abi = "x32"
		}
		return &ExecMemoryError{Path: f.Path, ABI: abi}
	}
	if f.ExecStack {
		return &ExecMemoryError{Path: f.Path, Stack: true}
	}
	return nil
}

// noteExecMemory reports, in Complain mode, the refusal checkExecMemory
// would have made (before the loop starts: no concurrency).
func (s *supervisor) noteExecMemory(err error) {
	s.rep.Denied++
	var em *ExecMemoryError
	if errors.As(err, &em) && em.Stack {
		s.obs = append(s.obs, observation{name: "execve", what: "an executable stack (" + err.Error() + ")", cands: []string{"mem.jit"}})
	} else {
		s.ungrant["execve: foreign-architecture program"] = true
	}
	s.events.emit(&Notice{Kind: WouldRefuse, Layer: Seccomp, Message: err.Error(), Err: err})
}
