// Package childtest runs part of a test in a fresh child process: seccomp
// filters are irreversible, so tests that install them re-execute the test
// binary and install the filter there.
//
//	func TestDeny(t *testing.T) {
//		if childtest.Child("deny") {
//			// install a filter, exercise it, os.Exit(0) or print and os.Exit(1)
//		}
//		out, err := childtest.Run(t, "deny")
//		...
//	}
package childtest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

const envName = "ENTITLE_CHILDTEST"

// Timeout bounds a child's run.
var Timeout = 60 * time.Second

// Child reports whether this process is the child started for name.
func Child(name string) bool { return os.Getenv(envName) == name }

// Run re-executes the test binary, running only the current top-level test,
// with the child marker for name. It returns the combined output and the
// exit error.
func Run(t testing.TB, name string, extraEnv ...string) (string, error) {
	t.Helper()
	return run(t, os.Args[0], nil, name, extraEnv)
}

// RunAs is Run as another user (uid, gid), for checks that must hold
// without privileges. The test binary is copied where that user can run it.
func RunAs(t testing.TB, uid, gid uint32, name string, extraEnv ...string) (string, error) {
	t.Helper()
	dir, err := os.MkdirTemp("", "childtest")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "test.bin")
	data, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return run(t, bin, &syscall.Credential{Uid: uid, Gid: gid}, name, extraEnv)
}

func run(t testing.TB, bin string, cred *syscall.Credential, name string, extraEnv []string) (string, error) {
	if cur := os.Getenv(envName); cur != "" {
		// A child started for another case of the same test: not ours.
		t.Skipf("in child %q", cur)
	}
	top := strings.SplitN(t.Name(), "/", 2)[0]
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-test.run=^"+regexp.QuoteMeta(top)+"$", "-test.count=1", "-test.v=false")
	cmd.Env = append(append(os.Environ(), envName+"="+name), extraEnv...)
	cmd.Dir = os.TempDir()
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("child %q timed out after %v:\n%s", name, Timeout, out)
	}
	return string(out), err
}
