//go:build linux

package run

import (
	"bufio"
	"github.com/entitle-dev/entitle/internal/linux"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// sockInfo is what a socket descriptor really is: its family, type and
// protocol, read from the descriptor (not guessed from the calls seen
// before).
type sockInfo struct {
	family, typ, proto int
}

// inet reports whether the socket is an AF_INET/AF_INET6 TCP or UDP one
// (what net.client, net.server and net.dns grant).
func (s sockInfo) inet() bool {
	if s.family != unix.AF_INET && s.family != unix.AF_INET6 {
		return false
	}
	switch s.typ {
	case unix.SOCK_STREAM:
		return s.proto == 0 || s.proto == unix.IPPROTO_TCP
	case unix.SOCK_DGRAM:
		return s.proto == 0 || s.proto == unix.IPPROTO_UDP
	}
	return false
}

// String is "TCP", "UDP", "AF_UNIX stream", ...
func (s sockInfo) String() string {
	if s.inet() {
		v := ""
		if s.family == unix.AF_INET6 {
			v = "6"
		}
		if s.typ == unix.SOCK_STREAM {
			return "TCP" + v
		}
		return "UDP" + v
	}
	t := linux.Enum(linux.SockTypes, uint64(s.typ))
	return linux.Enum(linux.Families, uint64(s.family)) + " " + strings.ToLower(strings.TrimPrefix(t, "SOCK_"))
}

// fdSocket reads what descriptor fd of process pid (a thread id from a
// notification) is, when it is a socket. It borrows the descriptor with
// pidfd_getfd (the supervisor is the process's ancestor, so ptrace access
// is granted) and asks the socket itself (SO_DOMAIN, SO_TYPE,
// SO_PROTOCOL); where that is not possible it finds the socket's inode in
// the process's /proc/PID/net tables.
func fdSocket(pid int, fd uint64) (sockInfo, bool) {
	if int64(int32(fd)) < 0 {
		return sockInfo{}, false
	}
	tgid := readTgid(pid)
	if tgid <= 0 {
		tgid = pid
	}
	if si, ok := sockByPidfd(tgid, int(int32(fd))); ok {
		return si, true
	}
	return sockByProc(tgid, int(int32(fd)))
}

func sockByPidfd(tgid, fd int) (sockInfo, bool) {
	pidfd, err := unix.PidfdOpen(tgid, 0)
	if err != nil {
		return sockInfo{}, false
	}
	defer unix.Close(pidfd)
	local, err := unix.PidfdGetfd(pidfd, fd, 0)
	if err != nil {
		return sockInfo{}, false
	}
	defer unix.Close(local)
	var si sockInfo
	if si.family, err = unix.GetsockoptInt(local, unix.SOL_SOCKET, unix.SO_DOMAIN); err != nil {
		return sockInfo{}, false
	}
	if si.typ, err = unix.GetsockoptInt(local, unix.SOL_SOCKET, unix.SO_TYPE); err != nil {
		return sockInfo{}, false
	}
	if si.proto, err = unix.GetsockoptInt(local, unix.SOL_SOCKET, unix.SO_PROTOCOL); err != nil {
		return sockInfo{}, false
	}
	return si, true
}

// sockByProc looks the socket's inode up in /proc/PID/net: tcp, udp and
// raw (v4 and v6), unix, netlink and packet.
func sockByProc(tgid, fd int) (sockInfo, bool) {
	base := "/proc/" + strconv.Itoa(tgid)
	link, err := os.Readlink(base + "/fd/" + strconv.Itoa(fd))
	if err != nil {
		return sockInfo{}, false
	}
	ino, ok := strings.CutPrefix(link, "socket:[")
	if !ok {
		return sockInfo{}, false
	}
	ino = strings.TrimSuffix(ino, "]")
	tables := []struct {
		file  string
		si    sockInfo
		inode int // column of the inode
	}{
		{"tcp", sockInfo{unix.AF_INET, unix.SOCK_STREAM, unix.IPPROTO_TCP}, 9},
		{"tcp6", sockInfo{unix.AF_INET6, unix.SOCK_STREAM, unix.IPPROTO_TCP}, 9},
		{"udp", sockInfo{unix.AF_INET, unix.SOCK_DGRAM, unix.IPPROTO_UDP}, 9},
		{"udp6", sockInfo{unix.AF_INET6, unix.SOCK_DGRAM, unix.IPPROTO_UDP}, 9},
		{"raw", sockInfo{unix.AF_INET, unix.SOCK_RAW, 0}, 9},
		{"raw6", sockInfo{unix.AF_INET6, unix.SOCK_RAW, 0}, 9},
		{"unix", sockInfo{unix.AF_UNIX, -1, 0}, 6},
		{"netlink", sockInfo{unix.AF_NETLINK, unix.SOCK_RAW, -1}, 9},
		{"packet", sockInfo{unix.AF_PACKET, -1, 0}, 8},
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
						si.typ = int(v)
					}
				case "netlink":
					si.proto, _ = strconv.Atoi(cols[1])
				case "packet":
					si.typ, _ = strconv.Atoi(cols[2])
				}
				return si, true
			}
		}
		f.Close()
	}
	return sockInfo{}, false
}
