package policy

import (
	"errors"
	"fmt"
	"strings"

	"github.com/entitle-dev/entitle/internal/linux"
	"github.com/entitle-dev/entitle/syscalls"
)

// Op is an argument comparison operator.
type Op uint8

// Comparison operators. All compare unsigned values.
const (
	OpInvalid  Op = iota
	OpEQ          // arg == value
	OpNE          // arg != value
	OpLT          // arg < value
	OpLE          // arg <= value
	OpGT          // arg > value
	OpGE          // arg >= value
	OpMaskedEQ    // arg & mask == value & mask
)

var opNames = [...]string{"invalid", "==", "!=", "<", "<=", ">", ">=", "&=="}

func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return fmt.Sprintf("Op(%d)", o)
}

// Cond is one condition on a system call argument.
//
// Values are 64-bit and compared unsigned, as the kernel stores them in
// struct seccomp_data. A negative constant such as AT_FDCWD (-100) is its
// two's-complement pattern: 0xFFFFFFFFFFFFFF9C.
//
// Width32 compares only the low 32 bits of the argument and of Value. Use it
// for arguments the kernel declares as int or unsigned int: the kernel reads
// only their low half, and C libraries differ in what they leave in the high
// half (glibc 2.36 zero-extends AT_FDCWD, later versions sign-extend it).
// Without Width32, 0x00000000FFFFFF9C and 0xFFFFFFFFFFFFFF9C are different
// values. On 32-bit architectures every condition compares 32 bits.
type Cond struct {
	Arg     uint8  // argument index, 0..5
	Op      Op     // comparison
	Value   uint64 // right-hand side
	Mask    uint64 // OpMaskedEQ only
	Width32 bool   // compare the low 32 bits only
}

// Match reports whether argument value v satisfies c on an architecture
// whose arguments are bits wide (64 or 32).
func (c Cond) Match(v uint64, bits int) bool {
	val, mask := c.Value, c.Mask
	if c.Width32 || bits == 32 {
		v, val, mask = v&0xFFFFFFFF, val&0xFFFFFFFF, mask&0xFFFFFFFF
	}
	switch c.Op {
	case OpEQ:
		return v == val
	case OpNE:
		return v != val
	case OpLT:
		return v < val
	case OpLE:
		return v <= val
	case OpGT:
		return v > val
	case OpGE:
		return v >= val
	case OpMaskedEQ:
		return v&mask == val&mask
	}
	return false
}

func (c Cond) String() string {
	arg := fmt.Sprintf("a%d", c.Arg)
	if c.Width32 {
		arg += ".lo32"
	}
	if c.Op == OpMaskedEQ {
		return fmt.Sprintf("%s & %#x == %#x", arg, c.Mask, c.Value&c.Mask)
	}
	return fmt.Sprintf("%s %s %#x", arg, c.Op, c.Value)
}

// Rule applies Action to a system call when all of its conditions hold.
// Several rules for one system call are alternatives: the call matches if any
// of them matches.
type Rule struct {
	Syscall string
	Action  Action
	Conds   []Cond // AND-ed; empty means "always"
}

// Matches reports whether args satisfy every condition of r.
func (r *Rule) Matches(args [6]uint64, bits int) bool {
	for _, c := range r.Conds {
		if int(c.Arg) >= len(args) || !c.Match(args[c.Arg], bits) {
			return false
		}
	}
	return true
}

func (r Rule) String() string {
	var b strings.Builder
	b.WriteString(r.Syscall)
	if len(r.Conds) > 0 {
		b.WriteString("(")
		for i, c := range r.Conds {
			if i > 0 {
				b.WriteString(" && ")
			}
			b.WriteString(c.String())
		}
		b.WriteString(")")
	}
	b.WriteString(" -> ")
	b.WriteString(r.Action.String())
	return b.String()
}

// Policy is a complete seccomp policy.
//
// Its meaning, which the reference evaluator (Evaluate) defines and the
// compiler must reproduce exactly:
//
//  1. A call from an architecture the policy does not list gets
//     BadArchAction (default kill-process). x86_64 and x32 share one audit
//     arch: numbers with bit 30 set (0x40000000..0xFFFFFFFE) are x32 calls and
//     get BadArchAction unless x32 is listed; numbers below it get
//     BadArchAction unless x86_64 is listed.
//  2. A number the architecture's table does not know (holes, numbers above
//     the highest known one, negative numbers including -1) gets
//     UnknownAction (default errno(ENOSYS)), so C libraries fall back to older
//     calls the way they do under runc, instead of failing on EPERM.
//  3. Otherwise the rules for that call are tried. If several match, the
//     kernel's precedence decides: the most restrictive action wins
//     (kill-process, kill-thread, trap, errno, notify, trace, log, allow);
//     among actions of the same kind, the rule listed first wins.
//  4. If none matches, DefaultAction.
type Policy struct {
	DefaultAction Action
	// Arches lists the architectures whose calls are decided by the rules.
	// Empty means the native architecture only.
	Arches        []*syscalls.Arch
	BadArchAction Action // zero: kill-process
	UnknownAction Action // zero: errno(ENOSYS)
	Rules         []Rule
}

// ArchList returns the architectures the policy decides (the native one if
// none is listed).
func (p *Policy) ArchList() []*syscalls.Arch {
	if len(p.Arches) == 0 {
		return []*syscalls.Arch{syscalls.Native()}
	}
	return p.Arches
}

// BadArch returns the action for calls from unlisted architectures.
func (p *Policy) BadArch() Action {
	if p.BadArchAction.IsSet() {
		return p.BadArchAction
	}
	return KillProcess
}

// Unknown returns the action for numbers the syscall table does not know.
func (p *Policy) Unknown() Action {
	if p.UnknownAction.IsSet() {
		return p.UnknownAction
	}
	return Errno(uint16(linux.ENOSYS))
}

// Validate checks that p can be compiled: a default action, known
// architectures without duplicates, rules naming known system calls,
// argument indexes 0..5, valid operators and errno values. Errors name the
// offending rule and say how to fix it.
func (p *Policy) Validate() error {
	var errs []error
	if !p.DefaultAction.IsSet() {
		errs = append(errs, errors.New("policy has no default action: set one, for example errno(EPERM)"))
	}
	seen := map[string]bool{}
	for _, a := range p.Arches {
		if a == nil {
			errs = append(errs, errors.New("policy lists a nil architecture"))
			continue
		}
		if seen[a.Name()] {
			errs = append(errs, fmt.Errorf("architecture %s is listed twice", a.Name()))
		}
		seen[a.Name()] = true
	}
	for _, a := range []Action{p.DefaultAction, p.BadArchAction, p.UnknownAction} {
		if err := checkAction(a); err != nil {
			errs = append(errs, err)
		}
	}
	for i := range p.Rules {
		if err := p.Rules[i].validate(); err != nil {
			errs = append(errs, fmt.Errorf("rule %d (%s): %w", i+1, p.Rules[i].Syscall, err))
		}
	}
	return errors.Join(errs...)
}

func checkAction(a Action) error {
	if a.Kind > ActAllow {
		return fmt.Errorf("invalid action kind %d", a.Kind)
	}
	if a.Kind == ActErrno && a.Data > MaxErrno {
		return fmt.Errorf("errno %d is above %d, the largest the kernel returns", a.Data, MaxErrno)
	}
	return nil
}

func (r *Rule) validate() error {
	if !syscalls.Known(r.Syscall) {
		msg := fmt.Sprintf("unknown system call %q", r.Syscall)
		if near := syscalls.Nearest(r.Syscall, 3); len(near) > 0 {
			msg += "; did you mean " + strings.Join(near, ", ") + "?"
		}
		return errors.New(msg)
	}
	if !r.Action.IsSet() {
		return errors.New("rule has no action")
	}
	if err := checkAction(r.Action); err != nil {
		return err
	}
	for _, c := range r.Conds {
		if c.Arg > 5 {
			return fmt.Errorf("argument index %d is out of range: system calls have arguments 0 to 5", c.Arg)
		}
		if c.Op == OpInvalid || c.Op > OpMaskedEQ {
			return fmt.Errorf("invalid operator %d on argument %d", c.Op, c.Arg)
		}
		if c.Width32 && (c.Value>>32 != 0 && c.Value>>32 != 0xFFFFFFFF) {
			return fmt.Errorf("argument %d is compared on 32 bits but the value %#x does not fit in 32 bits", c.Arg, c.Value)
		}
	}
	return nil
}

// Evaluate decides a system call the way the compiled filter must: the
// reference semantics of the policy (see Policy). It does not validate p.
func (p *Policy) Evaluate(auditArch, nr uint32, args [6]uint64) Action {
	arch := p.resolveArch(auditArch, nr)
	if arch == nil {
		if auditArch == syscalls.X86_64.AuditArch() && nr == 0xFFFFFFFF && p.hasAudit(auditArch) {
			return p.Unknown()
		}
		return p.BadArch()
	}
	name, ok := arch.SyscallName(nr)
	if !ok {
		return p.Unknown()
	}
	var best Action
	for i := range p.Rules {
		r := &p.Rules[i]
		if r.Syscall != name || !r.Matches(args, arch.Bits()) {
			continue
		}
		if !best.IsSet() || MoreRestrictive(r.Action, best) {
			best = r.Action
		}
	}
	if best.IsSet() {
		return best
	}
	return p.DefaultAction
}

func (p *Policy) hasAudit(audit uint32) bool {
	for _, a := range p.ArchList() {
		if a.AuditArch() == audit {
			return true
		}
	}
	return false
}

// resolveArch returns the table that decides (auditArch, nr), or nil when
// the call gets the bad-arch action. nr == -1 on x86_64 is handled by the
// caller.
func (p *Policy) resolveArch(auditArch, nr uint32) *syscalls.Arch {
	var found *syscalls.Arch
	for _, a := range p.ArchList() {
		if a.AuditArch() != auditArch {
			continue
		}
		if auditArch == syscalls.X86_64.AuditArch() {
			isX32 := nr >= syscalls.X32.SyscallBase() && nr != 0xFFFFFFFF
			if (a == syscalls.X32) != isX32 {
				continue
			}
		}
		found = a
	}
	return found
}
