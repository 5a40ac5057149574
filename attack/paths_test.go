//go:build linux

package attack

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/entitle-dev/entitle/internal/testenv"
)

// shell runs a POSIX shell script under entitle run with flags, as u, in
// dir; each "try NAME CMD..." line of the script prints "NAME ok" or
// "NAME fail".
func shell(t *testing.T, u user, m mode, dir string, flags []string, script string) result {
	t.Helper()
	// No redirection to /dev/null: a shell opens it with O_CREAT, which is
	// fs.create's.
	prelude := `try() { n=$1; shift; if out=$("$@" 2>&1); then echo "$n ok"; else echo "$n fail"; fi; }` + "\n"
	return run(t, u, m, dir, flags, "/bin/sh", "-c", prelude+script)
}

// tree makes dir/{in,out} with files, owned by u, for the path tests.
func tree(t *testing.T, u user) (in, out string) {
	t.Helper()
	base := scratch(t)
	in, out = filepath.Join(base, "in"), filepath.Join(base, "out")
	for _, d := range []string{in, out, filepath.Join(in, "sub")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{filepath.Join(in, "f"), filepath.Join(in, "sub", "g"), filepath.Join(out, "secret")} {
		if err := os.WriteFile(f, []byte("data\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if u.cred != nil {
		filepath.Walk(base, func(p string, _ os.FileInfo, _ error) error {
			return os.Lchown(p, int(u.cred.Uid), int(u.cred.Gid))
		})
	}
	return in, out
}

// TestPathRights (issue 9): each right granted by --read, --write and
// --exec works beneath its tree and nowhere else; children inherit the
// scope; symlinks, "..", hard links, renames across trees and
// /proc/self/root do not lead out of it.
func TestPathRights(t *testing.T) {
	each(t, func(t *testing.T, u user, m mode) {
		in, out := tree(t, u)
		// Read only.
		r := shell(t, u, m, in, []string{"--read", in, "--allow", "proc.spawn", "--exec", "/usr/bin"}, `
try read-in cat f
try read-sub cat sub/g
try list-in ls .
try read-out cat `+out+`/secret
try list-out ls `+out+`
try write-in sh -c 'echo x >> f'
try create-in touch new
try child-read-out sh -c 'cat `+out+`/secret'
ln -s `+out+`/secret link; try symlink-out cat link
try dotdot-out cat ../out/secret
try procroot-out cat /proc/self/root`+out+`/secret
`)
		expect(t, r, map[string]string{
			"read-in": "ok", "read-sub": "ok", "list-in": "ok",
			"read-out": "fail", "list-out": "fail", "write-in": "fail", "create-in": "fail",
			"child-read-out": "fail", "symlink-out": "fail", "dotdot-out": "fail", "procroot-out": "fail",
		})
		// Write: create, remove, truncate inside; hard links and renames
		// across trees refused.
		r = shell(t, u, m, in, []string{"--write", in, "--read", out, "--allow", "proc.spawn", "--exec", "/usr/bin"}, `
try write-in sh -c 'echo x >> f'
try create-in sh -c 'echo y > new'
try mkdir-in mkdir d
try remove-in rm new
try truncate-in truncate -s 0 f
try read-out cat `+out+`/secret
try write-out sh -c 'echo x >> `+out+`/secret'
try create-out touch `+out+`/new
try hardlink-in-from-out ln `+out+`/secret hl
try rename-out-to-in mv `+out+`/secret stolen
try rename-in-to-out mv sub/g `+out+`/g
`)
		expect(t, r, map[string]string{
			"write-in": "ok", "create-in": "ok", "mkdir-in": "ok", "remove-in": "ok", "truncate-in": "ok", "read-out": "ok",
			"write-out": "fail", "create-out": "fail", "hardlink-in-from-out": "fail", "rename-out-to-in": "fail", "rename-in-to-out": "fail",
		})
		if b, _ := os.ReadFile(filepath.Join(out, "secret")); string(b) != "data\n" {
			t.Errorf("out/secret changed: %q", b)
		}
		// Execute: only beneath --exec (and the command itself).
		tool := filepath.Join(out, "tool")
		os.WriteFile(tool, []byte("#!/bin/sh\necho ran\n"), 0o755)
		if u.cred != nil {
			os.Chown(tool, int(u.cred.Uid), int(u.cred.Gid))
		}
		r = shell(t, u, m, in, []string{"--read", in, "--read", out, "--allow", "proc.spawn", "--exec", "/usr/bin"}, `
try exec-usr-bin /usr/bin/true
try exec-out `+tool+`
`)
		expect(t, r, map[string]string{"exec-usr-bin": "ok", "exec-out": "fail"})
		// Shared memory is writable with ipc.sysv (see
		// TestAttackSharedMemory), never executable.
		r = shell(t, u, m, in, []string{"--write", in, "--allow", "proc.spawn,ipc.sysv", "--exec", "/usr/bin"}, `
shm=/dev/shm/entitle-attack-$$
try copy-shm cp /usr/bin/true $shm
chmod 755 $shm; try exec-shm $shm; rm -f $shm
`)
		expect(t, r, map[string]string{"copy-shm": "ok", "exec-shm": "fail"})
	})
}

// TestProtectedPaths (issue 9): secrets stay unreadable under a grant of
// their parent (a home directory granted for reading), shell start-up
// files stay unwritable under a write grant, and --unprotect lifts it;
// with --protect-workspace, .env and .git/hooks are protected too, and
// the workspace's top directory accepts no new entries (the documented
// cost of carving out).
func TestProtectedPaths(t *testing.T) {
	for _, m := range modes {
		home := scratch(t)
		os.MkdirAll(filepath.Join(home, ".ssh"), 0o700)
		os.WriteFile(filepath.Join(home, ".ssh", "id_ed25519"), []byte("KEY\n"), 0o600)
		os.WriteFile(filepath.Join(home, ".bashrc"), []byte("# rc\n"), 0o644)
		os.WriteFile(filepath.Join(home, "notes"), []byte("notes\n"), 0o644)
		ws := filepath.Join(home, "ws")
		os.MkdirAll(filepath.Join(ws, ".git", "hooks"), 0o755)
		os.WriteFile(filepath.Join(ws, ".env"), []byte("TOKEN=1\n"), 0o644)
		os.WriteFile(filepath.Join(ws, "main.c"), []byte("int main(){}\n"), 0o644)
		t.Setenv("HOME", home)
		root := user{name: "root"}
		r := shell(t, root, m, ws, []string{"--write", home, "--allow", "proc.spawn", "--exec", "/usr/bin"}, `
try read-notes cat `+home+`/notes
try read-key cat `+home+`/.ssh/id_ed25519
try read-rc cat `+home+`/.bashrc
try write-rc sh -c 'echo evil >> `+home+`/.bashrc'
try write-notes sh -c 'echo more >> `+home+`/notes'
try read-env cat .env
try create-ws touch ws-new
`)
		expect(t, r, map[string]string{"read-notes": "ok", "read-key": "fail", "read-rc": "ok", "write-rc": "fail",
			"write-notes": "ok", "read-env": "ok", "create-ws": "ok"})
		r = shell(t, root, m, ws, []string{"--write", home, "--unprotect", home + "/.ssh", "--allow", "proc.spawn", "--exec", "/usr/bin"}, `try read-key cat `+home+`/.ssh/id_ed25519`)
		expect(t, r, map[string]string{"read-key": "ok"})
		r = shell(t, root, m, ws, []string{"--write", ws, "--protect-workspace", "--allow", "proc.spawn", "--exec", "/usr/bin"}, `
try read-env cat .env
try hook sh -c 'echo evil > .git/hooks/pre-commit'
try edit-src sh -c 'echo "// x" >> main.c'
try create-top touch top-new
`)
		expect(t, r, map[string]string{"read-env": "fail", "hook": "fail", "edit-src": "ok", "create-top": "fail"})
	}
}

// TestPorts (issue 9): --connect and --bind scope TCP to the named ports;
// Multipath TCP (which Landlock's TCP rules do not cover), raw and
// other-family sockets, and UDP (which this kernel's Landlock, ABI < 10,
// cannot port-filter) are closed by the seccomp layer while port rules are
// in force; net.dns keeps UDP for name resolution.
func TestPorts(t *testing.T) {
	needPython(t)
	okPort, refusedPort := loopbackServer(t, nil), loopbackServer(t, nil)
	bindPort, otherPort := freePort(t), freePort(t)
	script := `
import socket, sys
def t(name, f):
    try:
        f(); print(name, "ok")
    except OSError as e:
        print(name, "fail")
def conn(port, proto=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto); s.settimeout(5); s.connect(("127.0.0.1", port)); s.close()
def bind(port, proto=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto); s.bind(("127.0.0.1", port)); s.listen(); s.close()
t("connect-allowed", lambda: conn(` + okPort + `))
t("connect-refused", lambda: conn(` + refusedPort + `))
t("connect-mptcp", lambda: conn(` + refusedPort + `, 262))
t("bind-allowed", lambda: bind(` + bindPort + `))
t("bind-other", lambda: bind(` + otherPort + `))
t("bind-mptcp", lambda: bind(0, 262))
t("raw", lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, 1))
t("packet", lambda: socket.socket(17, socket.SOCK_RAW, 0))
t("udp", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", ` + otherPort + `)))
`
	each(t, func(t *testing.T, u user, m mode) {
		r := run(t, u, m, scratch(t), []string{"--allow", "fs.read", "--connect", okPort, "--bind", bindPort}, "/usr/bin/python3", "-c", script)
		expect(t, r, map[string]string{
			"connect-allowed": "ok", "bind-allowed": "ok",
			"connect-refused": "fail", "connect-mptcp": "fail", "bind-other": "fail", "bind-mptcp": "fail", "raw": "fail", "packet": "fail",
			"udp": "fail", // Landlock ABI < 10 cannot filter UDP ports: closed while port rules are in force
		})
		// net.dns keeps UDP (name resolution needs it), unfiltered by port.
		r = run(t, u, m, scratch(t), []string{"--allow", "fs.read,net.dns", "--connect", okPort}, "/usr/bin/python3", "-c", script)
		expect(t, r, map[string]string{"connect-allowed": "ok", "udp": "ok", "connect-refused": "fail"})
	})
}

// loopbackServer listens on a loopback TCP port until the test ends,
// writes reply to each connection and closes it; it returns the port.
func loopbackServer(t *testing.T, reply []byte) string {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Write(reply)
			c.Close()
		}
	}()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// freePort picks a TCP port nothing listens on.
func freePort(t *testing.T) string {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

func needPython(t *testing.T) {
	if _, err := exec.LookPath("/usr/bin/python3"); err != nil {
		testenv.Skip(t, "python3 is not installed (.ci/run installs it)")
	}
}

// TestPresets (issue 9): the presets run real programs — git status in a
// checkout, python3 -c, make on a small C project, curl to a loopback
// server — and refuse what they do not grant.
func TestPresets(t *testing.T) {
	for _, p := range []string{"git", "make", "gcc", "curl", "sqlite3", "node", "ps", "go"} {
		if _, err := exec.LookPath(p); err != nil {
			testenv.Skipf(t, "%s is not installed (.ci/run installs it)", p)
		}
	}
	needPython(t)
	port := loopbackServer(t, []byte("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi"))
	ws := scratch(t)
	os.WriteFile(filepath.Join(ws, "main.c"), []byte("#include <stdio.h>\nint main(void){puts(\"built\");return 0;}\n"), 0o644)
	os.WriteFile(filepath.Join(ws, "Makefile"), []byte("prog: main.c\n\tcc -o prog main.c\n"), 0o644)
	for _, c := range [][]string{{"git", "init", "-q"}, {"git", "add", "main.c"},
		{"sqlite3", "t.db", "create table t(x); insert into t values(1)"}} {
		cmd := exec.Command(c[0], c[1:]...)
		cmd.Dir = ws
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %v %s", c, err, out)
		}
	}
	root := user{name: "root"}
	for _, m := range modes {
		r := shell(t, root, m, ws, []string{"--sandbox", "read-only"}, `
try git-status git status --short
try python python3 -c 'print(1)'
try sqlite-read sqlite3 t.db 'select count(*) from t'
try sqlite-write sqlite3 t.db 'insert into t values(2)'
try node node -e 'console.log(1)'
try ps ps aux
try write touch x
`)
		expect(t, r, map[string]string{"git-status": "ok", "python": "ok", "sqlite-read": "ok", "sqlite-write": "fail",
			"node": "ok", "ps": "ok", "write": "fail"})
		if m.name == "explain" && strings.Contains(r.stderr, `refused read_dir on "/sys/`) {
			t.Errorf("read-only: ps had the system's settings in /sys refused:\n%s", r)
		}
		// The summary names what to add to the preset, not the preset's
		// own entitlements.
		if m.name == "explain" && (!strings.Contains(r.stderr, "to allow them, add --allow ") || strings.Contains(r.stderr, "proc.spawn,")) {
			t.Errorf("read-only: the summary should name only what to add:\n%s", r)
		}
		r = shell(t, root, m, ws, []string{"--sandbox", "workspace-write"}, `
try make make
try sqlite-write sqlite3 t.db 'insert into t values(2)'
try go-tool go tool compile -V
try run ./prog
try tmp sh -c 'echo t > $(mktemp)'
try net curl -sf http://127.0.0.1:`+port+`/
`)
		expect(t, r, map[string]string{"make": "ok", "sqlite-write": "ok", "go-tool": "ok", "run": "ok", "tmp": "ok", "net": "fail"})
		r = shell(t, root, m, ws, []string{"--sandbox", "workspace-net", "--connect", port}, `
try net-allowed curl -sf http://127.0.0.1:`+port+`/
`)
		expect(t, r, map[string]string{"net-allowed": "ok"})
		os.Remove(filepath.Join(ws, "prog"))
	}
	// A Go program starts under a preset without a refusal to explain: the
	// runtime reads /sys/kernel/mm/transparent_hugepage/hpage_pmd_size as
	// it starts (a StartupPaths entry).
	goProg := filepath.Join(ws, "goprog")
	if b, err := os.ReadFile(entitleBin(t)); err != nil || os.WriteFile(goProg, b, 0o755) != nil {
		t.Fatalf("copy a Go program into the workspace: %v", err)
	}
	r := run(t, root, explain, ws, []string{"--sandbox", "workspace-write"}, "./goprog", "--version")
	if r.code != 0 || strings.Contains(r.stderr, "refused") || strings.Contains(r.stderr, "denied") {
		t.Errorf("a Go program under workspace-write: %s; want it to start with nothing refused", r)
	}
	// Bad input: unknown preset, missing path, bad port, conflicting flags.
	for _, c := range []struct {
		flags []string
		want  string
	}{
		{[]string{"--sandbox", "workspace-wirte"}, "did you mean workspace-write"},
		{[]string{"--read", "/no/such/path"}, "/no/such/path: no such file or directory"},
		{[]string{"--connect", "70000"}, "1 to 65535"},
		{[]string{"--bind", "http"}, "1 to 65535"},
		{[]string{"--sandbox", "read-only", "--policy", "x.yaml"}, "exclude each other"},
	} {
		r := run(t, root, explain, ws, c.flags, "true")
		if r.code != 125 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: %s; want 125 and %q", c.flags, r, c.want)
		}
	}
}

// TestSystemSecrets: under fs.read, /etc/shadow and /etc/gshadow stay
// unreadable and the rest of /etc readable, as root (for whom Landlock
// carves them out of the grant of /etc) and as nobody (for whom the
// kernel's own permissions already refuse them, so /etc is granted whole:
// the carve-out costs a rule per entry of /etc).
func TestSystemSecrets(t *testing.T) {
	for _, f := range []string{"/etc/shadow", "/etc/gshadow", "/etc/passwd", "/etc/hostname"} {
		if _, err := os.Stat(f); err != nil {
			testenv.Skipf(t, "%s: %v", f, err)
		}
	}
	for _, u := range users(t) {
		for _, m := range modes {
			r := shell(t, u, m, "/", []string{"--allow", "fs.read,proc.spawn,proc.exec"}, `
try read-shadow cat /etc/shadow
try read-gshadow cat /etc/gshadow
try read-passwd cat /etc/passwd
try read-hostname cat /etc/hostname
try list-etc ls /etc
`)
			expect(t, r, map[string]string{"read-shadow": "fail", "read-gshadow": "fail", "read-passwd": "ok",
				"read-hostname": "ok", "list-etc": "ok"})
		}
	}
}

// TestAttackDenyListSockets: in deny-list mode (mode: denylist) socket is
// allowed with any arguments once a granted entitlement grants it in any
// way, and the network layer is Landlock's, which sees only TCP bind and
// connect. So Multipath TCP (a plain TCP connection to a server without
// MPTCP) connected to any port past ports.connect, and with net.unix
// alone, past "no net.client"; UDP went anywhere too. Deny-list mode now
// refuses the Internet sockets Landlock cannot see and no granted
// entitlement grants; TCP to an allowed port, Unix sockets under
// net.unix, and UDP under net.client without port rules still work.
// Deny-list mode explains nothing (its default action is allow), so it
// runs --quiet.
func TestAttackDenyListSockets(t *testing.T) {
	needPython(t)
	okPort, refusedPort := loopbackServer(t, nil), loopbackServer(t, nil)
	script := `
import socket
def t(name, f):
    try:
        f(); print(name, "ok")
    except OSError as e:
        print(name, "fail")
def conn(port, proto=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto); s.settimeout(5); s.connect(("127.0.0.1", port)); s.close()
t("connect-allowed", lambda: conn(` + okPort + `))
t("connect-refused", lambda: conn(` + refusedPort + `))
t("connect-mptcp", lambda: conn(` + refusedPort + `, 262))
t("connect-mptcp6", lambda: socket.socket(socket.AF_INET6, socket.SOCK_STREAM, 262))
t("sctp", lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM, 132))
t("sctp-seqpacket", lambda: socket.socket(socket.AF_INET, socket.SOCK_SEQPACKET, 0))
t("udplite", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM, 136))
t("udp", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", ` + refusedPort + `)))
t("unix", lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))
`
	policy := func(t *testing.T, text string) []string {
		f := filepath.Join(scratch(t), "entitle.yaml")
		if err := os.WriteFile(f, []byte("mode: denylist\n"+text), 0o644); err != nil {
			t.Fatal(err)
		}
		return []string{"--policy", f}
	}
	for _, u := range users(t) {
		t.Run(u.name, func(t *testing.T) {
			// net.client with ports.connect: only TCP to the port.
			r := run(t, u, quiet, scratch(t), policy(t, "entitlements: [net.client, fs.read, proc.exec]\nports:\n  connect: ["+okPort+"]\n"), "/usr/bin/python3", "-c", script)
			expect(t, r, map[string]string{"connect-allowed": "ok", "connect-refused": "denied", "connect-mptcp": "denied",
				"connect-mptcp6": "denied", "sctp": "denied", "sctp-seqpacket": "denied", "udplite": "denied", "udp": "denied"})
			// net.unix alone: no Internet socket at all.
			r = run(t, u, quiet, scratch(t), policy(t, "entitlements: [net.unix, fs.read, proc.exec]\n"), "/usr/bin/python3", "-c", script)
			expect(t, r, map[string]string{"unix": "ok", "connect-allowed": "denied", "connect-refused": "denied", "connect-mptcp": "denied",
				"connect-mptcp6": "denied", "sctp": "denied", "udp": "denied"})
			// net.client without port rules: TCP and UDP anywhere, as granted.
			r = run(t, u, quiet, scratch(t), policy(t, "entitlements: [net.client, fs.read, proc.exec]\n"), "/usr/bin/python3", "-c", script)
			expect(t, r, map[string]string{"connect-allowed": "ok", "connect-refused": "ok", "udp": "ok", "connect-mptcp": "denied"})
		})
	}
}
