//go:build linux

package attack

import (
	"testing"
)

// TestAttackMemfdExec: a memfd has no path, so Landlock's execute right
// cannot scope it; a command that may create memfds (mem.jit, which the
// presets grant for node and java, or ipc.sysv) and execute programs
// could run any program it wrote into one, outside the exec paths. The
// supervisor makes every memfd non-executable (MFD_NOEXEC_SEAL): no way of
// executing one works, as root and nobody, explain and quiet; the memfd
// itself and an executable mapping of it (a JIT's double mapping) work.
func TestAttackMemfdExec(t *testing.T) {
	prog := cprog(t, "memfdexec")
	each(t, func(t *testing.T, u user, m mode) {
		ws := scratch(t)
		for _, flags := range [][]string{
			{"--sandbox", "read-only", "--exec", shared(t)},
			{"--read", "/", "--allow", "ipc.sysv,proc.spawn", "--exec", "/usr/bin", "--exec", shared(t)},
		} {
			r := run(t, u, m, ws, flags, prog, "/bin/true")
			expect(t, r, map[string]string{
				"memfd": "ok", "jit-map": "ok",
				"execveat-memfd": "denied", "execve-magic-memfd": "denied", "memfd-exec-flag": "denied",
			})
		}
	})
}
