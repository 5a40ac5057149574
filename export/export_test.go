package export

import (
	"encoding/binary"
	"slices"
	"strings"
	"testing"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/compiler"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/profile"
	"github.com/entitle-dev/entitle/sim"
	"github.com/entitle-dev/entitle/syscalls"
	"go.yaml.in/yaml/v3"
)

var sets = [][]string{
	nil,
	{"fs.read"},
	{"fs.read", "fs.write", "fs.create", "proc.spawn", "proc.exec"},
	{"net.client", "net.server", "net.unix", "net.netlink", "net.raw", "tty", "mem.jit"},
	{"admin.namespaces", "fs.attr", "fs.chown", "proc.resources", "proc.signal"},
}

// vectors returns argument vectors built from the values of the rules for
// name: each value, ±1, with the high word set, all zero and all ones, in
// every argument position the rules use.
func vectors(rules []policy.Rule) [][6]uint64 {
	vals := []uint64{0, 1, ^uint64(0), 0xFFFFFFFF}
	pos := map[uint8]bool{}
	for _, r := range rules {
		for _, c := range r.Conds {
			pos[c.Arg] = true
			for _, v := range []uint64{c.Value, c.Value & c.Mask, c.Mask, c.Value | c.Mask, ^c.Mask} {
				vals = append(vals, v, v+1, v-1, v|1<<32, v&0xFFFFFFFF)
			}
		}
	}
	slices.Sort(vals)
	vals = slices.Compact(vals)
	var out [][6]uint64
	out = append(out, [6]uint64{})
	for a := range pos {
		for _, v := range vals {
			var x [6]uint64
			x[a] = v
			out = append(out, x)
		}
	}
	// Combinations: each rule's own values together (so AND-ed rules match).
	for _, r := range rules {
		var x [6]uint64
		for _, c := range r.Conds {
			x[c.Arg] = c.Value
		}
		out = append(out, x)
		for _, c := range r.Conds {
			y := x
			y[c.Arg] ^= 1 | c.Mask
			out = append(out, y)
		}
	}
	return out
}

// TestOCIEquivalent checks the OCI profile (through JSON, profile.Parse and
// the compiler) against the library's policy on every x86_64 number: both
// allow the same calls; where the library answers EPERM the profile does
// too, except for the calls ForContainer lists as Fallthrough (ENOSYS, still
// denied) and the runtime additions (allowed); unknown numbers are ENOSYS
// in both.
func TestOCIEquivalent(t *testing.T) {
	for _, names := range sets {
		t.Run(strings.Join(append([]string{"base"}, names...), "+"), func(t *testing.T) {
			lib, err := catalog.Policy(names, catalog.Options{Arches: []*syscalls.Arch{syscalls.X86_64}})
			if err != nil {
				t.Fatal(err)
			}
			data, c, err := MarshalOCI(lib)
			if err != nil {
				t.Fatal(err)
			}
			got, err := profile.Parse(data, profile.Options{HostArch: syscalls.X86_64, Kernel: "6.18"})
			if err != nil {
				t.Fatal(err)
			}
			if got.DefaultAction != policy.Errno(38) {
				t.Errorf("default %s, want errno(ENOSYS)", got.DefaultAction)
			}
			prog, err := compiler.Compile(got)
			if err != nil {
				t.Fatal(err)
			}
			sp, err := sim.New(prog.Insns, binary.LittleEndian)
			if err != nil {
				t.Fatal(err)
			}
			withRT, _, _ := WithRuntime(lib)
			a := syscalls.X86_64
			checked := 0
			for nr := uint32(0); nr <= a.Max()+8; nr++ {
				name, known := a.SyscallName(nr)
				var rules []policy.Rule
				for _, r := range withRT.Rules {
					if r.Syscall == name {
						rules = append(rules, r)
					}
				}
				for _, args := range vectors(rules) {
					want := withRT.Evaluate(a.AuditArch(), nr, args)
					d := sim.Data{Nr: nr, Arch: a.AuditArch(), Args: args}
					ret, _ := sp.Run(d)
					have := policy.FromRet(ret)
					checked++
					if have == want {
						continue
					}
					if known && slices.Contains(c.Fallthrough, name) && want == lib.DefaultAction && have == policy.Errno(38) {
						continue
					}
					t.Fatalf("%s (%d) args %x: profile %s, library %s", name, nr, args, have, want)
				}
			}
			t.Logf("%d decisions; fallthrough %v; runtime %v", checked, c.Fallthrough, c.Runtime)
		})
	}
}

func TestComplementExact(t *testing.T) {
	// Complements are checked by TestOCIEquivalent on real policies; here
	// a few shapes directly.
	rules := []policy.Rule{
		{Syscall: "x", Conds: []policy.Cond{{Arg: 0, Op: policy.OpMaskedEQ, Mask: 0x43, Value: 0, Width32: true}}},
		{Syscall: "x", Conds: []policy.Cond{{Arg: 0, Op: policy.OpMaskedEQ, Mask: 0x40, Value: 0x40, Width32: true}, {Arg: 1, Op: policy.OpMaskedEQ, Mask: 0xC00, Value: 0, Width32: true}}},
		{Syscall: "x", Conds: []policy.Cond{{Arg: 2, Op: policy.OpEQ, Value: 7}}},
	}
	boxes, err := complement(rules, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, a0 := range []uint64{0, 1, 2, 3, 0x40, 0x41, 0x43, 1 << 33} {
		for _, a1 := range []uint64{0, 0x400, 0x800, 0xC00, 1 << 40} {
			for _, a2 := range []uint64{0, 7, 8, 7 | 1<<32} {
				args := [6]uint64{a0, a1, a2}
				in := false
				for _, r := range rules {
					in = in || r.Matches(args, 64)
				}
				out := false
				for _, b := range boxes {
					r := policy.Rule{Conds: b.conds()}
					out = out || r.Matches(args, 64)
				}
				if in == out {
					t.Fatalf("args %x: in rules %v, in complement %v (%d boxes)", args, in, out, len(boxes))
				}
			}
		}
	}
}

func TestSPO(t *testing.T) {
	lib, err := catalog.Policy([]string{"fs.read", "net.client"}, catalog.Options{Arches: []*syscalls.Arch{syscalls.X86_64, syscalls.AARCH64}})
	if err != nil {
		t.Fatal(err)
	}
	sp, err := SPO(lib, "web")
	if err != nil {
		t.Fatal(err)
	}
	data, err := MarshalSPO(sp)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := yaml.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back["apiVersion"] != SPOAPIVersion || back["kind"] != SPOKind {
		t.Fatalf("header: %v %v", back["apiVersion"], back["kind"])
	}
	spec := back["spec"].(map[string]any)
	allowed := map[string]bool{"defaultAction": true, "architectures": true, "syscalls": true}
	for k := range spec {
		if !allowed[k] {
			t.Errorf("spec field %q is not in SPO v1beta1's SeccompProfileSpec as written", k)
		}
	}
	if spec["defaultAction"] != "SCMP_ACT_ERRNO" {
		t.Errorf("defaultAction %v", spec["defaultAction"])
	}
	if a := spec["architectures"].([]any); len(a) != 2 || a[0] != "SCMP_ARCH_X86_64" || a[1] != "SCMP_ARCH_AARCH64" {
		t.Errorf("architectures %v", a)
	}
	ops := map[string]bool{"SCMP_CMP_NE": true, "SCMP_CMP_LT": true, "SCMP_CMP_LE": true, "SCMP_CMP_EQ": true, "SCMP_CMP_GE": true, "SCMP_CMP_GT": true, "SCMP_CMP_MASKED_EQ": true}
	sawExecve, sawArgs := false, false
	for _, s := range spec["syscalls"].([]any) {
		m := s.(map[string]any)
		for k := range m {
			if k != "names" && k != "action" && k != "errnoRet" && k != "args" {
				t.Errorf("syscall field %q", k)
			}
		}
		if m["action"] == "SCMP_ACT_ALLOW" && slices.Contains(m["names"].([]any), any("execve")) {
			sawExecve = true
		}
		args, _ := m["args"].([]any)
		if len(args) > 6 {
			t.Errorf("%d args", len(args))
		}
		for _, a := range args {
			am := a.(map[string]any)
			sawArgs = true
			if !ops[am["op"].(string)] {
				t.Errorf("op %v", am["op"])
			}
			if i := am["index"].(int); i < 0 || i > 5 {
				t.Errorf("index %d", i)
			}
		}
	}
	if !sawExecve || !sawArgs {
		t.Errorf("execve allowed %v, argument rules present %v", sawExecve, sawArgs)
	}
	// The spec is OCI JSON with other keys: it must parse as a profile and
	// decide as the library (plus runtime rules) does.
	var typed SPOProfile
	if err := yaml.Unmarshal(data, &typed); err != nil {
		t.Fatal(err)
	}
	if _, err := SPO(lib, "Bad_Name"); err == nil {
		t.Error("accepted a name Kubernetes refuses")
	}
}

func TestSystemd(t *testing.T) {
	lib, err := catalog.Policy([]string{"fs.read", "net.client"}, catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := Systemd(lib, "test")
	if err != nil {
		t.Fatal(err)
	}
	kv, err := ParseDropIn(d.Text)
	if err != nil {
		t.Fatal(err)
	}
	var filter []string
	for _, v := range kv["SystemCallFilter"] {
		filter = append(filter, strings.Fields(v)...)
	}
	// The list is the policy's unconditionally allowed calls, plus the
	// conditional ones (documented), plus clone3 (ENOSYS through
	// RestrictNamespaces=).
	want := map[string]bool{}
	cond := map[string]bool{}
	for _, r := range lib.Rules {
		if r.Action == policy.Allow && len(r.Conds) == 0 {
			want[r.Syscall] = true
		} else if r.Action == policy.Allow {
			cond[r.Syscall] = true
		}
	}
	for s := range cond {
		if !want[s] {
			want[s] = true
			if !strings.Contains(string(d.Text), "#   "+s+": ") {
				t.Errorf("conditional %s is not documented", s)
			}
		}
	}
	want["clone3"] = true
	slices.Sort(filter)
	var w []string
	for s := range want {
		w = append(w, s)
	}
	slices.Sort(w)
	if !slices.Equal(filter, w) {
		t.Errorf("SystemCallFilter=\n%v\nwant\n%v", filter, w)
	}
	for k, v := range map[string]string{"NoNewPrivileges": "yes", "SystemCallArchitectures": "native", "SystemCallErrorNumber": "EPERM", "RestrictNamespaces": "yes", "MemoryDenyWriteExecute": "yes", "LockPersonality": "yes", "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6"} {
		if got := kv[k]; len(got) != 1 || got[0] != v {
			t.Errorf("%s=%v, want %s", k, got, v)
		}
	}
	if slices.Contains(filter, "mount") || slices.Contains(filter, "execve") {
		t.Error("mount or execve listed")
	}
	if !strings.Contains(string(d.Text), "openat2: errno(EPERM) here, errno(ENOSYS) under entitle") {
		t.Errorf("openat2 loss not documented:\n%s", d.Text)
	}
	// kill: no SystemCallErrorNumber.
	k, _ := catalog.Policy(nil, catalog.Options{Violation: policy.KillProcess})
	dk, err := Systemd(k, "kill")
	if err != nil {
		t.Fatal(err)
	}
	if kv, _ := ParseDropIn(dk.Text); kv["SystemCallErrorNumber"] != nil {
		t.Error("kill: SystemCallErrorNumber written")
	}
	// log cannot be expressed.
	l, _ := catalog.Policy(nil, catalog.Options{Violation: policy.Log})
	if _, err := Systemd(l, "log"); err == nil {
		t.Error("log accepted")
	}
}

func TestDescribe(t *testing.T) {
	for _, c := range []struct {
		sys  string
		cond policy.Cond
		want string
	}{
		{"ioctl", policy.Cond{Arg: 1, Op: policy.OpEQ, Value: 0x5413, Width32: true}, "request == TIOCGWINSZ (0x5413)"},
		{"clone", policy.Cond{Arg: 0, Op: policy.OpMaskedEQ, Mask: 0x10000100, Value: 0x100}, "flags has CLONE_VM, lacks CLONE_NEWUSER"},
		{"sendto", policy.Cond{Arg: 4, Op: policy.OpEQ}, "dest_addr == NULL"},
		{"kill", policy.Cond{Arg: 0, Op: policy.OpEQ, Value: ownPID, Width32: true}, "pid == own pid"},
		{"read", policy.Cond{Arg: 0, Op: policy.OpEQ, Value: 3}, policy.Cond{Arg: 0, Op: policy.OpEQ, Value: 3}.String()},
	} {
		if got := DescribeCond(c.sys, c.cond); got != c.want {
			t.Errorf("%s %v: %q, want %q", c.sys, c.cond, got, c.want)
		}
	}
}

func TestSystemdLayers(t *testing.T) {
	for _, c := range []struct {
		names     []string
		want, not []string
	}{
		{[]string{"fs.read", "net.server"}, []string{"CapabilityBoundingSet=CAP_DAC_READ_SEARCH CAP_NET_BIND_SERVICE", "ProtectSystem=strict", "ProtectKernelTunables=yes", "PrivateDevices=yes"}, []string{"SocketBindDeny=any"}},
		{[]string{"fs.read", "fs.write"}, []string{"CapabilityBoundingSet=CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH", "SocketBindDeny=any"}, []string{"ProtectSystem=strict"}},
		{[]string{"admin.kernel"}, nil, []string{"ProtectKernelTunables=yes", "PrivateDevices=yes"}},
		{nil, []string{"CapabilityBoundingSet=", "# not expressible in systemd: no outgoing TCP connection"}, nil},
	} {
		l, err := catalog.LayersOf(c.names)
		if err != nil {
			t.Fatal(err)
		}
		got := SystemdLayers(l)
		for _, w := range c.want {
			if !slices.Contains(got, w) {
				t.Errorf("%v: no %q in %q", c.names, w, got)
			}
		}
		for _, n := range c.not {
			if slices.Contains(got, n) {
				t.Errorf("%v: %q in %q", c.names, n, got)
			}
		}
	}
}
