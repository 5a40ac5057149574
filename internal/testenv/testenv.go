// Package testenv decides what a test does when the tool, package,
// privilege or kernel feature it needs is missing: skip with the reason on
// a developer's machine, fail under CI (CI set, as .ci/run runs), where
// .ci/run installs everything and the machine has every feature, so a skip
// would hide a broken install step.
package testenv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// InCI reports whether the tests run under CI (the CI variable is set).
func InCI() bool { return os.Getenv("CI") != "" }

// Skip skips t because something it needs is missing, or fails it in CI.
func Skip(t testing.TB, args ...any) {
	t.Helper()
	msg := fmt.Sprint(args...)
	if InCI() {
		t.Fatalf("missing in CI (where .ci/run installs everything): %s", msg)
	}
	t.Skip(msg)
}

// Skipf is Skip with a format.
func Skipf(t testing.TB, format string, args ...any) {
	t.Helper()
	Skip(t, fmt.Sprintf(format, args...))
}

// BuildEntitle builds the entitle command (CGO_ENABLED=0, as released)
// into dir, which every user must be able to read and enter (tests run it
// as nobody), and returns its path.
func BuildEntitle(dir string) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", errors.New("the go command is not in PATH")
	}
	out := filepath.Join(dir, "entitle")
	cmd := exec.Command(goBin, "build", "-o", out, "github.com/entitle-dev/entitle/cmd/entitle")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build entitle: %v\n%s", err, b)
	}
	return out, nil
}
