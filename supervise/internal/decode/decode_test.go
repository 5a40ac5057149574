//go:build linux

package decode

import "testing"

// TestDecode: arguments are rendered by name, as strace does.
func TestDecode(t *testing.T) {
	for _, c := range []struct {
		k    argKind
		v    uint64
		want string
	}{
		{aOpenFlags, 0o1101 | 0x80000, "O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC"},
		{aSockType, 1 | 0x800 | 0x80000, "SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC"},
		{aDomain, 10, "AF_INET6"},
		{aIoctl, 0x5412, "TIOCSTI"},
		{aIoctl, 0x541B, "FIONREAD"},
		{aIoctl, 0x5401, "TCGETS"},
		{aProt, 5, "PROT_READ|PROT_EXEC"},
		{aCloneFlags, 0x01200011, "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD"},
		{aDirfd, 0xFFFFFFFFFFFFFF9C, "AT_FDCWD"},
		{aMode, 0o755, "0755"},
		{aSignal, 15, "SIGTERM"},
	} {
		d := &Decoder{family: -1}
		if got := d.arg("x", c.k, c.v, 0); got != c.want {
			t.Errorf("kind %d value %#x: %q, want %q", c.k, c.v, got, c.want)
		}
	}
}
