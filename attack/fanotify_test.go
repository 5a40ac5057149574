//go:build linux

package attack

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAttackFanotify (issue 7, item 3): fs.watch must not hand out
// writable descriptors (fanotify_init with O_RDWR or O_WRONLY event
// flags: the program overwrote a file it could only open read-only) nor
// permission classes (blocking other processes' opens), unbounded queues
// and marks, audit or pidfd reporting — even when the command keeps
// CAP_SYS_ADMIN (admin.mount), which descriptor-mode fanotify needs.
// inotify and file-handle groups still work with fs.watch alone, and a
// read-only notification group with CAP_SYS_ADMIN kept.
func TestAttackFanotify(t *testing.T) {
	prog := cprog(t, "fanotify")
	allow := []string{"--allow", "fs.read,fs.watch"}
	withAdmin := []string{"--allow", "fs.read,fs.watch,admin.mount"}
	each(t, func(t *testing.T, u user, m mode) {
		dir := scratch(t)
		victim := filepath.Join(dir, "victim")
		if err := os.WriteFile(victim, []byte("original"), 0o644); err != nil {
			t.Fatal(err)
		}
		r := run(t, u, m, dir, withAdmin, prog, "attack", victim)
		if b, _ := os.ReadFile(victim); string(b) != "original" {
			t.Fatalf("the victim file now holds %q\n%s", b, r)
		}
		for _, name := range []string{"init-rdwr", "init-wronly", "init-class-content", "init-class-pre-content",
			"init-unlimited-queue", "init-unlimited-marks", "init-pidfd", "init-audit"} {
			if !strings.Contains(r.stdout, name+" EPERM\n") {
				t.Errorf("%s was not refused\n%s", name, r)
			}
		}
		if m.name == "explain" && !strings.Contains(r.stderr, "fanotify_init(0x0, O_RDWR) by pid") {
			t.Errorf("the denial is not explained\n%s", r)
		}

		// fs.watch alone: no CAP_SYS_ADMIN, so the kernel allows
		// file-handle groups only.
		r = run(t, u, m, dir, allow, prog, "legit", victim)
		for _, w := range []string{"inotify ok", "init-notif-rdonly EPERM", "init-fid ok", "fid-event ok"} {
			if !strings.Contains(r.stdout, w+"\n") {
				t.Errorf("legitimate use: want %q\n%s", w, r)
			}
		}
		if strings.Contains(r.stderr, "denied") {
			t.Errorf("legitimate use was denied\n%s", r)
		}
		if u.cred != nil || os.Geteuid() != 0 {
			return
		}
		// Root keeping CAP_SYS_ADMIN: read-only event descriptors.
		r = run(t, u, m, dir, withAdmin, prog, "legit", victim)
		for _, w := range []string{"inotify ok", "init-notif-rdonly ok", "read-through-event-fd ok", "write-through-event-fd EBADF", "init-fid ok"} {
			if !strings.Contains(r.stdout, w+"\n") {
				t.Errorf("legitimate use with CAP_SYS_ADMIN: want %q\n%s", w, r)
			}
		}
	})
}
