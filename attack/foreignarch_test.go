//go:build linux

package attack

import (
	"runtime"
	"strings"
	"testing"
)

// TestAttackForeignArch (issue 7, item 12): i386 (int $0x80) and x32
// system calls must stay a kill in the filter — never let through, they
// would be checked against the wrong table — and entitle must say what
// happened instead of ending with no explanation or a misleading summary.
// The same call made natively works.
func TestAttackForeignArch(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("i386 and x32 calls exist on x86_64 only")
	}
	prog := cprog(t, "foreignarch")
	allow := []string{"--allow", "fs.read"}
	each(t, func(t *testing.T, u user, m mode) {
		dir := scratch(t)
		for _, abi := range []string{"i386", "x32"} {
			r := run(t, u, m, dir, allow, prog, abi)
			if strings.Contains(r.stdout, "survived") || r.code != 128+31 {
				t.Errorf("%s: the call was not killed (status %d, want 159)\n%s", abi, r.code, r)
			}
			if !strings.Contains(r.stderr, "entitle: the command was killed by SIGSYS: seccomp killed it for a system call of a foreign architecture (i386 through int $0x80, or an x32 call), which entitle never allows") {
				t.Errorf("%s: the kill is not explained\n%s", abi, r)
			}
			if strings.Contains(r.stderr, "to allow them") || strings.Contains(r.stderr, "--allow") {
				t.Errorf("%s: a summary suggests an entitlement for a call none can allow\n%s", abi, r)
			}
		}
		// Through a shell, the command's status is the shell's 159.
		r := run(t, u, m, dir, []string{"--allow", "fs.read,proc.spawn,proc.exec"}, "/bin/sh", "-c", prog+" i386")
		if r.code != 159 || !strings.Contains(r.stderr, "entitle: the command exited with status 159, which is how a shell reports a child killed by SIGSYS: probably a system call of a foreign architecture") {
			t.Errorf("through sh: not explained\n%s", r)
		}

		r = run(t, u, m, dir, allow, prog, "native")
		if r.code != 0 || !strings.Contains(r.stdout, "survived") || strings.Contains(r.stderr, "entitle:") {
			t.Errorf("native call\n%s", r)
		}
	})
}
