//go:build linux

package profile

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/syscalls"
)

var eperm = policy.Errno(uint16(unix.EPERM))

// argVectors exercise the conditions of the Docker default and of the
// hand-made policies below.
var argVectors = [][6]uint64{
	{},
	{1, 2, 3, 4, 5, 6},
	{cloneNS, cloneNS, 0, 0, 0, 0},
	{unix.CLONE_NEWUSER, 0, 0, 0, 0, 0},
	{unix.AF_INET, unix.SOCK_STREAM, 0, 0, 0, 0},
	{unix.AF_NETLINK, 3, 0, 0, 0, 0},
	{unix.AF_VSOCK, 0, 0, 0, 0, 0},
	{0x8, 0x20000, 0x20008, 0xffffffff, 0, 0},
	{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
	{0xffffffff00000007, 7, 0x100000007, 0, 1 << 40, 0},
	{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)},
	{0xffffffffffffff9c, 0xffffff9c, 0x41, 0x400, 0x42, 9},
}

// sameDecisions compares two policies on every x86_64 number 0..500 (and
// on x86 and x32 calls when the policies list those) with argVectors.
func sameDecisions(t *testing.T, a, b *policy.Policy) {
	t.Helper()
	type space struct {
		arch *syscalls.Arch
		base uint32
	}
	spaces := []space{{syscalls.X86_64, 0}}
	for _, ar := range a.ArchList() {
		switch ar {
		case syscalls.X86:
			spaces = append(spaces, space{syscalls.X86, 0})
		case syscalls.X32:
			spaces = append(spaces, space{syscalls.X32, syscalls.X32.SyscallBase()})
		}
	}
	bad := 0
	for _, sp := range spaces {
		for nr := uint32(0); nr <= 500; nr++ {
			for _, args := range argVectors {
				x := a.Evaluate(sp.arch.AuditArch(), sp.base+nr, args)
				y := b.Evaluate(sp.arch.AuditArch(), sp.base+nr, args)
				if x != y {
					if bad++; bad <= 10 {
						name, _ := sp.arch.SyscallName(sp.base + nr)
						t.Errorf("%s nr %d (%s) args %#x: %s, then %s", sp.arch.Name(), nr, name, args, x, y)
					}
				}
			}
		}
	}
}

// canonical describes a profile's structure with its rules in a fixed
// order, without duplicates.
func canonical(p *Profile) string {
	var rules []string
	for _, r := range p.Rules {
		rules = append(rules, r.String())
	}
	slices.Sort(rules)
	rules = slices.Compact(rules) // duplicates do not change decisions
	var b strings.Builder
	b.WriteString("default " + p.DefaultAction.String() + "\n")
	b.WriteString("badarch " + p.BadArch().String() + "\n")
	b.WriteString("arches " + strings.Join(archNames(p.Arches), ",") + "\n")
	b.WriteString("flags " + strings.Join(p.Flags, ",") + "\n")
	b.WriteString("listener " + p.ListenerPath + " " + p.ListenerMetadata + "\n")
	b.WriteString(strings.Join(rules, "\n"))
	return b.String()
}

func roundTrip(t *testing.T, p *Profile, opts Options) *Profile {
	t.Helper()
	data, err := Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(data, []byte("}\n")) {
		t.Errorf("Marshal output does not end in a newline")
	}
	q, err := Parse(data, opts)
	if err != nil {
		t.Fatalf("parsing Marshal output: %v\n%s", err, data)
	}
	return q
}

func TestRoundTripDockerDefault(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"x86_64", x64},
		{"x86_64 with CAP_SYS_ADMIN", with(x64, func(o *Options) { o.Caps = append(slices.Clone(DefaultCaps), "CAP_SYS_ADMIN", "CAP_SYS_PTRACE") })},
		{"aarch64", Options{HostArch: syscalls.AARCH64, Kernel: "5.10"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := DockerDefault(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			q := roundTrip(t, p, tt.opts)
			if got, want := canonical(q), canonical(p); got != want {
				t.Errorf("structure changed:\n got %s\nwant %s", got, want)
			}
			sameDecisions(t, p.Policy, q.Policy)
			// Writing is a fixed point.
			a, _ := Marshal(p)
			b, _ := Marshal(q)
			if !bytes.Equal(a, b) {
				t.Errorf("Marshal(Parse(Marshal(p))) differs from Marshal(p)")
			}
		})
	}
}

func TestRoundTripHandMade(t *testing.T) {
	x64x32 := []*syscalls.Arch{syscalls.X86_64, syscalls.X32}
	tests := []struct {
		name string
		p    *Profile
	}{
		{
			name: "allow list with conditions",
			p: &Profile{Policy: &policy.Policy{
				DefaultAction: policy.KillProcess,
				Arches:        x64x32,
				Rules: []policy.Rule{
					{Syscall: "read", Action: policy.Allow},
					{Syscall: "write", Action: policy.Allow},
					{Syscall: "openat", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpEQ, Value: 0xffffffffffffff9c, Width32: true}, {Arg: 2, Op: policy.OpMaskedEQ, Mask: 3, Value: 0}}},
					{Syscall: "mmap", Action: policy.Allow, Conds: []policy.Cond{{Arg: 2, Op: policy.OpLE, Value: 3}, {Arg: 3, Op: policy.OpNE, Value: 0x20}}},
					{Syscall: "socket", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpLT, Value: unix.AF_NETLINK}}},
					{Syscall: "socket", Action: policy.Errno(uint16(unix.EAFNOSUPPORT))},
					{Syscall: "ioctl", Action: policy.Allow, Conds: []policy.Cond{{Arg: 1, Op: policy.OpMaskedEQ, Mask: 0xff, Value: 0x42, Width32: true}}},
					{Syscall: "kill", Action: policy.Trace(7)},
					{Syscall: "tkill", Action: policy.Trap(0)},
					{Syscall: "uname", Action: policy.Log},
					{Syscall: "ptrace", Action: policy.Notify},
					{Syscall: "exit_group", Action: policy.Allow},
					{Syscall: "close", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpGT, Value: 2}, {Arg: 1, Op: policy.OpGE, Value: 0}}},
					{Syscall: "kill", Action: policy.Allow, Conds: []policy.Cond{{Arg: 1, Op: policy.OpEQ, Value: 0}}},
				}},
				Flags:            []string{"SECCOMP_FILTER_FLAG_LOG"},
				ListenerPath:     "/run/l.sock",
				ListenerMetadata: "meta",
			},
		},
		{
			name: "deny list, native arch, no flags",
			p: &Profile{Policy: &policy.Policy{
				DefaultAction: policy.Allow,
				BadArchAction: policy.KillThread,
				Rules: []policy.Rule{
					{Syscall: "ptrace", Action: eperm},
					{Syscall: "mount", Action: eperm},
					{Syscall: "umount2", Action: eperm},
					{Syscall: "kexec_load", Action: policy.KillProcess},
					{Syscall: "clone", Action: eperm, Conds: []policy.Cond{{Arg: 0, Op: policy.OpMaskedEQ, Mask: unix.CLONE_NEWUSER, Value: unix.CLONE_NEWUSER}}},
					{Syscall: "read", Action: policy.Allow}, // equals the default: dropped
				}},
				Flags: []string{},
			},
		},
		{
			name: "same kind, different errno: first listed wins",
			p: &Profile{Policy: &policy.Policy{
				DefaultAction: policy.Allow,
				Arches:        []*syscalls.Arch{syscalls.X86_64},
				Rules: []policy.Rule{
					{Syscall: "read", Action: eperm},
					{Syscall: "write", Action: policy.Errno(uint16(unix.EACCES))},
					{Syscall: "write", Action: eperm},
					{Syscall: "openat", Action: policy.Errno(uint16(unix.EACCES))},
					{Syscall: "openat", Action: eperm, Conds: []policy.Cond{{Arg: 1, Op: policy.OpEQ, Value: 1}}},        // never applies
					{Syscall: "openat", Action: policy.Allow, Conds: []policy.Cond{{Arg: 1, Op: policy.OpEQ, Value: 2}}}, // never applies
				},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.p.Validate(); err != nil {
				t.Fatal(err)
			}
			q := roundTrip(t, tt.p, x64)
			sameDecisions(t, tt.p.Policy, q.Policy)
			wantArches := tt.p.Arches
			if wantArches == nil {
				wantArches = []*syscalls.Arch{x64.HostArch}
			}
			if !slices.Equal(q.Arches, wantArches) {
				t.Errorf("arches %v, want %v", archNames(q.Arches), archNames(wantArches))
			}
			if !slices.Equal(q.Flags, tt.p.Flags) || (q.Flags == nil) != (tt.p.Flags == nil) {
				t.Errorf("flags %#v, want %#v", q.Flags, tt.p.Flags)
			}
			if q.ListenerPath != tt.p.ListenerPath || q.ListenerMetadata != tt.p.ListenerMetadata {
				t.Errorf("listener %q %q", q.ListenerPath, q.ListenerMetadata)
			}
			// A second trip changes nothing.
			r := roundTrip(t, q, x64)
			if got, want := canonical(r), canonical(q); got != want {
				t.Errorf("second round trip changed the structure:\n got %s\nwant %s", got, want)
			}
		})
	}
}

func TestToOCI(t *testing.T) {
	p := &Profile{Policy: &policy.Policy{
		DefaultAction: eperm,
		Arches:        []*syscalls.Arch{syscalls.X86_64, syscalls.X86},
		Rules: []policy.Rule{
			{Syscall: "write", Action: policy.Allow},
			{Syscall: "read", Action: policy.Allow},
			{Syscall: "socket", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpEQ, Value: 1}}},
			{Syscall: "close", Action: policy.Allow},
			{Syscall: "socketpair", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpEQ, Value: 1}}},
			{Syscall: "openat", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpEQ, Value: 0xffffffffffffff9c, Width32: true}}},
			{Syscall: "clone3", Action: policy.Errno(uint16(unix.ENOSYS))},
			{Syscall: "read", Action: policy.Allow}, // duplicate
		},
	}}
	s, err := ToOCI(p)
	if err != nil {
		t.Fatal(err)
	}
	one, nosys := uint(1), uint(unix.ENOSYS)
	want := &specs.LinuxSeccomp{
		DefaultAction:   specs.ActErrno,
		DefaultErrnoRet: &one,
		Architectures:   []specs.Arch{specs.ArchX86_64, specs.ArchX86},
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"close", "read", "write"}, Action: specs.ActAllow},
			{Names: []string{"socket", "socketpair"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 1, Op: specs.OpEqualTo}}},
			{Names: []string{"openat"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 0xffffffff, ValueTwo: 0xffffff9c, Op: specs.OpMaskedEqual}}},
			{Names: []string{"clone3"}, Action: specs.ActErrno, ErrnoRet: &nosys},
		},
	}
	got, _ := json.Marshal(s)
	exp, _ := json.Marshal(want)
	if !bytes.Equal(got, exp) {
		t.Errorf("ToOCI:\n got %s\nwant %s", got, exp)
	}
	a, err := Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Marshal(p)
	if !bytes.Equal(a, b) || !bytes.HasSuffix(a, []byte("\n")) {
		t.Errorf("Marshal is not deterministic or lacks a trailing newline")
	}
	// Empty flags are written, nil flags are not.
	p.Flags = []string{}
	if a, _ = Marshal(p); !bytes.Contains(a, []byte(`"flags": []`)) {
		t.Errorf("empty flags not written:\n%s", a)
	}
	p.Flags = nil
	if a, _ = Marshal(p); bytes.Contains(a, []byte(`"flags"`)) {
		t.Errorf("nil flags written:\n%s", a)
	}
}

func TestToOCIErrors(t *testing.T) {
	base := func(rules ...policy.Rule) *Profile {
		return &Profile{Policy: &policy.Policy{DefaultAction: eperm, Rules: rules}}
	}
	tests := []struct {
		name string
		p    *Profile
		want []string
	}{
		{"nil", nil, []string{"nil policy"}},
		{"nil policy", &Profile{}, []string{"nil policy"}},
		{"invalid policy", &Profile{Policy: &policy.Policy{}}, []string{"no default action"}},
		{"32-bit less-than", base(policy.Rule{Syscall: "read", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpLT, Value: 3, Width32: true}}}),
			[]string{"rule 1", "32-bit comparison", "cannot be written"}},
		{"two conditions on one argument", base(policy.Rule{Syscall: "read", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpGE, Value: 3}, {Arg: 0, Op: policy.OpLE, Value: 9}}}),
			[]string{"rule 1", "two conditions on argument 0", "runc ORs"}},
		{"trap with data", base(policy.Rule{Syscall: "read", Action: policy.Trap(5)}), []string{"trap(5)", "cannot be written"}},
		{"trap default with data", &Profile{Policy: &policy.Policy{DefaultAction: policy.Trap(5)}}, []string{"default action", "trap(5)"}},
		{"bad-arch errno", &Profile{Policy: &policy.Policy{DefaultAction: eperm, BadArchAction: eperm}}, []string{"bad-architecture action errno(EPERM)"}},
		{"default-equal rule overriding an allow", base(
			policy.Rule{Syscall: "ptrace", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpEQ, Value: 1}}},
			policy.Rule{Syscall: "ptrace", Action: eperm},
		), []string{"rule 2", "repeats the default action", "rule 1"}},
		{"default-equal rule before a same-kind rule", base(
			policy.Rule{Syscall: "ptrace", Action: eperm},
			policy.Rule{Syscall: "ptrace", Action: policy.Errno(uint16(unix.EACCES))},
		), []string{"rule 1", "repeats the default action"}},
		{"conditional rule beating an unconditional one", base(
			policy.Rule{Syscall: "openat", Action: policy.Errno(uint16(unix.EACCES)), Conds: []policy.Cond{{Arg: 1, Op: policy.OpEQ, Value: 1}}},
			policy.Rule{Syscall: "openat", Action: policy.Allow},
		), []string{"rule 1", "overrides rule 2", "without conditions decide every call of openat"}},
		{"unknown flag", &Profile{Policy: &policy.Policy{DefaultAction: eperm}, Flags: []string{"SECCOMP_FILTER_FLAG_BOGUS"}}, []string{`unknown seccomp flag "SECCOMP_FILTER_FLAG_BOGUS"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ToOCI(tt.p)
			if err == nil {
				t.Fatalf("no error; got %+v", s)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if _, err := Marshal(tt.p); err == nil {
				t.Error("Marshal succeeded")
			}
		})
	}
	// A default-equal rule that overrides nothing is simply left out.
	s, err := ToOCI(base(
		policy.Rule{Syscall: "ptrace", Action: policy.Errno(uint16(unix.EACCES))},
		policy.Rule{Syscall: "ptrace", Action: eperm},
		policy.Rule{Syscall: "read", Action: eperm},
	))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Syscalls) != 1 || !slices.Equal(s.Syscalls[0].Names, []string{"ptrace"}) {
		t.Errorf("got %+v", s.Syscalls)
	}
}
