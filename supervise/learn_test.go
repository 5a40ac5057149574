//go:build linux

package supervise

import (
	"net"
	"syscall"

	"fmt"
	"github.com/entitle-dev/entitle/catalog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMinimalCover: the fewest entitlements, then each call's preferred
// one, then the narrowest.
func TestMinimalCover(t *testing.T) {
	obs := func(cands ...[]string) []observation {
		var out []observation
		for i, c := range cands {
			out = append(out, observation{what: fmt.Sprint(i), cands: c})
		}
		return out
	}
	for _, c := range []struct {
		name string
		obs  []observation
		want []string
	}{
		{"tcp server", obs(
			[]string{"net.client", "net.server", "net.dns"},  // socket
			[]string{"net.server", "net.client"},             // bind
			[]string{"net.server"}), []string{"net.server"}}, // listen
		{"dns", obs(
			[]string{"net.client", "net.dns", "net.server"},
			[]string{"net.dns", "net.client"}), []string{"net.dns"}},
		{"tcp client", obs(
			[]string{"net.client", "net.server", "net.dns"},
			[]string{"net.client"}), []string{"net.client"}},
		{"socket alone", obs([]string{"net.client", "net.server", "net.dns"}), []string{"net.client"}},
		{"read and write", obs(
			[]string{"fs.read", "fs.write"},
			[]string{"fs.write"},
			[]string{"fs.read"}), []string{"fs.read", "fs.write"}},
		{"base only", obs([]string{}), nil},
	} {
		var got []string
		for _, l := range minimalCover(c.obs) {
			got = append(got, l.Name)
			if l.Reason == "" || l.Calls == 0 {
				t.Errorf("%s: %s has no reason", c.name, l.Name)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: cover %v, want %v", c.name, got, c.want)
		}
	}
}

// learnPython runs a Python program in Learn mode with nothing granted
// and returns the report.
func learnPython(t *testing.T, prog string) result {
	t.Helper()
	need(t, "/usr/bin/python3")
	return confine(t, Learn, nil, "/usr/bin/python3", "-c", prog)
}

// TestLearnSockets: the socket's real family decides. A TCP server needs
// net.server only (not net.client, not net.unix), a UDP exchange with port
// 53 net.dns, an AF_UNIX client net.unix, a TCP client net.client.
func TestLearnSockets(t *testing.T) {
	dir := t.TempDir()
	unixPath := filepath.Join(dir, "s")
	url := loopbackServer(t)
	for _, c := range []struct {
		name, prog string
		want       string
		not        []string
	}{
		{"tcp server", `
import socket, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(5)
port = s.getsockname()[1]
print("port", port, flush=True)
`, "net.server", []string{"net.client", "net.unix", "net.dns"}},
		{"dns", `
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.connect(("127.0.0.1", 53))
try: u.send(b"x")
except OSError: pass
`, "net.dns", []string{"net.client", "net.server", "net.unix"}},
		{"unix client", fmt.Sprintf(`
import socket
s = socket.socket(socket.AF_UNIX)
try: s.connect(%q)
except OSError: pass
`, unixPath), "net.unix", []string{"net.client", "net.server"}},
		{"tcp client", fmt.Sprintf(`
import urllib.request
print(urllib.request.urlopen(%q).read())
`, url), "net.client", []string{"net.server", "net.unix"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := learnPython(t, c.prog)
			if r.ExitCode != 0 || !slices.Contains(r.Needed, c.want) {
				t.Fatalf("exit %d, needed %v (want %s), log:\n%s", r.ExitCode, r.Needed, c.want, r.log)
			}
			for _, n := range c.not {
				if slices.Contains(r.Needed, n) {
					t.Errorf("needed %v includes %s; log:\n%s", r.Needed, n, r.log)
				}
			}
			// The learned set runs the program with no denial.
			r2 := confine(t, Explain, r.Needed, "/usr/bin/python3", "-c", c.prog)
			if r2.ExitCode != 0 || r2.Denied != 0 {
				t.Fatalf("learned %v: exit %d, %d denied, log:\n%s", r.Needed, r2.ExitCode, r2.Denied, r2.log)
			}
		})
	}
}

// TestLearnHTTPServer: python3 -m http.server learned then enforced: only
// net.server among the network entitlements, and requests are served.
func TestLearnHTTPServer(t *testing.T) {
	need(t, "/usr/bin/python3")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("hello\n"), 0o644)
	serve := func(mode Mode, allow []string) *Report {
		port := freePortT(t)
		p, err := Build(catalog.Request{Entitlements: allow})
		if err != nil {
			t.Fatal(err)
		}
		var log syncBuffer
		done := make(chan *Report, 1)
		c := Command(p, "/usr/bin/python3", "-m", "http.server", fmt.Sprint(port), "--bind", "127.0.0.1", "-d", dir)
		c.Entitlements, c.Mode, c.Stdout, c.Stderr = allow, mode, &log, &log
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		pid := c.Pid()
		go func() {
			if err := c.Wait(); err != nil {
				t.Error(err)
			}
			done <- c.Report
		}()
		ok := 0
		for i := 0; i < 100 && ok < 20; i++ {
			resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
			if err != nil {
				time.Sleep(20 * time.Millisecond)
				continue
			}
			resp.Body.Close()
			if resp.StatusCode == 200 {
				ok++
			}
		}
		killPid(pid)
		rep := <-done
		if ok < 20 {
			t.Fatalf("%d requests served; log:\n%s", ok, log.String())
		}
		t.Logf("%v: needed %v\n%s", mode, rep.Needed, log.String())
		return rep
	}
	rep := serve(Learn, nil)
	for _, n := range []string{"net.client", "net.unix", "net.dns"} {
		if slices.Contains(rep.Needed, n) {
			t.Errorf("learned %v includes %s", rep.Needed, n)
		}
	}
	if !slices.Contains(rep.Needed, "net.server") {
		t.Fatalf("learned %v without net.server", rep.Needed)
	}
	if rep2 := serve(Explain, rep.Needed); rep2.Denied != 0 {
		t.Fatalf("learned policy %v: %d denied", rep.Needed, rep2.Denied)
	}
}

// TestLearnKeepsDenying: learn mode denies what a learned policy must
// never allow (TIOCSTI, admin.*), and writes raw rules for calls no
// entitlement grants (an unknown ioctl), with which the program runs.
func TestLearnKeepsDenying(t *testing.T) {
	r := learnPython(t, `
import fcntl, termios, os, ctypes
fd = os.open("/dev/null", os.O_RDONLY)
for req, name in ((termios.TIOCSTI, "sti"), (0x5401ab, "odd")):
    try: fcntl.ioctl(fd, req, b"x")
    except OSError as e: print(name, e.errno)
libc = ctypes.CDLL(None, use_errno=True)
print("mount", libc.mount(b"none", b"/mnt", b"tmpfs", 0, None), ctypes.get_errno())
`)
	if !strings.Contains(r.stdout, "sti 1") || !strings.Contains(r.stdout, "mount -1 1") {
		t.Fatalf("TIOCSTI or mount not denied in learn mode: %q\n%s", r.stdout, r.log)
	}
	if slices.ContainsFunc(r.Needed, func(s string) bool { return strings.HasPrefix(s, "admin.") }) {
		t.Fatalf("learned %v", r.Needed)
	}
	if len(r.Rules) != 1 || r.Rules[0].Rule.Syscall != "ioctl" || r.Rules[0].Rule.Conds[0].Value != 0x5401ab || !strings.Contains(r.Rules[0].Comment, "ioctl(") {
		t.Fatalf("raw rules %+v\n%s", r.Rules, r.log)
	}
}

// TestHarmlessProbe: glibc's nscd lookup (id looks the user up) is denied
// as glibc expects and not reported as needing net.unix: a Probe, not a
// Denial. (cmd/entitle's TestProbeLines checks that nothing is printed.)
func TestHarmlessProbe(t *testing.T) {
	need(t, "id")
	r := confine(t, Explain, []string{"fs.read"}, "id", "-un", "0")
	if r.ExitCode != 0 || r.Denied != 0 || r.Probes == 0 || len(r.denials()) != 0 || strings.TrimSpace(r.stdout) != "root" {
		t.Fatalf("exit %d, denied %d, probes %d, events %+v, out %q", r.ExitCode, r.Denied, r.Probes, r.events, r.stdout)
	}
	if !slices.ContainsFunc(r.events, func(e Event) bool { p, ok := e.(*Probe); return ok && p.What == "glibc's nscd lookup" }) {
		t.Errorf("no probe event: %+v", r.events)
	}
}

// TestNUMAProbe: ps asks for its memory policy (get_mempolicy) at start;
// answered as on a kernel without NUMA and not reported as needing
// proc.resources.
func TestNUMAProbe(t *testing.T) {
	need(t, "ps")
	r := confine(t, Explain, []string{"fs.read"}, "ps", "-o", "comm=", "-p", "1")
	if r.ExitCode != 0 || r.Denied != 0 || r.Probes == 0 || len(r.denials()) != 0 || strings.TrimSpace(r.stdout) == "" {
		t.Fatalf("exit %d, denied %d, probes %d, events %+v, out %q", r.ExitCode, r.Denied, r.Probes, r.events, r.stdout)
	}
}

func freePortT(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func killPid(pid int) { syscall.Kill(pid, syscall.SIGTERM) }
