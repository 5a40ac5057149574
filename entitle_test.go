//go:build linux

package entitle_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/entitle-dev/entitle"
	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/syscalls"
)

// TestConstants keeps the constants in step with the catalog.
func TestConstants(t *testing.T) {
	var want []string
	for _, e := range catalog.All() {
		want = append(want, e.Name)
	}
	var got []string
	for _, e := range entitle.Entitlements() {
		got = append(got, string(e))
	}
	if !slices.Equal(got, want) {
		t.Errorf("entitle.Entitlements() = %v\ncatalog.All()          = %v", got, want)
	}
}

func TestProgram(t *testing.T) {
	prog, err := entitle.Policy{Entitlements: []entitle.Entitlement{entitle.NetServer, entitle.FSRead}}.Program()
	if err != nil {
		t.Fatal(err)
	}
	p := prog.Policy
	if p.DefaultAction != policy.Errno(uint16(syscall.EPERM)) || p.BadArch() != policy.KillProcess || p.Unknown() != policy.Errno(uint16(syscall.ENOSYS)) {
		t.Errorf("actions: default %v, bad arch %v, unknown %v", p.DefaultAction, p.BadArch(), p.Unknown())
	}
	a := syscalls.Native()
	eval := func(name string, args ...uint64) policy.Action {
		nr, ok := a.Number(name)
		if !ok {
			t.Fatalf("no syscall %s", name)
		}
		var v [6]uint64
		copy(v[:], args)
		return p.Evaluate(a.AuditArch(), nr, v)
	}
	if got := eval("kill", uint64(os.Getpid()), 15); got != policy.Allow {
		t.Errorf("kill(self): %v, want allow (SelfPID is os.Getpid())", got)
	}
	if got := eval("kill", 1, 15); got == policy.Allow {
		t.Errorf("kill(1): %v, want denied", got)
	}
	if got := eval("listen", 3, 128); got != policy.Allow {
		t.Errorf("listen: %v", got)
	}
	if got := eval("execve"); got != policy.Errno(1) {
		t.Errorf("execve: %v", got)
	}
	type vcase struct {
		v    entitle.Violation
		want policy.Action
	}
	vcases := []vcase{{entitle.Kill, policy.KillProcess}, {entitle.Log, policy.Log}, {entitle.Errno(syscall.EACCES), policy.Errno(13)}, {entitle.Violation{}, policy.Errno(1)}}
	for _, v := range vcases {
		prog, err := entitle.Policy{OnViolation: v.v}.Program()
		if err != nil {
			t.Fatal(err)
		}
		if prog.Policy.DefaultAction != v.want {
			t.Errorf("OnViolation %v: default %v, want %v", v.v, prog.Policy.DefaultAction, v.want)
		}
	}
	// Karn aliases are accepted through the string type.
	if _, err := (entitle.Policy{Entitlements: []entitle.Entitlement{"network_connection"}}).Program(); err != nil {
		t.Errorf("Karn alias: %v", err)
	}
}

func TestDenyListProgram(t *testing.T) {
	prog, err := entitle.Policy{Entitlements: []entitle.Entitlement{entitle.FSRead}, DenyList: true}.Program()
	if err != nil {
		t.Fatal(err)
	}
	if prog.Policy.DefaultAction != policy.Allow {
		t.Errorf("deny-list default %v, want allow", prog.Policy.DefaultAction)
	}
}

// TestInvalid: bad input is refused before the kernel is touched, with an
// error that says what to do.
func TestInvalid(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    entitle.Policy
		want []string
	}{
		{"unknown entitlement", entitle.Policy{Entitlements: []entitle.Entitlement{entitle.NetServer, "fs.raed"}}, []string{`unknown entitlement "fs.raed"`, "did you mean fs.read?"}},
		{"unknown net", entitle.Policy{Entitlements: []entitle.Entitlement{"net.sever"}}, []string{"did you mean net.server?"}},
		{"several unknown", entitle.Policy{Entitlements: []entitle.Entitlement{"fs.raed", "proc.exce"}}, []string{"fs.read", "proc.exec"}},
		{"errno 0", entitle.Policy{OnViolation: entitle.Errno(0)}, []string{"errno must be 1..4095"}},
		{"errno too big", entitle.Policy{OnViolation: entitle.Errno(5000)}, []string{"errno must be 1..4095"}},
		{"denylist log", entitle.Policy{DenyList: true, OnViolation: entitle.Log}, []string{"denies nothing"}},
		{"denylist extra allow", entitle.Policy{DenyList: true, Extra: []policy.Rule{{Syscall: "mount", Action: policy.Allow}}}, []string{"cannot override a denial"}},
		{"kill-thread", entitle.Policy{Extra: []policy.Rule{{Syscall: "mount", Action: policy.KillThread}}}, []string{"kill-thread leaves a Go program hung"}},
		{"trap", entitle.Policy{Extra: []policy.Rule{{Syscall: "mount", Action: policy.Trap(0)}}}, []string{"SIGSYS"}},
		{"notify", entitle.Policy{Extra: []policy.Rule{{Syscall: "mount", Action: policy.Notify}}}, []string{"listener"}},
		{"no action", entitle.Policy{Extra: []policy.Rule{{Syscall: "mount"}}}, []string{"no action"}},
		{"unknown syscall", entitle.Policy{Extra: []policy.Rule{{Syscall: "mountt", Action: policy.Allow}}}, []string{"mountt"}},
		{"bad arg index", entitle.Policy{Extra: []policy.Rule{{Syscall: "ioctl", Action: policy.Allow, Conds: []policy.Cond{{Arg: 7, Op: policy.OpEQ}}}}}, []string{"ioctl"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := seccompStatus(t)
			err := tc.p.Apply()
			if err == nil {
				t.Fatal("Apply: no error") // and the test process is now confined
			}
			if !errors.Is(err, entitle.ErrInvalidPolicy) {
				t.Errorf("%v does not wrap ErrInvalidPolicy", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if after := seccompStatus(t); after != before {
				t.Errorf("status changed after a failed Apply: %q → %q", before, after)
			}
			if _, err := tc.p.Program(); err == nil {
				t.Error("Program: no error")
			}
		})
	}
	if err := entitle.Apply("fs.raed"); !errors.Is(err, entitle.ErrInvalidPolicy) || !strings.Contains(err.Error(), "did you mean fs.read?") {
		t.Errorf("Apply(fs.raed): %v", err)
	}
}

func TestLoadPolicyFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "entitle.yaml")
	os.WriteFile(good, []byte("entitlements: [net.server, fs.read]\nviolation: kill\nrules:\n  - {syscall: getcwd, action: allow}\n"), 0o644)
	p, err := entitle.LoadPolicyFile(good)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Entitlements, []entitle.Entitlement{entitle.NetServer, entitle.FSRead}) || p.OnViolation != entitle.Kill || len(p.Extra) != 1 || p.DenyList {
		t.Errorf("LoadPolicyFile: %+v", p)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("# keyserver\nentitlements:\n  - net.server\n  - fs.raed\n"), 0o644)
	before := seccompStatus(t)
	_, err = entitle.LoadPolicyFile(bad)
	if want := bad + `:4:5: unknown entitlement "fs.raed"; did you mean fs.read?`; err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, entitle.ErrInvalidPolicy) {
		t.Errorf("LoadPolicyFile(typo): %v\nwant it to contain %s", err, want)
	}
	if after := seccompStatus(t); after != before {
		t.Errorf("status changed: %q → %q", before, after)
	}
	deny := filepath.Join(dir, "deny.yaml")
	os.WriteFile(deny, []byte("mode: denylist\nviolation: log\n"), 0o644)
	p, err = entitle.LoadPolicyFile(deny)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(); !errors.Is(err, entitle.ErrInvalidPolicy) {
		t.Errorf("denylist+log from a file: %v, want ErrInvalidPolicy", err)
	}
}

// seccompStatus returns the Seccomp and NoNewPrivs lines of every thread.
func seccompStatus(t *testing.T) string {
	t.Helper()
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, task := range tasks {
		b, err := os.ReadFile("/proc/self/task/" + task.Name() + "/status")
		if err != nil {
			continue // the thread exited
		}
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "Seccomp:") || strings.HasPrefix(l, "NoNewPrivs:") {
				out = append(out, strings.Join(strings.Fields(l), " "))
			}
		}
	}
	slices.Sort(out)
	return strings.Join(slices.Compact(out), "; ")
}
