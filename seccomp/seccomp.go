//go:build linux

// Package seccomp installs seccomp BPF programs into the kernel and speaks
// the user-notification protocol. It is a thin, pure-Go layer over
// seccomp(2), prctl(2) and the SECCOMP_IOCTL_NOTIF_* ioctls. Programs are
// []golang.org/x/net/bpf.RawInstruction, which has the layout of the
// kernel's struct sock_filter. golang.org/x/sys/unix has the constants but
// not the notification structures, so they are defined here with the
// kernel's layout (include/uapi/linux/seccomp.h).
//
// Installing a filter is irreversible for the calling thread (or, with
// FlagTSync, the whole process) and for every process it starts. Install
// sets no_new_privs first, which an unprivileged process needs, and does
// both on one locked OS thread, because no_new_privs and filters are
// per-thread attributes. With FlagTSync the kernel copies the filter, and
// no_new_privs, to every thread of the process, or installs nothing and
// names the thread it could not synchronise.
//
// Go programs should nearly always pass FlagTSync: the runtime moves
// goroutines between OS threads, and threads that existed before Install
// stay unfiltered without it.
package seccomp

import (
	"fmt"
	"runtime"
	"strings"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Flags is a set of SECCOMP_FILTER_FLAG_* bits for Install.
type Flags uint

// Filter flags (see seccomp(2)).
const (
	// FlagTSync installs the filter on every thread of the process.
	FlagTSync Flags = unix.SECCOMP_FILTER_FLAG_TSYNC
	// FlagLog logs every action except SECCOMP_RET_ALLOW (Linux 4.14).
	FlagLog Flags = unix.SECCOMP_FILTER_FLAG_LOG
	// FlagSpecAllow keeps the Speculative Store Bypass mitigation off
	// (Linux 4.17); before 5.16 seccomp forced it on, at a large cost.
	FlagSpecAllow Flags = unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW
	// FlagNewListener makes Install return a user-notification listener
	// descriptor (Linux 5.0). With FlagTSync it needs FlagTSyncESRCH.
	FlagNewListener Flags = unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
	// FlagTSyncESRCH makes a TSYNC failure return ESRCH instead of the
	// thread ID (Linux 5.7).
	FlagTSyncESRCH Flags = unix.SECCOMP_FILTER_FLAG_TSYNC_ESRCH
	// FlagWaitKillableRecv makes a notified target wait killably, not
	// interruptibly, once the supervisor received the notification
	// (Linux 5.19; needs FlagNewListener).
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

// ParseFlag reads a flag in the OCI runtime-spec spelling, such as
// "SECCOMP_FILTER_FLAG_LOG". The error for an unknown name lists the valid
// ones.
func ParseFlag(name string) (Flags, error) {
	var known []string
	for _, f := range flagNames {
		if f.name == name {
			return f.f, nil
		}
		known = append(known, f.name)
	}
	return 0, fmt.Errorf("seccomp: unknown filter flag %q (valid: %s)", name, strings.Join(known, ", "))
}

// Names lists the flags in f in the OCI spelling, in bit order. Bits
// without a name are listed in hex.
func (f Flags) Names() []string {
	var out []string
	rest := f
	for _, n := range flagNames {
		if f&n.f != 0 {
			out = append(out, n.name)
			rest &^= n.f
		}
	}
	if rest != 0 {
		out = append(out, fmt.Sprintf("%#x", uint(rest)))
	}
	return out
}

// String joins Names with "|"; the empty set is "0".
func (f Flags) String() string {
	if f == 0 {
		return "0"
	}
	return strings.Join(f.Names(), "|")
}

// TSyncError reports that Install with FlagTSync (without FlagTSyncESRCH)
// could not synchronise the filter to thread TID, because that thread
// already has a filter that is not an ancestor of the calling thread's.
// Nothing was installed.
type TSyncError struct{ TID int }

func (e *TSyncError) Error() string {
	return fmt.Sprintf("seccomp: install filter: thread %d could not be synchronised (it has a seccomp filter that the installing thread does not); no filter was installed", e.TID)
}

// SetNoNewPrivs sets PR_SET_NO_NEW_PRIVS on the calling OS thread. It
// cannot be unset. Callers that need it on a particular thread must hold
// runtime.LockOSThread.
func SetNoNewPrivs() error {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("seccomp: prctl(PR_SET_NO_NEW_PRIVS): %w", err)
	}
	return nil
}

// MaxInstructions is the kernel's limit on the length of one filter
// (BPF_MAXINSNS).
const MaxInstructions = unix.BPF_MAXINSNS

// Install loads prog with seccomp(SECCOMP_SET_MODE_FILTER, flags), after
// setting no_new_privs; both happen on one locked OS thread.
//
// Without FlagTSync only the calling OS thread is filtered: lock the
// goroutine to its thread (runtime.LockOSThread) before calling Install and
// keep it locked, or the filtered thread goes back to the runtime's pool.
//
// With FlagNewListener, listenerFD is the new user-notification listener
// (close it when done); otherwise it is -1. When the kernel cannot
// synchronise a thread under FlagTSync, the error is a *TSyncError (or,
// with FlagTSyncESRCH, wraps unix.ESRCH). Other errors wrap the kernel's
// errno (unix.EINVAL, unix.EACCES, unix.ENOMEM, ...) and say what to do.
// On error no filter was installed, so the caller must not go on as if
// it were confined.
func Install(prog []bpf.RawInstruction, flags Flags) (listenerFD int, err error) {
	if len(prog) == 0 {
		return -1, fmt.Errorf("seccomp: install filter: empty program: %w", unix.EINVAL)
	}
	if len(prog) > MaxInstructions {
		return -1, fmt.Errorf("seccomp: install filter: program has %d instructions, the kernel accepts at most %d per filter (split the policy or simplify it): %w", len(prog), MaxInstructions, unix.EINVAL)
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
		// TSYNC with NEW_LISTENER requires TSYNC_ESRCH, so r is the fd.
		return int(r), nil
	}
	if flags&FlagTSync != 0 && r != 0 {
		return -1, &TSyncError{TID: int(r)}
	}
	return -1, nil
}

func installError(errno unix.Errno, flags Flags) error {
	var hint string
	switch errno {
	case unix.EACCES:
		hint = "the thread needs no_new_privs or CAP_SYS_ADMIN"
	case unix.EINVAL:
		switch {
		case flags&FlagTSync != 0 && flags&FlagNewListener != 0 && flags&FlagTSyncESRCH == 0:
			hint = "FLAG_TSYNC with FLAG_NEW_LISTENER also needs FLAG_TSYNC_ESRCH"
		case flags&FlagWaitKillableRecv != 0 && flags&FlagNewListener == 0:
			hint = "FLAG_WAIT_KILLABLE_RECV needs FLAG_NEW_LISTENER"
		default:
			hint = fmt.Sprintf("the kernel rejected the program (an opcode seccomp does not allow, a load outside seccomp_data, a jump out of range, or no final return) or a flag it does not support (flags: %v)", flags)
		}
	case unix.ENOMEM, unix.E2BIG:
		hint = "program too long: with the filters already installed it exceeds the kernel's 32768-instruction total (each earlier filter counts its length + 4)"
	case unix.ESRCH:
		hint = "a thread could not be synchronised: it has a seccomp filter that the installing thread does not"
	case unix.EBUSY:
		hint = "a filter with a listener is already installed (only one listener per filter chain)"
	case unix.EFAULT:
		hint = "bad program address"
	default:
		return fmt.Errorf("seccomp: install filter: %w", errno)
	}
	return fmt.Errorf("seccomp: install filter: %w (%s)", errno, hint)
}

// ActionAvailable reports whether the kernel supports a SECCOMP_RET_*
// action (SECCOMP_GET_ACTION_AVAIL; only the action bits of the value are
// significant, pass it without data).
func ActionAvailable(action uint32) bool {
	a := action
	_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_GET_ACTION_AVAIL, 0, uintptr(unsafe.Pointer(&a)))
	return errno == 0
}

// NotifSizes returns the kernel's sizes of struct seccomp_notif,
// struct seccomp_notif_resp and struct seccomp_data
// (SECCOMP_GET_NOTIF_SIZES, Linux 5.0).
func NotifSizes() (notif, resp, data uint16, err error) {
	var sz struct{ notif, resp, data uint16 } // struct seccomp_notif_sizes
	_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_GET_NOTIF_SIZES, 0, uintptr(unsafe.Pointer(&sz)))
	if errno != 0 {
		return 0, 0, 0, fmt.Errorf("seccomp: SECCOMP_GET_NOTIF_SIZES: %w", errno)
	}
	return sz.notif, sz.resp, sz.data, nil
}

// SeccompData is struct seccomp_data (64 bytes), what a filter sees.
type SeccompData struct {
	Nr                 int32  // system call number
	Arch               uint32 // AUDIT_ARCH_*
	InstructionPointer uint64
	Args               [6]uint64
}

// Notif is struct seccomp_notif (80 bytes): one system call waiting for
// the supervisor's answer.
type Notif struct {
	ID    uint64 // cookie to pass back in NotifResp.ID
	Pid   uint32 // thread ID of the target, in the listener's PID namespace (0 if not visible)
	Flags uint32 // always 0 today
	Data  SeccompData
}

// NotifResp is struct seccomp_notif_resp (24 bytes): the answer. To fail
// the call set Error to a negative errno (-int32(unix.EPERM)); to fake
// success set Error 0 and Val to the return value; to let the call run
// set Flags to NotifFlagContinue (with Val and Error 0).
type NotifResp struct {
	ID    uint64
	Val   int64
	Error int32
	Flags uint32
}

// NotifFlagContinue (SECCOMP_USER_NOTIF_FLAG_CONTINUE) lets the notified
// call run as if allowed. The target can change pointed-to memory after
// the supervisor looked at it, so never use it to allow a call because of
// what its pointer arguments said.
const NotifFlagContinue = unix.SECCOMP_USER_NOTIF_FLAG_CONTINUE

// ioctl request numbers, as the kernel's _IOW/_IOWR macros build them:
// direction<<30 | size<<16 | type<<8 | nr.
const (
	iocWrite = 1
	iocRead  = 2
	iocMagic = '!' // SECCOMP_IOC_MAGIC

	ioctlNotifRecv    = (iocRead|iocWrite)<<30 | unsafe.Sizeof(Notif{})<<16 | iocMagic<<8         // | 0: SECCOMP_IOWR(0, struct seccomp_notif) = 0xc0502100
	ioctlNotifSend    = (iocRead|iocWrite)<<30 | unsafe.Sizeof(NotifResp{})<<16 | iocMagic<<8 | 1 // SECCOMP_IOWR(1, struct seccomp_notif_resp) = 0xc0182101
	ioctlNotifIDValid = iocWrite<<30 | unsafe.Sizeof(uint64(0))<<16 | iocMagic<<8 | 2             // SECCOMP_IOW(2, __u64) = 0x40082102
	ioctlNotifAddFD   = iocWrite<<30 | unsafe.Sizeof(notifAddFD{})<<16 | iocMagic<<8 | 3          // SECCOMP_IOW(3, struct seccomp_notif_addfd) = 0x40182103

	addFDFlagSend = 2 // SECCOMP_ADDFD_FLAG_SEND
)

// NotifReceive waits for the next notification on listener fd and stores it
// in n (which it zeroes first, as the kernel requires). It retries on
// EINTR. Errors are the bare errno: unix.ENOENT means the target went away
// (or its call was interrupted) before the notification could be read.
// Once every target has exited, RECV fails with ENOENT at once, forever:
// do not loop on it, poll the fd and stop on POLLHUP.
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

// NotifRespond sends the answer r to a notification. Errors are the bare
// errno: unix.ENOENT means the target died or its call was interrupted
// (by a signal; the call may then be restarted as a new notification),
// which a supervisor should ignore.
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

// notifAddFD is struct seccomp_notif_addfd.
type notifAddFD struct {
	ID         uint64
	Flags      uint32
	SrcFD      uint32
	NewFD      uint32
	NewFDFlags uint32
}

// NotifAddFDSend answers notification id by installing a copy of the
// supervisor's descriptor srcfd in the target (close-on-exec if cloexec)
// and making the notified call return the new descriptor's number
// (SECCOMP_ADDFD_FLAG_SEND, Linux 5.14): the call then looks to the target
// as if it had opened the file itself. It returns the target's number.
func NotifAddFDSend(fd int, id uint64, srcfd int, cloexec bool) (int, error) {
	a := notifAddFD{ID: id, Flags: addFDFlagSend, SrcFD: uint32(srcfd)}
	if cloexec {
		a.NewFDFlags = unix.O_CLOEXEC
	}
	r, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), ioctlNotifAddFD, uintptr(unsafe.Pointer(&a)))
	if errno != 0 {
		return -1, errno
	}
	return int(r), nil
}

// NotifIDValid reports whether notification id is still pending: its
// target has neither died nor been interrupted. Check it after reading the
// target's memory (/proc/PID/mem), before trusting what was read, since
// the PID may have been reused.
func NotifIDValid(fd int, id uint64) bool {
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), ioctlNotifIDValid, uintptr(unsafe.Pointer(&id)))
	return errno == 0
}
