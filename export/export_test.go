package export

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/compiler"
	"github.com/entitle-dev/entitle/internal/linux"
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
// the compiler) against the library's policy with the runtime rules on
// every x86_64 number: they decide every known call alike, whatever the
// arguments (a call allowed only with certain arguments is denied with
// the library's EPERM otherwise, never ENOSYS); unknown numbers are
// ENOSYS in both. Both with and without no-new-privileges.
func TestOCIEquivalent(t *testing.T) {
	for _, nnp := range []bool{false, true} {
		for _, names := range sets {
			t.Run(fmt.Sprintf("nnp=%v/%s", nnp, strings.Join(append([]string{"base"}, names...), "+")), func(t *testing.T) {
				lib, err := catalog.Build(catalog.Request{Entitlements: names, Arches: []*syscalls.Arch{syscalls.X86_64}})
				if err != nil {
					t.Fatal(err)
				}
				opts := Options{NoNewPrivileges: nnp}
				data, c, err := MarshalOCIWith(lib, opts)
				if err != nil {
					t.Fatal(err)
				}
				got, err := profile.Parse(data, profile.Options{HostArch: syscalls.X86_64, Kernel: "6.18"})
				if err != nil {
					t.Fatal(err)
				}
				if got.DefaultAction != policy.Errno(1) {
					t.Errorf("default %s, want errno(EPERM)", got.DefaultAction)
				}
				prog, err := compiler.Compile(got.Policy)
				if err != nil {
					t.Fatal(err)
				}
				sp, err := sim.New(prog.Insns, binary.LittleEndian)
				if err != nil {
					t.Fatal(err)
				}
				withRT, _, _ := WithRuntimeWith(lib, opts)
				a := syscalls.X86_64
				checked := 0
				for nr := uint32(0); nr <= a.Max()+8; nr++ {
					name, _ := a.SyscallName(nr)
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
						if have != want {
							t.Fatalf("%s (%d) args %x: profile %s, library %s", name, nr, args, have, want)
						}
					}
				}
				var top string
				for nr := a.Max(); top == ""; nr-- {
					top, _ = a.SyscallName(nr)
				}
				var s map[string]any
				if err := json.Unmarshal(data, &s); err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(string(data), fmt.Sprintf("%q", top)) {
					t.Errorf("the profile does not name %s, the highest x86_64 call: runc would answer it with ENOSYS", top)
				}
				t.Logf("%d decisions; %d instructions; %d calls denied by name; runtime %d rules", checked, len(prog.Insns), len(c.Denied), len(c.Runtime))
			})
		}
	}
}

// TestPrivilegeDropRules: without no-new-privileges the profile allows
// what runc and crun call to drop privileges, with the arguments they use
// and no others; with it, none of them.
func TestPrivilegeDropRules(t *testing.T) {
	// V1: its base allows no PR_CAP_AMBIENT operation, so the rows below
	// show exactly what the runtime rules add (V2's base allows the
	// IS_SET query in every profile).
	lib, err := catalog.Build(catalog.Request{Arches: []*syscalls.Arch{syscalls.X86_64}, Version: catalog.V1})
	if err != nil {
		t.Fatal(err)
	}
	off, _, err := WithRuntimeWith(lib, Options{})
	if err != nil {
		t.Fatal(err)
	}
	on, _, err := WithRuntimeWith(lib, Options{NoNewPrivileges: true})
	if err != nil {
		t.Fatal(err)
	}
	a := syscalls.X86_64
	eval := func(p *policy.Policy, name string, args ...uint64) policy.Action {
		nr, ok := a.Number(name)
		if !ok {
			t.Fatalf("no %s", name)
		}
		var v [6]uint64
		copy(v[:], args)
		return p.Evaluate(a.AuditArch(), nr, v)
	}
	eperm := policy.Errno(1)
	for _, c := range []struct {
		name    string
		args    []uint64
		off, on policy.Action
	}{
		{"prctl", []uint64{24, 21}, policy.Allow, eperm},   // PR_CAPBSET_DROP, CAP_SYS_ADMIN
		{"prctl", []uint64{8, 1}, policy.Allow, eperm},     // PR_SET_KEEPCAPS
		{"prctl", []uint64{47, 2, 0}, policy.Allow, eperm}, // PR_CAP_AMBIENT_RAISE
		{"prctl", []uint64{47, 4}, policy.Allow, eperm},    // PR_CAP_AMBIENT_CLEAR_ALL
		{"prctl", []uint64{47, 1}, eperm, eperm},           // PR_CAP_AMBIENT_IS_SET: not needed
		{"prctl", []uint64{22, 2}, eperm, eperm},           // PR_SET_SECCOMP: sandbox's
		{"capset", nil, policy.Allow, eperm},               //
		{"setresuid", []uint64{1000, 1000, 1000}, policy.Allow, eperm},
		{"setgroups", []uint64{0, 0}, policy.Allow, eperm},
		{"fchown", []uint64{1, 1000, 0}, policy.Allow, eperm},
		{"fchown", []uint64{3, 1000, 0}, eperm, eperm},
		{"newfstatat", []uint64{0xFFFFFF9C, 0, 0, 0}, policy.Allow, eperm},
		{"newfstatat", []uint64{0xFFFFFF9C, 0, 0, 0x100}, eperm, eperm}, // AT_SYMLINK_NOFOLLOW
		{"faccessat2", []uint64{0xFFFFFF9C, 0, 1, 0x200}, policy.Allow, eperm},
		{"faccessat2", []uint64{0xFFFFFF9C, 0, 2, 0x200}, eperm, eperm},
		{"setns", nil, eperm, eperm},
	} {
		if got := eval(off, c.name, c.args...); got != c.off {
			t.Errorf("no-new-privileges off: %s%x = %s, want %s", c.name, c.args, got, c.off)
		}
		if got := eval(on, c.name, c.args...); got != c.on {
			t.Errorf("no-new-privileges on: %s%x = %s, want %s", c.name, c.args, got, c.on)
		}
	}
}

func TestSPO(t *testing.T) {
	lib, err := catalog.Build(catalog.Request{Entitlements: []string{"fs.read", "net.client"}, Arches: []*syscalls.Arch{syscalls.X86_64, syscalls.AARCH64}})
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
	lib, err := catalog.Build(catalog.Request{Entitlements: []string{"fs.read", "net.client"}})
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
	k, _ := catalog.Build(catalog.Request{Violation: policy.KillProcess})
	dk, err := Systemd(k, "kill")
	if err != nil {
		t.Fatal(err)
	}
	if kv, _ := ParseDropIn(dk.Text); kv["SystemCallErrorNumber"] != nil {
		t.Error("kill: SystemCallErrorNumber written")
	}
	// log cannot be expressed.
	l, _ := catalog.Build(catalog.Request{Violation: policy.Log})
	if _, err := Systemd(l, "log"); err == nil {
		t.Error("log accepted")
	}
}

// TestSystemdFamilies: RestrictAddressFamilies= lists the families the
// socket rules name, and is left out when a rule allows sockets of any
// family (it would deny what the policy allows).
func TestSystemdFamilies(t *testing.T) {
	tests := []struct {
		name  string
		extra []policy.Rule
		want  []string // nil: no directive
	}{
		{"catalog only", nil, []string{"AF_UNIX AF_INET AF_INET6"}},
		{"a rule with a family", []policy.Rule{{Syscall: "socket", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpEQ, Value: linux.AF_NETLINK, Width32: true}}}},
			[]string{"AF_UNIX AF_INET AF_INET6 AF_NETLINK"}},
		{"a rule on the type only", []policy.Rule{{Syscall: "socket", Action: policy.Allow, Conds: []policy.Cond{{Arg: 1, Op: policy.OpEQ, Value: linux.SOCK_STREAM, Width32: true}}}}, nil},
		{"a rule on a range of families", []policy.Rule{{Syscall: "socketpair", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpLT, Value: linux.AF_INET6}}}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := catalog.Build(catalog.Request{Entitlements: []string{"fs.read", "net.client"}, Extra: tt.extra})
			if err != nil {
				t.Fatal(err)
			}
			d, err := Systemd(p, "test")
			if err != nil {
				t.Fatal(err)
			}
			kv, err := ParseDropIn(d.Text)
			if err != nil {
				t.Fatal(err)
			}
			if got := kv["RestrictAddressFamilies"]; !slices.Equal(got, tt.want) {
				t.Errorf("RestrictAddressFamilies=%q, want %q", got, tt.want)
			}
		})
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

// TestMultiplexers: with an architecture that has socketcall and ipc, the
// container profile answers them itself (libseccomp would otherwise add
// rules for them from the socket and IPC rules, with those rules'
// conditions on the multiplexer's pointer and unused registers; see
// cmd/entitle's TestRuntimesMultiplexer); without one, nothing is added.
func TestMultiplexers(t *testing.T) {
	for _, tc := range []struct {
		ents   []string
		arches []*syscalls.Arch
		want   []string
	}{
		{[]string{"net.client"}, []*syscalls.Arch{syscalls.X86_64}, nil},
		{[]string{"net.client"}, []*syscalls.Arch{syscalls.AARCH64, syscalls.ARM}, nil},
		{[]string{"net.client"}, []*syscalls.Arch{syscalls.X86_64, syscalls.X86}, Multiplexers},
		// ipc.sysv allows ipc itself, whatever its arguments: kept.
		{[]string{"net.client", "ipc.sysv"}, []*syscalls.Arch{syscalls.X86}, []string{"socketcall"}},
	} {
		lib, err := catalog.Build(catalog.Request{Entitlements: tc.ents, Arches: tc.arches})
		if err != nil {
			t.Fatal(err)
		}
		c, err := ForContainer(lib)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(c.Multiplexed, tc.want) {
			t.Errorf("%v: multiplexed %v, want %v", tc.arches, c.Multiplexed, tc.want)
		}
		for _, m := range tc.want {
			for _, a := range tc.arches {
				nr, ok := a.Number(m)
				if !ok {
					continue
				}
				for _, args := range [][6]uint64{{1, 0x1001}, {11, 0, 0, 0x20000000}, {21}} {
					if got := c.Policy.Evaluate(a.AuditArch(), nr, args); got != MultiplexerAction {
						t.Errorf("%s %s%x: %v, want %v", a.Name(), m, args, got, MultiplexerAction)
					}
				}
			}
			if slices.Contains(c.Denied, m) {
				t.Errorf("%s is both answered and in Denied", m)
			}
		}
	}
	// A rule of the source for a multiplexer with conditions cannot be
	// written: refused, not silently overridden.
	lib, err := catalog.Build(catalog.Request{Entitlements: []string{"net.client"}, Arches: []*syscalls.Arch{syscalls.X86_64, syscalls.X86},
		Extra: []policy.Rule{{Syscall: "socketcall", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpEQ, Value: 1}}}}})
	if err != nil {
		t.Skipf("the catalog refuses the extra rule itself: %v", err)
	}
	if _, err := ForContainer(lib); err == nil || !strings.Contains(err.Error(), "socketcall") {
		t.Errorf("conditional socketcall rule: %v, want an error", err)
	}
	// With ENOSYS as the default, the multiplexers get EPERM: a rule
	// repeating the default is skipped by runc.
	lib, err = catalog.Build(catalog.Request{Entitlements: []string{"net.client"}, Arches: []*syscalls.Arch{syscalls.X86}, Violation: policy.Errno(linux.ENOSYS)})
	if err != nil {
		t.Fatal(err)
	}
	c, err := ForContainer(lib)
	if err != nil {
		t.Fatal(err)
	}
	nr, _ := syscalls.X86.Number("socketcall")
	if got := c.Policy.Evaluate(syscalls.X86.AuditArch(), nr, [6]uint64{1}); got != policy.Errno(linux.EPERM) {
		t.Errorf("default ENOSYS: socketcall %v, want errno(EPERM)", got)
	}
}

// TestSystemdDenyList: the deny-list drop-in says which refusals of
// certain arguments it cannot express (ioctl's TIOCSTI and TIOCLINUX, the
// MSG_FASTOPEN sends), instead of dropping them silently: it allowed a
// service in deny-list mode to push input into its terminal (TIOCSTI)
// while entitle's own filter refuses it. It answers denied calls with the
// violation action (kill as kill, errno(EACCES) as EACCES), not always
// EPERM.
func TestSystemdDenyList(t *testing.T) {
	for _, tc := range []struct {
		violation policy.Action
		errno     string // SystemCallErrorNumber=, "" for none
	}{
		{policy.Errno(linux.EPERM), "EPERM"},
		{policy.Errno(linux.EACCES), "EACCES"},
		{policy.KillProcess, ""},
	} {
		p, err := catalog.Build(catalog.Request{Entitlements: []string{"fs.read"}, Mode: catalog.DenyList, Violation: tc.violation})
		if err != nil {
			t.Fatal(err)
		}
		d, err := Systemd(p, "deny-list")
		if err != nil {
			t.Fatal(err)
		}
		text := string(d.Text)
		for _, want := range []string{"#   ioctl: request == TIOCSTI", "#   ioctl: request == TIOCLINUX", "#   sendto: ", "dev.tty.legacy_tiocsti=0"} {
			if !strings.Contains(text, want) {
				t.Errorf("%v: the drop-in does not say it loses %q:\n%s", tc.violation, want, text)
			}
		}
		if !slices.Contains(d.Conditional, "ioctl") || !slices.Contains(d.Conditional, "sendto") {
			t.Errorf("%v: Conditional %v", tc.violation, d.Conditional)
		}
		kv, err := ParseDropIn(d.Text)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(kv["SystemCallErrorNumber"], " "); got != tc.errno {
			t.Errorf("%v: SystemCallErrorNumber=%q, want %q", tc.violation, got, tc.errno)
		}
		// Whole calls stay denied by name.
		if filter := strings.Join(kv["SystemCallFilter"], " "); !strings.Contains(filter, "~") || !strings.Contains(filter, "mount") || strings.Contains(filter, "ioctl") {
			t.Errorf("%v: SystemCallFilter %q", tc.violation, filter)
		}
	}
}
