//go:build linux

package run

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"unsafe"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/compiler"
	confinement "github.com/entitle-dev/entitle/confine"
	"github.com/entitle-dev/entitle/seccomp"
	"golang.org/x/sys/unix"
)

// envInit marks the re-executed init child; its value is the number of the
// descriptor of the socket to the supervisor.
const envInit = "ENTITLE_RUN_INIT"

// selfPID stands for the init child's pid in the signal-to-self rules of
// the policy the supervisor sends (the supervisor does not know the pid
// before the child starts; catalog.Policy refuses OwnPID itself). The child
// replaces it with its own pid, which the command keeps across execve.
const selfPID = catalog.OwnPID - 1

// Messages from the init child to the supervisor (one SOCK_SEQPACKET
// record each; the socket is close-on-exec, so a successful execve shows up
// as end-of-file).
const (
	msgOK       = 'O' // filter installed; carries the listener (SCM_RIGHTS) when supervised
	msgErr      = 'E' // entitle's own error before exec: exit 125
	msgExecFail = 'X' // execve failed: byte 1 is the exit code (126, 127), the rest the message
)

// MaybeInit runs the init child and never returns when this process was
// started as one by Run (the environment carries the marker); otherwise it
// returns at once. Call it first thing in main (or in an init function) of
// every binary that Run re-executes: the entitle command, and test binaries
// (from TestMain).
func MaybeInit() {
	v, ok := os.LookupEnv(envInit)
	if !ok {
		return
	}
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 3 {
		fmt.Fprintf(os.Stderr, "entitle: bad %s=%q\n", envInit, v)
		os.Exit(ExitInternal)
	}
	os.Exit(initMain(fd))
}

func sendMsg(sock int, kind byte, text string, oob []byte) error {
	return unix.Sendmsg(sock, append([]byte{kind}, text...), oob, nil, 0)
}

func initMain(sock int) int {
	fail := func(err error) int {
		if sendMsg(sock, msgErr, err.Error(), nil) != nil {
			fmt.Fprintf(os.Stderr, "entitle: %v\n", err)
		}
		return ExitInternal
	}
	if _, err := unix.FcntlInt(uintptr(sock), unix.F_SETFD, unix.FD_CLOEXEC); err != nil {
		return fail(err)
	}
	// Descriptors the command must not inherit: every one above the
	// preserved range (the supervisor put its socket, close-on-exec, right
	// after that range). Whatever entitle itself inherited from its parent
	// is closed at execve.
	if err := unix.CloseRange(uint(sock)+1, ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return fail(fmt.Errorf("mark inherited descriptors close-on-exec: %w", err))
	}
	// Receive the filter and the layout; map the pinned blocks where the
	// filter expects them, or ask for another layout when a range is taken.
	var m *initMsg
	var hs *handshake
	ruleset := -1
	buf := make([]byte, 1<<20)
	oob := make([]byte, unix.CmsgSpace(4))
	for try := 0; ; try++ {
		n, oobn, _, _, err := unix.Recvmsg(sock, buf, oob, unix.MSG_CMSG_CLOEXEC)
		if err != nil {
			return fail(fmt.Errorf("receive the filter: %w", err))
		}
		if n == 0 {
			return ExitInternal // the supervisor is gone
		}
		if m, err = decodeInit(buf[:n]); err != nil {
			return fail(err)
		}
		if cms, err := unix.ParseSocketControlMessage(oob[:oobn]); err == nil {
			for i := range cms {
				if fds, err := unix.ParseUnixRights(&cms[i]); err == nil && len(fds) > 0 {
					ruleset = fds[0]
				}
			}
		}
		if m.Ruleset && ruleset < 0 {
			return fail(errors.New("the supervisor's Landlock ruleset did not arrive"))
		}
		if hs, err = m.place(sock); err == nil {
			break
		}
		errno, _ := err.(unix.Errno)
		if try >= 8 || errno == 0 {
			return fail(fmt.Errorf("map the execve arguments where the filter expects them: %w", err))
		}
		if sendMsg(sock, msgRetry, string([]byte{byte(errno)}), nil) != nil {
			return ExitInternal
		}
	}
	prog, err := compiler.FromBytes(m.Prog)
	if err != nil {
		return fail(fmt.Errorf("the supervisor's filter: %w", err))
	}
	// Capabilities, Landlock and the filter are installed on this thread
	// (the filter, with TSYNC, also on the runtime's other threads);
	// execve must run on this very thread.
	runtime.LockOSThread()
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fail(fmt.Errorf("set no_new_privs: %w", err))
	}
	if m.DropCaps {
		if err := confinement.KeepCapsThread(m.Caps); err != nil {
			return fail(fmt.Errorf("cannot drop capabilities, not running the command: %w", err))
		}
	}
	if ruleset >= 0 {
		if err := confinement.RestrictSelf(ruleset, m.RulesetFlags); err != nil {
			return fail(fmt.Errorf("cannot apply Landlock, not running the command: %w", err))
		}
		unix.Close(ruleset)
	}
	if m.MDWE {
		if err := denyWriteExec(); err != nil {
			return fail(err)
		}
	}
	var attempts []seccomp.Flags
	if m.Notify {
		base := seccomp.FlagNewListener
		attempts = []seccomp.Flags{
			base | seccomp.FlagTSync | seccomp.FlagTSyncESRCH | seccomp.FlagWaitKillableRecv,
			base | seccomp.FlagTSync | seccomp.FlagTSyncESRCH,
			base | seccomp.FlagWaitKillableRecv,
			base,
		}
	} else {
		attempts = []seccomp.Flags{seccomp.FlagTSync, 0}
	}
	hs.fill(msgOK, "", -1) // before the filter: nothing below may need a call it denies
	listener := -1
	for i, f := range attempts {
		listener, err = seccomp.Install(prog, f)
		if err == nil || i == len(attempts)-1 || !errors.Is(err, unix.EINVAL) {
			break
		}
	}
	if err != nil {
		return fail(fmt.Errorf("cannot install the seccomp filter, not running the command: %w", err))
	}
	// From here on only the pinned sendmsg and execve are sure to pass.
	// The listener is close-on-exec: the command never holds it.
	hs.fill(msgOK, "", listener)
	if hs.send() != nil {
		return ExitInternal // the supervisor is gone: do not run unsupervised
	}
	_, _, errno := unix.Syscall(unix.SYS_EXECVE, uintptr(m.Layout.Path), uintptr(m.Layout.Argv), uintptr(m.Layout.Env))
	code := ExitCannotExec
	if errno == unix.ENOENT {
		code = ExitNotFound
	}
	hs.fill(msgExecFail, string([]byte{byte(code)})+m.Argv[0]+": cannot execute: "+errno.Error(), -1)
	hs.send()
	return code
}

// place maps the pinned blocks at m.Layout (an unix.Errno when a range is
// taken) and returns the handshake.
func (m *initMsg) place(sock int) (*handshake, error) {
	if err := placeAt(m.Layout.Path, m.Path); err != nil {
		return nil, err
	}
	if err := placeVecAt(m.Layout.Argv, m.Argv); err != nil {
		return nil, err
	}
	if err := placeVecAt(m.Layout.Env, m.Env); err != nil {
		return nil, err
	}
	mem, err := mapAt(m.Layout.Handshake, handshakeSize)
	if err != nil {
		return nil, err
	}
	return &handshake{sock: sock, addr: uintptr(m.Layout.Handshake), mem: mem}, nil
}

// handshake is the init child's one message to the supervisor after the
// filter is installed, laid out (msghdr, iovec, data and control buffer)
// in a page at a random address that the filter's sendmsg rule names.
type handshake struct {
	sock int
	addr uintptr
	mem  []byte
}

// fill writes the message: kind, text (cut to fit), and fd as SCM_RIGHTS
// when fd >= 0. It makes no system call.
func (h *handshake) fill(kind byte, text string, fd int) {
	msgSize := unsafe.Sizeof(unix.Msghdr{})
	iovSize := unsafe.Sizeof(unix.Iovec{})
	ctlOff := msgSize + iovSize
	dataOff := ctlOff + 64
	data := h.mem[dataOff:]
	data[0] = kind
	n := 1 + copy(data[1:handshakeData], text)
	msg := (*unix.Msghdr)(unsafe.Pointer(&h.mem[0]))
	iov := (*unix.Iovec)(unsafe.Pointer(&h.mem[msgSize]))
	*iov = unix.Iovec{Base: &data[0]}
	iov.SetLen(n)
	*msg = unix.Msghdr{Iov: iov}
	msg.SetIovlen(1)
	if fd >= 0 {
		rights := unix.UnixRights(fd)
		copy(h.mem[ctlOff:dataOff], rights)
		msg.Control = &h.mem[ctlOff]
		msg.SetControllen(len(rights))
	}
}

// send sends the message with the pinned call.
func (h *handshake) send() error {
	_, _, errno := unix.Syscall(unix.SYS_SENDMSG, uintptr(h.sock), h.addr, 0)
	if errno != 0 {
		return errno
	}
	return nil
}
