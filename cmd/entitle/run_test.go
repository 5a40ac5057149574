//go:build linux

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/entitle-dev/entitle/internal/testenv"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
	buildDir  string
)

// entitleBin builds the entitle binary once, into a directory every user
// can read and execute (the nobody test runs it).
func entitleBin(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "entitle-run-test")
		if buildErr != nil {
			return
		}
		os.Chmod(buildDir, 0o755)
		builtBin, buildErr = testenv.BuildEntitle(buildDir)
	})
	if buildErr != nil {
		t.Fatalf("build entitle: %v", buildErr)
	}
	return builtBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if err := testenv.DevNullIntact(); err != nil {
		fmt.Fprintln(os.Stderr, "after the cmd/entitle tests:", err)
		code = 1
	}
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	if rootfsDir != "" { // runc_test.go's shared busybox root
		os.RemoveAll(filepath.Dir(rootfsDir))
	}
	os.Exit(code)
}

func needProgs(t *testing.T, progs ...string) {
	t.Helper()
	for _, p := range progs {
		if _, err := exec.LookPath(p); err != nil {
			testenv.Skipf(t, "%s not installed", p)
		}
	}
}

// entitle runs the built binary and returns its status, stdout, stderr.
func entitle(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(entitleBin(t), args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

func TestRunCLIStatuses(t *testing.T) {
	needProgs(t, "sh")
	dir := t.TempDir()
	os.WriteFile(dir+"/noexec", []byte("#!/bin/sh\n"), 0o644)
	for _, c := range []struct {
		args   []string
		code   int
		stderr string // substring; "" means stderr must be empty
	}{
		{[]string{"run", "--allow", "fs.read", "--", "sh", "-c", "exit 0"}, 0, ""},
		{[]string{"run", "--allow", "fs.read", "--", "sh", "-c", "exit 3"}, 3, ""},
		{[]string{"run", "--allow", "fs.raed", "--", "true"}, 125, "did you mean fs.read?"},
		{[]string{"run", "--", "no-such-command-xyz"}, 127, "command not found"},
		{[]string{"run", "--", dir + "/noexec"}, 126, "cannot execute: permission denied"},
		{[]string{"run", "--complain", "--quiet", "--", "true"}, 125, "exclude each other"},
		{[]string{"run", "--allow", "fs.read", "--", "sh", "-c", "echo x > " + dir + "/f"}, 2, "needs fs.create — add --allow fs.create"},
	} {
		code, _, stderr := entitle(t, c.args...)
		if code != c.code || (c.stderr == "" && stderr != "") || !strings.Contains(stderr, c.stderr) {
			t.Errorf("entitle %q: status %d, stderr %q; want %d, %q", c.args, code, stderr, c.code, c.stderr)
		}
	}
}

func TestRunCLIComplainThenPolicy(t *testing.T) {
	needProgs(t, "sh", "mkdir", "cat")
	dir := t.TempDir()
	script := "mkdir -p " + dir + "/d && cat /etc/hostname > " + dir + "/d/h && echo done"
	code, out, stderr := entitle(t, "run", "--complain", "-o", dir+"/entitle.yaml", "--", "sh", "-c", script)
	if code != 0 || !strings.Contains(out, "done") || !strings.Contains(stderr, "would have been denied") {
		t.Fatalf("complain: %d %q %q", code, out, stderr)
	}
	code, out, stderr = entitle(t, "run", "--complain", "-o", dir+"/profile.json", "--", "sh", "-c", script)
	if code != 0 {
		t.Fatalf("complain json: %d %q %q", code, out, stderr)
	}
	yaml, _ := os.ReadFile(dir + "/entitle.yaml")
	// One entitlement a line, each with the call it was learned from.
	for _, e := range []string{"fs.create", "fs.read", "proc.exec", "proc.spawn"} {
		if !strings.Contains(string(yaml), "\n  - "+e+" # learned: ") {
			t.Fatalf("entitle.yaml has no commented %s:\n%s", e, yaml)
		}
	}
	if strings.Count(string(yaml), "\n  - ") != 4 {
		t.Fatalf("entitle.yaml:\n%s", yaml)
	}
	for _, flags := range [][]string{{"--policy", dir + "/entitle.yaml"}, {"--profile", dir + "/profile.json"}} {
		os.RemoveAll(dir + "/d")
		args := append(append([]string{"run"}, flags...), "--", "sh", "-c", script)
		code, out, stderr = entitle(t, args...)
		if code != 0 || !strings.Contains(out, "done") || stderr != "" {
			t.Errorf("entitle %q: %d %q %q", args, code, out, stderr)
		}
	}
}

// startEntitle starts entitle with the command's stdout on a pipe and
// waits for the command's first line.
func startEntitle(t *testing.T, stdin *os.File, args ...string) (*exec.Cmd, *bufio.Reader, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(entitleBin(t), args...)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	cmd.Stdout, cmd.Stderr, cmd.Stdin = pw, &errb, stdin
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	t.Cleanup(func() { pr.Close(); cmd.Process.Kill(); cmd.Wait() })
	r := bufio.NewReader(pr)
	line, err := readLineTimeout(r, 20*time.Second)
	if err != nil || line != "ready" {
		t.Fatalf("first line %q, %v; stderr %q", line, err, errb.String())
	}
	return cmd, r, &errb
}

func readLineTimeout(r *bufio.Reader, d time.Duration) (string, error) {
	type res struct {
		s   string
		err error
	}
	ch := make(chan res, 1)
	go func() {
		s, err := r.ReadString('\n')
		ch <- res{strings.TrimSpace(s), err}
	}()
	select {
	case x := <-ch:
		return x.s, x.err
	case <-time.After(d):
		return "", errors.New("timeout")
	}
}

// TestRunCLISignals: SIGTERM to entitle reaches the command; a command
// killed by a signal gives 128+N.
//
// The Python program sleeps in short steps: Python runs a handler between
// bytecodes, so a signal that arrives after its last check and before
// time.sleep enters clock_nanosleep waits for the sleep to end (on a
// loaded machine that window is a scheduler time slice, and a 30 s sleep
// made this test fail about once in twenty runs, the handler running when
// the sleep ended).
func TestRunCLISignals(t *testing.T) {
	needProgs(t, "/usr/bin/python3", "sh", "sleep")
	cmd, r, _ := startEntitle(t, nil, "run", "--allow", "fs.read", "--", "/usr/bin/python3", "-c", `
import signal, sys, time
signal.signal(signal.SIGTERM, lambda *a: (print("got TERM", flush=True), sys.exit(7)))
print("ready", flush=True)
for _ in range(300):
    time.sleep(0.1)
`)
	cmd.Process.Signal(syscall.SIGTERM)
	line, _ := readLineTimeout(r, 10*time.Second)
	cmd.Wait()
	if line != "got TERM" || cmd.ProcessState.ExitCode() != 7 {
		t.Fatalf("line %q, status %v", line, cmd.ProcessState)
	}
	cmd, _, _ = startEntitle(t, nil, "run", "--allow", "fs.read,proc.spawn,proc.exec", "--", "sh", "-c", "echo ready; exec sleep 30")
	time.Sleep(100 * time.Millisecond) // let sh exec sleep
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	if cmd.ProcessState.ExitCode() != 128+15 {
		t.Fatalf("status %v, want 143", cmd.ProcessState)
	}
}

// TestRunCLISupervisorKilled: with the supervisor killed (kill -9), the
// command keeps its filter: calls outside the policy fail with ENOSYS
// instead of running unconfined.
func TestRunCLISupervisorKilled(t *testing.T) {
	needProgs(t, "sh", "mkdir")
	dir := t.TempDir()
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer inW.Close()
	cmd, r, _ := startEntitle(t, inR, "run", "--allow", "fs.read,proc.spawn,proc.exec", "--", "sh", "-c",
		"echo ready; read x; mkdir "+dir+"/k 2>&1; echo rc=$?")
	inR.Close()
	cmd.Process.Kill() // the supervisor, by pid
	cmd.Process.Wait() // not cmd.Wait: sh still holds the stderr pipe
	inW.Write([]byte("go\n"))
	var lines []string
	for {
		l, err := readLineTimeout(r, 10*time.Second)
		if err != nil {
			break
		}
		lines = append(lines, l)
	}
	got := strings.Join(lines, "\n")
	if !strings.Contains(got, "Function not implemented") || !strings.Contains(got, "rc=1") {
		t.Fatalf("after the supervisor died: %q", got)
	}
	if _, err := os.Stat(dir + "/k"); err == nil {
		t.Fatal("mkdir ran unconfined after the supervisor died")
	}
}

// TestRunCLINobody: an unprivileged user can use entitle run (no_new_privs
// path), and gets explanations.
func TestRunCLINobody(t *testing.T) {
	needProgs(t, "ls", "mkdir")
	if os.Getuid() != 0 {
		t.Skip("needs root to switch to nobody (already unprivileged: the other tests cover it)")
	}
	bin := entitleBin(t)
	for _, c := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"run", "--allow", "fs.read", "--", "ls", "/"}, 0, ""},
		{[]string{"run", "--allow", "fs.read", "--", "mkdir", "/tmp/entitle-nobody-test"}, 1, "needs fs.create — add --allow fs.create"},
		{[]string{"run", "--quiet", "--allow", "fs.read", "--", "ls", "/"}, 0, ""},
	} {
		cmd := exec.Command(bin, c.args...)
		cmd.Dir = "/"
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		cmd.Run()
		if cmd.ProcessState.ExitCode() != c.code || !strings.Contains(errb.String(), c.stderr) || (c.stderr == "" && errb.Len() > 0) {
			t.Errorf("as nobody %q: status %v, stderr %q", c.args, cmd.ProcessState, errb.String())
		}
		if c.code == 0 && !strings.Contains(out.String(), "usr") {
			t.Errorf("as nobody %q: stdout %q", c.args, out.String())
		}
	}
}

// TestRunCLINestedFailsClosed: a sandbox that cannot be set up (a second
// listener in one filter chain: EBUSY; capabilities the outer filter does
// not let the inner init child drop) stops the command with 125.
func TestRunCLINestedFailsClosed(t *testing.T) {
	needProgs(t, "touch")
	bin := entitleBin(t)
	dir := t.TempDir()
	code, _, stderr := entitle(t, "run", "--allow", "fs.read,proc.spawn,proc.exec,sandbox", "--", bin, "run", "--allow", "fs.read,fs.create", "--", "touch", dir+"/ran")
	if code != 125 || !strings.Contains(stderr, "not running the command") {
		t.Fatalf("status %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(dir + "/ran"); err == nil {
		t.Fatal("the command ran")
	}
}
