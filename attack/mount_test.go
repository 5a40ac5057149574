//go:build linux

package attack

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/entitle-dev/entitle/internal/testenv"
	"golang.org/x/sys/unix"
)

// bindMount mounts src at a new directory and returns it, unmounted when
// the test ends.
func bindMount(t *testing.T, src string) string {
	t.Helper()
	dst := scratch(t)
	if err := unix.Mount(src, dst, "", unix.MS_BIND, ""); err != nil {
		testenv.Skip(t, "bind mount:", err)
	}
	t.Cleanup(func() { unix.Unmount(dst, unix.MNT_DETACH) })
	return dst
}

// TestAttackBindMountAlias: Landlock rules belong to the file hierarchy a
// path walks, and entitle carves protected trees and /dev out of a grant
// by path, so the same files reached through another mount of their
// filesystem (a bind mount of the home directory, of ~/.ssh, of /dev: the
// machine's, not the command's, which cannot mount) kept every right the
// carve-out took away: fs.read read ~/.ssh through /mnt/home/.ssh, and root
// with fs.write wrote /dev/kmsg through /mnt/dev/kmsg. Worse, granting a
// sibling that is a bind mount of ~/.ssh grants the rule to ~/.ssh's own
// inode (rules belong to inodes), so the key was readable at its own path. Each alias keeps
// the limit of the path it shows; the rest of an aliased tree stays
// reachable.
func TestAttackBindMountAlias(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.Skip(t, "mounting needs root")
	}
	for _, m := range modes {
		home := scratch(t)
		os.MkdirAll(filepath.Join(home, ".ssh"), 0o700)
		os.WriteFile(filepath.Join(home, ".ssh", "id_ed25519"), []byte("KEY\n"), 0o600)
		os.WriteFile(filepath.Join(home, ".bashrc"), []byte("# rc\n"), 0o644)
		os.WriteFile(filepath.Join(home, "notes"), []byte("notes\n"), 0o644)
		t.Setenv("HOME", home)
		homeAlias, sshAlias, devAlias := bindMount(t, home), bindMount(t, filepath.Join(home, ".ssh")), bindMount(t, "/dev")
		root := user{name: "root"}
		r := shell(t, root, m, home, []string{"--allow", "fs.read,fs.write,proc.spawn,proc.exec"}, `
try read-key cat `+home+`/.ssh/id_ed25519
try read-key-home-alias cat `+homeAlias+`/.ssh/id_ed25519
try read-key-ssh-alias cat `+sshAlias+`/id_ed25519
try write-rc-alias sh -c 'echo evil | dd of=`+homeAlias+`/.bashrc conv=nocreat,notrunc status=none'
try write-kmsg-alias sh -c 'echo entitle-attack-test | dd of=`+devAlias+`/kmsg conv=nocreat,notrunc status=none'
try read-notes-alias cat `+homeAlias+`/notes
try write-notes-alias sh -c 'echo more | dd of=`+homeAlias+`/notes conv=nocreat,notrunc status=none'
`)
		expect(t, r, map[string]string{
			"read-key": "fail", "read-key-home-alias": "fail", "read-key-ssh-alias": "fail",
			"write-rc-alias": "fail", "write-kmsg-alias": "fail",
			"read-notes-alias": "ok", "write-notes-alias": "ok",
		})
		if b, _ := os.ReadFile(filepath.Join(home, ".bashrc")); string(b) != "# rc\n" {
			t.Errorf(".bashrc changed through the alias: %q", b)
		}
	}
}

// TestExplainBindMountAlias: a refusal through another mount of a
// protected tree is explained as that protection, and names the tree to
// unprotect (not the alias, which --unprotect does not know).
func TestExplainBindMountAlias(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.Skip(t, "mounting needs root")
	}
	testenv.EnableAudit(t)
	home := scratch(t)
	os.MkdirAll(filepath.Join(home, ".ssh"), 0o700)
	os.WriteFile(filepath.Join(home, ".ssh", "id_ed25519"), []byte("KEY\n"), 0o600)
	t.Setenv("HOME", home)
	homeAlias := bindMount(t, home)
	r := run(t, user{name: "root"}, explain, home, []string{"--allow", "fs.read"}, "cat", homeAlias+"/.ssh/id_ed25519")
	if r.code == 0 {
		t.Fatalf("the key was read through the alias\n%s", r)
	}
	for _, want := range []string{
		`"` + homeAlias + `/.ssh" is protected (secret: the same files as "` + home + `/.ssh")`,
		"— add --unprotect " + home + "/.ssh\n",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the explanation lacks %q\n%s", want, r)
		}
	}
}

// TestAttackModesThroughAlias: the supervisor changes modes, times and
// ACLs for the command beneath the write paths, outside the protected
// trees — but it compared the file's path with the protected trees only,
// not with their other mounts, which the Landlock ruleset limits too. So
// under --write /mnt/home (a bind mount of the home directory), chmod
// made ~/.bashrc world-writable (any local user then runs code in the
// next shell) and ~/.ssh/id_ed25519 world-readable, although Landlock
// refused writing either. The supervisor now refuses the protected trees'
// aliases as well; a file elsewhere in the aliased tree still changes.
func TestAttackModesThroughAlias(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.Skip(t, "mounting needs root")
	}
	each(t, func(t *testing.T, u user, m mode) {
		home := scratch(t)
		os.MkdirAll(filepath.Join(home, ".ssh"), 0o700)
		os.MkdirAll(filepath.Join(home, "src"), 0o755)
		os.WriteFile(filepath.Join(home, ".ssh", "id_ed25519"), []byte("KEY\n"), 0o600)
		os.WriteFile(filepath.Join(home, ".bashrc"), []byte("# rc\n"), 0o644)
		os.WriteFile(filepath.Join(home, "src", "main.c"), []byte("int main(){}\n"), 0o644)
		if u.cred != nil {
			filepath.Walk(home, func(p string, _ os.FileInfo, _ error) error {
				return os.Lchown(p, int(u.cred.Uid), int(u.cred.Gid))
			})
		}
		t.Setenv("HOME", home)
		alias := bindMount(t, home)
		r := shell(t, u, m, alias, []string{"--write", alias, "--allow", "proc.spawn", "--exec", "/usr/bin"}, `
try chmod-rc chmod 0666 `+alias+`/.bashrc
try chmod-key chmod 0644 `+alias+`/.ssh/id_ed25519
try chmod-ssh chmod 0755 `+alias+`/.ssh
try touch-rc touch -m -d 2001-01-01 `+alias+`/.bashrc
try chmod-src chmod 0600 `+alias+`/src/main.c
try touch-src touch -m -d 2001-01-01 `+alias+`/src/main.c
`)
		expect(t, r, map[string]string{"chmod-rc": "fail", "chmod-key": "fail", "chmod-ssh": "fail", "touch-rc": "fail",
			"chmod-src": "ok", "touch-src": "ok"})
		for p, want := range map[string]os.FileMode{".bashrc": 0o644, ".ssh/id_ed25519": 0o600, ".ssh": 0o700 | os.ModeDir} {
			if fi, err := os.Stat(filepath.Join(home, p)); err != nil || fi.Mode() != want {
				t.Errorf("%s: mode changed through the alias: %v, %v", p, fi.Mode(), err)
			}
		}
	})
}
