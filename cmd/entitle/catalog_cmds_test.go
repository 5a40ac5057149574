//go:build linux

package main

import (
	"strings"
	"testing"

	"github.com/entitle-dev/entitle/catalog"
)

func TestList(t *testing.T) {
	code, out, errOut := runCLI(t, "list")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, e := range catalog.All() {
		if !strings.Contains(out, e.Name+" ") {
			t.Errorf("list lacks %s", e.Name)
		}
	}
	for _, want := range []string{"base ", "network_connection", "net.client net.server", "obsolete"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q", want)
		}
	}
}

func TestShow(t *testing.T) {
	code, out, errOut := runCLI(t, "show", "--arch", "x86_64,aarch64", "base")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"[x86_64]", "[aarch64]", "clone: flags has CLONE_VM|CLONE_SIGHAND|CLONE_THREAD", "request == TIOCGWINSZ", "clone3: errno(ENOSYS)", "owns"} {
		if !strings.Contains(out, want) {
			t.Errorf("show base lacks %q", want)
		}
	}
	if _, out, _ := runCLI(t, "show", "never"); !strings.Contains(out, "uselib") {
		t.Errorf("show never:\n%s", out)
	}
	if _, out, _ := runCLI(t, "show", "exec"); !strings.Contains(out, "Karn alias for proc.exec proc.spawn") || !strings.Contains(out, "execve") {
		t.Errorf("show exec:\n%s", out)
	}
	code, _, errOut = runCLI(t, "show", "net.clinet")
	if code != 1 || !strings.Contains(errOut, "net.client") {
		t.Errorf("show net.clinet: %d %q", code, errOut)
	}
}

func TestWhich(t *testing.T) {
	code, out, errOut := runCLI(t, "which", "socket", "mount", "sysfs", "read")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"net.unix     domain == AF_UNIX", "admin.mount  any arguments", "sysfs: never:", "read:\n  base", "(owned by net.client)"} {
		if !strings.Contains(out, want) {
			t.Errorf("which lacks %q:\n%s", want, out)
		}
	}
	code, _, errOut = runCLI(t, "which", "getcdw")
	if code != 1 || !strings.Contains(errOut, "getcwd") {
		t.Errorf("which getcdw: %d %q", code, errOut)
	}
	if code, _, _ := runCLI(t, "which"); code != 1 {
		t.Errorf("which without arguments: exit %d", code)
	}
}
