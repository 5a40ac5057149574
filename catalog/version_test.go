package catalog

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/syscalls"
)

var update = flag.Bool("update", false, "rewrite testdata/versions/LATEST.txt (never the files of earlier versions)")

// TestVersionsPinned: each entitlement set decides, in every release, what
// testdata/versions/VN.txt records: per architecture, base's rules and,
// for every entitlement, what it adds to base and its layers beyond
// seccomp; deny-list mode, port scoping and the identity rules; the Karn
// aliases. A change to the catalog that changes a released version fails
// here: add a version instead (see Version). -update rewrites only the
// latest version's file, and only if it was not released yet is that
// right.
func TestVersionsPinned(t *testing.T) {
	for _, v := range Versions() {
		got := decisions(t, v)
		path := filepath.Join("testdata", "versions", v.String()+".txt")
		if *update && v == Latest {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v: %v (record it with go test ./catalog -run TestVersionsPinned -update)", v, err)
		}
		if !bytes.Equal(got, want) {
			gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
			var diff []string
			for _, l := range wl {
				if !slices.Contains(gl, l) {
					diff = append(diff, "- "+l)
				}
			}
			for _, l := range gl {
				if !slices.Contains(wl, l) {
					diff = append(diff, "+ "+l)
				}
			}
			if len(diff) > 40 {
				diff = append(diff[:40], "...")
			}
			t.Errorf("entitlement set %v decides differently from %s: a released set must never change; keep its definitions and add the next version (see catalog.Version)\n%s",
				v, path, strings.Join(diff, "\n"))
		}
	}
}

// TestVersions: the zero Version is Latest; unknown versions are refused.
func TestVersions(t *testing.T) {
	x := []*syscalls.Arch{syscalls.X86_64}
	latest, err := Build(Request{Entitlements: []string{"net.client"}, Arches: x})
	if err != nil {
		t.Fatal(err)
	}
	named, err := Build(Request{Entitlements: []string{"net.client"}, Arches: x, Version: Latest})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(latest, named) {
		t.Error("the zero Version is not Latest")
	}
	for _, v := range []Version{-1, Latest + 1} {
		if _, err := Build(Request{Arches: x, Version: v}); err == nil || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("Version %d: %v", v, err)
		}
	}
	if vs := Versions(); vs[0] != V1 || vs[len(vs)-1] != Latest {
		t.Errorf("Versions() = %v", vs)
	}
}

// decisions renders what version v decides.
func decisions(t *testing.T, v Version) []byte {
	t.Helper()
	var b bytes.Buffer
	fmt.Fprintf(&b, "# entitle catalog %v: what base and each entitlement decide. A released version never changes\n", v)
	fmt.Fprintf(&b, "# (go test ./catalog -run TestVersionsPinned; see catalog.Version).\n")
	build := func(r Request) map[string][]string {
		t.Helper()
		r.Version = v
		if r.SelfPID == 0 {
			r.SelfPID = 4242
		}
		p, err := Build(r)
		if err != nil {
			t.Fatal(err)
		}
		return rulesOf(p)
	}
	diff := func(base, p map[string][]string) []string {
		var out []string
		for _, s := range sortedKeys(base, p) {
			for _, r := range p[s] {
				if !slices.Contains(base[s], r) {
					out = append(out, "+ "+s+": "+r)
				}
			}
			for _, r := range base[s] {
				if !slices.Contains(p[s], r) {
					out = append(out, "- "+s+": "+r)
				}
			}
		}
		return out
	}
	for _, arch := range []*syscalls.Arch{syscalls.X86_64, syscalls.AARCH64} {
		a := []*syscalls.Arch{arch}
		base := build(Request{Arches: a})
		fmt.Fprintf(&b, "\n[%s base] default errno(EPERM), unknown calls errno(ENOSYS), other architectures kill-process; self pid 4242\n", arch.Name())
		for _, s := range sortedKeys(base) {
			for _, r := range base[s] {
				fmt.Fprintf(&b, "%s: %s\n", s, r)
			}
		}
		for _, e := range All() {
			fmt.Fprintf(&b, "\n[%s %s]\n", arch.Name(), e.Name)
			for _, l := range diff(base, build(Request{Entitlements: []string{e.Name}, Arches: a})) {
				fmt.Fprintln(&b, l)
			}
			if arch == syscalls.X86_64 {
				l, err := LayersOf([]string{e.Name})
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range l.Describe() {
					fmt.Fprintf(&b, "layer %s\n", d)
				}
			}
		}
		fmt.Fprintf(&b, "\n[%s identity 1000:1000] beside base\n", arch.Name())
		for _, l := range diff(base, build(Request{Arches: a, Identity: &Identity{UID: 1000, GID: 1000}})) {
			fmt.Fprintln(&b, l)
		}
		net := []string{"net.client", "net.server", "net.dns"}
		fmt.Fprintf(&b, "\n[%s %s with port rules] beside the same without\n", arch.Name(), strings.Join(net, " "))
		for _, l := range diff(build(Request{Entitlements: net, Arches: a}), build(Request{Entitlements: net, Arches: a, Scope: Scope{Bind: true, Connect: true}})) {
			fmt.Fprintln(&b, l)
		}
	}
	x := []*syscalls.Arch{syscalls.X86_64}
	deny := build(Request{Mode: DenyList, Arches: x})
	fmt.Fprintf(&b, "\n[x86_64 deny-list base] default allow\n")
	for _, s := range sortedKeys(deny) {
		for _, r := range deny[s] {
			fmt.Fprintf(&b, "%s: %s\n", s, r)
		}
	}
	for _, e := range All() {
		fmt.Fprintf(&b, "\n[x86_64 deny-list %s]\n", e.Name)
		for _, l := range diff(deny, build(Request{Mode: DenyList, Entitlements: []string{e.Name}, Arches: x})) {
			fmt.Fprintln(&b, l)
		}
	}
	fmt.Fprintf(&b, "\n[aliases]\n")
	aliases := KarnAliases()
	for _, k := range sortedKeys(aliases) {
		fmt.Fprintf(&b, "%s = %s\n", k, strings.Join(aliases[k], " "))
	}
	return b.Bytes()
}

// rulesOf returns p's rules per system call, each as "action" or "action
// if conditions", sorted.
func rulesOf(p *policy.Policy) map[string][]string {
	out := map[string][]string{}
	for _, r := range p.Rules {
		s := r.Action.String()
		if len(r.Conds) > 0 {
			var cs []string
			for _, c := range r.Conds {
				cs = append(cs, c.String())
			}
			s += " if " + strings.Join(cs, " && ")
		}
		if !slices.Contains(out[r.Syscall], s) {
			out[r.Syscall] = append(out[r.Syscall], s)
		}
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out
}

func sortedKeys[V any](ms ...map[string]V) []string {
	var out []string
	for _, m := range ms {
		for k := range m {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}
