//go:build linux

package profile

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	mobyseccomp "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/syscalls"
)

// x64 resolves profiles for an x86_64 host with Docker's default
// capabilities and a recent kernel, independently of the test machine.
var x64 = Options{HostArch: syscalls.X86_64, Kernel: "6.18"}

func with(o Options, f func(*Options)) Options {
	f(&o)
	return o
}

func ruleStrings(p *policy.Policy, name string) []string {
	var out []string
	for _, r := range p.Rules {
		if r.Syscall == name {
			out = append(out, r.String())
		}
	}
	return out
}

func archNames(as []*syscalls.Arch) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Name())
	}
	return out
}

const cloneNS = unix.CLONE_NEWNS | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC | unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNET | unix.CLONE_NEWCGROUP

func TestDockerDefault(t *testing.T) {
	cloneMasked := policy.Rule{Syscall: "clone", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpMaskedEQ, Mask: cloneNS, Value: 0}}}.String()
	tests := []struct {
		name      string
		opts      Options
		rules     int // number of rules; 0: do not check
		arches    []*syscalls.Arch
		has       []string // syscalls with at least one rule
		hasNot    []string
		wantRules map[string][]string // exact rules of a syscall
	}{
		{
			name:   "x86_64 default caps",
			opts:   x64,
			rules:  0,
			arches: []*syscalls.Arch{syscalls.X86_64, syscalls.X86, syscalls.X32},
			has:    []string{"read", "chown32", "ptrace", "process_vm_readv", "socket", "personality", "arch_prctl", "modify_ldt"},
			hasNot: []string{"mount", "umount2", "unshare", "setns", "reboot", "init_module", "kexec_load", "open_by_handle_at", "swapcontext", "s390_pci_mmio_read"},
			wantRules: map[string][]string{
				"clone":  {cloneMasked},
				"clone3": {"clone3 -> errno(ENOSYS)"},
			},
		},
		{
			name:   "old kernel excludes ptrace",
			opts:   with(x64, func(o *Options) { o.Kernel = "4.4" }),
			has:    []string{"read", "chown32"},
			hasNot: []string{"ptrace", "process_vm_readv", "process_vm_writev"},
		},
		{
			name:   "kernel 4.8 includes ptrace",
			opts:   with(x64, func(o *Options) { o.Kernel = "4.8.0-generic" }),
			has:    []string{"ptrace"},
			hasNot: []string{"mount"},
		},
		{
			name:   "CAP_SYS_ADMIN adds mount and unconditional clone",
			opts:   with(x64, func(o *Options) { o.Caps = append(slices.Clone(DefaultCaps), "CAP_SYS_ADMIN") }),
			has:    []string{"mount", "umount2", "unshare", "setns", "sethostname"},
			hasNot: []string{"reboot"},
			wantRules: map[string][]string{
				"clone":  {"clone -> allow"},
				"clone3": {"clone3 -> allow"},
			},
		},
		{
			name:   "no caps at all",
			opts:   with(x64, func(o *Options) { o.Caps = []string{} }),
			has:    []string{"read"},
			hasNot: []string{"mount", "chroot"},
		},
		{
			name:   "aarch64 host",
			opts:   Options{HostArch: syscalls.AARCH64, Kernel: "6.18"},
			arches: []*syscalls.Arch{syscalls.AARCH64, syscalls.ARM},
			has:    []string{"read", "arm_fadvise64_64", "ptrace"},
			hasNot: []string{"mount", "arch_prctl", "modify_ldt"},
		},
		{
			name:   "arch override",
			opts:   with(x64, func(o *Options) { o.Arches = []*syscalls.Arch{syscalls.X86_64} }),
			arches: []*syscalls.Arch{syscalls.X86_64},
			has:    []string{"read"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := DockerDefault(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if p.DefaultAction != policy.Errno(uint16(unix.EPERM)) {
				t.Errorf("default action %s, want errno(EPERM)", p.DefaultAction)
			}
			if tt.rules != 0 && len(p.Rules) != tt.rules {
				t.Errorf("%d rules, want %d", len(p.Rules), tt.rules)
			}
			if tt.arches != nil && !slices.Equal(p.Arches, tt.arches) {
				t.Errorf("arches %v, want %v", archNames(p.Arches), archNames(tt.arches))
			}
			for _, n := range tt.has {
				if len(ruleStrings(p.Policy, n)) == 0 {
					t.Errorf("no rule for %s", n)
				}
			}
			for _, n := range tt.hasNot {
				if rs := ruleStrings(p.Policy, n); len(rs) != 0 {
					t.Errorf("unexpected rules %v", rs)
				}
			}
			for n, want := range tt.wantRules {
				if got := ruleStrings(p.Policy, n); !slices.Equal(got, want) {
					t.Errorf("rules for %s:\n got %q\nwant %q", n, got, want)
				}
			}
		})
	}
}

// TestDockerDefaultCount pins the number of rules of the resolved default
// profile (moby/profiles/seccomp v0.3.0) against a count made directly from
// the profile: every name of every selected entry, times its socket/
// personality alternatives.
func TestDockerDefaultCount(t *testing.T) {
	p, err := DockerDefault(x64)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, c := range mobyseccomp.DefaultProfile().Syscalls {
		sel, err := dockerSelected(c, "amd64", DefaultCaps, func(k *mobyseccomp.KernelVersion) (bool, error) {
			return k.Kernel < 6 || k.Kernel == 6 && k.Major <= 18, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		dropped := c.Action == specs.ActErrno && (c.ErrnoRet == nil || *c.ErrnoRet == 1)
		for _, n := range c.Names {
			if sel && !dropped && syscalls.Known(n) {
				want++
			}
		}
	}
	if len(p.Rules) != want {
		t.Errorf("%d rules, want %d", len(p.Rules), want)
	}
	if len(p.Rules) < 300 {
		t.Errorf("only %d rules: the default profile allows about 350 calls", len(p.Rules))
	}
}

func TestArchMap(t *testing.T) {
	const prof = `{"defaultAction":"SCMP_ACT_ERRNO","archMap":[
		{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86","SCMP_ARCH_X32"]},
		{"architecture":"SCMP_ARCH_AARCH64","subArchitectures":["SCMP_ARCH_ARM"]},
		{"architecture":"SCMP_ARCH_MIPS64","subArchitectures":["SCMP_ARCH_MIPS","SCMP_ARCH_MIPS64N32"]}],
		"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}`
	tests := []struct {
		name string
		host *syscalls.Arch
		want []*syscalls.Arch
	}{
		{"x86_64", syscalls.X86_64, []*syscalls.Arch{syscalls.X86_64, syscalls.X86, syscalls.X32}},
		{"aarch64", syscalls.AARCH64, []*syscalls.Arch{syscalls.AARCH64, syscalls.ARM}},
		{"no entry for x86 host", syscalls.X86, []*syscalls.Arch{syscalls.X86}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(prof), Options{HostArch: tt.host})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p.Arches, tt.want) {
				t.Errorf("arches %v, want %v", archNames(p.Arches), archNames(tt.want))
			}
		})
	}
}

func TestParse(t *testing.T) {
	eperm := policy.Errno(uint16(unix.EPERM))
	tests := []struct {
		name   string
		json   string
		opts   Options
		def    policy.Action
		arches []*syscalls.Arch // nil: want nil
		rules  []string
		flags  []string
		check  func(t *testing.T, p *Profile)
	}{
		{
			name:  "minimal OCI",
			json:  `{"defaultAction":"SCMP_ACT_ALLOW"}`,
			def:   policy.Allow,
			rules: nil,
		},
		{
			name:  "errnoRet defaults to EPERM for errno and trace",
			json:  `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["ptrace"],"action":"SCMP_ACT_ERRNO"},{"names":["kill"],"action":"SCMP_ACT_TRACE"}]}`,
			def:   policy.Allow,
			rules: []string{"ptrace -> errno(EPERM)", "kill -> trace(1)"},
		},
		{
			name:  "defaultErrnoRet and errnoRet",
			json:  `{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,"syscalls":[{"names":["open"],"action":"SCMP_ACT_ERRNO","errnoRet":13},{"names":["read"],"action":"SCMP_ACT_TRACE","errnoRet":7}]}`,
			def:   policy.Errno(uint16(unix.ENOSYS)),
			rules: []string{"open -> errno(EACCES)", "read -> trace(7)"},
		},
		{
			name:  "errnoRet ignored on other actions",
			json:  `{"defaultAction":"SCMP_ACT_KILL_PROCESS","defaultErrnoRet":5,"syscalls":[{"names":["read"],"action":"SCMP_ACT_TRAP","errnoRet":9}]}`,
			def:   policy.KillProcess,
			rules: []string{"read -> trap"},
		},
		{
			name:  "action names",
			json:  `{"defaultAction":"SCMP_ACT_KILL","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"},{"names":["write"],"action":"SCMP_ACT_LOG"},{"names":["open"],"action":"SCMP_ACT_NOTIFY"},{"names":["close"],"action":"SCMP_ACT_KILL_PROCESS"},{"names":["kill"],"action":"SCMP_ACT_TRAP"}]}`,
			def:   policy.KillThread,
			rules: []string{"read -> allow", "write -> log", "open -> notify", "close -> kill-process", "kill -> trap"},
		},
		{
			name: "distinct indexes are AND-ed",
			json: `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["socket","socketpair"],"action":"SCMP_ACT_ALLOW","args":[
				{"index":0,"value":1,"op":"SCMP_CMP_EQ"},{"index":1,"value":2048,"valueTwo":0,"op":"SCMP_CMP_MASKED_EQ"}]}]}`,
			def: eperm,
			rules: []string{
				"socket(a0 == 0x1 && a1 & 0x800 == 0x0) -> allow",
				"socketpair(a0 == 0x1 && a1 & 0x800 == 0x0) -> allow",
			},
		},
		{
			name: "repeated index splits every condition (runc's old behaviour)",
			json: `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[
				{"index":0,"value":0,"op":"SCMP_CMP_EQ"},{"index":0,"value":8,"op":"SCMP_CMP_EQ"},{"index":1,"value":5,"op":"SCMP_CMP_GT"}]}]}`,
			def: eperm,
			rules: []string{
				"personality(a0 == 0x0) -> allow",
				"personality(a0 == 0x8) -> allow",
				"personality(a1 > 0x5) -> allow",
			},
		},
		{
			name: "all ops",
			json: `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mmap"],"action":"SCMP_ACT_ERRNO","args":[
				{"index":0,"value":1,"op":"SCMP_CMP_NE"},{"index":1,"value":2,"op":"SCMP_CMP_LT"},{"index":2,"value":3,"op":"SCMP_CMP_LE"},
				{"index":3,"value":4,"op":"SCMP_CMP_GE"},{"index":4,"value":5,"op":"SCMP_CMP_GT"},{"index":5,"value":240,"valueTwo":16,"op":"SCMP_CMP_MASKED_EQ"}]}]}`,
			def:   policy.Allow,
			rules: []string{"mmap(a0 != 0x1 && a1 < 0x2 && a2 <= 0x3 && a3 >= 0x4 && a4 > 0x5 && a5 & 0xf0 == 0x10) -> errno(EPERM)"},
		},
		{
			name: "rules equal to the default are dropped",
			json: `{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,"syscalls":[
				{"names":["read"],"action":"SCMP_ACT_ERRNO"},
				{"names":["write"],"action":"SCMP_ACT_ERRNO","errnoRet":1},
				{"names":["open"],"action":"SCMP_ACT_ERRNO","errnoRet":13},
				{"names":["close"],"action":"SCMP_ACT_ALLOW"}]}`,
			def:   eperm,
			rules: []string{"open -> errno(EACCES)", "close -> allow"},
		},
		{
			name:  "SCMP_ACT_KILL equals a SCMP_ACT_KILL_THREAD default",
			json:  `{"defaultAction":"SCMP_ACT_KILL_THREAD","syscalls":[{"names":["read"],"action":"SCMP_ACT_KILL"},{"names":["write"],"action":"SCMP_ACT_KILL_PROCESS"}]}`,
			def:   policy.KillThread,
			rules: []string{"write -> kill-process"},
		},
		{
			name: "masked datum outside the mask is masked, as libseccomp does",
			json: `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[
				{"names":["clone"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":15,"valueTwo":16,"op":"SCMP_CMP_MASKED_EQ"}]},
				{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":15,"valueTwo":16,"op":"SCMP_CMP_MASKED_EQ"},{"index":0,"value":3,"op":"SCMP_CMP_EQ"}]}]}`,
			opts:  x64,
			def:   eperm,
			rules: []string{"clone(a0 & 0xf == 0x0) -> allow", "read(a0 & 0xf == 0x0) -> allow", "read(a0 == 0x3) -> allow"},
		},
		{
			name:  "deprecated name field",
			json:  `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"name":"read","action":"SCMP_ACT_ALLOW"}]}`,
			def:   eperm,
			rules: []string{"read -> allow"},
		},
		{
			name:  "name of another architecture is fine",
			json:  `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["chown32","arm_fadvise64_64"],"action":"SCMP_ACT_ALLOW"}]}`,
			opts:  x64,
			def:   eperm,
			rules: []string{"chown32 -> allow", "arm_fadvise64_64 -> allow"},
		},
		{
			name:  "IgnoreUnknown skips unknown names",
			json:  `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","no_such_call"],"action":"SCMP_ACT_ALLOW"}]}`,
			opts:  Options{IgnoreUnknown: true},
			def:   eperm,
			rules: []string{"read -> allow"},
		},
		{
			name:   "libseccomp adds the host architecture",
			json:   `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86","SCMP_ARCH_X32","SCMP_ARCH_X86"]}`,
			opts:   x64,
			def:    eperm,
			arches: []*syscalls.Arch{syscalls.X86_64, syscalls.X86, syscalls.X32},
		},
		{
			name:   "no architectures with an explicit host",
			json:   `{"defaultAction":"SCMP_ACT_ERRNO"}`,
			opts:   Options{HostArch: syscalls.AARCH64},
			def:    eperm,
			arches: []*syscalls.Arch{syscalls.AARCH64},
		},
		{
			name:   "Options.Arches overrides, even unsupported ones",
			json:   `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_MIPS"]}`,
			opts:   Options{Arches: []*syscalls.Arch{syscalls.X86}},
			def:    eperm,
			arches: []*syscalls.Arch{syscalls.X86},
		},
		{
			name:  "flags and listener carried",
			json:  `{"defaultAction":"SCMP_ACT_ALLOW","flags":["SECCOMP_FILTER_FLAG_LOG","SECCOMP_FILTER_FLAG_TSYNC","SECCOMP_FILTER_FLAG_SPEC_ALLOW","SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],"listenerPath":"/run/agent.sock","listenerMetadata":"x=1"}`,
			def:   policy.Allow,
			flags: []string{"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"},
			check: func(t *testing.T, p *Profile) {
				if p.ListenerPath != "/run/agent.sock" || p.ListenerMetadata != "x=1" {
					t.Errorf("listener %q %q", p.ListenerPath, p.ListenerMetadata)
				}
			},
		},
		{
			name:  "an empty flags list differs from none",
			json:  `{"defaultAction":"SCMP_ACT_ALLOW","flags":[]}`,
			def:   policy.Allow,
			flags: []string{},
		},
		{
			name: "docker includes and excludes",
			json: `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[
				{"names":["read"],"action":"SCMP_ACT_ALLOW","includes":{"arches":["amd64","x32"]}},
				{"names":["write"],"action":"SCMP_ACT_ALLOW","includes":{"arches":["arm64"]}},
				{"names":["open"],"action":"SCMP_ACT_ALLOW","excludes":{"arches":["amd64"]}},
				{"names":["close"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_KILL","CAP_CHOWN"]}},
				{"names":["mount"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_KILL","CAP_SYS_ADMIN"]}},
				{"names":["kill"],"action":"SCMP_ACT_ALLOW","excludes":{"caps":["CAP_SYS_ADMIN","CAP_KILL"]}},
				{"names":["ptrace"],"action":"SCMP_ACT_ALLOW","excludes":{"minKernel":"6.19"}},
				{"names":["pidfd_open"],"action":"SCMP_ACT_ALLOW","excludes":{"minKernel":"6.18"}},
				{"names":["bpf"],"action":"SCMP_ACT_ALLOW","includes":{"minKernel":"5.8","caps":["CAP_KILL"],"arches":["amd64"]}}]}`,
			opts:  x64,
			def:   eperm,
			rules: []string{"read -> allow", "close -> allow", "ptrace -> allow", "bpf -> allow"},
		},
		{
			name:  "x86 host spells itself x86",
			json:  `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","includes":{"arches":["x86"]}},{"names":["write"],"action":"SCMP_ACT_ALLOW","includes":{"arches":["amd64"]}}]}`,
			opts:  Options{HostArch: syscalls.X86},
			def:   eperm,
			rules: []string{"read -> allow"},
		},
		{
			name:  "unknown names in entries Docker drops are not looked at",
			json:  `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["s390_only_thing"],"action":"SCMP_ACT_BOGUS","includes":{"arches":["s390x"]}}]}`,
			opts:  x64,
			def:   eperm,
			rules: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.json), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if p.DefaultAction != tt.def {
				t.Errorf("default %s, want %s", p.DefaultAction, tt.def)
			}
			wantArches := tt.arches
			if wantArches == nil && tt.opts.HostArch != nil {
				wantArches = []*syscalls.Arch{tt.opts.HostArch}
			}
			if !slices.Equal(p.Arches, wantArches) {
				t.Errorf("arches %v, want %v", archNames(p.Arches), archNames(wantArches))
			}
			var got []string
			for _, r := range p.Rules {
				got = append(got, r.String())
			}
			if !slices.Equal(got, tt.rules) {
				t.Errorf("rules:\n got %q\nwant %q", got, tt.rules)
			}
			if !reflect.DeepEqual(p.Flags, tt.flags) {
				t.Errorf("flags %#v, want %#v", p.Flags, tt.flags)
			}
			if p.BadArch() != policy.KillProcess {
				t.Errorf("bad-arch action %s, want kill-process", p.BadArch())
			}
			if tt.check != nil {
				tt.check(t, p)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		json string
		opts Options
		want []string // substrings of the error
	}{
		{"empty input", ``, Options{}, []string{"line 1, column 1"}},
		{"malformed JSON", "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [,]\n}", Options{}, []string{"malformed JSON at line 3, column 16", "invalid character ','"}},
		{"truncated JSON", "{\"defaultAction\": \"SCMP_ACT_ERRNO\"", Options{}, []string{"malformed JSON", "line 1"}},
		{"wrong type", "{\n\"defaultAction\": 5}", Options{}, []string{"line 2, column", "defaultAction", "number"}},
		{"bad minKernel", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","includes":{"minKernel":"four"}}]}`, Options{}, []string{"invalid kernel version"}},
		{"no default action", `{}`, Options{}, []string{"no defaultAction", "SCMP_ACT_ERRNO"}},
		{"no default action with syscalls", `{"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}`, Options{}, []string{"no defaultAction"}},
		{"unknown default action", `{"defaultAction":"SCMP_ACT_DENY"}`, Options{}, []string{`unknown action "SCMP_ACT_DENY"`, "SCMP_ACT_ERRNO"}},
		{"unknown rule action", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"ALLOW"}]}`, Options{}, []string{"syscalls[0]", `unknown action "ALLOW"`}},
		{"missing rule action", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"]}]}`, Options{}, []string{"syscalls[0]", "no action"}},
		{"unknown syscall with suggestion", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"},{"names":["opne"],"action":"SCMP_ACT_ALLOW"}]}`, Options{}, []string{`unknown system call "opne" in syscalls[1]: no architecture has it; did you mean`, "open", "?"}},
		{"unknown syscall even in a dropped rule", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["raed"],"action":"SCMP_ACT_ERRNO"}]}`, Options{}, []string{`unknown system call "raed" in syscalls[0]`}},
		{"empty name", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":[""],"action":"SCMP_ACT_ALLOW"}]}`, Options{}, []string{"syscalls[0]", "empty system call name"}},
		{"no names", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"action":"SCMP_ACT_ALLOW"}]}`, Options{}, []string{"syscalls[0] has no names"}},
		{"name and names", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"name":"read","names":["write"],"action":"SCMP_ACT_ALLOW"}]}`, Options{}, []string{`both "name" and "names"`}},
		{"null syscall entry", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"},null]}`, Options{}, []string{"syscalls[1] is null"}},
		{"unknown arch", `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_PDP11"]}`, Options{}, []string{"architectures[1]", "SCMP_ARCH_PDP11", "SCMP_ARCH_AARCH64"}},
		{"selected arch without a table", `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_MIPS"]}`, x64, []string{"architectures[0]", "SCMP_ARCH_MIPS"}},
		{"selected archMap sub-arch without a table", `{"defaultAction":"SCMP_ACT_ERRNO","archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_PDP11"]}]}`, x64, []string{"archMap[0]", "SCMP_ARCH_PDP11"}},
		{"archMap and architectures", `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"archMap":[{"architecture":"SCMP_ARCH_X86_64"}]}`, x64, []string{`both "architectures" and "archMap"`}},
		{"bad op", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_EQUAL"}]}]}`, Options{}, []string{"syscalls[0].args[0]", `unknown op "SCMP_CMP_EQUAL"`, "SCMP_CMP_EQ"}},
		{"missing op", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1}]}]}`, Options{}, []string{"syscalls[0].args[0]", "no op"}},
		{"index 6", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}]}`, Options{}, []string{"syscalls[0].args[0]", "argument index 6 is out of range"}},
		{"errnoRet 5000", `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO","errnoRet":5000}]}`, Options{}, []string{"syscalls[0]", "errnoRet 5000 is above 4095"}},
		{"defaultErrnoRet 5000", `{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":5000}`, Options{}, []string{"defaultErrnoRet 5000 is above 4095"}},
		{"negative errnoRet", `{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":-1}`, Options{}, []string{"line 1", "defaultErrnoRet"}},
		{"unknown flag", `{"defaultAction":"SCMP_ACT_ERRNO","flags":["SECCOMP_FILTER_FLAG_NEW_LISTENER"]}`, Options{}, []string{`unknown seccomp flag "SECCOMP_FILTER_FLAG_NEW_LISTENER"`, "SECCOMP_FILTER_FLAG_LOG"}},
		{"bad Options.Kernel", `{"defaultAction":"SCMP_ACT_ERRNO"}`, Options{Kernel: "latest"}, []string{`Options.Kernel "latest"`, "major.minor"}},
		{"several errors at once", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["raed"],"action":"SCMP_ACT_ALLOW"},{"names":["wrtie"],"action":"SCMP_ACT_ALLOW"}]}`, Options{}, []string{`"raed" in syscalls[0]`, `"wrtie" in syscalls[1]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.json), tt.opts)
			if err == nil {
				t.Fatalf("no error; policy %+v", p)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestFromDockerDoesNotModify(t *testing.T) {
	s := &mobyseccomp.Seccomp{
		LinuxSeccomp: specs.LinuxSeccomp{DefaultAction: specs.ActErrno},
		Syscalls:     []*mobyseccomp.Syscall{{Name: "read", LinuxSyscall: specs.LinuxSyscall{Action: specs.ActAllow}}},
	}
	if _, err := FromDocker(s, x64); err != nil {
		t.Fatal(err)
	}
	if s.Syscalls[0].Names != nil {
		t.Errorf("FromDocker set Names to %v", s.Syscalls[0].Names)
	}
	s.LinuxSeccomp.Syscalls = []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActAllow}}
	if _, err := FromDocker(s, x64); err == nil {
		t.Error("FromDocker accepted rules in the embedded LinuxSeccomp.Syscalls")
	}
	if _, err := FromDocker(nil, x64); err == nil {
		t.Error("FromDocker accepted nil")
	}
	if _, err := FromOCI(nil, x64); err == nil {
		t.Error("FromOCI accepted nil")
	}
}

func TestFromOCI(t *testing.T) {
	one := uint(1)
	s := &specs.LinuxSeccomp{
		DefaultAction:   specs.ActErrno,
		DefaultErrnoRet: &one,
		Architectures:   []specs.Arch{specs.ArchX86_64},
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"read", "write"}, Action: specs.ActAllow},
			{Names: []string{"bogus"}, Action: specs.ActAllow},
		},
	}
	if _, err := FromOCI(s, x64); err == nil || !strings.Contains(err.Error(), `"bogus" in syscalls[1]`) {
		t.Errorf("error %v, want one about bogus", err)
	}
	p, err := FromOCI(s, with(x64, func(o *Options) { o.IgnoreUnknown = true }))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rules) != 2 || !slices.Equal(p.Arches, []*syscalls.Arch{syscalls.X86_64}) {
		t.Errorf("got %v on %v", p.Rules, archNames(p.Arches))
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.json")
	if err := os.WriteFile(path, []byte(`{"defaultAction":"SCMP_ACT_LOG"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{\"defaultAction\":}"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		arg     string
		def     policy.Action
		wantErr []string
	}{
		{"builtin", DockerDefaultName, policy.Errno(uint16(unix.EPERM)), nil},
		{"file", path, policy.Log, nil},
		{"missing file", filepath.Join(dir, "nope.json"), policy.Action{}, []string{"not found", "docker-default"}},
		{"bad file names itself", bad, policy.Action{}, []string{bad, "line 1, column 18"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Load(tt.arg, x64)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatal("no error")
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.DefaultAction != tt.def {
				t.Errorf("default %s, want %s", p.DefaultAction, tt.def)
			}
		})
	}
	if got := Builtins(); !slices.Equal(got, []string{"docker-default"}) {
		t.Errorf("Builtins() = %v", got)
	}
}

func TestPosition(t *testing.T) {
	data := []byte("ab\ncd\nef")
	tests := []struct {
		off       int64
		line, col int
	}{
		{0, 1, 1}, {1, 1, 1}, {2, 1, 2}, {4, 2, 1}, {5, 2, 2}, {8, 3, 2}, {100, 3, 2},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.off), func(t *testing.T) {
			if l, c := position(data, tt.off); l != tt.line || c != tt.col {
				t.Errorf("position(%d) = %d:%d, want %d:%d", tt.off, l, c, tt.line, tt.col)
			}
		})
	}
}
