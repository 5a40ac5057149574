//go:build linux

package confine

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// AuditLog receives every audit record the kernel emits, for
// auditlog.Follow (which parses and explains them); Follower, below, is
// the Landlock-specific follower of `entitle run`.
type AuditLog struct {
	fd           int
	wakeR, wakeW int
	done         chan struct{}
}

// FollowAuditLog calls fn, from its own goroutine, with the type and text
// ("audit(TIME:SERIAL): key=value ...") of every audit record the kernel
// emits from now on. It joins the audit netlink multicast group, which
// needs CAP_AUDIT_READ (root); unlike the kernel log it is not
// rate-limited. Close stops it.
func FollowAuditLog(fn func(typ int, text string)) (*AuditLog, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_AUDIT)
	if err != nil {
		return nil, fmt.Errorf("audit netlink socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: 1 << (auditNlgrpReadlog - 1)}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("join the audit log group (needs CAP_AUDIT_READ: run as root): %w", err)
	}
	var wake [2]int
	if err := unix.Pipe2(wake[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("audit log follower: %w", err)
	}
	l := &AuditLog{fd: fd, wakeR: wake[0], wakeW: wake[1], done: make(chan struct{})}
	go l.loop(fn)
	return l, nil
}

// Close stops following; records still in flight are dropped.
func (l *AuditLog) Close() error {
	unix.Write(l.wakeW, []byte{0})
	<-l.done
	unix.Close(l.wakeR)
	unix.Close(l.wakeW)
	return unix.Close(l.fd)
}

func (l *AuditLog) loop(fn func(int, string)) {
	defer close(l.done)
	buf := make([]byte, 1<<16)
	fds := []unix.PollFd{{Fd: int32(l.fd), Events: unix.POLLIN}, {Fd: int32(l.wakeR), Events: unix.POLLIN}}
	for {
		if _, err := unix.Poll(fds, -1); err != nil && err != unix.EINTR {
			return
		}
		if fds[1].Revents != 0 {
			return
		}
		if fds[0].Revents == 0 {
			continue
		}
		n, _, err := unix.Recvfrom(l.fd, buf, unix.MSG_DONTWAIT)
		if err == unix.EINTR || err == unix.ENOBUFS || err == unix.EAGAIN {
			continue
		}
		if err != nil || n == 0 {
			return
		}
		for b := buf[:n]; len(b) >= unix.NLMSG_HDRLEN; {
			size := int(binary.NativeEndian.Uint32(b[0:]))
			if size < unix.NLMSG_HDRLEN || size > len(b) {
				break
			}
			text := b[unix.NLMSG_HDRLEN:size]
			for len(text) > 0 && text[len(text)-1] == 0 {
				text = text[:len(text)-1]
			}
			fn(int(binary.NativeEndian.Uint16(b[4:])), string(text))
			next := (size + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1)
			if next >= len(b) {
				break
			}
			b = b[next:]
		}
	}
}
