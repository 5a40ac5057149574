package run

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"unsafe"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/compiler"
	"github.com/entitle-dev/entitle/policy"
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
	// matching call (about 3 × 34 bits to guess).
	path, argv, envp, err := execBlock(m.Path, m.Argv, m.Env)
	if err != nil {
		return fail(err)
	}
	p.Rules = append(p.Rules, policy.Rule{Syscall: "execve", Action: policy.Allow, Conds: []policy.Cond{
		{Arg: 0, Op: policy.OpEQ, Value: uint64(path)},
		{Arg: 1, Op: policy.OpEQ, Value: uint64(argv)},
		{Arg: 2, Op: policy.OpEQ, Value: uint64(envp)},
	}})
	prog, err := compiler.Compile(p)
	if err != nil {
		return fail(fmt.Errorf("compile the filter: %w", err))
	}
	// The filter is installed on this thread (and, with TSYNC, copied to
	// the runtime's other threads); execve must run on this very thread.
	runtime.LockOSThread()
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
	var oob []byte
	if listener >= 0 {
		oob = unix.UnixRights(listener)
	}
	if err := sendMsg(sock, msgOK, "", oob); err != nil {
		return ExitInternal // the supervisor is gone: do not run unsupervised
	}
	if listener >= 0 {
		unix.Close(listener) // the command must not hold its own listener
	}
	_, _, errno := unix.Syscall(unix.SYS_EXECVE, path, argv, envp)
	code := ExitCannotExec
	if errno == unix.ENOENT {
		code = ExitNotFound
	}
	sendMsg(sock, msgExecFail, string([]byte{byte(code)})+fmt.Sprintf("%s: cannot execute: %v", m.Argv[0], errno), nil)
	return code
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
