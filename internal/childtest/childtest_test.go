//go:build linux

package childtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	if Child("hello") {
		fmt.Printf("hello from %d extra=%s test=%s\n", os.Getpid(), os.Getenv("EXTRA"), os.Getenv(envTest))
		os.Exit(0)
	}
	if Child("fail") {
		fmt.Println("failing")
		os.Exit(3)
	}
	out, err := Run(t, "hello", "EXTRA=x y")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if want := fmt.Sprintf("extra=x y test=%s\n", t.Name()); !strings.HasSuffix(out, want) || strings.Contains(out, fmt.Sprintf("hello from %d ", os.Getpid())) {
		t.Fatalf("output %q, want a line ending %q from another process", out, want)
	}
	out, err = Run(t, "fail")
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 || out != "failing\n" {
		t.Fatalf("got %v, %q; want exit status 3, \"failing\\n\"", err, out)
	}
}

// Subtests with regexp metacharacters and spaces run alone in the child.
func TestSubtests(t *testing.T) {
	for _, sub := range []string{"a.b (c)", "a+b", "x"} {
		t.Run(sub, func(t *testing.T) {
			if Child("sub") {
				fmt.Printf("child ran %s\n", t.Name())
				os.Exit(0)
			}
			out, err := Run(t, "sub")
			if err != nil || out != "child ran "+t.Name()+"\n" {
				t.Fatalf("%v\n%q", err, out)
			}
		})
	}
}

// A child whose test reaches Run (no matching Child branch) fails loudly
// instead of passing silently.
func TestMissingChildBranch(t *testing.T) {
	if Child("inner") {
		// This child deliberately has no branch for "other".
		_, _ = Run(t, "other")
		os.Exit(0) // not reached: Run fails the test
	}
	out, err := Run(t, "inner")
	if err == nil || !strings.Contains(out, "branch is missing") {
		t.Fatalf("child should have failed: %v\n%s", err, out)
	}
}

func TestRunAs(t *testing.T) {
	if Child("whoami") {
		fmt.Printf("uid=%d gid=%d groups=%v\n", os.Getuid(), os.Getgid(), must(os.Getgroups()))
		os.Exit(0)
	}
	out, err := RunAs(t, 65534, 65534, "whoami")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := "uid=65534 gid=65534 groups=[]\n"
	if os.Geteuid() != 0 {
		want = fmt.Sprintf("uid=%d ", os.Getuid())
	}
	if !strings.HasPrefix(out, want) {
		t.Fatalf("got %q, want %q", out, want)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
