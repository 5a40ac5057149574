package catalog

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/syscalls"
)

// TestBuildRules: the one set of rules every entry point gets (the
// library, entitle run, policy files, the CLI).
func TestBuildRules(t *testing.T) {
	x86 := []*syscalls.Arch{syscalls.X86_64}
	mount := func(a policy.Action) []policy.Rule { return []policy.Rule{{Syscall: "mount", Action: a}} }
	for _, tc := range []struct {
		name string
		r    Request
		want string // "" = accepted
	}{
		{"default", Request{}, ""},
		{"errno", Request{Violation: policy.Errno(13)}, ""},
		{"kill", Request{Violation: policy.KillProcess}, ""},
		{"log", Request{Violation: policy.Log}, ""},
		{"errno 0", Request{Violation: policy.Errno(0)}, "the errno must be 1..4095"},
		{"errno 4096", Request{Violation: policy.Errno(4096)}, "the errno must be 1..4095"},
		{"kill-thread", Request{Violation: policy.KillThread}, "use kill (kill-process)"},
		{"trap", Request{Violation: policy.Trap(0)}, "use errno (EPERM), errno(N or NAME), kill or log"},
		{"notify", Request{Violation: policy.Notify}, "use errno"},
		{"allow", Request{Violation: policy.Allow}, "use errno"},
		{"trace", Request{Violation: policy.Trace(1)}, "use errno"},
		{"deny-list log", Request{Mode: DenyList, Violation: policy.Log}, "denies nothing"},
		{"deny-list kill", Request{Mode: DenyList, Violation: policy.KillProcess}, ""},
		{"deny-list extra allow", Request{Mode: DenyList, Extra: mount(policy.Allow)}, "cannot override a denial"},
		{"deny-list extra errno", Request{Mode: DenyList, Extra: mount(policy.Errno(1))}, ""},
		{"extra no action", Request{Extra: mount(policy.Action{})}, "extra rule 1 (mount -> unset): no action"},
		{"extra kill-thread in process", Request{InProcess: true, Extra: mount(policy.KillThread)}, "kill-thread leaves a Go program hung"},
		{"extra trap in process", Request{InProcess: true, Extra: mount(policy.Trap(0))}, "SIGSYS"},
		{"extra notify in process", Request{InProcess: true, Extra: mount(policy.Notify)}, "listener"},
		{"extra kill-thread for a command", Request{Extra: mount(policy.KillThread)}, ""},
		{"extra trap for a command", Request{Extra: mount(policy.Trap(0))}, ""},
		{"extra trace in process", Request{InProcess: true, Extra: mount(policy.Trace(0))}, ""},
		// Validated: an unknown call or argument in an extra rule.
		{"extra unknown syscall", Request{Extra: []policy.Rule{{Syscall: "mountt", Action: policy.Allow}}}, "mountt"},
		{"extra bad argument", Request{Extra: []policy.Rule{{Syscall: "ioctl", Action: policy.Allow, Conds: []policy.Cond{{Arg: 7, Op: policy.OpEQ}}}}}, "ioctl"},
		{"unknown entitlement", Request{Entitlements: []string{"fs.raed"}}, "did you mean fs.read?"},
		{"unknown mode", Request{Mode: Mode(7)}, "unknown mode"},
		{"self pid", Request{SelfPID: OwnPID}, "not a process id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.r.Arches == nil {
				tc.r.Arches = x86
			}
			p, err := Build(tc.r)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && err == nil:
				t.Fatalf("accepted, want an error containing %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("error %q does not contain %q", err, tc.want)
			case err == nil:
				if err := p.Validate(); err != nil {
					t.Fatalf("built an invalid policy: %v", err)
				}
			}
		})
	}
}

// TestCheckViolation: the violation rules Build applies are the ones
// policy files and the CLI check where the action is written.
func TestCheckViolation(t *testing.T) {
	for _, a := range []policy.Action{{}, policy.Errno(0), policy.Errno(1), policy.Errno(4095), policy.Errno(4096),
		policy.KillProcess, policy.KillThread, policy.Trap(0), policy.Notify, policy.Trace(0), policy.Log, policy.Allow} {
		for _, m := range []Mode{AllowList, DenyList} {
			_, berr := Build(Request{Mode: m, Violation: a, Arches: []*syscalls.Arch{syscalls.X86_64}})
			cerr := CheckViolation(a, m)
			if (berr == nil) != (cerr == nil) {
				t.Errorf("%v in %v: Build %v, CheckViolation %v", a, m, berr, cerr)
			}
		}
	}
}

func TestScope(t *testing.T) {
	for _, tc := range []struct {
		s    Scope
		want []string
	}{
		{Scope{}, nil},
		{Scope{Read: true}, []string{"fs.read"}},
		{Scope{Write: true}, []string{"fs.read", "fs.write", "fs.create"}}, // not fs.attr: Landlock cannot scope modes and times
		{Scope{Exec: true}, []string{"proc.exec"}},
		{Scope{Bind: true, Connect: true}, []string{"net.server", "net.client"}},
	} {
		if got := tc.s.Implied(); !slices.Equal(got, tc.want) {
			t.Errorf("%+v.Implied() = %v, want %v", tc.s, got, tc.want)
		}
	}
	r := Request{Entitlements: []string{"fs.read", "net.dns", "fs.read"}, Scope: Scope{Write: true, Connect: true}}
	if got, want := r.Names(), []string{"fs.read", "net.dns", "fs.write", "fs.create", "net.client"}; !slices.Equal(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}

	// The scope's implied entitlements are granted; port rules close UDP to
	// net.client (net.dns keeps it).
	x := syscalls.X86_64
	udp := [6]uint64{2, 2, 0} // socket(AF_INET, SOCK_DGRAM, 0)
	tcp := [6]uint64{2, 1, 0}
	socket, _ := x.Number("socket")
	mkdir, _ := x.Number("mkdir")
	decide := func(r Request, nr uint32, args [6]uint64) policy.Action {
		t.Helper()
		r.Arches = []*syscalls.Arch{x}
		p, err := Build(r)
		if err != nil {
			t.Fatal(err)
		}
		return p.Evaluate(x.AuditArch(), nr, args)
	}
	if got := decide(Request{Scope: Scope{Write: true}}, mkdir, [6]uint64{}); got != policy.Allow {
		t.Errorf("Write scope: mkdir %v, want allow (fs.create implied)", got)
	}
	if got := decide(Request{Scope: Scope{Connect: true}}, socket, udp); got == policy.Allow {
		t.Errorf("Connect scope: UDP socket allowed")
	}
	if got := decide(Request{Scope: Scope{Connect: true}}, socket, tcp); got != policy.Allow {
		t.Errorf("Connect scope: TCP socket %v", got)
	}
	if got := decide(Request{Entitlements: []string{"net.client"}}, socket, udp); got != policy.Allow {
		t.Errorf("net.client unscoped: UDP socket %v", got)
	}
	if got := decide(Request{Entitlements: []string{"net.dns"}, Scope: Scope{Connect: true}}, socket, udp); got != policy.Allow {
		t.Errorf("net.dns with port rules: UDP socket %v", got)
	}

	// Implied names and named ones give the same policy.
	a, _ := Build(Request{Scope: Scope{Read: true}, Arches: []*syscalls.Arch{x}})
	b, _ := Build(Request{Entitlements: []string{"fs.read"}, Arches: []*syscalls.Arch{x}})
	if !reflect.DeepEqual(a, b) {
		t.Error("Scope{Read} and fs.read differ")
	}
}

// TestBuildExtraNotShared: the built policy does not share the caller's
// rule conditions.
func TestBuildExtraNotShared(t *testing.T) {
	extra := []policy.Rule{{Syscall: "ioctl", Action: policy.Allow, Conds: []policy.Cond{{Arg: 1, Op: policy.OpEQ, Value: 1}}}}
	p, err := Build(Request{Extra: extra, Arches: []*syscalls.Arch{syscalls.X86_64}})
	if err != nil {
		t.Fatal(err)
	}
	extra[0].Conds[0].Value = 2
	if last := p.Rules[len(p.Rules)-1]; last.Conds[0].Value != 1 {
		t.Errorf("the policy changed with the caller's rule: %v", last)
	}
}
