package run

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"unsafe"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/compiler"
	confinement "github.com/entitle-dev/entitle/confine"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/seccomp"
	"github.com/entitle-dev/entitle/syscalls"
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
	buf := make([]byte, 4<<20)
	n, _, _, _, err := unix.Recvmsg(sock, buf, nil, 0)
	if err != nil {
		return fail(fmt.Errorf("receive the policy: %w", err))
	}
	m, err := decodeInit(buf[:n])
	if err != nil {
		return fail(err)
	}
	p, err := fromWire(m.Policy)
	if err != nil {
		return fail(err)
	}
	// Descriptors the command must not inherit: every one above the
	// preserved range (the supervisor put its socket, close-on-exec, right
	// after that range). Whatever entitle itself inherited from its parent
	// is closed at execve.
	if err := unix.CloseRange(uint(sock)+1, ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return fail(fmt.Errorf("mark inherited descriptors close-on-exec: %w", err))
	}
	pid := uint64(os.Getpid())
	for i := range p.Rules {
		for j := range p.Rules[i].Conds {
			if c := &p.Rules[i].Conds[j]; c.Arg == 0 && c.Value == selfPID {
				c.Value = pid
			}
		}
	}
	// The one execve the filter lets through without proc.exec: the
	// filename, argv and envp pointers must be three addresses chosen at
	// random here, in pages mapped at those addresses. After execve the
	// pages are gone and the addresses exist only inside the kernel's copy
	// of the filter, which the command cannot read, so it cannot forge a
	// matching call (about 3 × 34 bits to guess). The handshake's sendmsg
	// is pinned the same way (its msghdr lives in another random page), so
	// that any policy, even one without sendmsg, lets the init child hand
	// the listener over before the supervisor can answer anything.
	path, argv, envp, err := execBlock(m.Path, m.Argv, m.Env)
	if err != nil {
		return fail(err)
	}
	hs, err := newHandshake(sock)
	if err != nil {
		return fail(err)
	}
	p.Rules = append(p.Rules,
		policy.Rule{Syscall: "execve", Action: policy.Allow, Conds: []policy.Cond{
			{Arg: 0, Op: policy.OpEQ, Value: uint64(path)},
			{Arg: 1, Op: policy.OpEQ, Value: uint64(argv)},
			{Arg: 2, Op: policy.OpEQ, Value: uint64(envp)},
		}},
		policy.Rule{Syscall: "sendmsg", Action: policy.Allow, Conds: []policy.Cond{
			{Arg: 0, Op: policy.OpEQ, Value: uint64(sock)},
			{Arg: 1, Op: policy.OpEQ, Value: uint64(hs.addr)},
			{Arg: 2, Op: policy.OpEQ, Value: 0},
		}},
	)
	if err := handshakeAllowed(p, [6]uint64{uint64(path), uint64(argv), uint64(envp)}, [6]uint64{uint64(sock), uint64(hs.addr)}); err != nil {
		return fail(err)
	}
	prog, err := compiler.Compile(p)
	if err != nil {
		return fail(fmt.Errorf("compile the filter: %w", err))
	}
	// Capabilities, Landlock and the filter are installed on this thread
	// (the filter, with TSYNC, also on the runtime's other threads);
	// execve must run on this very thread.
	runtime.LockOSThread()
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fail(fmt.Errorf("set no_new_privs: %w", err))
	}
	var notice string
	if m.Layers != nil {
		cfg := confinement.Config{Layers: *m.Layers, Exec: confinement.ExecChain(m.Path), ProcSelf: int(pid),
			Scoped: m.Scoped, Paths: m.Paths, Protected: m.Protected}
		st := cfg.Check()
		if len(st.Missing) > 0 {
			if m.Strict {
				return fail(fmt.Errorf("--strict: this kernel cannot enforce: %s; not running the command", strings.Join(st.Missing, "; ")))
			}
			notice = "this kernel cannot enforce: " + strings.Join(st.Missing, "; ")
		}
		if !m.Layers.AllCaps {
			if err := confinement.KeepCapsThread(m.Layers.Caps); err != nil {
				return fail(fmt.Errorf("cannot drop capabilities, not running the command: %w", err))
			}
		}
		if _, err := cfg.RestrictThread(); err != nil {
			return fail(fmt.Errorf("cannot apply Landlock, not running the command: %w", err))
		}
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
	hs.fill(msgOK, notice, -1) // before the filter: nothing below may need a call it denies
	listener := -1
	for i, f := range attempts {
		listener, err = seccomp.Install(prog.Insns, f)
		if err == nil || i == len(attempts)-1 || !errors.Is(err, unix.EINVAL) {
			break
		}
	}
	if err != nil {
		return fail(fmt.Errorf("cannot install the seccomp filter, not running the command: %w", err))
	}
	// From here on only the pinned sendmsg and execve are sure to pass.
	// The listener is close-on-exec: the command never holds it.
	hs.fill(msgOK, notice, listener)
	if hs.send() != nil {
		return ExitInternal // the supervisor is gone: do not run unsupervised
	}
	_, _, errno := unix.Syscall(unix.SYS_EXECVE, path, argv, envp)
	code := ExitCannotExec
	if errno == unix.ENOENT {
		code = ExitNotFound
	}
	hs.fill(msgExecFail, string([]byte{byte(code)})+m.Argv[0]+": cannot execute: "+errno.Error(), -1)
	hs.send()
	return code
}

// handshakeAllowed checks, with the policy's own evaluator, that the
// filter lets the init child's pinned execve and sendmsg through: a policy
// that denies them with an explicit rule (the most restrictive rule wins)
// would leave the command unable to start.
func handshakeAllowed(p *policy.Policy, execArgs, sendArgs [6]uint64) error {
	native := syscalls.Native()
	for _, c := range []struct {
		name string
		args [6]uint64
	}{{"execve", execArgs}, {"sendmsg", sendArgs}} {
		nr, ok := native.Number(c.name)
		if !ok {
			continue
		}
		if a := p.Evaluate(native.AuditArch(), nr, c.args); a.Kind != policy.ActAllow {
			return fmt.Errorf("the policy answers %s with %v by an explicit rule, and entitle needs one %s to start the command: remove that rule", c.name, a, c.name)
		}
	}
	return nil
}

// handshake is the init child's one message to the supervisor after the
// filter is installed, laid out (msghdr, iovec, data and control buffer)
// in a page at a random address that the filter's sendmsg rule names.
type handshake struct {
	sock int
	addr uintptr
	mem  []byte
}

const handshakeData = 2048 // bytes of message text

func newHandshake(sock int) (*handshake, error) {
	addr, mem, err := mapRandom(int(unsafe.Sizeof(unix.Msghdr{})+unsafe.Sizeof(unix.Iovec{})) + 64 + handshakeData)
	if err != nil {
		return nil, err
	}
	return &handshake{sock: sock, addr: addr, mem: mem}, nil
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

// execBlock lays out execve's three arguments in three pages mapped at
// random addresses and returns the addresses of the filename, the argv
// array and the envp array.
func execBlock(path string, argv, env []string) (p, a, e uintptr, err error) {
	if p, err = place(cstr(path)); err != nil {
		return
	}
	if a, err = placeVec(argv); err != nil {
		return
	}
	e, err = placeVec(env)
	return
}

func cstr(s string) []byte { return append([]byte(s), 0) }

// placeVec places a NULL-terminated pointer array followed by its strings.
func placeVec(strs []string) (uintptr, error) {
	const ptr = int(unsafe.Sizeof(uintptr(0)))
	size := (len(strs) + 1) * ptr
	for _, s := range strs {
		size += len(s) + 1
	}
	base, mem, err := mapRandom(size)
	if err != nil {
		return 0, err
	}
	off := (len(strs) + 1) * ptr
	for i, s := range strs {
		binary.NativeEndian.PutUint64(mem[i*ptr:], uint64(base)+uint64(off))
		off += copy(mem[off:], s) + 1
	}
	return base, nil
}

func place(b []byte) (uintptr, error) {
	base, mem, err := mapRandom(len(b))
	if err != nil {
		return 0, err
	}
	copy(mem, b)
	return base, nil
}

// mapRandom maps size bytes (read-write, zeroed) at a random page-aligned
// address that no other mapping uses.
func mapRandom(size int) (uintptr, []byte, error) {
	page := uintptr(os.Getpagesize())
	length := (uintptr(size) + page - 1) &^ (page - 1)
	var lastErr error = unix.ENOMEM
	for try := 0; try < 64; try++ {
		var rb [8]byte
		if _, err := rand.Read(rb[:]); err != nil {
			return 0, nil, err
		}
		limit := uint64(1) << 46 // inside every 47-bit (and larger) user address space
		if try >= 32 {
			limit = 1 << 38 // small address spaces (arm64 with 39-bit VA)
		}
		lo := uint64(1) << 32
		addr := uintptr(lo+binary.LittleEndian.Uint64(rb[:])%(limit-lo-uint64(length))) &^ (page - 1)
		r, _, errno := unix.Syscall6(unix.SYS_MMAP, addr, length, unix.PROT_READ|unix.PROT_WRITE,
			unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED_NOREPLACE, ^uintptr(0), 0)
		if errno != 0 {
			lastErr = errno
			continue
		}
		if r != addr { // a kernel without MAP_FIXED_NOREPLACE took it as a hint
			unix.Syscall(unix.SYS_MUNMAP, r, length, 0)
			continue
		}
		return r, unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(nil), r)), length), nil
	}
	return 0, nil, fmt.Errorf("map the execve arguments at a random address: %w", lastErr)
}
