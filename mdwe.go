//go:build linux

package entitle

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/syscalls"
)

const (
	prSetMDWE            = 65
	prMDWERefuseExecGain = 1
)

// denyWriteExec sets PR_SET_MDWE(PR_MDWE_REFUSE_EXEC_GAIN) for the whole
// process when pol allows no executable memory (mem.jit not granted): a
// second layer behind the filter's PROT_EXEC rules — the kernel then
// refuses writable+executable mappings and mappings that gain PROT_EXEC by
// any path. It cannot be undone. Kernels before 6.3 do not know it
// (EINVAL) and go without. (It does not stop execve from giving a program
// linked with an executable stack an rwx stack: with proc.exec, a child
// started from such a program gets one.)
func denyWriteExec(pol *policy.Policy) error {
	a := syscalls.Native()
	nr, ok := a.Number("mprotect")
	if !ok {
		return nil
	}
	rwx := uint64(unix.PROT_READ | unix.PROT_WRITE | unix.PROT_EXEC)
	if pol.Evaluate(a.AuditArch(), nr, [6]uint64{0, 4096, rwx}).Kind == policy.ActAllow {
		return nil
	}
	if err := unix.Prctl(prSetMDWE, prMDWERefuseExecGain, 0, 0, 0); err != nil && !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("entitle: prctl(PR_SET_MDWE): %w", err)
	}
	return nil
}
