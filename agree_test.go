//go:build linux

package entitle_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/entitle-dev/entitle"
	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/policyfile"
	"github.com/entitle-dev/entitle/supervise"
)

// TestEntryPointsAgree: the same input gives the same policy whether it
// reaches catalog.Build through the library (Policy, policyfile.LoadPolicy),
// entitle run (supervise.Build, as the CLI calls it) or a policy file
// (policyfile.File.Policy, as entitle profile and diff call it). The
// CLI's translation of its flags is checked in cmd/entitle.
func TestEntryPointsAgree(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		yaml string
		lib  entitle.Policy
		req  catalog.Request
	}{
		{"base", "{}\n", entitle.Policy{}, catalog.Request{}},
		{"entitlements", "entitlements: [net.server, fs.read]\n",
			entitle.Policy{Entitlements: []entitle.Entitlement{entitle.NetServer, entitle.FSRead}},
			catalog.Request{Entitlements: []string{"net.server", "fs.read"}}},
		{"karn alias", "entitlements: [network_connection]\n",
			entitle.Policy{Entitlements: []entitle.Entitlement{"network_connection"}},
			catalog.Request{Entitlements: []string{"network_connection"}}},
		{"violation and rules", "entitlements: [net.client]\nviolation: kill\nrules:\n  - {syscall: uname, action: errno(ENOSYS)}\n  - {syscall: ioctl, action: allow, args: [{index: 1, op: \"==\", value: 0x5401, width: 32}]}\n",
			entitle.Policy{Entitlements: []entitle.Entitlement{entitle.NetClient}, OnViolation: entitle.Kill, Extra: []entitle.Rule{
				{Syscall: "uname", Action: entitle.Errno(38)},
				{Syscall: "ioctl", Action: entitle.Allow, Args: []entitle.Arg{{Index: 1, Op: entitle.Equal, Value: 0x5401, Width32: true}}}}},
			catalog.Request{Entitlements: []string{"net.client"}, Violation: policy.KillProcess, Extra: []policy.Rule{
				{Syscall: "uname", Action: policy.Errno(38)},
				{Syscall: "ioctl", Action: policy.Allow, Conds: []policy.Cond{{Arg: 1, Op: policy.OpEQ, Value: 0x5401, Width32: true}}}}}},
		{"errno", "violation: errno(EACCES)\nentitlements: [fs.read]\n",
			entitle.Policy{Entitlements: []entitle.Entitlement{entitle.FSRead}, OnViolation: entitle.Errno(13)},
			catalog.Request{Entitlements: []string{"fs.read"}, Violation: policy.Errno(13)}},
		{"log", "violation: log\n", entitle.Policy{OnViolation: entitle.Log}, catalog.Request{Violation: policy.Log}},
		{"deny-list", "mode: denylist\nentitlements: [fs.read, proc.spawn]\nviolation: errno(EPERM)\n",
			entitle.Policy{DenyList: true, Entitlements: []entitle.Entitlement{entitle.FSRead, entitle.ProcSpawn}},
			catalog.Request{Mode: catalog.DenyList, Entitlements: []string{"fs.read", "proc.spawn"}, Violation: policy.Errno(1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			agree(t, tc.lib, path, tc.req)
		})
	}
}

// TestEntryPointsAgreeScoped: paths and ports imply the same
// entitlements, and port rules close UDP the same way, everywhere.
func TestEntryPointsAgreeScoped(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "entitle.yaml")
	yaml := "entitlements: [net.dns]\npaths:\n  read: [/usr]\n  write: [" + dir + "]\nports:\n  connect: [443]\n"
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	lib := entitle.Policy{Entitlements: []entitle.Entitlement{entitle.NetDNS}, Read: []string{"/usr"}, Write: []string{dir}, Connect: []uint16{443}}
	req := catalog.Request{Entitlements: []string{"net.dns"}, Scope: catalog.Scope{Read: true, Write: true, Connect: true}}
	agree(t, lib, path, req)
}

// placeholder is the self pid of supervise.Build's policies (the init child
// replaces it with its own pid).
const placeholder = catalog.OwnPID - 1

// me is a request for this process as supervise.Build and the library make it.
func me(pid int) catalog.Request {
	return catalog.Request{SelfPID: pid, Identity: &catalog.Identity{UID: uint32(os.Getuid()), GID: uint32(os.Getgid())}}
}

// agree builds lib, the policy file at path (unless ""), and req through
// every entry point and wants the same policy from each.
func agree(t *testing.T, lib entitle.Policy, path string, req catalog.Request) {
	t.Helper()
	want, err := lib.BuildFor(placeholder)
	if err != nil {
		t.Fatal(err)
	}
	got, err := supervise.Build(req)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "supervise.Build", got, want)
	r := me(placeholder)
	r.Entitlements, r.Mode, r.Violation, r.Extra, r.Scope = req.Entitlements, req.Mode, req.Violation, req.Extra, req.Scope
	if got, err = catalog.Build(r); err != nil {
		t.Fatal(err)
	}
	same(t, "catalog.Build", got, want)
	if path == "" {
		return
	}
	fromFile, err := policyfile.LoadPolicy(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err = fromFile.BuildFor(placeholder); err != nil {
		t.Fatal(err)
	}
	same(t, "policyfile.LoadPolicy", got, want)
	f, err := policyfile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err = f.Policy(me(placeholder)); err != nil {
		t.Fatal(err)
	}
	same(t, "File.Policy", got, want)
	if got, err = supervise.Build(f.Request(catalog.Request{})); err != nil {
		t.Fatal(err)
	}
	same(t, "supervise.Build(File.Request)", got, want)
}

func same(t *testing.T, what string, got, want *policy.Policy) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s differs from the library's policy:\n got %d rules, default %v\nwant %d rules, default %v", what, len(got.Rules), got.DefaultAction, len(want.Rules), want.DefaultAction)
		for i := range min(len(got.Rules), len(want.Rules)) {
			if !reflect.DeepEqual(got.Rules[i], want.Rules[i]) {
				t.Errorf("first difference at rule %d: %v, want %v", i, got.Rules[i], want.Rules[i])
				break
			}
		}
	}
}
