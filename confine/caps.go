//go:build linux

package confine

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"github.com/entitle-dev/entitle/catalog"
	"golang.org/x/sys/unix"
	"kernel.org/pub/linux/libs/security/libcap/psx"
)

// lastCap returns the highest capability number the kernel knows.
func lastCap() int {
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && n > 0 && n < 64 {
			return n
		}
	}
	return 40 // CAP_CHECKPOINT_RESTORE, Linux 5.9
}

// allThreads runs the call on every thread of the process (psx: the Go
// runtime's AllThreadsSyscall without cgo, libpsx with it).
func allThreads(nr, a1, a2, a3, a4, a5, a6 uintptr) (uintptr, uintptr, syscall.Errno) {
	return psx.Syscall6(nr, a1, a2, a3, a4, a5, a6)
}

// CapPlan is how to keep only some capabilities, worked out in advance
// (KeepCaps carries it out; a forked child about to execve carries it out
// with raw system calls): drop Drop from the bounding set, clear the
// ambient set, then capset Header and Data. Held is false when the process
// holds no capability: then nothing is to be done.
type CapPlan struct {
	Held   bool
	Drop   []int
	Header unix.CapUserHeader
	Data   [2]unix.CapUserData
}

// PlanCaps works out the CapPlan that keeps only keep for this process
// (and the children it forks, which inherit its capabilities): the others
// leave the bounding set (when the process may change it: CAP_SETPCAP),
// the ambient, inheritable, permitted and effective sets.
func PlanCaps(keep []catalog.Capability) (*CapPlan, error) {
	var want [2]uint32
	for _, c := range keep {
		want[c.Num/32] |= 1 << (c.Num % 32)
	}
	p := &CapPlan{Header: unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}}
	if err := unix.Capget(&p.Header, &p.Data[0]); err != nil {
		return nil, fmt.Errorf("capget: %w", err)
	}
	for _, d := range p.Data {
		if d.Permitted|d.Effective|d.Inheritable != 0 {
			p.Held = true
		}
	}
	if !p.Held {
		// Nothing to drop: the ambient set is a subset of the permitted
		// and inheritable ones, the bounding set only limits what execve
		// could add, and no_new_privs keeps execve from adding anything.
		return p, nil
	}
	if p.Data[0].Effective&(1<<catalog.CapSetpcap.Num) != 0 {
		last := lastCap() // a file read: not once per capability
		for c := 0; c <= last; c++ {
			if want[c/32]&(1<<(c%32)) != 0 {
				continue
			}
			if r, _, _ := unix.RawSyscall(unix.SYS_PRCTL, unix.PR_CAPBSET_READ, uintptr(c), 0); r != 0 {
				p.Drop = append(p.Drop, c)
			}
		}
	}
	for i := range p.Data {
		p.Data[i].Permitted &= want[i]
		p.Data[i].Effective &= want[i]
		p.Data[i].Inheritable = 0
	}
	return p, nil
}

// KeepCaps keeps only the capabilities keep, on every thread (see
// PlanCaps). A process that has no capability has nothing to drop and
// nothing is changed.
func KeepCaps(keep []catalog.Capability) error {
	p, err := PlanCaps(keep)
	if err != nil || !p.Held {
		return err
	}
	sys := allThreads
	for _, c := range p.Drop {
		if _, _, e := sys(unix.SYS_PRCTL, unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0, 0); e != 0 {
			return fmt.Errorf("drop capability %d from the bounding set: %w", c, e)
		}
	}
	if _, _, e := sys(unix.SYS_PRCTL, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0, 0); e != 0 && e != unix.EINVAL {
		return fmt.Errorf("clear the ambient capabilities: %w", e)
	}
	if _, _, e := sys(unix.SYS_CAPSET, uintptr(unsafe.Pointer(&p.Header)), uintptr(unsafe.Pointer(&p.Data[0])), 0, 0, 0, 0); e != 0 {
		return fmt.Errorf("capset: %w", e)
	}
	return nil
}
