//go:build linux

// Package childtest runs part of a test in a fresh child process. Seccomp
// filters cannot be removed once installed, so a test that installs one
// re-executes the test binary and installs the filter there:
//
//	func TestDeny(t *testing.T) {
//		if childtest.Child("deny") {
//			// install a filter, exercise it; print what the parent
//			// should check, then os.Exit(0) (or os.Exit(1) on failure)
//		}
//		out, err := childtest.Run(t, "deny")
//		...
//	}
//
// The child runs the same test function (and, for a subtest, only that
// subtest), so the Child check must come before the call to Run and the
// child's branch must end the process with os.Exit.
package childtest

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	// envName holds the name passed to Run; Child compares against it.
	envName = "ENTITLE_CHILDTEST"
	// envTest holds the full name of the test (or subtest) that started
	// the child.
	envTest = "ENTITLE_CHILDTEST_TEST"
)

// Timeout bounds one child's run; Run and RunAs fail the test when it
// expires.
var Timeout = 30 * time.Second

// Child reports whether this process is the child started by Run or RunAs
// for name.
func Child(name string) bool { return os.Getenv(envName) == name }

// Run re-executes the test binary, running only the current test (for a
// subtest: its top-level test and the chain of subtests leading to it),
// with ENTITLE_CHILDTEST=name and extraEnv ("KEY=value") added to the
// environment. It returns the child's combined stdout and stderr and the
// error from exec.Cmd.Wait (an *exec.ExitError when the child exited
// non-zero or was killed by a signal). It fails t if the child runs longer
// than Timeout.
//
// Called inside a child, Run fails t when the current test is the one that
// started the child (its Child(name) branch was missing or did not exit)
// and skips t otherwise.
func Run(t testing.TB, name string, extraEnv ...string) (output string, err error) {
	t.Helper()
	bin, err := os.Executable()
	if err != nil {
		bin = os.Args[0]
	}
	return run(t, bin, nil, name, extraEnv)
}

// RunAs is Run with the child running as user uid and group gid (no
// supplementary groups), for checks that must hold without privileges,
// typically RunAs(t, 65534, 65534, name). The test binary is copied to a
// directory that user can read and execute (mode 0755). Switching users
// needs root: when the test does not run as root it is already
// unprivileged, and RunAs runs the child as the current user.
func RunAs(t testing.TB, uid, gid uint32, name string, extraEnv ...string) (string, error) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Logf("childtest: not root, running child %q as uid %d instead of %d", name, os.Geteuid(), uid)
		return Run(t, name, extraEnv...)
	}
	if os.Getenv(envName) != "" {
		return run(t, "", nil, name, extraEnv) // fails or skips; see Run
	}
	bin, err := copyBinary()
	if err != nil {
		t.Fatalf("childtest: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(filepath.Dir(bin)) })
	return run(t, bin, &syscall.Credential{Uid: uid, Gid: gid, Groups: []uint32{}}, name, extraEnv)
}

// copyBinary copies the running test binary into a new 0755 directory as a
// 0755 file, so that any user can run it.
func copyBinary() (string, error) {
	src, err := os.Executable()
	if err != nil {
		src = os.Args[0]
	}
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	dir, err := os.MkdirTemp("", "childtest-")
	if err != nil {
		return "", err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	bin := filepath.Join(dir, filepath.Base(src))
	out, err := os.OpenFile(bin, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err == nil {
		_, err = io.Copy(out, in)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}
	if err == nil {
		err = os.Chmod(bin, 0o755) // in case the umask removed bits
	}
	if err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return bin, nil
}

// runPattern is the -test.run pattern that selects exactly the test named
// full: each slash-separated element anchored and quoted.
func runPattern(full string) string {
	elems := strings.Split(full, "/")
	for i, e := range elems {
		elems[i] = "^" + regexp.QuoteMeta(e) + "$"
	}
	return strings.Join(elems, "/")
}

// Command returns the child of Run, not started, for a test that talks to
// the child while it runs (a server) or a benchmark that starts it many
// times: the test binary running only the current test or benchmark
// (benchmarks once, with -test.benchtime=1x), with ENTITLE_CHILDTEST=name
// and extraEnv added to the environment, in its own process group. The
// caller starts it, waits for it and bounds its time. Called inside a
// child, Command fails or skips t as Run does.
func Command(t testing.TB, name string, extraEnv ...string) *exec.Cmd {
	t.Helper()
	notInChild(t, name)
	bin, err := os.Executable()
	if err != nil {
		bin = os.Args[0]
	}
	return command(context.Background(), t, bin, name, extraEnv)
}

// notInChild fails or skips t when this process is itself a child (see
// Run).
func notInChild(t testing.TB, name string) {
	t.Helper()
	if cur := os.Getenv(envName); cur != "" {
		if os.Getenv(envTest) == t.Name() {
			t.Fatalf("childtest: in child %q, %s reached Run(%q): its childtest.Child(%q) branch is missing or did not call os.Exit", cur, t.Name(), name, cur)
		}
		t.Skipf("childtest: in child %q started by %s", cur, os.Getenv(envTest))
	}
}

func command(ctx context.Context, t testing.TB, bin, name string, extraEnv []string) *exec.Cmd {
	args := []string{"-test.run=" + runPattern(t.Name()), "-test.count=1", "-test.v=false"}
	if _, ok := t.(*testing.B); ok {
		args = []string{"-test.run=^$", "-test.bench=" + runPattern(t.Name()), "-test.benchtime=1x", "-test.count=1", "-test.v=false"}
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), envName+"="+name, envTest+"="+t.Name())
	cmd.Env = append(cmd.Env, extraEnv...)
	cmd.Dir = os.TempDir()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

func run(t testing.TB, bin string, cred *syscall.Credential, name string, extraEnv []string) (string, error) {
	t.Helper()
	notInChild(t, name)
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	cmd := command(ctx, t, bin, name, extraEnv)
	var buf bytes.Buffer
	cmd.Stdout = &buf
	cmd.Stderr = &buf
	// Own process group, so that a timeout also kills anything the child
	// started; do not wait forever for descendants holding the output pipe.
	cmd.SysProcAttr.Credential = cred
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("childtest: child %q of %s timed out after %v:\n%s", name, t.Name(), Timeout, buf.String())
	}
	if err != nil && cmd.Process == nil {
		t.Fatalf("childtest: starting child %q: %v", name, err)
	}
	return buf.String(), err
}
