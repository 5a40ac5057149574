//go:build linux

package policy

import (
	"fmt"
	"strings"
	"testing"

	"github.com/entitle-dev/entitle/syscalls"
	"golang.org/x/sys/unix"
)

func TestParseAction(t *testing.T) {
	cases := []struct {
		in   string
		want Action
		err  string
	}{
		{"allow", Allow, ""},
		{"SCMP_ACT_ALLOW", Allow, ""},
		{"errno", Errno(uint16(unix.EPERM)), ""},
		{"errno(13)", Errno(13), ""},
		{"errno(EACCES)", Errno(uint16(unix.EACCES)), ""},
		{"SCMP_ACT_ERRNO", Errno(uint16(unix.EPERM)), ""},
		{"kill", KillProcess, ""},
		{"kill-thread", KillThread, ""},
		{"SCMP_ACT_KILL_PROCESS", KillProcess, ""},
		{"trap", Trap(0), ""},
		{"log", Log, ""},
		{"trace(7)", Trace(7), ""},
		{"notify", Notify, ""},
		{"errno(5000)", Action{}, "above 4095"},
		{"errno(EBOGUS)", Action{}, "errno name"},
		{"allow(3)", Action{}, "takes no argument"},
		{"permit", Action{}, "unknown action"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseAction(c.in)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("got %v, %v; want error containing %q", got, err, c.err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("got %v, %v; want %v", got, err, c.want)
			}
			// String round-trips through ParseAction.
			if back, err := ParseAction(got.String()); err != nil || back != got {
				t.Fatalf("round trip of %q: %v, %v", got.String(), back, err)
			}
		})
	}
}

func TestRetRoundTrip(t *testing.T) {
	for _, a := range []Action{Allow, KillProcess, KillThread, Log, Notify, Errno(1), Errno(4095), Trace(3), Trap(9)} {
		if got := FromRet(a.Ret()); got != a {
			t.Errorf("FromRet(%v.Ret()) = %v", a, got)
		}
	}
	if FromRet(0x12345678) != KillProcess {
		t.Error("an unknown return value must decode as kill-process, as the kernel treats it")
	}
}

func TestPrecedence(t *testing.T) {
	order := []Action{KillProcess, KillThread, Trap(0), Errno(1), Notify, Trace(0), Log, Allow}
	for i := range order {
		for j := range order {
			if got := MoreRestrictive(order[i], order[j]); got != (i < j) {
				t.Errorf("MoreRestrictive(%v, %v) = %v", order[i], order[j], got)
			}
		}
	}
}

func TestValidate(t *testing.T) {
	good := Rule{Syscall: "read", Action: Allow}
	cases := []struct {
		name string
		p    Policy
		err  string
	}{
		{"ok", Policy{DefaultAction: Errno(1), Rules: []Rule{good}}, ""},
		{"no default", Policy{Rules: []Rule{good}}, "no default action"},
		{"unknown syscall", Policy{DefaultAction: Allow, Rules: []Rule{{Syscall: "getcdw", Action: Allow}}}, `unknown system call "getcdw"; did you mean getcwd`},
		{"arg out of range", Policy{DefaultAction: Allow, Rules: []Rule{{Syscall: "read", Action: Allow, Conds: []Cond{{Arg: 6, Op: OpEQ}}}}}, "argument index 6"},
		{"bad op", Policy{DefaultAction: Allow, Rules: []Rule{{Syscall: "read", Action: Allow, Conds: []Cond{{Arg: 0, Op: 42}}}}}, "invalid operator"},
		{"errno too big", Policy{DefaultAction: Errno(5000)}, "above 4095"},
		{"duplicate arch", Policy{DefaultAction: Allow, Arches: []*syscalls.Arch{syscalls.X86_64, syscalls.X86_64}}, "listed twice"},
		{"width32 value too wide", Policy{DefaultAction: Allow, Rules: []Rule{{Syscall: "read", Action: Allow, Conds: []Cond{{Arg: 0, Op: OpEQ, Value: 1 << 40, Width32: true}}}}}, "does not fit in 32 bits"},
		{"rule without action", Policy{DefaultAction: Allow, Rules: []Rule{{Syscall: "read"}}}, "no action"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.p.Validate()
			if c.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("got %v, want error containing %q", err, c.err)
			}
		})
	}
}

func ExamplePolicy_Evaluate() {
	p := &Policy{
		DefaultAction: Errno(uint16(unix.EPERM)),
		Arches:        []*syscalls.Arch{syscalls.X86_64},
		Rules: []Rule{
			{Syscall: "read", Action: Allow},
			// socket(AF_UNIX, ...) only
			{Syscall: "socket", Action: Allow, Conds: []Cond{{Arg: 0, Op: OpEQ, Value: unix.AF_UNIX, Width32: true}}},
		},
	}
	audit := syscalls.X86_64.AuditArch()
	socket, _ := syscalls.X86_64.Number("socket")
	fmt.Println(p.Evaluate(audit, socket, [6]uint64{unix.AF_UNIX}))
	fmt.Println(p.Evaluate(audit, socket, [6]uint64{unix.AF_INET}))
	fmt.Println(p.Evaluate(audit, 1000, [6]uint64{}))
	// Output:
	// allow
	// errno(EPERM)
	// errno(ENOSYS)
}
