//go:build linux

package attack

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
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

// TestAttackAttributesOutsideWrite: what copying a file with its
// permissions does (cp -a, sed -i: a POSIX ACL, user.* attributes, a chown
// to the owner the file has) works beneath the write trees, the supervisor
// making the change, and nowhere else: outside them no attribute is set by
// path, descriptor or magic link, and the file keeps its mode; trusted.*
// and a real change of owner stay refused everywhere.
func TestAttackAttributesOutsideWrite(t *testing.T) {
	prog := cprog(t, "xattr")
	each(t, func(t *testing.T, u user, m mode) {
		in, out := tree(t, u)
		secret, f := filepath.Join(out, "secret"), filepath.Join(in, "f")
		flags := []string{"--write", in, "--read", out, "--allow", "proc.spawn", "--exec", "/usr/bin", "--exec", "/bin", "--exec", shared(t)}
		r := run(t, u, m, in, flags, prog, secret, "4242")
		expect(t, r, map[string]string{
			"setxattr-user": "denied", "fsetxattr-user": "denied", "setxattr-acl": "denied", "fsetxattr-acl": "denied",
			"setxattr-trusted": "denied", "setxattr-magic": "denied", "fchown-other": "denied",
		})
		if names := xattrs(t, secret); len(names) > 0 {
			t.Errorf("the file outside the write tree has attributes %q\n%s", names, r)
		}
		if fi, err := os.Stat(secret); err != nil || fi.Mode().Perm() != 0o644 {
			t.Errorf("the file outside the write tree changed mode: %v %v\n%s", fi.Mode(), err, r)
		}
		r = run(t, u, m, in, flags, prog, f, "4242")
		expect(t, r, map[string]string{
			"setxattr-user": "ok", "fsetxattr-user": "ok", "removexattr-user": "ok", "setxattr-acl": "ok", "fsetxattr-acl": "ok",
			"setxattr-trusted": "denied", "setxattr-magic": "denied",
			"fchown-same": "ok", "fchown-keep": "ok", "chown-same": "ok", "fchown-other": "denied",
		})
		if names := xattrs(t, f); !slices.Contains(names, "user.entitle-fd") || slices.Contains(names, "user.entitle") {
			t.Errorf("attributes beneath the write tree: %q, want user.entitle-fd (set) and not user.entitle (removed)\n%s", names, r)
		}
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o640 {
			t.Errorf("the ACL beneath the write tree did not set mode 0640: %v %v\n%s", fi.Mode(), err, r)
		}
		// The tools, with nothing denied.
		r = shell(t, u, m, in, flags, `
try cp-a cp -a f copy
try sed-i sed -i s/data/DATA/ f
try install install -m 644 f installed
`)
		expect(t, r, map[string]string{"cp-a": "ok", "sed-i": "ok", "install": "ok"})
		if strings.Contains(r.stderr, "denied") {
			t.Errorf("cp -a, sed -i, install beneath the write tree: a call was denied\n%s", r)
		}
		if b, err := os.ReadFile(f); err != nil || string(b) != "DATA\n" {
			t.Errorf("sed -i beneath the write tree: %q %v\n%s", b, err, r)
		}
	})
}

// xattrs lists the extended attributes of path.
func xattrs(t *testing.T, path string) []string {
	t.Helper()
	buf := make([]byte, 4096)
	n, err := unix.Listxattr(path, buf)
	if err != nil {
		t.Fatalf("listxattr %s: %v", path, err)
	}
	var names []string
	for _, s := range strings.Split(string(buf[:n]), "\x00") {
		if s != "" {
			names = append(names, s)
		}
	}
	return names
}
