//go:build linux

package entitle_test

import (
	"bytes"
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
	"github.com/entitle-dev/entitle/policyfile"
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
	lib := entitle.Policy{Entitlements: []entitle.Entitlement{entitle.NetServer, entitle.FSRead}}
	prog, err := lib.Program()
	if err != nil {
		t.Fatal(err)
	}
	p, err := lib.BuildFor(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if p.DefaultAction != policy.Errno(uint16(syscall.EPERM)) || p.BadArch() != policy.KillProcess || p.Unknown() != policy.Errno(uint16(syscall.ENOSYS)) {
		t.Errorf("actions: default %v, bad arch %v, unknown %v", p.DefaultAction, p.BadArch(), p.Unknown())
	}
	decide := func(name string, args ...uint64) entitle.Action {
		t.Helper()
		a, err := prog.Decide(name, args...)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	if got := decide("kill", uint64(os.Getpid()), 15); got != entitle.Allow {
		t.Errorf("kill(self): %v, want allow (SelfPID is os.Getpid())", got)
	}
	if got := decide("kill", 1, 15); got == entitle.Allow {
		t.Errorf("kill(1): %v, want denied", got)
	}
	if got := decide("listen", 3, 128); got != entitle.Allow {
		t.Errorf("listen: %v", got)
	}
	if got := decide("execve"); got != entitle.Errno(syscall.EPERM) {
		t.Errorf("execve: %v", got)
	}
	if _, err := prog.Decide("execvee"); err == nil {
		t.Error("Decide(execvee): no error")
	}
	if _, err := prog.Decide("read", 1, 2, 3, 4, 5, 6, 7); err == nil {
		t.Error("Decide with 7 arguments: no error")
	}
	if prog.Len() != len(prog.Bytes())/8 || prog.Len() == 0 || !strings.Contains(prog.String(), "; arch") {
		t.Errorf("Len %d, %d bytes, disassembly %.80q", prog.Len(), len(prog.Bytes()), prog.String())
	}
	type vcase struct {
		v    entitle.Action
		want entitle.Action
	}
	vcases := []vcase{{entitle.Kill, entitle.Kill}, {entitle.Log, entitle.Log}, {entitle.Errno(syscall.EACCES), entitle.Errno(13)}, {entitle.Action{}, entitle.Errno(1)}}
	for _, v := range vcases {
		prog, err := entitle.Policy{OnViolation: v.v}.Program()
		if err != nil {
			t.Fatal(err)
		}
		if got := decide2(t, prog, "mount"); got != v.want {
			t.Errorf("OnViolation %v: mount %v, want %v", v.v, got, v.want)
		}
	}
	// Karn aliases are accepted through the string type.
	if _, err := (entitle.Policy{Entitlements: []entitle.Entitlement{"network_connection"}}).Program(); err != nil {
		t.Errorf("Karn alias: %v", err)
	}
}

func decide2(t *testing.T, prog *entitle.Program, name string, args ...uint64) entitle.Action {
	t.Helper()
	a, err := prog.Decide(name, args...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestRules: extra rules in the root package's own types reach the
// filter with their conditions.
func TestRules(t *testing.T) {
	const tcgets = 0x5401
	prog, err := entitle.Policy{Extra: []entitle.Rule{
		{Syscall: "uname", Action: entitle.Errno(syscall.ENOSYS)},
		{Syscall: "ioctl", Action: entitle.Allow, Args: []entitle.Arg{{Index: 1, Op: entitle.Equal, Value: 0x1234, Width32: true}}},
		{Syscall: "mknodat", Action: entitle.Kill, Args: []entitle.Arg{{Index: 2, Op: entitle.MaskedEqual, Mask: 0xF000, Value: 0x2000}}},
	}}.Program()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []uint64
		want entitle.Action
	}{
		{"uname", nil, entitle.Errno(syscall.ENOSYS)},
		{"ioctl", []uint64{0, 0xFFFFFFFF00001234}, entitle.Allow}, // low 32 bits compared
		{"ioctl", []uint64{0, tcgets}, entitle.Allow},             // base
		{"ioctl", []uint64{0, 0x1235}, entitle.Errno(syscall.EPERM)},
		{"mknodat", []uint64{0, 0, 0x2180}, entitle.Kill},
		{"mknodat", []uint64{0, 0, 0x8180}, entitle.Errno(syscall.EPERM)},
	} {
		if got := decide2(t, prog, c.name, c.args...); got != c.want {
			t.Errorf("%s%#x: %v, want %v", c.name, c.args, got, c.want)
		}
	}
	if s := (entitle.Rule{Syscall: "ioctl", Action: entitle.Allow, Args: []entitle.Arg{{Index: 1, Op: entitle.Equal, Value: tcgets, Width32: true}}}).String(); s != "ioctl(a1.lo32 == 0x5401) -> allow" {
		t.Errorf("Rule.String() = %q", s)
	}
	if a, err := entitle.ParseAction("errno(EACCES)"); err != nil || a != entitle.Errno(syscall.EACCES) {
		t.Errorf("ParseAction(errno(EACCES)) = %v, %v", a, err)
	}
	if _, err := entitle.ParseAction("maybe"); !errors.Is(err, entitle.ErrInvalidPolicy) {
		t.Errorf("ParseAction(maybe): %v", err)
	}
}

func TestDenyListProgram(t *testing.T) {
	prog, err := entitle.Policy{Entitlements: []entitle.Entitlement{entitle.FSRead}, DenyList: true}.Program()
	if err != nil {
		t.Fatal(err)
	}
	if got := decide2(t, prog, "getpid"); got != entitle.Allow {
		t.Errorf("deny-list: getpid %v, want allow", got)
	}
	if got := decide2(t, prog, "mount"); got != entitle.Errno(syscall.EPERM) {
		t.Errorf("deny-list: mount %v, want EPERM", got)
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
		{"denylist extra allow", entitle.Policy{DenyList: true, Extra: []entitle.Rule{{Syscall: "mount", Action: entitle.Allow}}}, []string{"cannot override a denial"}},
		{"kill-thread", entitle.Policy{Extra: []entitle.Rule{{Syscall: "mount", Action: action(t, "kill-thread")}}}, []string{"kill-thread leaves a Go program hung"}},
		{"trap", entitle.Policy{Extra: []entitle.Rule{{Syscall: "mount", Action: action(t, "trap")}}}, []string{"SIGSYS"}},
		{"notify", entitle.Policy{Extra: []entitle.Rule{{Syscall: "mount", Action: action(t, "notify")}}}, []string{"listener"}},
		{"no action", entitle.Policy{Extra: []entitle.Rule{{Syscall: "mount"}}}, []string{"no action"}},
		{"unknown syscall", entitle.Policy{Extra: []entitle.Rule{{Syscall: "mountt", Action: entitle.Allow}}}, []string{"mountt"}},
		{"bad arg index", entitle.Policy{Extra: []entitle.Rule{{Syscall: "ioctl", Action: entitle.Allow, Args: []entitle.Arg{{Index: 7, Op: entitle.Equal}}}}}, []string{"ioctl", "index 7"}},
		{"negative arg index", entitle.Policy{Extra: []entitle.Rule{{Syscall: "ioctl", Action: entitle.Allow, Args: []entitle.Arg{{Index: -1, Op: entitle.Equal}}}}}, []string{"ioctl", "index -1"}},
		{"no op", entitle.Policy{Extra: []entitle.Rule{{Syscall: "ioctl", Action: entitle.Allow, Args: []entitle.Arg{{Index: 1}}}}}, []string{"no comparison"}},
		{"kill-thread violation", entitle.Policy{OnViolation: action(t, "kill-thread")}, []string{"use kill"}},
		{"unknown version", entitle.Policy{Version: entitle.Latest + 1}, []string{"does not exist"}},
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

func action(t *testing.T, s string) entitle.Action {
	t.Helper()
	a, err := entitle.ParseAction(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestLoadPolicy: policyfile.LoadPolicy reads a file for the library,
// with what it extends and its paths and ports.
func TestLoadPolicy(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "entitle.yaml")
	os.WriteFile(good, []byte("entitlements: [net.server, fs.read]\nviolation: kill\nrules:\n  - {syscall: getcwd, action: allow}\n"), 0o644)
	p, err := policyfile.LoadPolicy(good)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Entitlements, []entitle.Entitlement{entitle.NetServer, entitle.FSRead}) || p.OnViolation != entitle.Kill || len(p.Extra) != 1 || p.DenyList {
		t.Errorf("LoadPolicy: %+v", p)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("# keyserver\nentitlements:\n  - net.server\n  - fs.raed\n"), 0o644)
	before := seccompStatus(t)
	_, err = policyfile.LoadPolicy(bad)
	if want := bad + `:4:5: unknown entitlement "fs.raed"; did you mean fs.read?`; err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, entitle.ErrInvalidPolicy) {
		t.Errorf("LoadPolicyFile(typo): %v\nwant it to contain %s", err, want)
	}
	if after := seccompStatus(t); after != before {
		t.Errorf("status changed: %q → %q", before, after)
	}
	deny := filepath.Join(dir, "deny.yaml")
	os.WriteFile(deny, []byte("mode: denylist\nviolation: log\n"), 0o644)
	p, err = policyfile.LoadPolicy(deny)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(); !errors.Is(err, entitle.ErrInvalidPolicy) {
		t.Errorf("denylist+log from a file: %v, want ErrInvalidPolicy", err)
	}
	ext := filepath.Join(dir, "ext.yaml")
	os.WriteFile(ext, []byte("extends: workspace-net\nentitlements: [fs.lock]\nports:\n  bind: [8080]\n"), 0o644)
	p, err = policyfile.LoadPolicy(ext)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(p.Entitlements, entitle.NetDNS) || !slices.Contains(p.Entitlements, entitle.FSLock) ||
		!slices.Contains(p.Read, "/usr") || !slices.Contains(p.Write, "$TMPDIR") || !slices.Contains(p.Read, "?/opt") ||
		!slices.Equal(p.Connect, []uint16{80, 443}) || !slices.Equal(p.Bind, []uint16{8080}) {
		t.Errorf("LoadPolicy(extends workspace-net): %+v", p)
	}
	if _, err := p.Program(); err != nil {
		t.Errorf("Program of a preset with optional paths: %v", err)
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

// TestVersion: a named entitlement set builds its own decisions (pinned in
// catalog/testdata/versions); the zero Version is the latest.
func TestVersion(t *testing.T) {
	ents := []entitle.Entitlement{entitle.NetServer, entitle.FSRead}
	latest, err := entitle.Policy{Entitlements: ents}.Program()
	if err != nil {
		t.Fatal(err)
	}
	named, err := entitle.Policy{Entitlements: ents, Version: entitle.Latest}.Program()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(latest.Bytes(), named.Bytes()) {
		t.Error("the zero Version is not Latest")
	}
	if _, err := (entitle.Policy{Entitlements: ents, Version: entitle.V1}).Program(); err != nil {
		t.Errorf("V1: %v", err)
	}
	if entitle.V1.String() != "V1" {
		t.Errorf("V1.String() = %q", entitle.V1)
	}
	if err := (entitle.Latest + 1).Apply(entitle.FSRead); !errors.Is(err, entitle.ErrInvalidPolicy) {
		t.Errorf("Apply with an unknown version: %v", err)
	}
}
