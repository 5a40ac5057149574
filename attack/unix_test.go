//go:build linux

package attack

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// unixServer listens on a Unix datagram socket everyone may send to and
// returns its path and a function that returns what it received.
func unixServer(t *testing.T, dir string) (string, func() []string) {
	t.Helper()
	path := filepath.Join(dir, "srv")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := os.Chmod(path, 0o777); err != nil {
		t.Fatal(err)
	}
	return path, func() []string {
		var got []string
		buf := make([]byte, 256)
		for {
			c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
			n, err := c.Read(buf)
			if err != nil {
				return got
			}
			got = append(got, string(buf[:n]))
		}
	}
}

// TestAttackUnixSocket (issue 7, item 4): without net.unix a program must
// not reach a Unix datagram server, neither through a datagram socket pair
// (base used to allow any socketpair(AF_UNIX)) with the connect/sendto
// that net.* grant, nor through the connected pairs base still allows.
// With net.unix it can; without it, connected pairs still work.
func TestAttackUnixSocket(t *testing.T) {
	prog := cprog(t, "unixsock")
	noUnix := []string{"--allow", "fs.read,net.client,net.server,net.dns,net.netlink,net.raw"}
	each(t, func(t *testing.T, u user, m mode) {
		dir := scratch(t)
		srv, received := unixServer(t, dir)
		bindPath := filepath.Join(dir, "bound")
		r := run(t, u, m, dir, noUnix, prog, "attack", srv, bindPath)
		if got := received(); len(got) > 0 {
			t.Fatalf("the server received %q from a program without net.unix\n%s", got, r)
		}
		for _, want := range []string{"dgram-pair EPERM", "socket EPERM", "stream-sendto EISCONN", "stream-sendmsg EISCONN"} {
			if !strings.Contains(r.stdout, want+"\n") {
				t.Errorf("want %q\n%s", want, r)
			}
		}
		if m.name == "explain" && !strings.Contains(r.stderr, "socketpair(AF_UNIX, SOCK_DGRAM|SOCK_CLOEXEC, 0, ") || m.name == "explain" && !strings.Contains(r.stderr, "needs net.unix") {
			t.Errorf("the denied datagram pair is not explained\n%s", r)
		}
		if _, err := os.Lstat(bindPath); err == nil {
			if landlockLayer {
				t.Errorf("bind on a socket pair created a socket file without fs.create\n%s", r)
			} else {
				t.Logf("bind on a stream pair still creates a socket file: seccomp cannot see bind's family; the Landlock layer refuses it")
			}
		}

		// Legitimate use: net.unix reaches the server with a datagram
		// pair; stream and seqpacket pairs work without it.
		r = run(t, u, m, dir, []string{"--allow", "fs.read,net.unix"}, prog, "legit", srv)
		if got := received(); len(got) != 1 || got[0] != "legit" {
			t.Errorf("with net.unix the server received %q, want [legit]\n%s", got, r)
		}
		for _, want := range []string{"stream-pair ok", "seqpacket-pair ok", "dgram-pair-sendto ok"} {
			if !strings.Contains(r.stdout, want+"\n") {
				t.Errorf("with net.unix: want %q\n%s", want, r)
			}
		}
		r = run(t, u, m, dir, []string{"--allow", "fs.read"}, prog, "legit", srv)
		for _, want := range []string{"stream-pair ok", "seqpacket-pair ok", "dgram-pair-sendto EPERM"} {
			if !strings.Contains(r.stdout, want+"\n") {
				t.Errorf("base only: want %q\n%s", want, r)
			}
		}
	})
}
