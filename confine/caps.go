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

type rawSyscall func(nr, a1, a2, a3, a4, a5, a6 uintptr) (uintptr, uintptr, syscall.Errno)

func thisThread(nr, a1, a2, a3, a4, a5, a6 uintptr) (uintptr, uintptr, syscall.Errno) {
	return unix.RawSyscall6(nr, a1, a2, a3, a4, a5, a6)
}

// allThreads runs the call on every thread of the process (psx: the Go
// runtime's AllThreadsSyscall without cgo, libpsx with it).
func allThreads(nr, a1, a2, a3, a4, a5, a6 uintptr) (uintptr, uintptr, syscall.Errno) {
	return psx.Syscall6(nr, a1, a2, a3, a4, a5, a6)
}

// KeepCapsThread keeps only the capabilities keep on the calling thread
// (which then calls execve): see KeepCaps.
func KeepCapsThread(keep []catalog.Capability) error { return keepCaps(keep, thisThread) }

// KeepCaps keeps only the capabilities keep, on every thread: the others
// leave the bounding set (when the process may change it: CAP_SETPCAP),
// the ambient, inheritable, permitted and effective sets. A process that
// has no capability has nothing to drop and nothing is changed.
func KeepCaps(keep []catalog.Capability) error { return keepCaps(keep, allThreads) }

func keepCaps(keep []catalog.Capability, sys rawSyscall) error {
	var want [2]uint32
	for _, c := range keep {
		want[c.Num/32] |= 1 << (c.Num % 32)
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capget: %w", err)
	}
	held := false
	for i := range data {
		if data[i].Permitted|data[i].Effective|data[i].Inheritable != 0 {
			held = true
		}
	}
	if !held {
		// Nothing to drop: the ambient set is a subset of the permitted
		// and inheritable ones, the bounding set only limits what execve
		// could add, and no_new_privs keeps execve from adding anything.
		return nil
	}
	if data[0].Effective&(1<<catalog.CapSetpcap.Num) != 0 {
		for c := 0; c <= lastCap(); c++ {
			if want[c/32]&(1<<(c%32)) != 0 {
				continue
			}
			r, _, _ := unix.RawSyscall(unix.SYS_PRCTL, unix.PR_CAPBSET_READ, uintptr(c), 0)
			if r == 0 {
				continue
			}
			if _, _, e := sys(unix.SYS_PRCTL, unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0, 0); e != 0 {
				return fmt.Errorf("drop capability %d from the bounding set: %w", c, e)
			}
		}
	}
	if _, _, e := sys(unix.SYS_PRCTL, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0, 0); e != 0 && e != unix.EINVAL {
		return fmt.Errorf("clear the ambient capabilities: %w", e)
	}
	for i := range data {
		data[i].Permitted &= want[i]
		data[i].Effective &= want[i]
		data[i].Inheritable = 0
	}
	if _, _, e := sys(unix.SYS_CAPSET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&data[0])), 0, 0, 0, 0); e != 0 {
		return fmt.Errorf("capset: %w", e)
	}
	return nil
}
