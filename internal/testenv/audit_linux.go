//go:build linux

package testenv

import (
	"encoding/binary"
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// EnableAudit turns the kernel's audit on (AUDIT_SET), which Landlock and
// SECCOMP_FILTER_FLAG_LOG need to record denials; only root can (CI runs
// as root; elsewhere the test is skipped).
func EnableAudit(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		Skip(t, "enabling kernel audit needs root")
	}
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_AUDIT)
	if err != nil {
		t.Fatalf("audit netlink socket: %v", err)
	}
	defer unix.Close(fd)
	msg := make([]byte, unix.NLMSG_HDRLEN+44) // struct audit_status
	binary.NativeEndian.PutUint32(msg[0:], uint32(len(msg)))
	binary.NativeEndian.PutUint16(msg[4:], 1001) // AUDIT_SET
	binary.NativeEndian.PutUint16(msg[6:], unix.NLM_F_REQUEST|unix.NLM_F_ACK)
	binary.NativeEndian.PutUint32(msg[unix.NLMSG_HDRLEN:], 1)   // mask: AUDIT_STATUS_ENABLED
	binary.NativeEndian.PutUint32(msg[unix.NLMSG_HDRLEN+4:], 1) // enabled
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		t.Fatalf("AUDIT_SET: %v", err)
	}
	buf := make([]byte, 4096)
	if n, _, err := unix.Recvfrom(fd, buf, 0); err != nil || n < unix.NLMSG_HDRLEN+4 {
		t.Fatalf("AUDIT_SET answer: %v", err)
	} else if e := int32(binary.NativeEndian.Uint32(buf[unix.NLMSG_HDRLEN:])); e != 0 {
		t.Fatalf("AUDIT_SET: %v", unix.Errno(-e))
	}
}

// DevNullIntact reports an error unless /dev/null is still the null
// character device (1, 3). Twice on the shared development machine it was
// deleted and recreated as a regular file while several suites ran; tests
// that drive container runtimes check it after each run to catch the
// culprit.
func DevNullIntact() error {
	var st unix.Stat_t
	if err := unix.Stat("/dev/null", &st); err != nil {
		return fmt.Errorf("/dev/null: %w", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(uint64(st.Rdev)) != 1 || unix.Minor(uint64(st.Rdev)) != 3 {
		return fmt.Errorf("/dev/null is no longer the null device (mode %#o, owner %d): something deleted and recreated it", st.Mode, st.Uid)
	}
	return nil
}
