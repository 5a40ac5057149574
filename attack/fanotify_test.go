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
// and marks, audit or pidfd reporting. inotify, read-only notification
// groups and file-handle groups still work.
func TestAttackFanotify(t *testing.T) {
	prog := cprog(t, "fanotify")
	allow := []string{"--allow", "fs.read,fs.watch"}
	each(t, func(t *testing.T, u user, m mode) {
		dir := scratch(t)
		victim := filepath.Join(dir, "victim")
		if err := os.WriteFile(victim, []byte("original"), 0o644); err != nil {
			t.Fatal(err)
		}
		r := run(t, u, m, dir, allow, prog, "attack", victim)
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

		r = run(t, u, m, dir, allow, prog, "legit", victim)
		// Descriptor-mode groups need CAP_SYS_ADMIN, which fs.watch does
		// not keep (the capability layer): root is refused them as
		// nobody is, by the kernel.
		want := []string{"inotify ok", "init-fid ok", "fid-event ok", "init-notif-rdonly EPERM"}
		for _, w := range want {
			if !strings.Contains(r.stdout, w+"\n") {
				t.Errorf("legitimate use: want %q\n%s", w, r)
			}
		}
		if strings.Contains(r.stderr, "denied") {
			t.Errorf("legitimate use was denied\n%s", r)
		}
	})
}
