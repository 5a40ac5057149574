//go:build linux

package attack

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestAttackModesOutsideWrite: Landlock has no right for a file's mode or
// times, so --write TREE must not hand out chmod and utimensat everywhere
// (it implied fs.attr: under workspace-write root could chmod 0666
// /etc/passwd, and any user could open up their own keys). Outside the
// write trees no way works — by path, through a symbolic link, "..",
// /proc/self/root, a read-only or O_PATH descriptor, futimens, a
// /proc/self/fd magic link — and the file keeps its mode and times; beneath
// them chmod and touch work (the supervisor makes the change, in quiet
// mode too), set-ID bits stay fs.chown's, and an explicit fs.attr still
// reaches every file the user owns, as documented.
func TestAttackModesOutsideWrite(t *testing.T) {
	prog := cprog(t, "attr")
	each(t, func(t *testing.T, u user, m mode) {
		in, out := tree(t, u)
		secret := filepath.Join(out, "secret")
		old := time.Date(2020, 2, 2, 0, 0, 0, 0, time.UTC)
		if err := os.Chtimes(secret, old, old); err != nil {
			t.Fatal(err)
		}
		flags := []string{"--write", in, "--read", out, "--allow", "proc.spawn", "--exec", "/usr/bin", "--exec", "/bin", "--exec", shared(t)}
		r := shell(t, u, m, in, flags, `
try chmod-out chmod 666 `+secret+`
try touch-out touch -d 2001-01-01 `+secret+`
ln -s `+secret+` link; try chmod-link chmod 666 link
try touch-link touch -d 2001-01-01 link
try chmod-dotdot chmod 666 ../out/secret
try chmod-procroot chmod 666 /proc/self/root`+secret+`
try chmod-in chmod 700 f
try touch-in touch -d 2001-01-01 f
try chmod-dir-in chmod 700 sub
try setuid-in chmod 4755 f
`)
		expect(t, r, map[string]string{
			"chmod-out": "fail", "touch-out": "fail", "chmod-link": "fail", "touch-link": "fail",
			"chmod-dotdot": "fail", "chmod-procroot": "fail",
			"chmod-in": "ok", "touch-in": "ok", "chmod-dir-in": "ok", "setuid-in": "fail",
		})
		r2 := run(t, u, m, in, flags, prog, secret, "666")
		expect(t, r2, map[string]string{
			"fchmod": "denied", "futimens": "denied", "fchmodat2-empty": "denied", "utimensat-empty": "denied", "chmod-magic": "denied",
		})
		fi, err := os.Stat(secret)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o644 || !fi.ModTime().Equal(old) {
			t.Errorf("the file outside the write tree changed: mode %v, time %v\n%s\n%s", fi.Mode(), fi.ModTime(), r, r2)
		}
		f := filepath.Join(in, "f")
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o700 || fi.ModTime().Year() != 2001 {
			t.Errorf("chmod and touch beneath the write tree: %v %v\n%s", fi.Mode(), err, r)
		}
		// Through descriptors beneath the write tree (the supervisor
		// resolves them as it resolves paths).
		r2 = run(t, u, m, in, flags, prog, f, "640")
		expect(t, r2, map[string]string{"fchmod": "ok", "futimens": "ok", "fchmodat2-empty": "ok", "utimensat-empty": "ok", "chmod-magic": "denied"})
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o640 {
			t.Errorf("fchmod beneath the write tree: %v %v\n%s", fi.Mode(), err, r2)
		}

		// fs.attr granted explicitly: modes and times of every file the
		// user owns, as its description says.
		r = shell(t, u, m, in, append(flags, "--allow", "fs.attr"), `try chmod-out chmod 600 `+secret+"\n")
		expect(t, r, map[string]string{"chmod-out": "ok"})
	})
}
