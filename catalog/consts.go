package catalog

import (
	"github.com/entitle-dev/entitle/internal/linux"
	"github.com/entitle-dev/entitle/policy"
)

// The argument rules take the kernel's constants from internal/linux: the
// values of the asm-generic family of architectures (x86_64, x32, i386,
// aarch64, arm, riscv64, loongarch64), which agree on every constant the
// rules use; Policy refuses architectures whose constants differ (mips,
// powerpc, sparc, alpha, parisc, s390). What is here are the rules' own
// combinations of them.
const (
	// cloneNewMask is every CLONE_NEW* flag clone(2) accepts: NEWNS,
	// NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET — the mask of
	// Docker's default profile. CLONE_NEWTIME (0x80) is not included: in
	// clone(2) that bit belongs to the exit signal; only clone3 and
	// unshare accept CLONE_NEWTIME.
	cloneNewMask = linux.CLONE_NEWNS | linux.CLONE_NEWCGROUP | linux.CLONE_NEWUTS | linux.CLONE_NEWIPC |
		linux.CLONE_NEWUSER | linux.CLONE_NEWPID | linux.CLONE_NEWNET
	// threadMust are the flags every thread clone carries.
	threadMust = linux.CLONE_VM | linux.CLONE_SIGHAND | linux.CLONE_THREAD

	// modeSetID are the set-user-ID and set-group-ID mode bits.
	modeSetID = linux.S_ISUID | linux.S_ISGID

	// fanotifyFlagsOK are the fanotify_init(2) flags fs.watch allows:
	// close-on-exec, non-blocking, and the reporting formats that hand out
	// no descriptor (thread ids, file handles, names, error codes, mount
	// ids). Everything else is refused, including flags newer kernels may
	// add: FAN_CLASS_CONTENT (0x4) and FAN_CLASS_PRE_CONTENT (0x8),
	// permission classes that block other processes' opens and reads;
	// FAN_UNLIMITED_QUEUE (0x10) and FAN_UNLIMITED_MARKS (0x20), unbounded
	// kernel memory; FAN_ENABLE_AUDIT (0x40), audit records for permission
	// decisions; FAN_REPORT_PIDFD (0x80), pidfds of every process that
	// touches a watched file.
	fanotifyFlagsOK = linux.FAN_CLOEXEC | linux.FAN_NONBLOCK | linux.FAN_REPORT_TID | linux.FAN_REPORT_FID |
		linux.FAN_REPORT_DIR_FID | linux.FAN_REPORT_NAME | linux.FAN_REPORT_TARGET_FID |
		linux.FAN_REPORT_FD_ERROR | linux.FAN_REPORT_MNT
)

// NeverIoctl returns why no entitlement may allow ioctl request req
// (TIOCSTI, TIOCLINUX), or "" when some entitlement might.
func NeverIoctl(req uint64) string { return neverIoctls[req&0xFFFFFFFF] }

// neverIoctls are ioctl requests no entitlement may allow.
var neverIoctls = map[uint64]string{
	linux.TIOCSTI:   "TIOCSTI pushes bytes into a terminal's input queue: a sandboxed program sharing the terminal could type commands into the parent shell",
	linux.TIOCLINUX: "TIOCLINUX selects and pastes console text, with the same input-injection risk as TIOCSTI",
}

// OwnPID stands for "the pid of the sandboxed process" in the signal rules
// of Base (kill, tgkill, tkill, rt_sigqueueinfo, rt_tgsigqueueinfo: first
// argument == own pid). Build replaces it with Request.SelfPID. It is above
// PID_MAX_LIMIT (2^22), so a rule that still carries it matches no real
// process.
const OwnPID = 0x7FFFFFFF

// Condition helpers. Width32 is used for arguments the kernel declares as
// int or unsigned int; 64-bit comparisons for unsigned long and pointers.

func eq32(arg uint8, v uint64) policy.Cond {
	return policy.Cond{Arg: arg, Op: policy.OpEQ, Value: v, Width32: true}
}

func eq64(arg uint8, v uint64) policy.Cond {
	return policy.Cond{Arg: arg, Op: policy.OpEQ, Value: v}
}

func mask32(arg uint8, mask, v uint64) policy.Cond {
	return policy.Cond{Arg: arg, Op: policy.OpMaskedEQ, Mask: mask, Value: v, Width32: true}
}

func mask64(arg uint8, mask, v uint64) policy.Cond {
	return policy.Cond{Arg: arg, Op: policy.OpMaskedEQ, Mask: mask, Value: v}
}

// rule allows sys when all conds hold.
func rule(sys string, conds ...policy.Cond) policy.Rule {
	return policy.Rule{Syscall: sys, Action: policy.Allow, Conds: conds}
}

// each applies the same conditions to several system calls (spellings of
// one call on different architectures, such as fcntl and fcntl64).
func each(syscalls []string, conds ...policy.Cond) []policy.Rule {
	var rs []policy.Rule
	for _, s := range syscalls {
		rs = append(rs, rule(s, conds...))
	}
	return rs
}

// oneOf allows sys when argument arg (an int) is one of values and the
// extra conditions hold: one rule per value, since a rule holds at most one
// condition per argument.
func oneOf(sys string, arg uint8, values []uint64, extra ...policy.Cond) []policy.Rule {
	var rs []policy.Rule
	for _, v := range values {
		conds := append([]policy.Cond{eq32(arg, v)}, extra...)
		rs = append(rs, rule(sys, conds...))
	}
	return rs
}

func oneOfEach(syscalls []string, arg uint8, values []uint64, extra ...policy.Cond) []policy.Rule {
	var rs []policy.Rule
	for _, s := range syscalls {
		rs = append(rs, oneOf(s, arg, values, extra...)...)
	}
	return rs
}

func ioctls(reqs ...uint64) []policy.Rule { return oneOf("ioctl", 1, reqs) }

func prctls(opts ...uint64) []policy.Rule { return oneOf("prctl", 0, opts) }

func fcntls(cmds ...uint64) []policy.Rule {
	return oneOfEach([]string{"fcntl", "fcntl64"}, 1, cmds)
}

func concat(lists ...[]policy.Rule) []policy.Rule {
	var out []policy.Rule
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
