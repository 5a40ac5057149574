//go:build linux

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/compiler"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/policyfile"
	"github.com/entitle-dev/entitle/supervise"
)

// TestRunRequestAgrees: entitle run's flags, a policy file saying the same
// and a preset give the request (and so the policy) the library and
// supervise.Build get for the same input (TestEntryPointsAgree in the root
// package compares those).
func TestRunRequestAgrees(t *testing.T) {
	dir := t.TempDir()
	build := func(allow []string, polFile string, paths pathFlags) *policy.Policy {
		t.Helper()
		creq, _, _, err := runRequest(allow, polFile, &paths)
		if err != nil {
			t.Fatal(err)
		}
		p, err := supervise.Build(creq)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	want, err := supervise.Build(catalog.Request{Entitlements: []string{"net.dns", "fs.read"}, Scope: catalog.Scope{Read: true, Write: true, Connect: true}})
	if err != nil {
		t.Fatal(err)
	}
	flags := build([]string{"net.dns,fs.read"}, "", pathFlags{read: []string{"/usr"}, write: []string{dir}, connect: []string{"443"}})
	file := writeFile(t, "entitle.yaml", "entitlements: [net.dns]\npaths:\n  read: [/usr]\n  write: ["+dir+"]\nports:\n  connect: [443]\n")
	fromFile := build([]string{"fs.read"}, file, pathFlags{})
	for what, got := range map[string]*policy.Policy{"flags": flags, "file": fromFile} {
		if !reflect.DeepEqual(got, want) {
			t.Errorf("entitle run from %s: not the policy supervise.Build gives the same request", what)
		}
	}

	// A file's violation, mode and rules reach the policy as they reach it
	// in the library and in entitle profile.
	file = writeFile(t, "rules.yaml", "entitlements: [fs.read]\nviolation: kill\nrules:\n  - {syscall: uname, action: errno(ENOSYS)}\n")
	want, err = supervise.Build(catalog.Request{Entitlements: []string{"fs.read", "proc.exec"}, Violation: policy.KillProcess,
		Extra: []policy.Rule{{Syscall: "uname", Action: policy.Errno(38)}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := build([]string{"proc.exec"}, file, pathFlags{}); !reflect.DeepEqual(got, want) {
		t.Error("entitle run --policy with violation and rules: not the policy of the same request")
	}

	// A preset is the policy file it prints.
	for _, name := range policyfile.Presets() {
		src, err := policyfile.PresetSource(name)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(path, src, 0o644); err != nil {
			t.Fatal(err)
		}
		viaPreset := build(nil, "", pathFlags{sandbox: name, ignoreMissing: true})
		viaFile := build(nil, path, pathFlags{ignoreMissing: true})
		if !reflect.DeepEqual(viaPreset, viaFile) {
			t.Errorf("--sandbox %s and --policy with its source differ", name)
		}
	}
}

// TestProfileAgrees: entitle profile with entitlements and flags, with a
// policy file saying the same, and catalog.Build of the same container
// request compile to the same filter; the violation rules are the
// library's (kill-thread refused).
func TestProfileAgrees(t *testing.T) {
	dir := t.TempDir()
	bpf := func(args ...string) []byte {
		t.Helper()
		out := filepath.Join(dir, "filter.bpf")
		if code, _, errOut := runCLI(t, append([]string{"profile", "--format", "bpf", "-o", out}, args...)...); code != 0 {
			t.Fatalf("entitle profile %v: exit %d: %s", args, code, errOut)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		args []string
		yaml string
		req  catalog.Request
	}{
		{[]string{"net.server", "fs.read"}, "entitlements: [net.server, fs.read]\n", catalog.Request{Entitlements: []string{"net.server", "fs.read"}}},
		{[]string{"--violation", "kill", "proc.spawn,proc.exec"}, "entitlements: [proc.spawn, proc.exec]\nviolation: kill\n",
			catalog.Request{Entitlements: []string{"proc.spawn", "proc.exec"}, Violation: policy.KillProcess}},
		{[]string{"--violation", "errno(EACCES)", "--deny-list", "fs.read"}, "entitlements: [fs.read]\nmode: denylist\nviolation: errno(EACCES)\n",
			catalog.Request{Entitlements: []string{"fs.read"}, Mode: catalog.DenyList, Violation: policy.Errno(13)}},
	} {
		p, err := catalog.Build(tc.req)
		if err != nil {
			t.Fatal(err)
		}
		prog, err := compiler.Compile(p)
		if err != nil {
			t.Fatal(err)
		}
		want := prog.Bytes()
		if got := bpf(tc.args...); !bytes.Equal(got, want) {
			t.Errorf("entitle profile %v: not the filter of catalog.Build", tc.args)
		}
		if got := bpf("--policy", writeFile(t, "entitle.yaml", tc.yaml)); !bytes.Equal(got, want) {
			t.Errorf("entitle profile --policy (%q): not the filter of catalog.Build", tc.yaml)
		}
	}
	for _, tc := range []struct{ args, want string }{
		{"--violation kill-thread fs.read", "use kill (kill-process)"},
		{"--violation trap fs.read", "use errno (EPERM), errno(N or NAME), kill or log"},
		{"--violation errno(0) fs.read", "the errno must be 1..4095"},
		{"--deny-list --violation log fs.read", "denies nothing"},
	} {
		code, _, errOut := runCLI(t, append([]string{"profile"}, strings.Fields(tc.args)...)...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("entitle profile %s: exit %d, %q; want an error containing %q", tc.args, code, errOut, tc.want)
		}
	}
}
