//go:build linux

package main

import (
	"os"
	"strings"
	"testing"
)

// checkSubset runs entitle check --subset.
func checkSubset(t *testing.T, baseline, profile string) (int, string) {
	t.Helper()
	code, out, errOut := runCLI(t, "check", "--subset", baseline, profile)
	return code, out + errOut
}

func TestCheckSubset(t *testing.T) {
	// A generated profile within a wider one.
	if code, out := checkSubset(t, "fs.read,fs.write,net.client,net.server", "fs.read,net.client"); code != 0 || !strings.Contains(out, "is within") {
		t.Errorf("%d\n%s", code, out)
	}
	// One that adds ptrace: exit 1 naming ptrace.
	yaml := writeFile(t, "entitle.yaml", "entitlements: [fs.read, net.client]\nrules:\n  - syscall: ptrace\n    action: allow\n")
	code, out := checkSubset(t, "fs.read,net.client", yaml)
	if code != 1 || !strings.Contains(out, "ptrace") {
		t.Errorf("ptrace: %d\n%s", code, out)
	}
	// entitle profile net.server fs.read against Docker's default: not
	// within, because base allows calls newer than Docker's profile and
	// entitle compares int arguments on their low 32 bits.
	code, out = checkSubset(t, "docker-default", "net.server,fs.read")
	t.Logf("net.server,fs.read within docker-default:\n%s", out)
	if code != 1 || !strings.Contains(out, "file_getattr") {
		t.Errorf("docker: %d\n%s", code, out)
	}
}

func TestDiffCLI(t *testing.T) {
	code, out, errOut := runCLI(t, "diff", "fs.read", "fs.read")
	if code != 0 || !strings.Contains(out, "decide every call alike") {
		t.Errorf("same: %d %s %s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "diff", "fs.read", "fs.read,fs.create")
	if code != 1 || !strings.Contains(out, "mkdir") || !strings.Contains(out, "openat: a2 & 0x400000 == 0x400000") {
		t.Errorf("fs.create: %d\n%s", code, out)
	}
	const podman = "/usr/share/containers/seccomp.json"
	if _, err := os.Stat(podman); err == nil {
		code, out, errOut = runCLI(t, "diff", "docker-default", podman)
		if code != 1 {
			t.Errorf("docker vs podman: %d %s", code, errOut)
		}
		t.Logf("docker-default vs Podman's default:\n%s", out)
	}
	code, _, errOut = runCLI(t, "diff", "nosuch.json", "fs.read")
	if code != 1 || !strings.Contains(errOut, "no such file") {
		t.Errorf("missing file: %d %s", code, errOut)
	}
	code, _, errOut = runCLI(t, "diff", "fs.raed", "fs.read")
	if code != 1 || !strings.Contains(errOut, "neither a file nor") {
		t.Errorf("typo: %d %s", code, errOut)
	}
}

func TestLintCLI(t *testing.T) {
	const podman = "/usr/share/containers/seccomp.json"
	if _, err := os.Stat(podman); err == nil {
		code, out, errOut := runCLI(t, "lint", podman)
		if code != 2 || !strings.Contains(out, "syscalls[15] (setns): never applies") || !strings.Contains(out, "deny-64bit-int") {
			t.Errorf("podman: %d %s\n%s", code, errOut, out)
		}
	}
	code, out, errOut := runCLI(t, "lint", "docker-default")
	if code != 1 || !strings.Contains(out, "ptrace: allowed") || !strings.Contains(out, "≈ base + ") {
		t.Errorf("docker: %d %s\n%s", code, errOut, out)
	}
	prof := writeFile(t, "p.json", func() string { _, o, _ := runCLI(t, "profile", "net.server", "fs.read"); return o }())
	code, out, _ = runCLI(t, "lint", "--json", prof)
	if code != 0 || !strings.Contains(out, `"net.server"`) || !strings.Contains(out, `"fs.read"`) {
		t.Errorf("generated: %d\n%s", code, out)
	}
}
