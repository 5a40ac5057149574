//go:build linux

package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/entitle-dev/entitle/internal/testenv"
)

// pyReport is a Python program that says whether SIGHUP and SIGINT are
// ignored, then waits for a line on stdin or two seconds.
const pyIgnored = `
import signal, sys, time
print("ready", signal.getsignal(signal.SIGHUP) == signal.SIG_IGN, signal.getsignal(signal.SIGINT) == signal.SIG_IGN, flush=True)
time.sleep(1)
print("alive", flush=True)
`

// TestSignalsIgnoredStayIgnored: nohup's SIGHUP and a background job's
// SIGINT stay ignored, by entitle and by the command; the signal sent to
// entitle then harms neither.
func TestSignalsIgnoredStayIgnored(t *testing.T) {
	needProgs(t, "/usr/bin/python3", "nohup", "sh")
	for _, c := range []struct {
		name string
		wrap []string
		sig  syscall.Signal
		want string
	}{
		{"nohup", []string{"nohup"}, syscall.SIGHUP, "ready True"},
		{"background SIGINT", []string{"sh", "-c", `trap "" INT; exec "$0" "$@"`}, syscall.SIGINT, "ready"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append(c.wrap[1:len(c.wrap):len(c.wrap)], entitleBin(t), "run", "--allow", "fs.read", "--", "/usr/bin/python3", "-c", pyIgnored)
			cmd := exec.Command(c.wrap[0], args...)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var errb strings.Builder
			cmd.Stderr = &errb
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			r := bufio.NewReader(out)
			line, err := readLineTimeout(r, 20*time.Second)
			if err != nil || !strings.HasPrefix(line, c.want) {
				t.Fatalf("first line %q (%v), want %q; stderr %q", line, err, c.want, errb.String())
			}
			if c.sig == syscall.SIGINT && !strings.HasSuffix(line, "True") {
				t.Fatalf("SIGINT not ignored in the command: %q", line)
			}
			cmd.Process.Signal(c.sig) // entitle (nohup and sh exec it)
			line, _ = readLineTimeout(r, 10*time.Second)
			cmd.Wait()
			if line != "alive" || cmd.ProcessState.ExitCode() != 0 {
				t.Fatalf("after %v: line %q, status %v, stderr %q", c.sig, line, cmd.ProcessState, errb.String())
			}
		})
	}
}

// openPty returns a pseudo-terminal's master and slave.
func openPty(t *testing.T) (*os.File, *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		testenv.Skipf(t, "no pseudo-terminals: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return m, s
}

// TestCtrlCOnce: in a terminal, the command gets the terminal (it reads a
// line typed there) and Ctrl-C reaches it exactly once.
func TestCtrlCOnce(t *testing.T) {
	needProgs(t, "/usr/bin/python3")
	// This process may have inherited SIGINT ignored; a handler makes its
	// children start with the default disposition, as from a shell.
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, syscall.SIGINT)
	defer signal.Stop(sigc)
	m, s := openPty(t)
	defer m.Close()
	cmd := exec.Command(entitleBin(t), "run", "--allow", "fs.read", "--", "/usr/bin/python3", "-c", `
import signal, sys, time
n = 0
def on_int(*a):
    global n
    n += 1
signal.signal(signal.SIGINT, on_int)
print("ready", flush=True)
line = sys.stdin.readline()
print("read", line.strip(), flush=True)
time.sleep(0.5)
print("interrupts", n, flush=True)
time.sleep(0.5)
print("interrupts", n, flush=True)
`)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s, s, s
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	r := bufio.NewReader(m)
	expect := func(prefix string) string {
		t.Helper()
		for {
			line, err := readLineTimeout(r, 20*time.Second)
			if err != nil {
				t.Fatalf("waiting for %q: %v", prefix, err)
			}
			if i := strings.Index(line, prefix); i >= 0 { // after the echo of ^C
				return line[i:]
			}
		}
	}
	expect("ready")
	m.Write([]byte("hello\n"))
	if got := expect("read"); got != "read hello" {
		t.Fatalf("the command read %q from the terminal", got)
	}
	m.Write([]byte{0x03}) // Ctrl-C
	expect("interrupts")  // the first, 0.5 s later
	if got := expect("interrupts"); got != "interrupts 1" {
		t.Fatalf("%s, want exactly 1", got)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("entitle did not exit")
	}
	if cmd.ProcessState.ExitCode() != 0 {
		t.Fatalf("status %v", cmd.ProcessState)
	}
}

// TestJobControl: in an interactive shell, Ctrl-Z stops the job (the
// command stops, then entitle, so that the shell sees it stop), and fg
// continues it: entitle hands the terminal back to the command, which goes
// on reading it.
func TestJobControl(t *testing.T) {
	needProgs(t, "/usr/bin/python3", "/bin/bash")
	m, s := openPty(t)
	defer m.Close()
	sh := exec.Command("/bin/bash", "--norc", "--noprofile", "-i")
	sh.Env = append(os.Environ(), "PS1=PROMPT> ", "TERM=dumb")
	sh.Stdin, sh.Stdout, sh.Stderr = s, s, s
	sh.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// bash leads a session of its own: every job it started (stopped,
	// if the test fails half-way) is killed with it.
	defer func() { killSession(sh.Process.Pid); sh.Wait() }()
	var mu sync.Mutex
	var out strings.Builder
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := m.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	seen := 0 // what the last waitFor consumed
	waitFor := func(what string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			mu.Lock()
			all := out.String()
			mu.Unlock()
			if i := strings.Index(all[seen:], what); i >= 0 {
				seen += i + len(what)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("waiting for %q; the terminal shows:\n%s", what, out.String())
	}
	waitFor("PROMPT> ")
	fmt.Fprintf(m, "%s run --allow fs.read -- /usr/bin/python3 -c 'import sys; print(\"rea\"+\"dy\", flush=True); print(\"got\", sys.stdin.readline().strip(), flush=True)'\n", entitleBin(t))
	waitFor("ready")
	m.Write([]byte{0x1a}) // Ctrl-Z
	waitFor("Stopped")
	waitFor("PROMPT> ")
	m.Write([]byte("fg\n"))
	time.Sleep(200 * time.Millisecond) // the command has the terminal again
	m.Write([]byte("hello\n"))
	waitFor("got hello")
	waitFor("PROMPT> ")
	m.Write([]byte("echo status=$?\n"))
	waitFor("status=0")
	m.Write([]byte("exit\n"))
}

// killSession kills every process of session sid (its leader included).
func killSession(sid int) {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if s, err := unix.Getsid(pid); err == nil && s == sid {
			unix.Kill(pid, unix.SIGKILL)
		}
	}
}
