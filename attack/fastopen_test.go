//go:build linux

package attack

import (
	"net"
	"strconv"
	"sync"
	"testing"
	"time"
)

// tcpServer accepts TCP connections on the loopback addresses (IPv4 and,
// when the machine has it, IPv6) and records what each sent.
type tcpServer struct {
	port int
	mu   sync.Mutex
	got  []string
}

func newTCPServer(t *testing.T) *tcpServer {
	t.Helper()
	l4, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &tcpServer{port: l4.Addr().(*net.TCPAddr).Port}
	ls := []net.Listener{l4}
	if l6, err := net.Listen("tcp6", "[::1]:"+strconv.Itoa(s.port)); err == nil {
		ls = append(ls, l6)
	}
	for _, l := range ls {
		t.Cleanup(func() { l.Close() })
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				go func() {
					defer c.Close()
					c.SetReadDeadline(time.Now().Add(2 * time.Second))
					buf := make([]byte, 64)
					n, _ := c.Read(buf)
					s.mu.Lock()
					s.got = append(s.got, c.RemoteAddr().String()+" "+strconv.Quote(string(buf[:n])))
					s.mu.Unlock()
				}()
			}
		}()
	}
	return s
}

// received returns what the server got so far (after giving late
// connections a moment) and forgets it.
func (s *tcpServer) received() []string {
	time.Sleep(100 * time.Millisecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	got := s.got
	s.got = nil
	return got
}

// TestAttackTCPFastOpen: sendto, sendmsg and sendmmsg with MSG_FASTOPEN
// open a TCP connection to the address they carry, and Landlock's connect
// rule (LANDLOCK_ACCESS_NET_CONNECT_TCP hooks connect(2)) never sees it. A
// program with net.dns (TCP connect to port 53 only), with net.server (no
// connect at all) or with --connect PORT must reach no other port that
// way: base and the net.* entitlements refuse MSG_FASTOPEN, with the
// answer the kernel gives when the client side of TCP Fast Open is off
// (EOPNOTSUPP), so programs fall back to connect. The deferred connect of
// TCP_FASTOPEN_CONNECT goes through connect(2) and keeps its checked
// address. Legitimate use: connect to an allowed port still works.
func TestAttackTCPFastOpen(t *testing.T) {
	prog := cprog(t, "fastopen")
	secret := newTCPServer(t)
	allowed := newTCPServer(t)
	port, allowedPort := strconv.Itoa(secret.port), strconv.Itoa(allowed.port)
	refused := map[string]string{}
	for _, call := range []string{"sendto", "sendmsg", "sendmmsg"} {
		for _, fam := range []string{"4", "6"} {
			refused[call+fam] = "EOPNOTSUPP"
		}
	}
	each(t, func(t *testing.T, u user, m mode) {
		for _, c := range []struct {
			name  string
			flags []string
			args  []string
		}{
			{"net.dns", []string{"--allow", "fs.read,net.dns"}, nil},
			{"net.server", []string{"--allow", "fs.read,net.server"}, nil},
			{"--connect", []string{"--allow", "fs.read", "--connect", allowedPort}, []string{allowedPort}},
			{"net.dns,ipc.fdpass", []string{"--allow", "fs.read,net.dns,ipc.fdpass"}, nil},
		} {
			r := run(t, u, m, scratch(t), c.flags, append([]string{prog, "attack", port}, c.args...)...)
			if got := secret.received(); len(got) > 0 {
				t.Errorf("%s: TCP Fast Open reached a port outside the connect rules: %q\n%s", c.name, got, r)
			}
			expect(t, r, refused)
			if c.args != nil {
				expect(t, r, map[string]string{"deferred-connect": "ok"})
				if got := allowed.received(); len(got) != 1 {
					t.Errorf("%s: the deferred connect reached the allowed port %d times, want once: %q\n%s", c.name, len(got), got, r)
				}
			}
		}

		// Legitimate use: connect to the allowed port, and anywhere
		// with net.client.
		r := run(t, u, m, scratch(t), []string{"--allow", "fs.read", "--connect", allowedPort}, prog, "legit", allowedPort)
		expect(t, r, map[string]string{"connect": "ok"})
		if got := allowed.received(); len(got) != 1 {
			t.Errorf("--connect %s: the allowed server received %q, want one connection\n%s", allowedPort, got, r)
		}
		r = run(t, u, m, scratch(t), []string{"--allow", "fs.read,net.client"}, prog, "legit", port)
		expect(t, r, map[string]string{"connect": "ok"})
		if got := secret.received(); len(got) != 1 {
			t.Errorf("net.client: the server received %q, want one connection\n%s", got, r)
		}
	})
}
