//go:build linux

package decode

import (
	"bufio"
	"os"
	"strconv"
	"strings"

	"github.com/entitle-dev/entitle/internal/linux"
	"golang.org/x/sys/unix"
)

// Socket is what a socket descriptor really is: its family, type and
// protocol, read from the descriptor (not guessed from the calls seen
// before).
type Socket struct {
	Family, Type, Proto int
}

// inet reports whether the socket is an AF_INET/AF_INET6 TCP or UDP one
// (what net.client, net.server and net.dns grant).
func (s Socket) Inet() bool {
	if s.Family != unix.AF_INET && s.Family != unix.AF_INET6 {
		return false
	}
	switch s.Type {
	case unix.SOCK_STREAM:
		return s.Proto == 0 || s.Proto == unix.IPPROTO_TCP
	case unix.SOCK_DGRAM:
		return s.Proto == 0 || s.Proto == unix.IPPROTO_UDP
	}
	return false
}

// String is "TCP", "UDP", "AF_UNIX stream", ...
func (s Socket) String() string {
	if s.Inet() {
		v := ""
		if s.Family == unix.AF_INET6 {
			v = "6"
		}
		if s.Type == unix.SOCK_STREAM {
			return "TCP" + v
		}
		return "UDP" + v
	}
	t := linux.Enum(linux.SockTypes, uint64(s.Type))
	return linux.Enum(linux.Families, uint64(s.Family)) + " " + strings.ToLower(strings.TrimPrefix(t, "SOCK_"))
}

// FDSocket reads what descriptor fd of process pid (a thread id from a
// notification) is, when it is a socket. It borrows the descriptor with
// pidfd_getfd (the supervisor is the process's ancestor, so ptrace access
// is granted) and asks the socket itself (SO_DOMAIN, SO_TYPE,
// SO_PROTOCOL); where that is not possible it finds the socket's inode in
// the process's /proc/PID/net tables.
func FDSocket(pid int, fd uint64) (Socket, bool) {
	if int64(int32(fd)) < 0 {
		return Socket{}, false
	}
	tgid := Tgid(pid)
	if tgid <= 0 {
		tgid = pid
	}
	if si, ok := sockByPidfd(tgid, int(int32(fd))); ok {
		return si, true
	}
	return sockByProc(tgid, int(int32(fd)))
}

func sockByPidfd(tgid, fd int) (Socket, bool) {
	pidfd, err := unix.PidfdOpen(tgid, 0)
	if err != nil {
		return Socket{}, false
	}
	defer unix.Close(pidfd)
	local, err := unix.PidfdGetfd(pidfd, fd, 0)
	if err != nil {
		return Socket{}, false
	}
	defer unix.Close(local)
	var si Socket
	if si.Family, err = unix.GetsockoptInt(local, unix.SOL_SOCKET, unix.SO_DOMAIN); err != nil {
		return Socket{}, false
	}
	if si.Type, err = unix.GetsockoptInt(local, unix.SOL_SOCKET, unix.SO_TYPE); err != nil {
		return Socket{}, false
	}
	if si.Proto, err = unix.GetsockoptInt(local, unix.SOL_SOCKET, unix.SO_PROTOCOL); err != nil {
		return Socket{}, false
	}
	return si, true
}

// sockByProc looks the socket's inode up in /proc/PID/net: tcp, udp and
// raw (v4 and v6), unix, netlink and packet.
func sockByProc(tgid, fd int) (Socket, bool) {
	base := "/proc/" + strconv.Itoa(tgid)
	link, err := os.Readlink(base + "/fd/" + strconv.Itoa(fd))
	if err != nil {
		return Socket{}, false
	}
	ino, ok := strings.CutPrefix(link, "socket:[")
	if !ok {
		return Socket{}, false
	}
	ino = strings.TrimSuffix(ino, "]")
	tables := []struct {
		file  string
		si    Socket
		inode int // column of the inode
	}{
		{"tcp", Socket{unix.AF_INET, unix.SOCK_STREAM, unix.IPPROTO_TCP}, 9},
		{"tcp6", Socket{unix.AF_INET6, unix.SOCK_STREAM, unix.IPPROTO_TCP}, 9},
		{"udp", Socket{unix.AF_INET, unix.SOCK_DGRAM, unix.IPPROTO_UDP}, 9},
		{"udp6", Socket{unix.AF_INET6, unix.SOCK_DGRAM, unix.IPPROTO_UDP}, 9},
		{"raw", Socket{unix.AF_INET, unix.SOCK_RAW, 0}, 9},
		{"raw6", Socket{unix.AF_INET6, unix.SOCK_RAW, 0}, 9},
		{"unix", Socket{unix.AF_UNIX, -1, 0}, 6},
		{"netlink", Socket{unix.AF_NETLINK, unix.SOCK_RAW, -1}, 9},
		{"packet", Socket{unix.AF_PACKET, -1, 0}, 8},
	}
	for _, t := range tables {
		f, err := os.Open(base + "/net/" + t.file)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			cols := strings.Fields(sc.Text())
			if len(cols) > t.inode && cols[t.inode] == ino {
				f.Close()
				si := t.si
				switch t.file {
				case "unix":
					if v, err := strconv.ParseUint(cols[4], 16, 16); err == nil {
						si.Type = int(v)
					}
				case "netlink":
					si.Proto, _ = strconv.Atoi(cols[1])
				case "packet":
					si.Type, _ = strconv.Atoi(cols[2])
				}
				return si, true
			}
		}
		f.Close()
	}
	return Socket{}, false
}

// Tgid returns the thread group (process) id of thread pid, 0 when it
// cannot be read.
func Tgid(pid int) int {
	b, err := ProcRead("/proc/"+strconv.Itoa(pid)+"/status", 4096)
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Tgid:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}
