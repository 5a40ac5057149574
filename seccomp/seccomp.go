// Package seccomp installs seccomp BPF programs into the kernel and speaks
// the user-notification protocol. It is a thin, pure-Go layer over
// seccomp(2), prctl(2) and the SECCOMP_IOCTL_NOTIF_* ioctls; golang.org/x/sys
// has the constants but not the notification structures, which are
// defined here with the kernel's layout (include/uapi/linux/seccomp.h).
//
// Installing a filter is irreversible for the calling process and its
// future children. Install sets no_new_privs first (needed without
// CAP_SYS_ADMIN) on a locked OS thread, because both no_new_privs and
// filters are per-thread; with FlagTSync the kernel copies the filter, and
// no_new_privs, to every thread of the process, or fails naming the thread
// it could not synchronise.
package seccomp

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Flags is a set of SECCOMP_FILTER_FLAG_* bits.
type Flags uint

// Filter flags.
const (
	FlagTSync            Flags = unix.SECCOMP_FILTER_FLAG_TSYNC
	FlagLog              Flags = unix.SECCOMP_FILTER_FLAG_LOG
	FlagSpecAllow        Flags = unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW
	FlagNewListener      Flags = unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
	FlagTSyncESRCH       Flags = unix.SECCOMP_FILTER_FLAG_TSYNC_ESRCH
	FlagWaitKillableRecv Flags = unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
)

var flagNames = []struct {
	f    Flags
	name string
}{
	{FlagTSync, "SECCOMP_FILTER_FLAG_TSYNC"},
	{FlagLog, "SECCOMP_FILTER_FLAG_LOG"},
	{FlagSpecAllow, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"},
	{FlagNewListener, "SECCOMP_FILTER_FLAG_NEW_LISTENER"},
	{FlagTSyncESRCH, "SECCOMP_FILTER_FLAG_TSYNC_ESRCH"},
	{FlagWaitKillableRecv, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"},
}

// ParseFlag reads an OCI spelling such as SECCOMP_FILTER_FLAG_LOG.
func ParseFlag(name string) (Flags, error) {
	var known []string
	for _, f := range flagNames {
		if f.name == name {
			return f.f, nil
		}
		known = append(known, f.name)
	}
	return 0, fmt.Errorf("unknown seccomp flag %q: use one of %s", name, strings.Join(known, ", "))
}

// Names lists the flags in f.
func (f Flags) Names() []string {
	var out []string
	for _, n := range flagNames {
		if f&n.f != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

// TSyncError reports that the kernel could not synchronise the filter to a
// thread of the process (it already has a diverging filter, or lacks
// no_new_privs). Nothing was installed.
type TSyncError struct{ TID int }

func (e *TSyncError) Error() string {
	return fmt.Sprintf("seccomp: thread %d could not be synchronised (it has a different seccomp filter or lacks no_new_privs); no filter was installed", e.TID)
}

// SetNoNewPrivs sets PR_SET_NO_NEW_PRIVS on the calling thread.
func SetNoNewPrivs() error {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("seccomp: prctl(PR_SET_NO_NEW_PRIVS): %w", err)
	}
	return nil
}

// Install loads prog with seccomp(SECCOMP_SET_MODE_FILTER, flags), after
// setting no_new_privs on the same locked OS thread. With FlagNewListener it
// returns the listener descriptor; otherwise -1.
func Install(prog []bpf.RawInstruction, flags Flags) (listenerFD int, err error) {
	if len(prog) == 0 {
		return -1, errors.New("seccomp: install filter: empty program")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := SetNoNewPrivs(); err != nil {
		return -1, err
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: (*unix.SockFilter)(unsafe.Pointer(&prog[0]))}
	r, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(flags), uintptr(unsafe.Pointer(&fprog)))
	runtime.KeepAlive(prog)
	if errno != 0 {
		return -1, installError(errno, flags)
	}
	if flags&FlagNewListener != 0 {
		return int(r), nil
	}
	if flags&FlagTSync != 0 && r != 0 {
		return -1, &TSyncError{TID: int(r)}
	}
	return -1, nil
}

func installError(errno unix.Errno, flags Flags) error {
	hint := ""
	switch errno {
	case unix.EACCES:
		hint = ": the thread needs no_new_privs or CAP_SYS_ADMIN"
	case unix.EINVAL:
		hint = ": the kernel rejected the program or a flag (" + strings.Join(flags.Names(), "|") + ")"
	case unix.ENOMEM, unix.E2BIG:
		hint = ": the program, with the filters already installed, is too long (32768 instructions in all)"
	case unix.ESRCH:
		hint = ": a thread could not be synchronised (TSYNC_ESRCH)"
	case unix.EBUSY:
		hint = ": a listener already exists in this process's filter chain"
	case unix.EFAULT:
		hint = ": bad program address"
	}
	return fmt.Errorf("seccomp: install filter: %w%s", errno, hint)
}

// ActionAvailable reports whether the kernel supports a SECCOMP_RET_*
// action.
func ActionAvailable(action uint32) bool {
	a := action
	_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_GET_ACTION_AVAIL, 0, uintptr(unsafe.Pointer(&a)))
	return errno == 0
}

// NotifSizes returns the kernel's sizes of struct seccomp_notif,
// seccomp_notif_resp and seccomp_data.
func NotifSizes() (notif, resp, data uint16, err error) {
	var sz [3]uint16
	_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_GET_NOTIF_SIZES, 0, uintptr(unsafe.Pointer(&sz)))
	if errno != 0 {
		return 0, 0, 0, fmt.Errorf("seccomp: SECCOMP_GET_NOTIF_SIZES: %w", errno)
	}
	return sz[0], sz[1], sz[2], nil
}

// SeccompData is struct seccomp_data.
type SeccompData struct {
	Nr                 int32
	Arch               uint32
	InstructionPointer uint64
	Args               [6]uint64
}

// Notif is struct seccomp_notif: one system call waiting for an answer.
type Notif struct {
	ID    uint64
	Pid   uint32
	Flags uint32
	Data  SeccompData
}

// NotifResp is struct seccomp_notif_resp: the answer. Error is a negative
// errno (or 0 with Val as the return value); Flags may hold
// NotifFlagContinue to let the call run.
type NotifResp struct {
	ID    uint64
	Val   int64
	Error int32
	Flags uint32
}

// NotifFlagContinue lets the notified call run as if allowed.
const NotifFlagContinue = unix.SECCOMP_USER_NOTIF_FLAG_CONTINUE

// The ioctl numbers: _IOWR('!', 0, struct seccomp_notif) and so on.
const (
	ioctlNotifRecv    = 0xc0502100
	ioctlNotifSend    = 0xc0182101
	ioctlNotifIDValid = 0x40082102
)

// NotifReceive waits for the next notification on listener fd. It returns
// unix.ENOENT when the target went away before it could be received.
func NotifReceive(fd int, n *Notif) error {
	for {
		*n = Notif{}
		_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), ioctlNotifRecv, uintptr(unsafe.Pointer(n)))
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return errno
		}
		return nil
	}
}

// NotifRespond answers a notification. unix.ENOENT means the target died
// or its call was interrupted.
func NotifRespond(fd int, r *NotifResp) error {
	for {
		_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), ioctlNotifSend, uintptr(unsafe.Pointer(r)))
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return errno
		}
		return nil
	}
}

// NotifIDValid reports whether notification id is still pending (its
// target has not died or been interrupted). Check it after reading the
// target's memory, before trusting what was read.
func NotifIDValid(fd int, id uint64) bool {
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), ioctlNotifIDValid, uintptr(unsafe.Pointer(&id)))
	return errno == 0
}
