//go:build linux

package launch

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/entitle-dev/entitle/catalog"
	confinement "github.com/entitle-dev/entitle/confine"
	"github.com/entitle-dev/entitle/internal/childtest"
	"github.com/entitle-dev/entitle/internal/testenv"
	"golang.org/x/sys/unix"
)

// TestRulesetOnSocketTarget: the Landlock ruleset on descriptor 3, the
// very number the self-contained child moves its socket to. The child must
// move the ruleset out of the way first (fork.go), or dup3 would close it
// and the child would enforce the socket instead: the command then would
// not run (fail closed), and never would run without its ruleset. It runs,
// under the ruleset: a file outside the granted tree stays unreadable.
// Both ways of starting the self-contained child run: the vfork of amd64
// and the ordinary fork of the other architectures.
func TestRulesetOnSocketTarget(t *testing.T) {
	if childtest.Child("ruleset-on-3") {
		fmt.Println(rulesetOnSocketTarget(os.Getenv("RS_DIR"), os.Getenv("RS_FORK") == ""))
		os.Exit(0)
	}
	if confinement.ABI() == 0 {
		testenv.Skip(t, "no Landlock")
	}
	for _, p := range []string{"/bin/sh", "/bin/cat"} {
		if _, err := os.Stat(p); err != nil {
			testenv.Skipf(t, "%s: %v", p, err)
		}
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "in"), []byte("inside\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "out"), []byte("outside\n"), 0o644)
	// Without containermaxprocs the Go runtime does not keep the cgroup's
	// CPU limit files open, on 3 and 4 otherwise.
	for _, fork := range []string{"", "1"} {
		out, err := childtest.Run(t, "ruleset-on-3", "RS_DIR="+dir, "RS_FORK="+fork, "GODEBUG=containermaxprocs=0")
		if err != nil {
			t.Fatalf("fork %q: %v\n%s", fork, err, out)
		}
		if !strings.HasPrefix(out, "inside\n") || !strings.HasSuffix(out, "refused\nexit 0\n") || strings.Contains(out, "outside") {
			t.Fatalf("fork %q: output:\n%s\nwant inside, cat refused on out, exit 0", fork, out)
		}
	}
}

// rulesetOnSocketTarget runs cat on dir's files under a ruleset that
// grants reading the system and dir/in only, placed on descriptor 3, and
// returns its output and status, or why it could not. vfork false starts
// the child with an ordinary fork, as on the architectures without
// rawVfork.
func rulesetOnSocketTarget(dir string, vfork bool) string {
	layers, err := catalog.LayersOf([]string{"fs.read", "proc.spawn", "proc.exec"})
	if err != nil {
		return err.Error()
	}
	paths := []confinement.PathRule{{Path: "/usr", Rights: confinement.RightsRead | confinement.RightsExec},
		{Path: "/lib", Rights: confinement.RightsRead | confinement.RightsExec}, {Path: "/lib64", Rights: confinement.RightsRead | confinement.RightsExec},
		{Path: "/bin", Rights: confinement.RightsRead | confinement.RightsExec}, {Path: "/etc", Rights: confinement.RightsRead},
		{Path: filepath.Join(dir, "in"), Rights: confinement.RightsRead}}
	lc := confinement.Config{Layers: layers, Scoped: true, Paths: paths, Exec: []string{"/bin/sh"}}
	rs, flags, err := lc.NewRulesetFD()
	if err != nil || rs < 0 {
		return fmt.Sprintf("ruleset: %d %v", rs, err)
	}
	if rs != 3 {
		if err := unix.Dup3(rs, 3, unix.O_CLOEXEC); err != nil {
			return fmt.Sprintf("descriptor 3 is taken: %v", err)
		}
		unix.Close(rs)
		rs = 3
	}
	sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err.Error()
	}
	p, err := build([]string{"fs.read", "proc.spawn", "proc.exec"})
	if err != nil {
		return err.Error()
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err.Error()
	}
	argv := []string{"/bin/sh", "-c", "cat " + dir + "/in; cat " + dir + "/out || echo refused"}
	spec, err := newForkSpec(&initOpts{}, [3]int{0, int(w.Fd()), int(w.Fd())}, nil, sp[1], argv[0], argv, []string{"PATH=/bin:/usr/bin"})
	if err != nil {
		return err.Error()
	}
	if spec.sockFD() != 3 {
		return fmt.Sprintf("the socket's target is %d, not 3", spec.sockFD())
	}
	b, self, ok := splitPolicy(p)
	if !ok {
		return "cannot split"
	}
	body, err := compileBody(b)
	if err != nil {
		return err.Error()
	}
	h, err := newHead(p, self, spec.sockFD(), spec.lay)
	if err != nil {
		return err.Error()
	}
	if err := spec.selfContain(h, body, rs, flags, &lc); err != nil {
		return err.Error()
	}
	spec.vfork = spec.vfork && vfork
	pid, pidfd, err := Fork(spec)
	unix.Close(sp[1])
	w.Close()
	spec.release()
	if err != nil {
		return err.Error()
	}
	c := NewChild(pid, pidfd)
	defer c.Close()
	if _, err := Answer(sp[0]); err != nil {
		c.Wait()
		return "first answer: " + err.Error()
	}
	if err := WaitExec(sp[0]); err != nil {
		c.Wait()
		return "execve: " + err.Error()
	}
	var out strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := r.Read(buf)
		out.Write(buf[:n])
		if err != nil {
			break
		}
	}
	st := c.Wait()
	return fmt.Sprintf("%sexit %d", out.String(), st.ExitStatus())
}
