package entitle

import (
	"encoding/binary"
	"fmt"
	"syscall"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/compiler"
	"github.com/entitle-dev/entitle/internal/linux"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/sim"
	"github.com/entitle-dev/entitle/syscalls"
)

// Action is what the kernel does with a system call: the violation action
// of a Policy (Errno, Kill or Log) or the action of an extra Rule (also
// Allow). The zero Action is Errno(EPERM) as a violation action; a Rule
// must name its action.
type Action struct{ a policy.Action }

// Violation is the earlier name of Action.
//
// Deprecated: use Action.
type Violation = Action

// Errno makes calls fail with errno e (EPERM is the default violation; e
// must be 1..4095: errno 0 would make denied calls look successful).
func Errno(e syscall.Errno) Action { return Action{policy.Errno(uint16(min(e, 0xFFFF)))} }

var (
	// Allow lets the call run (for extra rules).
	Allow = Action{policy.Allow}
	// Kill kills the whole process (SECCOMP_RET_KILL_PROCESS) at the first
	// denied call, with SIGSYS and a core dump if enabled. Never the thread
	// alone: a Go program whose thread dies hangs (golang/go#30753).
	Kill = Action{policy.KillProcess}
	// Log lets denied calls run and has the kernel log them (audit log or
	// kernel log, rate-limited; see /proc/sys/kernel/seccomp/actions_logged).
	// It confines nothing: use it to find out what a program needs.
	Log = Action{policy.Log}
)

// ParseAction reads an action as policy files write it: "allow", "errno"
// (EPERM), "errno(13)", "errno(EACCES)", "kill" (the process), "log",
// "trace(N)", and libseccomp's SCMP_ACT_* names. Actions a Policy cannot
// use (kill-thread, trap, notify) parse, and Apply refuses them with the
// reason.
func ParseAction(s string) (Action, error) {
	a, err := policy.ParseAction(s)
	if err != nil {
		return Action{}, fmt.Errorf("%w: %w", ErrInvalidPolicy, err)
	}
	return Action{a}, nil
}

// violation returns a as a violation action (the zero Action is EPERM).
func (a Action) violation() policy.Action {
	if !a.a.IsSet() {
		return policy.Errno(linux.EPERM)
	}
	return a.a
}

// String renders a as ParseAction reads it ("errno(EPERM)", "allow",
// "kill-process", "log").
func (a Action) String() string { return a.violation().String() }

// Rule is an extra raw rule: Action decides Syscall when every condition
// in Args holds (Args empty: always). Several rules for one call are
// alternatives; when several match, the most restrictive action wins, as
// in the kernel.
type Rule struct {
	Syscall string // a system call name of the native architecture ("ioctl")
	Action  Action
	Args    []Arg
}

// Arg is a condition on one argument of the call: argument Index (0..5)
// compared with Value by Op, unsigned. MaskedEqual compares arg&Mask with
// Value&Mask. Width32 compares only the low 32 bits, for arguments the
// kernel declares int or unsigned int (C libraries differ in what they
// leave in the high half). A negative constant is its two's complement
// (AT_FDCWD, -100, is 0xFFFFFFFFFFFFFF9C).
type Arg struct {
	Index   int
	Op      Op
	Value   uint64
	Mask    uint64
	Width32 bool
}

// Op is an argument comparison.
type Op uint8

// The comparisons of Arg.
const (
	Equal          Op = Op(policy.OpEQ)
	NotEqual       Op = Op(policy.OpNE)
	Less           Op = Op(policy.OpLT)
	LessOrEqual    Op = Op(policy.OpLE)
	Greater        Op = Op(policy.OpGT)
	GreaterOrEqual Op = Op(policy.OpGE)
	MaskedEqual    Op = Op(policy.OpMaskedEQ)
)

func (o Op) String() string { return policy.Op(o).String() }

// rule converts r for the catalog (which validates the rest).
func (r Rule) rule() (policy.Rule, error) {
	out := policy.Rule{Syscall: r.Syscall, Action: r.Action.a}
	for _, a := range r.Args {
		if a.Index < 0 || a.Index > 5 {
			return out, fmt.Errorf("%s: argument index %d: a system call has arguments 0 to 5", r.Syscall, a.Index)
		}
		if a.Op < Equal || a.Op > MaskedEqual {
			return out, fmt.Errorf("%s: argument %d: no comparison (Op): use Equal, NotEqual, Less, LessOrEqual, Greater, GreaterOrEqual or MaskedEqual", r.Syscall, a.Index)
		}
		out.Conds = append(out.Conds, policy.Cond{Arg: uint8(a.Index), Op: policy.Op(a.Op), Value: a.Value, Mask: a.Mask, Width32: a.Width32})
	}
	return out, nil
}

// String renders r as "ioctl(a1.lo32 == 0x5401) -> allow".
func (r Rule) String() string {
	pr, err := r.rule()
	if err != nil {
		return fmt.Sprintf("%s (invalid: %v)", r.Syscall, err)
	}
	return pr.String()
}

// Program is a compiled filter (Policy.Program): what Apply installs.
type Program struct{ prog *compiler.Program }

// Bytes returns the filter as the kernel loads it: struct sock_filter
// records (8 bytes each) in native byte order.
func (p *Program) Bytes() []byte { return p.prog.Bytes() }

// Len returns the number of BPF instructions.
func (p *Program) Len() int { return len(p.prog.Insns) }

// String returns the disassembly, with system call names.
func (p *Program) String() string { return p.prog.Asm() }

// Decide runs the filter on the native architecture's system call name
// with args (missing ones are 0), exactly as the kernel runs it, and
// returns its action.
func (p *Program) Decide(name string, args ...uint64) (Action, error) {
	arch := syscalls.Native()
	nr, ok := arch.Number(name)
	if !ok {
		return Action{}, fmt.Errorf("%w: unknown system call %q on %s", ErrInvalidPolicy, name, arch.Name())
	}
	if len(args) > 6 {
		return Action{}, fmt.Errorf("%w: %s: %d arguments, a system call has at most 6", ErrInvalidPolicy, name, len(args))
	}
	d := sim.Data{Nr: nr, Arch: arch.AuditArch()}
	copy(d.Args[:], args)
	ret, _, err := sim.Run(p.prog.Insns, d, binary.NativeEndian)
	if err != nil {
		return Action{}, fmt.Errorf("entitle: %w", err)
	}
	return Action{policy.FromRet(ret)}, nil
}

// Version is an entitlement set: what base and every entitlement grant.
// A released version decides the same in every later release of entitle
// (a test pins each version's decisions), so a program that names one
// keeps the sandbox it was tested with. The zero Version follows the
// latest set.
type Version int

// The entitlement sets.
const (
	V1     Version = Version(catalog.V1)
	V2     Version = Version(catalog.V2) // base also allows querying the ambient capabilities and setting the own RLIMIT_CORE
	Latest Version = Version(catalog.Latest)
)

// Apply is Policy{Version: v, Entitlements: ents}.Apply().
func (v Version) Apply(ents ...Entitlement) error {
	return Policy{Version: v, Entitlements: ents}.Apply()
}

func (v Version) String() string { return catalog.Version(v).String() }
