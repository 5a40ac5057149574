//go:build linux

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/entitle-dev/entitle/internal/testenv"
)

func TestCompileStrictAndLenient(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.json")
	os.WriteFile(path, []byte(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","arg":[]}]}`), 0o644)
	var out, errb bytes.Buffer
	if code := runIO([]string{"compile", "-o", os.DevNull, path}, &out, &errb); code != 1 || !strings.Contains(errb.String(), `unknown key syscalls[0].arg (did you mean "args"?)`) {
		t.Errorf("strict: status %d, stderr %q", code, errb.String())
	}
	errb.Reset()
	if code := runIO([]string{"compile", "--lenient", "-o", os.DevNull, path}, &out, &errb); code != 0 {
		t.Errorf("--lenient: status %d, stderr %q", code, errb.String())
	}
	// run --profile takes the same reading options.
	errb.Reset()
	if code := runIO([]string{"run", "--lenient", "--ignore-unknown", "--profile", path, "--quiet", "--", "/bin/true"}, &out, &errb); code == 125 && strings.Contains(errb.String(), "unknown flag") {
		t.Errorf("run does not accept --lenient/--ignore-unknown: %q", errb.String())
	}
}

func TestCompilePodmanProfile(t *testing.T) {
	const path = "/usr/share/containers/seccomp.json"
	if _, err := os.Stat(path); err != nil {
		testenv.Skipf(t, "%s: %v (install golang-github-containers-common)", path, err)
	}
	var out, errb bytes.Buffer
	if code := runIO([]string{"compile", "--stats", path}, &out, &errb); code != 0 {
		t.Fatalf("status %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "warning: syscalls[15] (setns)") {
		t.Errorf("no setns warning: %q", errb.String())
	}
}
