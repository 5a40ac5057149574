//go:build linux

package supervise

import (
	"bufio"
	"encoding/binary"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/entitle-dev/entitle/seccomp"
	"github.com/entitle-dev/entitle/supervise/internal/decode"
	"golang.org/x/sys/unix"
)

// Harmless probes are calls C libraries make to find out whether an
// optional service exists, and which they handle failing by falling back
// silently. They are denied in every mode (that is the answer the library
// expects) and are not reported as needing an entitlement: the nscd
// lookup of glibc tempts users to grant net.unix to every program, procps's
// NUMA query (get_mempolicy) proc.resources to ps.
// With Cmd.Every each is sent as a Probe event.

// nscdPaths are where glibc looks for the name service cache daemon.
var nscdPaths = []string{"/var/run/nscd/socket", "/run/nscd/socket"}

// probe returns what a harmless probe is ("glibc's nscd lookup") and the
// errno to answer it with, or "" when the call is not one.
func probe(pid int, name string, args [6]uint64, ip uint64, d *decode.Decoder) (string, unix.Errno) {
	switch name {
	case "socket":
		// glibc's __nscd_open_socket: socket(AF_UNIX, SOCK_STREAM|
		// SOCK_CLOEXEC|SOCK_NONBLOCK, 0), called from inside libc itself.
		// Go and other programs create exactly such sockets too, so the
		// call must come from libc's own code: the system call's return
		// address (x86_64: on the stack, the wrapper is a leaf) lies in
		// libc, as the instruction pointer does.
		if int32(args[0]) != unix.AF_UNIX || args[1]&0xFFFFFFFF != unix.SOCK_STREAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK || int32(args[2]) != 0 {
			return "", 0
		}
		if calledFromLibc(pid, ip, d) {
			return "glibc's nscd lookup", unix.EACCES
		}
	case "get_mempolicy":
		// A NUMA query (procps's ps and libnuma ask at start): it reads
		// the caller's own memory policy and changes nothing. Answered as a
		// kernel without NUMA would, which they take for one node.
		return "NUMA memory policy query", unix.ENOSYS
	case "connect":
		if path, ok := unixPath(d, args[1], args[2]); ok {
			for _, p := range nscdPaths {
				if path == p {
					return "glibc's nscd lookup", unix.ENOENT
				}
			}
		}
	}
	return "", 0
}

// devNullOpen reports whether a denied call opens exactly "/dev/null" with
// plain flags (an access mode, O_CREAT, O_TRUNC, O_APPEND, O_NOCTTY,
// O_NONBLOCK, O_CLOEXEC, O_LARGEFILE) and returns them.
func devNullOpen(name string, args [6]uint64, d *decode.Decoder) (int, bool) {
	var pathArg, flags uint64
	switch name {
	case "open":
		pathArg, flags = args[0], args[1]
	case "openat":
		pathArg, flags = args[1], args[2]
	case "creat":
		pathArg, flags = args[0], unix.O_CREAT|unix.O_WRONLY|unix.O_TRUNC
	default:
		return 0, false
	}
	const plain = unix.O_ACCMODE | unix.O_CREAT | unix.O_TRUNC | unix.O_APPEND | unix.O_NOCTTY | unix.O_NONBLOCK | unix.O_CLOEXEC | unix.O_LARGEFILE
	if flags&^plain != 0 || flags&unix.O_ACCMODE == unix.O_ACCMODE {
		return 0, false
	}
	if p, ok := d.Str(pathArg); !ok || p != "/dev/null" {
		return 0, false
	}
	return int(flags), true
}

// answerDevNull answers notification id with a descriptor of /dev/null
// opened by the supervisor with flags' access mode (close-on-exec in the
// target if flags ask for it). It reports false when the kernel cannot
// (before Linux 5.14): the call is then denied as usual.
func (s *supervisor) answerDevNull(id uint64, flags int) bool {
	fd, err := unix.Open("/dev/null", flags&unix.O_ACCMODE|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	_, err = seccomp.NotifAddFDSend(s.fd, id, fd, flags&unix.O_CLOEXEC != 0)
	return err == nil
}

// unixPath reads the path of an AF_UNIX socket address.
func unixPath(d *decode.Decoder, addr, length uint64) (string, bool) {
	if addr == 0 || length < 3 || length > 110 {
		return "", false
	}
	b := d.Read(addr, int(length))
	if len(b) < 3 || binary.NativeEndian.Uint16(b) != unix.AF_UNIX {
		return "", false
	}
	p := b[2:]
	if i := strings.IndexByte(string(p), 0); i >= 0 {
		p = p[:i]
	}
	return string(p), true
}

// calledFromLibc reports whether a system call of pid (stopped in it) was
// made by the C library on its own behalf: the instruction pointer and the
// return address of the system-call wrapper both lie in libc's mappings.
// Only x86_64 keeps that return address where it can be read (on the
// stack; /proc/PID/syscall gives the stack pointer).
func calledFromLibc(pid int, ip uint64, d *decode.Decoder) bool {
	if runtime.GOARCH != "amd64" {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/syscall")
	if err != nil {
		return false
	}
	f := strings.Fields(string(b))
	if len(f) != 9 {
		return false
	}
	sp, err := strconv.ParseUint(strings.TrimPrefix(f[7], "0x"), 16, 64)
	if err != nil {
		return false
	}
	rb := d.Read(sp, 8)
	if len(rb) != 8 {
		return false
	}
	ret := binary.LittleEndian.Uint64(rb)
	libc := libcRanges(pid)
	in := func(a uint64) bool {
		for _, r := range libc {
			if a >= r[0] && a < r[1] {
				return true
			}
		}
		return false
	}
	return in(ip) && in(ret)
}

// libcRanges returns the executable mappings of libc.so in pid.
func libcRanges(pid int) [][2]uint64 {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/maps")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out [][2]uint64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Fields(sc.Text())
		if len(cols) < 6 || !strings.Contains(cols[1], "x") {
			continue
		}
		base := cols[5][strings.LastIndexByte(cols[5], '/')+1:]
		if !strings.HasPrefix(base, "libc.so") && !strings.HasPrefix(base, "libc-") {
			continue
		}
		lo, hi, ok := strings.Cut(cols[0], "-")
		if !ok {
			continue
		}
		a, err1 := strconv.ParseUint(lo, 16, 64)
		b, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 == nil && err2 == nil {
			out = append(out, [2]uint64{a, b})
		}
	}
	return out
}
