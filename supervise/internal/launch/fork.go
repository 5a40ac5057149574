//go:build linux

package launch

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The init child is a fork of this process, not a new program: starting a
// second Go runtime (re-executing /proc/self/exe) cost about 3 ms of each
// run, more than everything else together. After the fork the child runs
// only the code of forkInit below, which makes system calls and plain
// stores into memory prepared before the fork: no allocation, no stack
// growth, no other goroutine (it is the one thread of the new process; the
// Go runtime's locks may be held by threads that do not exist in it). This
// is what package syscall does between its own fork and execve, with the
// same runtime hooks (which the runtime keeps for such callers).
//
// The child:
//   - puts itself in its own process group and, with a terminal, in the
//     foreground (signals blocked, as package syscall does);
//   - moves the command's descriptors into place (0, 1, 2, the preserved
//     ones, then the socket to the supervisor, close-on-exec) and marks
//     every other descriptor close-on-exec;
//   - completes the filter and the ruleset prepared before the fork
//     (selfContained, the ordinary case): writes its pid into the head's
//     JEQs and adds the rules for its own /proc entries, named through
//     /proc/self and /proc/thread-self; or, for a policy that could not be
//     split, waits for the supervisor's message: the filter compiled for
//     its pid and the ruleset (SCM_RIGHTS);
//   - sets no_new_privs, keeps only the entitlements' capabilities,
//     enforces the ruleset, sets MDWE, installs the filter;
//   - sends the listener with the pinned sendmsg and runs the command with
//     the pinned execve (layout.go).
//
// A self-contained child needs nothing from the supervisor, so on amd64 it
// is a vfork (CLONE_VM|CLONE_VFORK, vfork_linux_amd64.s), as package
// syscall starts programs: it runs in this address space, on the forking
// goroutine's stack, while that thread waits until its execve. No page
// table is copied, no page is copied on write by either side, and execve
// has no copy to tear down: about 1 ms of each run. Nothing it writes is
// read by this process afterwards but the results of the clone.
//
// Before the filter a failure is reported with write(2) as msgErr, the
// step and the errno; after it only the pinned calls are sure to pass, so
// an execve failure goes in the handshake block as msgExecFail.

//go:linkname runtimeBeforeFork syscall.runtime_BeforeFork
func runtimeBeforeFork()

//go:linkname runtimeAfterFork syscall.runtime_AfterFork
func runtimeAfterFork()

//go:linkname runtimeAfterForkInChild syscall.runtime_AfterForkInChild
func runtimeAfterForkInChild()

// Steps of the init child, reported with msgErr before the filter.
const (
	stepSetpgid byte = iota + 1
	stepForeground
	stepChdir
	stepDescriptors
	stepReceive
	stepMessage
	stepNoNewPrivs
	stepCapabilities
	stepLandlock
	stepMDWE
	stepSeccomp
	stepProcRules
)

// stepText describes a failed step for the user.
var stepText = map[byte]string{
	stepSetpgid:      "put the command in its own process group",
	stepForeground:   "give the command the terminal",
	stepChdir:        "change to the working directory",
	stepDescriptors:  "pass the standard streams and preserved descriptors",
	stepReceive:      "receive the filter from the supervisor",
	stepMessage:      "read the supervisor's message",
	stepNoNewPrivs:   "set no_new_privs",
	stepCapabilities: "cannot drop capabilities, not running the command",
	stepLandlock:     "cannot apply Landlock, not running the command: landlock_restrict_self",
	stepMDWE:         "cannot deny writable executable memory, not running the command: prctl(PR_SET_MDWE)",
	stepSeccomp:      "cannot install the seccomp filter, not running the command",
	stepProcRules:    "cannot build the Landlock ruleset, not running the command: landlock_add_rule for the command's own /proc entries",
}

// initHeader starts the supervisor's message to the init child; the
// program (raw sock_filter records) follows. A Landlock ruleset descriptor
// comes with it when Ruleset is 1.
type initHeader struct {
	Insns        uint32 // number of sock_filter records that follow
	Ruleset      uint32 // 1: a ruleset descriptor is attached
	RulesetFlags uint32 // landlock_restrict_self flags
	_            uint32
}

const initHeaderSize = int(unsafe.Sizeof(initHeader{}))

// maxInsns is the kernel's BPF_MAXINSNS: the message buffer holds that many
// records.
const maxInsns = 4096

// forkSpec is everything the init child needs, prepared before the fork.
type forkSpec struct {
	fds     []int // the command's descriptor i is fds[i] here; the last is the socket
	scratch []int // len(fds): working copy of fds for the child
	setpgid bool
	ctty    int   // >= 0: make the new group this terminal's foreground group
	dir     *byte // working directory (nil: this process's)

	recv *unix.Msghdr // recvmsg into msg (iovec) and oob
	msg  []byte       // initHeader, then the program
	oob  []byte
	prog *unix.SockFprog // Filter points at msg[initHeaderSize:]; the child sets Len

	errBuf *[3]byte // msgErr, step, errno (write(2) before the filter)
	// oobFD is where the ruleset descriptor sits in oob; minControl the
	// control length that carries one.
	oobFD      int
	minControl uint64

	dropCaps bool
	capDrop  []uintptr // bounding-set capabilities to drop
	capHdr   *unix.CapUserHeader
	capData  *[2]unix.CapUserData
	mdwe     bool
	notify   bool // install with a listener

	// selfContained: the message (header, program, ruleset) is in msg
	// before the fork, and the child does not wait for one. It writes its
	// own pid at pidAt (byte offsets into msg: the K of the head's JEQs)
	// and adds the rules for its own /proc entries (procPaths, with
	// procAttr's rights) to the ruleset rulesetFD. vfork: the child
	// shares this address space until execve (CLONE_VM|CLONE_VFORK).
	selfContained bool
	vfork         bool
	pidAt         []int
	rulesetFD     int
	procPaths     []*byte
	procAttr      *procRuleAttr

	lay    layout     // where the pinned blocks are
	blocks [4][]byte  // this process's mapping of them (released after the fork)
	hs     *handshake // pinned sendmsg block
	// The pinned execve's arguments.
	path, argv, env uintptr
}

// atFDCWD is AT_FDCWD as a variable: a negative constant does not convert
// to uintptr.
var atFDCWD = unix.AT_FDCWD

// procRuleAttr is struct landlock_path_beneath_attr (packed: 12 bytes).
type procRuleAttr struct {
	access uint64
	fd     int32
	_      int32
}

// forkInit forks the init child. In this process it returns the child's
// pid and a pidfd for it (-1 when the kernel has no CLONE_PIDFD); the
// child never returns. With s.vfork this process's thread waits until the
// child has called execve or exited.
func forkInit(s *forkSpec) (pid int, pidfd int, err error) {
	fd := int32(-1)
	r, e := forkInit1(s, &fd)
	runtimeAfterFork()
	if e != 0 {
		return 0, -1, e
	}
	return int(r), int(fd), nil
}

// forkInit1 is the fork and the child's side. The parent returns right
// after the clone, so that under vfork it does not use the stack frame the
// child ran in (it reads only the results, written after the child is
// gone, and *pidfd, which the child does not write); the caller calls
// runtimeAfterFork.
//
//go:noinline
//go:norace
//go:nocheckptr
func forkInit1(s *forkSpec, pidfd *int32) (r uintptr, e syscall.Errno) {
	var flags uintptr
	runtimeBeforeFork()
	if s.vfork {
		flags = uintptr(unix.CLONE_VM|unix.CLONE_VFORK|unix.CLONE_PIDFD) | uintptr(syscall.SIGCHLD)
		var en uintptr
		r, en = rawVfork(flags, uintptr(unsafe.Pointer(pidfd)))
		e = syscall.Errno(en)
	} else {
		flags = uintptr(unix.CLONE_PIDFD) | uintptr(syscall.SIGCHLD)
		r, _, e = syscall.RawSyscall6(syscall.SYS_CLONE, flags, 0, uintptr(unsafe.Pointer(pidfd)), 0, 0, 0)
	}
	if e == syscall.EINVAL && !s.vfork { // a kernel without CLONE_PIDFD
		*pidfd = -1
		r, _, e = syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
	}
	if e != 0 || r != 0 {
		return r, e
	}

	// The child. Only system calls and stores from here on.
	var step byte
	var errno syscall.Errno
	var i, nextfd, last int
	var n uintptr
	var hdr *initHeader
	var pfd uintptr
	ruleset := -1
	listener := uintptr(0)
	code := byte(ExitCannotExec)
	last = len(s.fds) - 1
	for i = 0; i <= last; i++ {
		s.scratch[i] = s.fds[i]
	}

	if s.setpgid {
		if _, _, errno = syscall.RawSyscall(syscall.SYS_SETPGID, 0, 0, 0); errno != 0 {
			step = stepSetpgid
			goto fail
		}
	}
	if s.ctty >= 0 {
		pgrp := int32(0)
		r, _, _ = syscall.RawSyscall(syscall.SYS_GETPID, 0, 0, 0)
		pgrp = int32(r)
		if _, _, errno = syscall.RawSyscall(syscall.SYS_IOCTL, uintptr(s.ctty), uintptr(syscall.TIOCSPGRP), uintptr(unsafe.Pointer(&pgrp))); errno != 0 {
			step = stepForeground
			goto fail
		}
	}
	runtimeAfterForkInChild() // signal handlers to default, signal mask restored

	if s.dir != nil {
		if _, _, errno = syscall.RawSyscall(syscall.SYS_CHDIR, uintptr(unsafe.Pointer(s.dir)), 0, 0); errno != 0 {
			step = stepChdir
			goto fail
		}
	}
	// Descriptors, as package syscall places them: first move every
	// source that a lower target would overwrite out of the way, then
	// dup each into place (dup3 without O_CLOEXEC: inherited).
	nextfd = last + 1
	for i = 0; i <= last; i++ {
		if s.fds[i] >= nextfd {
			nextfd = s.fds[i] + 1
		}
	}
	if s.selfContained && s.rulesetFD >= 0 {
		// The ruleset was not received: it must survive the moves.
		ruleset = s.rulesetFD
		if ruleset >= nextfd {
			nextfd = ruleset + 1
		}
		if ruleset <= last {
			if _, _, errno = syscall.RawSyscall(syscall.SYS_DUP3, uintptr(ruleset), uintptr(nextfd), syscall.O_CLOEXEC); errno != 0 {
				step = stepDescriptors
				goto fail
			}
			ruleset = nextfd
			nextfd++
		}
	}
	for i = 0; i < len(s.scratch); i++ {
		if s.scratch[i] < i {
			if _, _, errno = syscall.RawSyscall(syscall.SYS_DUP3, uintptr(s.scratch[i]), uintptr(nextfd), syscall.O_CLOEXEC); errno != 0 {
				step = stepDescriptors
				goto fail
			}
			s.scratch[i] = nextfd
			nextfd++
		}
	}
	for i = 0; i < len(s.scratch); i++ {
		if s.scratch[i] == i {
			_, _, errno = syscall.RawSyscall(syscall.SYS_FCNTL, uintptr(i), syscall.F_SETFD, 0)
		} else {
			_, _, errno = syscall.RawSyscall(syscall.SYS_DUP3, uintptr(s.scratch[i]), uintptr(i), 0)
		}
		if errno != 0 {
			step = stepDescriptors
			goto fail
		}
	}
	// The socket (the last) is close-on-exec, and so is everything above.
	if _, _, errno = syscall.RawSyscall(syscall.SYS_FCNTL, uintptr(last), syscall.F_SETFD, syscall.FD_CLOEXEC); errno != 0 {
		step = stepDescriptors
		goto fail
	}
	if _, _, errno = syscall.RawSyscall(unix.SYS_CLOSE_RANGE, uintptr(last+1), ^uintptr(0), unix.CLOSE_RANGE_CLOEXEC); errno != 0 {
		step = stepDescriptors
		goto fail
	}

	if s.selfContained {
		// Everything is here already but the pid: into the head's JEQs,
		// and the rules for this process's own /proc entries.
		r, _, _ = syscall.RawSyscall(syscall.SYS_GETPID, 0, 0, 0)
		for i = 0; i < len(s.pidAt); i++ {
			*(*uint32)(unsafe.Pointer(&s.msg[s.pidAt[i]])) = uint32(r)
		}
		hdr = (*initHeader)(unsafe.Pointer(&s.msg[0]))
		for i = 0; i < len(s.procPaths) && ruleset >= 0; i++ {
			pfd, _, errno = syscall.RawSyscall6(syscall.SYS_OPENAT, uintptr(atFDCWD), uintptr(unsafe.Pointer(s.procPaths[i])), unix.O_PATH|unix.O_CLOEXEC, 0, 0, 0)
			if errno != 0 {
				continue // as AddProcSelf: only the entries that exist
			}
			s.procAttr.fd = int32(pfd)
			_, _, errno = syscall.RawSyscall6(unix.SYS_LANDLOCK_ADD_RULE, uintptr(ruleset), unix.LANDLOCK_RULE_PATH_BENEATH, uintptr(unsafe.Pointer(s.procAttr)), 0, 0, 0)
			syscall.RawSyscall(syscall.SYS_CLOSE, pfd, 0, 0)
			if errno != 0 && errno != syscall.EINVAL {
				step = stepProcRules
				goto fail
			}
		}
		errno = 0
		s.prog.Len = uint16(hdr.Insns)
		goto install
	}
	// The supervisor's message: header, program, maybe the ruleset.
	for {
		n, _, errno = syscall.RawSyscall(syscall.SYS_RECVMSG, uintptr(last), uintptr(unsafe.Pointer(s.recv)), syscall.MSG_CMSG_CLOEXEC)
		if errno != syscall.EINTR {
			break
		}
	}
	if errno != 0 {
		step = stepReceive
		goto fail
	}
	if n == 0 { // the supervisor is gone: never run unsupervised
		goto exit
	}
	hdr = (*initHeader)(unsafe.Pointer(&s.msg[0]))
	if n < uintptr(initHeaderSize) || hdr.Insns == 0 || hdr.Insns > maxInsns || n != uintptr(initHeaderSize)+uintptr(hdr.Insns)*8 {
		step, errno = stepMessage, syscall.EBADMSG
		goto fail
	}
	if hdr.Ruleset == 1 {
		if s.recv.Controllen < s.minControl {
			step, errno = stepMessage, syscall.EBADMSG
			goto fail
		}
		ruleset = int(*(*int32)(unsafe.Pointer(&s.oob[s.oobFD])))
	}
	s.prog.Len = uint16(hdr.Insns)

install:
	if _, _, errno = syscall.RawSyscall6(syscall.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0); errno != 0 {
		step = stepNoNewPrivs
		goto fail
	}
	if s.dropCaps {
		for i = 0; i < len(s.capDrop); i++ {
			if _, _, errno = syscall.RawSyscall6(syscall.SYS_PRCTL, unix.PR_CAPBSET_DROP, s.capDrop[i], 0, 0, 0, 0); errno != 0 {
				step = stepCapabilities
				goto fail
			}
		}
		if _, _, errno = syscall.RawSyscall6(syscall.SYS_PRCTL, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0, 0); errno != 0 && errno != syscall.EINVAL {
			step = stepCapabilities
			goto fail
		}
		if _, _, errno = syscall.RawSyscall(syscall.SYS_CAPSET, uintptr(unsafe.Pointer(s.capHdr)), uintptr(unsafe.Pointer(&s.capData[0])), 0); errno != 0 {
			step = stepCapabilities
			goto fail
		}
	}
	if ruleset >= 0 {
		if _, _, errno = syscall.RawSyscall(unix.SYS_LANDLOCK_RESTRICT_SELF, uintptr(ruleset), uintptr(hdr.RulesetFlags), 0); errno != 0 {
			step = stepLandlock
			goto fail
		}
		syscall.RawSyscall(syscall.SYS_CLOSE, uintptr(ruleset), 0, 0)
	}
	if s.mdwe {
		if _, _, errno = syscall.RawSyscall6(syscall.SYS_PRCTL, prSetMDWE, prMDWERefuseExecGain, 0, 0, 0, 0); errno != 0 && errno != syscall.EINVAL {
			step = stepMDWE
			goto fail
		}
	}
	if s.notify {
		listener, _, errno = syscall.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER,
			unix.SECCOMP_FILTER_FLAG_NEW_LISTENER|unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, uintptr(unsafe.Pointer(s.prog)))
		if errno == syscall.EINVAL { // before Linux 5.19
			listener, _, errno = syscall.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER,
				unix.SECCOMP_FILTER_FLAG_NEW_LISTENER, uintptr(unsafe.Pointer(s.prog)))
		}
	} else {
		_, _, errno = syscall.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(s.prog)))
	}
	if errno != 0 {
		step = stepSeccomp
		goto fail
	}

	// Filtered: only the pinned sendmsg and execve are sure to pass. The
	// listener is close-on-exec: the command never holds it.
	if s.notify {
		*s.hs.fd = int32(listener)
	} else {
		*s.hs.controllen = 0
	}
	if _, _, errno = syscall.RawSyscall(syscall.SYS_SENDMSG, uintptr(last), s.hs.addr, 0); errno != 0 {
		goto exit // the supervisor is gone: do not run unsupervised
	}
	_, _, errno = syscall.RawSyscall(syscall.SYS_EXECVE, s.path, s.argv, s.env)
	if errno == syscall.ENOENT {
		code = ExitNotFound
	}
	s.hs.data[0], s.hs.data[1], s.hs.data[2] = msgExecFail, code, byte(errno)
	*s.hs.iovlen = 3
	*s.hs.controllen = 0
	syscall.RawSyscall(syscall.SYS_SENDMSG, uintptr(last), s.hs.addr, 0)
	for {
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, uintptr(code), 0, 0)
	}

fail:
	// Until the descriptors are in place the socket is where scratch
	// says (its number in this process, or the copy made to move it).
	s.errBuf[0], s.errBuf[1], s.errBuf[2] = msgErr, step, byte(errno)
	if step > stepDescriptors {
		syscall.RawSyscall(syscall.SYS_WRITE, uintptr(last), uintptr(unsafe.Pointer(s.errBuf)), 3)
	} else {
		syscall.RawSyscall(syscall.SYS_WRITE, uintptr(s.scratch[last]), uintptr(unsafe.Pointer(s.errBuf)), 3)
	}
exit:
	for {
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, ExitInternal, 0, 0)
	}
}
