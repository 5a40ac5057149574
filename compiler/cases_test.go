//go:build linux

package compiler

import (
	"encoding/binary"
	"testing"

	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/sim"
	"github.com/entitle-dev/entitle/syscalls"
	"golang.org/x/sys/unix"
)

const (
	auditX8664 = 0xC000003E
	auditI386  = 0x40000003
	auditAA64  = 0xC00000B7
	auditARM   = 0x40000028
	x32Bit     = 0x40000000
)

var (
	eperm  = policy.Errno(uint16(unix.EPERM))
	enosys = policy.Errno(uint16(unix.ENOSYS))
)

func nrOf(t testing.TB, a *syscalls.Arch, name string) uint32 {
	t.Helper()
	n, ok := a.Number(name)
	if !ok {
		t.Fatalf("%s has no syscall %q", a.Name(), name)
	}
	return n
}

func allow(names ...string) []policy.Rule {
	var rs []policy.Rule
	for _, n := range names {
		rs = append(rs, policy.Rule{Syscall: n, Action: policy.Allow})
	}
	return rs
}

func cond(arg uint8, op policy.Op, v uint64) policy.Cond {
	return policy.Cond{Arg: arg, Op: op, Value: v}
}

func masked(arg uint8, mask, v uint64) policy.Cond {
	return policy.Cond{Arg: arg, Op: policy.OpMaskedEQ, Mask: mask, Value: v}
}

func pol(def policy.Action, arches []*syscalls.Arch, rules ...policy.Rule) *policy.Policy {
	return &policy.Policy{DefaultAction: def, Arches: arches, Rules: rules}
}

func argRule(name string, act policy.Action, conds ...policy.Cond) policy.Rule {
	return policy.Rule{Syscall: name, Action: act, Conds: conds}
}

type decision struct {
	arch uint32
	nr   uint32
	args [6]uint64
	want policy.Action
}

// decide runs p's compiled program and its reference evaluator on d.
func decide(t *testing.T, prog *Program, d decision) (compiled, reference policy.Action) {
	t.Helper()
	order := binary.ByteOrder(binary.LittleEndian)
	for _, a := range prog.Policy.ArchList() {
		if a.AuditArch() == d.arch && a.BigEndian() {
			order = binary.BigEndian
		}
	}
	ret, _, err := sim.Run(prog.Insns, sim.Data{Nr: d.nr, Arch: d.arch, Args: d.args}, order)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return policy.FromRet(ret), prog.Policy.Evaluate(d.arch, d.nr, d.args)
}

// TestTraps is the table of known traps: every case is decided by the
// reference evaluator and by the compiled program, and both must give the
// expected action.
func TestTraps(t *testing.T) {
	x64 := []*syscalls.Arch{syscalls.X86_64}
	x64x86 := []*syscalls.Arch{syscalls.X86_64, syscalls.X86}
	x64x32 := []*syscalls.Arch{syscalls.X86_64, syscalls.X32}
	onlyX32 := []*syscalls.Arch{syscalls.X32}
	a64 := []*syscalls.Arch{syscalls.AARCH64}
	x86 := []*syscalls.Arch{syscalls.X86}
	X := syscalls.X86_64
	read, write := nrOf(t, X, "read"), nrOf(t, X, "write")
	getuid := nrOf(t, X, "getuid")
	ptrace := nrOf(t, X, "ptrace")
	reboot := nrOf(t, X, "reboot")
	clone := nrOf(t, X, "clone")
	mmapNr := nrOf(t, X, "mmap")
	openat := nrOf(t, X, "openat")
	futex := nrOf(t, X, "futex")
	setprio := nrOf(t, X, "setpriority")
	i386read := nrOf(t, syscalls.X86, "read")
	x32read := nrOf(t, syscalls.X32, "read")
	x32ptrace := nrOf(t, syscalls.X32, "ptrace")
	a64read := nrOf(t, syscalls.AARCH64, "read")
	big := uint64(1) << 32

	readOnly := pol(policy.KillProcess, x64, allow("read")...)
	denyPtrace := pol(policy.Allow, x64, argRule("ptrace", eperm))
	eqBig := pol(eperm, x64, argRule("read", policy.Allow, cond(0, policy.OpEQ, big)))
	eqOne := pol(eperm, x64, argRule("read", policy.Allow, cond(0, policy.OpEQ, 1)))
	lt := pol(eperm, x64, argRule("read", policy.Allow, cond(0, policy.OpLT, 0x123456789ABC)))
	gt := pol(eperm, x64, argRule("read", policy.Allow, cond(0, policy.OpGT, big)))
	ge := pol(eperm, x64, argRule("read", policy.Allow, cond(0, policy.OpGE, big+5)))
	le := pol(eperm, x64, argRule("read", policy.Allow, cond(0, policy.OpLE, big+5)))
	ne := pol(eperm, x64, argRule("read", policy.Allow, cond(0, policy.OpNE, 5)))
	and3 := pol(eperm, x64, argRule("read", policy.Allow, cond(0, policy.OpEQ, 0), cond(1, policy.OpEQ, 1), cond(2, policy.OpEQ, 2)))
	or2 := pol(eperm, x64, argRule("read", policy.Allow, cond(1, policy.OpEQ, 3)), argRule("read", policy.Allow, cond(1, policy.OpEQ, 4)))
	mLow := pol(eperm, x64, argRule("read", policy.Allow, masked(1, 0xFF, 1)))
	mOutside := pol(eperm, x64, argRule("read", policy.Allow, masked(1, 0xFF00, 0x3E8)))
	mHigh := pol(eperm, x64, argRule("read", policy.Allow, masked(1, 0xFFFFFFFF00000000, big)))
	dockerClone := pol(eperm, x64, argRule("clone", policy.Allow, masked(0, 0x7E020000, 0)))
	futexOps := pol(eperm, x64, argRule("futex", policy.Allow, masked(1, ^uint64(0x81), 0)))
	w32 := pol(eperm, x64, argRule("read", policy.Allow, policy.Cond{Arg: 5, Op: policy.OpEQ, Value: 0, Width32: true}))
	atFdcwd := pol(eperm, x64, argRule("openat", policy.Allow, policy.Cond{Arg: 0, Op: policy.OpEQ, Value: uint64(0xFFFFFFFFFFFFFF9C), Width32: true}))
	minus1 := pol(eperm, x64, argRule("read", policy.Allow, cond(0, policy.OpEQ, ^uint64(0))))
	prio := pol(eperm, x64, argRule("setpriority", policy.Allow, cond(2, policy.OpGT, 0)))
	prec := pol(policy.Allow, x64, argRule("read", policy.Allow, cond(0, policy.OpEQ, 1)), argRule("read", eperm, cond(1, policy.OpEQ, 2)), argRule("read", policy.KillProcess, cond(2, policy.OpEQ, 3)))
	tie := pol(policy.Allow, x64, argRule("read", policy.Errno(13), cond(0, policy.OpEQ, 1)), argRule("read", policy.Errno(22), cond(1, policy.OpEQ, 1)))
	defErrno := pol(policy.Errno(38), x64, allow("read")...)
	unknownCfg := &policy.Policy{DefaultAction: eperm, Arches: x64, UnknownAction: policy.KillProcess, Rules: allow("read")}
	badArchCfg := &policy.Policy{DefaultAction: eperm, Arches: x64, BadArchAction: policy.Errno(1), Rules: allow("read")}
	i386pol := pol(eperm, x86, argRule("read", policy.Allow, cond(0, policy.OpEQ, big+7)))
	actions := pol(policy.Allow, x64, argRule("read", policy.Trap(7)), argRule("write", policy.Trace(9)), argRule("getuid", policy.Log), argRule("ptrace", policy.Notify), argRule("reboot", policy.KillThread))

	cases := []struct {
		name string
		p    *policy.Policy
		d    decision
	}{
		{"native allowed", readOnly, decision{auditX8664, read, [6]uint64{}, policy.Allow}},
		{"native denied", readOnly, decision{auditX8664, write, [6]uint64{}, policy.KillProcess}},
		{"i386 read is bad arch", readOnly, decision{auditI386, i386read, [6]uint64{}, policy.KillProcess}},
		{"i386 socketcall=102 is not x86_64 getuid", pol(eperm, x64, allow("getuid")...), decision{auditI386, 102, [6]uint64{}, policy.KillProcess}},
		{"denylist i386 ptrace is bad arch", denyPtrace, decision{auditI386, 26, [6]uint64{}, policy.KillProcess}},
		{"denylist x32 ptrace is bad arch", denyPtrace, decision{auditX8664, x32ptrace, [6]uint64{}, policy.KillProcess}},
		{"denylist native ptrace denied", denyPtrace, decision{auditX8664, ptrace, [6]uint64{}, eperm}},
		{"x32 read not allowed without x32", readOnly, decision{auditX8664, x32Bit, [6]uint64{}, policy.KillProcess}},
		{"x32 high number bad arch", readOnly, decision{auditX8664, 0x80000000, [6]uint64{}, policy.KillProcess}},
		{"foreign arch", readOnly, decision{0xDEADBEEF, read, [6]uint64{}, policy.KillProcess}},
		{"aarch64 audit on x86_64 policy", readOnly, decision{auditAA64, a64read, [6]uint64{}, policy.KillProcess}},
		{"multi-arch i386 read", pol(eperm, x64x86, allow("read")...), decision{auditI386, i386read, [6]uint64{}, policy.Allow}},
		{"multi-arch i386 nr 0 (restart_syscall) default", pol(eperm, x64x86, allow("read")...), decision{auditI386, 0, [6]uint64{}, eperm}},
		{"x32 listed: x32 read", pol(eperm, x64x32, allow("read")...), decision{auditX8664, x32read, [6]uint64{}, policy.Allow}},
		{"x32 listed: x32 ptrace default", pol(eperm, x64x32, allow("read")...), decision{auditX8664, x32ptrace, [6]uint64{}, eperm}},
		{"x32 only: x86_64 read is bad arch", pol(eperm, onlyX32, allow("read")...), decision{auditX8664, read, [6]uint64{}, policy.KillProcess}},
		{"x32 only: x32 read", pol(eperm, onlyX32, allow("read")...), decision{auditX8664, x32read, [6]uint64{}, policy.Allow}},
		{"nr -1 is unknown, not bad arch", readOnly, decision{auditX8664, 0xFFFFFFFF, [6]uint64{}, enosys}},
		{"number above table", readOnly, decision{auditX8664, 1000, [6]uint64{}, enosys}},
		{"number just above max", readOnly, decision{auditX8664, X.Max() + 1, [6]uint64{}, enosys}},
		{"hole in table", readOnly, decision{auditX8664, 400, [6]uint64{}, enosys}},
		{"aarch64 allowed", pol(eperm, a64, allow("read")...), decision{auditAA64, a64read, [6]uint64{}, policy.Allow}},
		{"arm compat on aarch64 policy", pol(eperm, a64, allow("read")...), decision{auditARM, 3, [6]uint64{}, policy.KillProcess}},
		{"known but denied is EPERM", pol(eperm, x64, allow("read")...), decision{auditX8664, reboot, [6]uint64{}, eperm}},
		{"eq 1<<32: zero", eqBig, decision{auditX8664, read, [6]uint64{0}, eperm}},
		{"eq 1<<32: exact", eqBig, decision{auditX8664, read, [6]uint64{big}, policy.Allow}},
		{"eq 1<<32: 2<<32", eqBig, decision{auditX8664, read, [6]uint64{2 * big}, eperm}},
		{"eq 1: high half set", eqOne, decision{auditX8664, read, [6]uint64{0xFFFFFFFF00000001}, eperm}},
		{"eq 1: exact", eqOne, decision{auditX8664, read, [6]uint64{1}, policy.Allow}},
		{"lt: below", lt, decision{auditX8664, read, [6]uint64{0x123450000000}, policy.Allow}},
		{"lt: lo bigger hi equal", lt, decision{auditX8664, read, [6]uint64{0x123460000000}, eperm}},
		{"lt: hi bigger", lt, decision{auditX8664, read, [6]uint64{0x123500000000}, eperm}},
		{"gt: 0xFFFFFFFF", gt, decision{auditX8664, read, [6]uint64{0xFFFFFFFF}, eperm}},
		{"gt: equal", gt, decision{auditX8664, read, [6]uint64{big}, eperm}},
		{"gt: +1", gt, decision{auditX8664, read, [6]uint64{big + 1}, policy.Allow}},
		{"gt: hi bigger lo smaller", gt, decision{auditX8664, read, [6]uint64{2 * big}, policy.Allow}},
		{"ge: below", ge, decision{auditX8664, read, [6]uint64{big + 4}, eperm}},
		{"ge: equal", ge, decision{auditX8664, read, [6]uint64{big + 5}, policy.Allow}},
		{"ge: hi bigger", ge, decision{auditX8664, read, [6]uint64{2 * big}, policy.Allow}},
		{"le: hi smaller lo max", le, decision{auditX8664, read, [6]uint64{0xFFFFFFFF}, policy.Allow}},
		{"le: equal", le, decision{auditX8664, read, [6]uint64{big + 5}, policy.Allow}},
		{"le: +1", le, decision{auditX8664, read, [6]uint64{big + 6}, eperm}},
		{"le: hi bigger lo smaller", le, decision{auditX8664, read, [6]uint64{2 * big}, eperm}},
		{"ne: equal", ne, decision{auditX8664, read, [6]uint64{5}, eperm}},
		{"ne: high half differs", ne, decision{auditX8664, read, [6]uint64{big + 5}, policy.Allow}},
		{"ne: other", ne, decision{auditX8664, read, [6]uint64{6}, policy.Allow}},
		{"and across args: all hold", and3, decision{auditX8664, read, [6]uint64{0, 1, 2}, policy.Allow}},
		{"and across args: last fails", and3, decision{auditX8664, read, [6]uint64{0, 1, 3}, eperm}},
		{"and across args: first fails", and3, decision{auditX8664, read, [6]uint64{1, 1, 2}, eperm}},
		{"or on one arg: second", or2, decision{auditX8664, read, [6]uint64{0, 4}, policy.Allow}},
		{"or on one arg: first", or2, decision{auditX8664, read, [6]uint64{0, 3}, policy.Allow}},
		{"or on one arg: neither", or2, decision{auditX8664, read, [6]uint64{0, 5}, eperm}},
		{"masked low: 0x101", mLow, decision{auditX8664, read, [6]uint64{0, 0x101}, policy.Allow}},
		{"masked low: 0x02", mLow, decision{auditX8664, read, [6]uint64{0, 0x02}, eperm}},
		{"masked low ignores high half", mLow, decision{auditX8664, read, [6]uint64{0, big + 1}, policy.Allow}},
		{"masked datum outside mask: 0x300", mOutside, decision{auditX8664, read, [6]uint64{0, 0x300}, policy.Allow}},
		{"masked datum outside mask: 0x3FF", mOutside, decision{auditX8664, read, [6]uint64{0, 0x3FF}, policy.Allow}},
		{"masked datum outside mask: 0x2FF", mOutside, decision{auditX8664, read, [6]uint64{0, 0x2FF}, eperm}},
		{"masked high: 0x1DEADBEEF", mHigh, decision{auditX8664, read, [6]uint64{0, big + 0xDEADBEEF}, policy.Allow}},
		{"masked high: 2<<32", mHigh, decision{auditX8664, read, [6]uint64{0, 2 * big}, eperm}},
		{"docker clone: Go thread flags", dockerClone, decision{auditX8664, clone, [6]uint64{0x50F00}, policy.Allow}},
		{"docker clone: CLONE_NEWUSER", dockerClone, decision{auditX8664, clone, [6]uint64{0x10000000}, eperm}},
		{"futex op allowlist 0x80", futexOps, decision{auditX8664, futex, [6]uint64{0, 0x80}, policy.Allow}},
		{"futex op allowlist 0x81", futexOps, decision{auditX8664, futex, [6]uint64{0, 0x81}, policy.Allow}},
		{"futex op allowlist 0x09", futexOps, decision{auditX8664, futex, [6]uint64{0, 0x09}, eperm}},
		{"32-bit arg ignores high garbage", w32, decision{auditX8664, read, [6]uint64{0, 0, 0, 0, 0, 0xDEADBEEF00000000}, policy.Allow}},
		{"32-bit arg low word checked", w32, decision{auditX8664, read, [6]uint64{0, 0, 0, 0, 0, 1}, eperm}},
		{"AT_FDCWD zero-extended", atFdcwd, decision{auditX8664, openat, [6]uint64{0xFFFFFF9C}, policy.Allow}},
		{"AT_FDCWD sign-extended", atFdcwd, decision{auditX8664, openat, [6]uint64{0xFFFFFFFFFFFFFF9C}, policy.Allow}},
		{"AT_FDCWD other fd", atFdcwd, decision{auditX8664, openat, [6]uint64{3}, eperm}},
		{"64-bit -1: zero-extended differs", minus1, decision{auditX8664, read, [6]uint64{0xFFFFFFFF}, eperm}},
		{"64-bit -1: exact", minus1, decision{auditX8664, read, [6]uint64{^uint64(0)}, policy.Allow}},
		{"unsigned gt 0: -1 is huge", prio, decision{auditX8664, setprio, [6]uint64{0, 0, ^uint64(0)}, policy.Allow}},
		{"unsigned gt 0: zero", prio, decision{auditX8664, setprio, [6]uint64{0, 0, 0}, eperm}},
		{"precedence: kill beats errno and allow", prec, decision{auditX8664, read, [6]uint64{1, 2, 3}, policy.KillProcess}},
		{"precedence: errno beats allow", prec, decision{auditX8664, read, [6]uint64{1, 2, 0}, eperm}},
		{"precedence: only allow matches", prec, decision{auditX8664, read, [6]uint64{1, 0, 0}, policy.Allow}},
		{"precedence: none matches -> default", prec, decision{auditX8664, read, [6]uint64{0, 0, 0}, policy.Allow}},
		{"tie: first listed errno wins", tie, decision{auditX8664, read, [6]uint64{1, 1}, policy.Errno(13)}},
		{"tie: second alone", tie, decision{auditX8664, read, [6]uint64{0, 1}, policy.Errno(22)}},
		{"default errno value", defErrno, decision{auditX8664, write, [6]uint64{}, policy.Errno(38)}},
		{"errno 4095", pol(policy.Allow, x64, argRule("read", policy.Errno(4095))), decision{auditX8664, read, [6]uint64{}, policy.Errno(4095)}},
		{"unknown action configurable", unknownCfg, decision{auditX8664, 1000, [6]uint64{}, policy.KillProcess}},
		{"bad-arch action configurable", badArchCfg, decision{auditI386, 3, [6]uint64{}, policy.Errno(1)}},
		{"i386 compares 32 bits", i386pol, decision{auditI386, i386read, [6]uint64{7}, policy.Allow}},
		{"i386 compares 32 bits: other", i386pol, decision{auditI386, i386read, [6]uint64{8}, eperm}},
		{"trap data", actions, decision{auditX8664, read, [6]uint64{}, policy.Trap(7)}},
		{"trace data", actions, decision{auditX8664, write, [6]uint64{}, policy.Trace(9)}},
		{"log", actions, decision{auditX8664, getuid, [6]uint64{}, policy.Log}},
		{"notify", actions, decision{auditX8664, ptrace, [6]uint64{}, policy.Notify}},
		{"kill-thread", actions, decision{auditX8664, reboot, [6]uint64{}, policy.KillThread}},
		{"mmap unaffected by read rules", eqBig, decision{auditX8664, mmapNr, [6]uint64{}, eperm}},
		{"empty allowlist: everything default", pol(eperm, x64), decision{auditX8664, read, [6]uint64{}, eperm}},
		{"empty allowlist: unknown still ENOSYS", pol(eperm, x64), decision{auditX8664, 999, [6]uint64{}, enosys}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prog, err := Compile(c.p)
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			if err := sim.Validate(prog.Insns); err != nil {
				t.Fatalf("kernel would reject the program: %v", err)
			}
			got, ref := decide(t, prog, c.d)
			if ref != c.d.want {
				t.Errorf("reference evaluator: got %v, want %v", ref, c.d.want)
			}
			if got != c.d.want {
				t.Errorf("compiled program: got %v, want %v\n%s", got, c.d.want, prog.Asm())
			}
		})
	}
}
