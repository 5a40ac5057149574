//go:build linux

package attack

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/entitle-dev/entitle/internal/testenv"
	"golang.org/x/sys/unix"
)

// newPty opens a pseudo-terminal and returns its master, its peer and the
// peer's path, owned by u (a terminal of u's other session).
func newPty(t *testing.T, u user) (master, peer *os.File, path string) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		testenv.Skip(t, "no pseudo-terminals:", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	path = "/dev/pts/" + strconv.Itoa(n)
	s, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if u.cred != nil {
		if err := os.Chown(path, int(u.cred.Uid), int(u.cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	return m, s, path
}

// runOnTerminal is run with the command's standard streams on a terminal.
func runOnTerminal(t *testing.T, u user, m mode, term *os.File, flags []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	argv := append(append(append([]string{"run"}, flags...), m.flags...), "--")
	cmd := exec.CommandContext(ctx, entitleBin(t), append(argv, args...)...)
	cmd.Dir = scratch(t)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: u.cred}
	var errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = term, term, &errb
	err := cmd.Run()
	r := result{stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("entitle %q: %v", argv, err)
	}
	return r
}

// TestAttackOtherTerminal: /dev/pts was granted whole, so a command with
// fs.read (every preset) opened the user's other terminals: it read what
// was typed there (a password at a sudo prompt) and, with fs.write, wrote
// to them. The file rights now reach only the command's own terminals;
// with tty the command still creates pseudo-terminals (openpty: the
// supervisor answers TIOCGPTPEER with the peer of the master the command
// holds, in quiet mode too) and reopens its own terminal by path.
func TestAttackOtherTerminal(t *testing.T) {
	needPython(t)
	each(t, func(t *testing.T, u user, m mode) {
		master, peer, other := newPty(t, u)
		if _, err := master.Write([]byte("typed-secret\n")); err != nil {
			t.Fatal(err)
		}
		for _, flags := range [][]string{
			{"--allow", "fs.read,fs.write,proc.spawn,proc.exec"},
			{"--allow", "fs.read,fs.write,tty,proc.spawn,proc.exec"},
			{"--sandbox", "read-only"},
		} {
			r := shell(t, u, m, scratch(t), flags, `
try read-other timeout 2 head -n1 `+other+`
try write-other sh -c 'echo injected | dd of=`+other+` conv=nocreat,notrunc status=none'
try new-pty /usr/bin/python3 -c 'import os; m, s = os.openpty(); os.write(m, b"x\n"); assert os.read(s, 8) == b"x\n"'
`)
			want := map[string]string{"read-other": "fail", "write-other": "fail"}
			if flags[1] != "fs.read,fs.write,proc.spawn,proc.exec" {
				want["new-pty"] = "ok" // tty
			}
			expect(t, r, want)
		}
		// What was typed is still there for the session it was typed in,
		// and nothing was written to its screen.
		peer.SetReadDeadline(time.Now().Add(time.Second))
		buf := make([]byte, 64)
		if n, err := peer.Read(buf); err != nil || string(buf[:n]) != "typed-secret\n" {
			t.Errorf("the other terminal's input: %q, %v", buf[:n], err)
		}
		master.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if n, _ := master.Read(buf); bytes.Contains(buf[:n], []byte("injected")) {
			t.Errorf("written to the other terminal: %q", buf[:n])
		}

		// Its own terminal: the command reopens it by path.
		_, own, _ := newPty(t, u)
		r := runOnTerminal(t, u, m, own, []string{"--allow", "fs.read,fs.write,proc.spawn,proc.exec"}, "/bin/sh", "-c", `t=$(tty) && : < "$t" && echo own-ok | dd of="$t" conv=nocreat,notrunc status=none`)
		if r.code != 0 {
			t.Errorf("reopening its own terminal: %s", r)
		}
	})
}

// hangUpHarness runs argv as a shell would in a terminal: the child of a
// session leader whose controlling terminal is a new pseudo-terminal; it
// prints what the terminal showed, and whether the shell lived on.
const hangUpHarness = `
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv("/bin/sh", ["sh", "-c", '"$@"; sleep 0.2; echo shell-survived', "sh"] + sys.argv[1:])
out, end = b"", time.time() + 30
while time.time() < end and b"shell-survived" not in out:
    if select.select([fd], [], [], 0.5)[0]:
        try:
            d = os.read(fd, 4096)
        except OSError:
            break
        if not d:
            break
        out += d
if b"shell-survived" not in out:
    # The shell's whole process group, entitle with it: the command, in a
    # group of its own and perhaps stopped, is then an orphaned group and
    # gets SIGHUP from the kernel. Killing the shell alone left entitle
    # and a stopped command behind.
    os.killpg(pid, 9)
os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
`

// TestAttackHangUpTerminal: tty kept root's CAP_SYS_TTY_CONFIG, whose only
// use a tty program can reach is vhangup(2): under --sandbox read-only a
// command run as root hung up the terminal it shares with the shell that
// started entitle, and the shell died of SIGHUP. tty keeps no capability
// now: vhangup fails with EPERM, as for any unprivileged user, and the
// terminal stays usable (the other tty uses: TestAttackOtherTerminal).
func TestAttackHangUpTerminal(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.Skip(t, "vhangup needs root's CAP_SYS_TTY_CONFIG")
	}
	needPython(t)
	prog := cprog(t, "vhangup")
	for _, m := range modes {
		for _, flags := range [][]string{{"--sandbox", "read-only"}, {"--allow", "fs.read,tty"}} {
			argv := append(append(append([]string{"-c", hangUpHarness, entitleBin(t), "run"}, flags...), m.flags...), "--", prog)
			cmd := exec.Command("/usr/bin/python3", argv...)
			cmd.Dir = scratch(t)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s %v: %v", m.name, flags, err)
			}
			for _, want := range []string{"vhangup EPERM", "tcgetattr ok", "shell-survived"} {
				if !bytes.Contains(out, []byte(want)) {
					t.Errorf("%s %v: want %q in the terminal's output:\n%s", m.name, flags, want, out)
				}
			}
		}
	}
}
