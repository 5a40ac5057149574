// Package testenv decides what a test does when the tool, package,
// privilege or kernel feature it needs is missing: skip with the reason on
// a developer's machine, fail under CI (CI set, as .ci/run runs), where
// .ci/run installs everything and the machine has every feature, so a skip
// would hide a broken install step.
package testenv

import (
	"fmt"
	"os"
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
