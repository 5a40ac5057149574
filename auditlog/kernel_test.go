//go:build linux

package auditlog_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entitle-dev/entitle"
	"github.com/entitle-dev/entitle/auditlog"
	"github.com/entitle-dev/entitle/confine"
	"github.com/entitle-dev/entitle/internal/childtest"
	"github.com/entitle-dev/entitle/internal/testenv"
	"golang.org/x/sys/unix"
)

// TestKernelRecords produces real records on this kernel — a program
// confined by entitle.Policy with OnViolation Log, one with Kill, and one
// whose Landlock read paths refuse a file — reads them back from the audit
// netlink socket (Follow) and explains them.
func TestKernelRecords(t *testing.T) {
	switch {
	case childtest.Child("log"):
		fmt.Printf("pid %d\n", os.Getpid())
		if err := (entitle.Policy{OnViolation: entitle.Log}).Apply(); err != nil {
			fmt.Println("apply:", err)
			os.Exit(1)
		}
		unix.Mkdir(filepath.Join(os.Getenv("DIR"), "made"), 0o755)               // mkdirat: fs.create whatever the arguments
		if fd, err := unix.Open("/etc/hostname", unix.O_RDONLY, 0); err == nil { // fs.read by the flags
			unix.Close(fd)
		}
		os.Exit(0)
	case childtest.Child("kill"):
		fmt.Printf("pid %d\n", os.Getpid())
		if err := (entitle.Policy{OnViolation: entitle.Kill}).Apply(); err != nil {
			fmt.Println("apply:", err)
			os.Exit(1)
		}
		unix.Mkdir(filepath.Join(os.Getenv("DIR"), "killed"), 0o755)
		fmt.Println("survived")
		os.Exit(0)
	case childtest.Child("landlock"):
		fmt.Printf("pid %d\n", os.Getpid())
		if err := (entitle.Policy{Read: []string{"/usr"}}).Apply(); err != nil {
			fmt.Println("apply:", err)
			os.Exit(1)
		}
		if _, err := os.ReadFile("/etc/hostname"); err == nil {
			fmt.Println("read /etc/hostname")
		}
		os.Exit(0)
	}
	if os.Geteuid() != 0 {
		testenv.Skip(t, "reading the audit log needs root (CAP_AUDIT_READ)")
	}
	var mu sync.Mutex
	var recs []auditlog.Record
	f, err := auditlog.Follow(func(r auditlog.Record) {
		mu.Lock()
		recs = append(recs, r)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dir := t.TempDir()

	// explained runs a child and waits for the explanations of its pid
	// that satisfy done (records arrive after the child's calls).
	explained := func(t *testing.T, name string, done func([]auditlog.Explanation) bool) []auditlog.Explanation {
		t.Helper()
		out, _ := childtest.Run(t, name, "DIR="+dir)
		m := regexp.MustCompile(`pid (\d+)`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("child %s printed no pid:\n%s", name, out)
		}
		pid, _ := strconv.Atoi(m[1])
		var mine []auditlog.Explanation
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			c := auditlog.NewCollector(auditlog.Options{})
			mu.Lock()
			for _, r := range recs {
				c.Add(r)
			}
			mu.Unlock()
			mine = nil
			for _, e := range c.Report().Explanations {
				if slices.Contains(e.PIDs, pid) {
					mine = append(mine, e)
				}
			}
			if done(mine) {
				return mine
			}
		}
		t.Fatalf("child %s (pid %d): no matching explanation within 5s; got %v\n%s", name, pid, mine, out)
		return nil
	}
	find := func(es []auditlog.Explanation, syscall string) *auditlog.Explanation {
		for i := range es {
			if es[i].Syscall == syscall {
				return &es[i]
			}
		}
		return nil
	}

	t.Run("log", func(t *testing.T) {
		es := explained(t, "log", func(es []auditlog.Explanation) bool { return find(es, "mkdirat") != nil && find(es, "openat") != nil })
		mk, op := find(es, "mkdirat"), find(es, "openat")
		if !slices.Equal(mk.Entitlements, []string{"fs.create"}) || mk.Action != "log" || mk.Fix != (confine.Remedy{Kind: confine.AddEntitlement, Entitlement: "fs.create"}) {
			t.Errorf("mkdirat: %+v", *mk)
		}
		if !strings.Contains(mk.String(), "seccomp log (the call ran): mkdirat by pid") || !strings.HasSuffix(mk.String(), "needs fs.create") {
			t.Errorf("mkdirat line: %s", mk)
		}
		if len(op.Entitlements) != 0 || !slices.Contains(op.Candidates, "fs.read") || !strings.Contains(op.Reason, "depending on its arguments") {
			t.Errorf("openat: %+v", *op)
		}
	})
	t.Run("kill", func(t *testing.T) {
		es := explained(t, "kill", func(es []auditlog.Explanation) bool { return find(es, "mkdirat") != nil })
		if mk := find(es, "mkdirat"); mk.Action != "kill-process" || mk.Fix.Entitlement != "fs.create" {
			t.Errorf("mkdirat: %+v", *mk)
		}
	})
	t.Run("landlock", func(t *testing.T) {
		testenv.EnableAudit(t)
		es := explained(t, "landlock", func(es []auditlog.Explanation) bool {
			for _, e := range es {
				if e.Layer == "landlock" && e.Path == "/etc/hostname" {
					return true
				}
			}
			return false
		})
		for _, e := range es {
			if e.Layer == "landlock" && e.Path == "/etc/hostname" {
				if e.Fix != (confine.Remedy{Kind: confine.AddRead, Path: "/etc/hostname"}) || !strings.HasPrefix(e.String(), `1× Landlock refused read_file on "/etc/hostname" by pid `) {
					t.Errorf("landlock: %s (%+v)", e, e)
				}
			}
		}
	})
}
