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

// TestCheckSubsetMultiplexer: with x86 listed, runc's libseccomp turns a
// rule for socket into one for i386's socketcall (SYS_SOCKET in argument
// 0, the other conditions left on the pointer and unused registers), so a
// profile that allows socket only for AF_INET lets socketcall create any
// family. A baseline that answers socketcall itself (as entitle profile
// now writes) is stricter; check --subset read both without the rewrite
// and proved the profile within it.
func TestCheckSubsetMultiplexer(t *testing.T) {
	const socket = `{"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":4294967295,"valueTwo":2,"op":"SCMP_CMP_MASKED_EQ"},{"index":1,"value":15,"valueTwo":1,"op":"SCMP_CMP_MASKED_EQ"}]}`
	head := `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],"syscalls":[`
	base := writeFile(t, "base.json", head+socket+`,{"names":["socketcall"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]}`)
	prof := writeFile(t, "profile.json", head+socket+`]}`)
	code, out := checkSubset(t, base, prof)
	if code != 1 || !strings.Contains(out, "socketcall") {
		t.Errorf("the profile's socketcall (libseccomp's rewrite of its socket rule) is not reported: %d\n%s", code, out)
	}
	// Legitimate use: the same profile is within itself, and within a
	// baseline that allows socket for every family.
	if code, out := checkSubset(t, prof, prof); code != 0 {
		t.Errorf("itself: %d\n%s", code, out)
	}
	wide := writeFile(t, "wide.json", head+`{"names":["socket"],"action":"SCMP_ACT_ALLOW"}]}`)
	if code, out := checkSubset(t, wide, prof); code != 0 {
		t.Errorf("within socket for every family: %d\n%s", code, out)
	}
}

// TestCheckSubsetOverlap: two rules of one call with different actions
// whose conditions test different arguments overlap, and libseccomp
// decides the overlap by the order its tree tests arguments: with the
// errno rule on argument 0 and the allow rule on argument 1 it allows
// personality(1, 2), although entitle read the errno as winning. check
// --subset proved such a profile within a baseline that never allows
// personality(1, 2); now it refuses to read the profile, naming both rules.
func TestCheckSubsetOverlap(t *testing.T) {
	head := `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[`
	prof := writeFile(t, "profile.json", head+
		`{"names":["personality"],"action":"SCMP_ACT_ERRNO","errnoRet":13,"args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"}]},`+
		`{"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":1,"value":2,"op":"SCMP_CMP_EQ"}]}]}`)
	base := writeFile(t, "base.json", head+
		`{"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_NE"},{"index":1,"value":2,"op":"SCMP_CMP_EQ"}]}]}`)
	code, out := checkSubset(t, base, prof)
	if code == 0 || !strings.Contains(out, "syscalls[1]") || !strings.Contains(out, "syscalls[0]") || !strings.Contains(out, "overlap") {
		t.Errorf("an overlap libseccomp may decide either way was proved within the baseline: %d\n%s", code, out)
	}
	// --lenient reads the overlap as the more restrictive rule, which a
	// proof must not assume: still refused.
	code, out2, errOut := runCLI(t, "check", "--lenient", "--subset", base, prof)
	if code == 0 || !strings.Contains(out2+errOut, "overlap") {
		t.Errorf("--lenient: proved within: %d\n%s%s", code, out2, errOut)
	}
	// The baseline itself (no overlap) is within itself.
	if code, out := checkSubset(t, base, base); code != 0 {
		t.Errorf("baseline within itself: %d\n%s", code, out)
	}
}
