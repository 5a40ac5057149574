//go:build linux

package supervise

import (
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/seccomp"
	"github.com/entitle-dev/entitle/supervise/internal/decode"
	"github.com/entitle-dev/entitle/syscalls"
	"golang.org/x/sys/unix"
)

// New pseudo-terminals.
//
// The file rights reach only the command's own terminals under /dev/pts:
// another terminal of the same user is another session's keyboard (a
// command that opened it would read what is typed there, passwords too).
// A new pseudo-terminal's peer is opened under /dev/pts as well, even by
// ioctl(master, TIOCGPTPEER) (glibc's openpty, script, Python's pty), so
// with tty the supervisor answers that ioctl itself: it takes the master
// the command holds (pidfd_getfd), opens that master's peer and installs
// the descriptor in the command (SECCOMP_ADDFD_FLAG_SEND). The answer can
// only ever be the peer of a master the command has. Opening a new peer by
// its path (ptsname and open, as Go's creack/pty does) is refused.

// ptyPeerRule sends TIOCGPTPEER to the supervisor when pol allows it (tty)
// and the file rights do not reach every terminal; nil otherwise.
func ptyPeerRule(pol *policy.Policy) []policy.Rule {
	a := syscalls.Native()
	nr, ok := a.Number("ioctl")
	if !ok || pol.Evaluate(a.AuditArch(), nr, [6]uint64{0, unix.TIOCGPTPEER}) != policy.Allow {
		return nil
	}
	return []policy.Rule{{Syscall: "ioctl", Action: policy.Notify, Conds: []policy.Cond{{Arg: 1, Op: policy.OpEQ, Value: unix.TIOCGPTPEER, Width32: true}}}}
}

// ptyPeer answers ioctl(fd, TIOCGPTPEER, flags) for thread pid; false
// when the call is not that ioctl.
func (s *supervisor) ptyPeer(id uint64, pid int, name string, args [6]uint64) bool {
	if name != "ioctl" || uint32(args[1]) != unix.TIOCGPTPEER {
		return false
	}
	answer := func(errno unix.Errno) bool {
		seccomp.NotifRespond(s.fd, &seccomp.NotifResp{ID: id, Error: -int32(errno)})
		return true
	}
	tgid := decode.Tgid(pid)
	if tgid <= 0 {
		return answer(unix.ESRCH)
	}
	pidfd, err := unix.PidfdOpen(tgid, 0)
	if err != nil {
		return answer(unix.ESRCH)
	}
	defer unix.Close(pidfd)
	fd := int(int32(args[0]))
	if fd < 0 {
		return answer(unix.EBADF)
	}
	master, err := unix.PidfdGetfd(pidfd, fd, 0)
	if err != nil {
		return answer(unix.EBADF)
	}
	defer unix.Close(master)
	if !seccomp.NotifIDValid(s.fd, id) {
		return true // gone: nothing to answer
	}
	const flagsOK = unix.O_ACCMODE | unix.O_NOCTTY | unix.O_CLOEXEC | unix.O_NONBLOCK
	flags := int(uint32(args[2]))
	if flags&^flagsOK != 0 {
		return answer(unix.EINVAL)
	}
	// On anything but a master, the kernel answers ENOTTY (or EINVAL):
	// so does this ioctl, made on the command's own descriptor.
	peer, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(master), unix.TIOCGPTPEER, uintptr(flags&^unix.O_CLOEXEC|unix.O_CLOEXEC))
	if errno != 0 {
		return answer(errno)
	}
	defer unix.Close(int(peer))
	s.sendFD(id, int(peer), flags&unix.O_CLOEXEC != 0)
	return true
}

// sendFD answers notification id with a copy of the supervisor's
// descriptor fd, installed in the calling process as the call's result
// (SECCOMP_ADDFD_FLAG_SEND), or with EMFILE when it cannot be installed.
func (s *supervisor) sendFD(id uint64, fd int, cloexec bool) {
	if _, err := seccomp.NotifAddFDSend(s.fd, id, fd, cloexec); err != nil {
		if e, ok := err.(unix.Errno); ok && e == unix.ENOENT {
			return // the call is gone
		}
		seccomp.NotifRespond(s.fd, &seccomp.NotifResp{ID: id, Error: -int32(unix.EMFILE)})
	}
}
