package catalog

import "github.com/entitle-dev/entitle/policy"

// Constants used by the argument rules. They are the values of the
// asm-generic family of architectures (x86_64, x32, i386, aarch64, arm,
// riscv64, loongarch64); Policy refuses architectures whose constants
// differ (mips, powerpc, sparc, alpha, parisc, s390).
const (
	// clone(2) flags.
	cloneVM      = 0x00000100
	cloneSighand = 0x00000800
	cloneThread  = 0x00010000
	// cloneNewMask is every CLONE_NEW* flag clone(2) accepts: NEWNS,
	// NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET — the mask of
	// Docker's default profile. CLONE_NEWTIME (0x80) is not included: in
	// clone(2) that bit belongs to the exit signal; only clone3 and
	// unshare accept CLONE_NEWTIME.
	cloneNewMask = 0x7E020000
	cloneNewTime = 0x00000080
	// threadMust are the flags every thread clone carries.
	threadMust = cloneVM | cloneSighand | cloneThread

	// mmap(2).
	protWrite    = 0x2
	protExec     = 0x4
	mapAnonymous = 0x20

	// open(2).
	oAccMode = 0x3
	oWronly  = 0x1
	oRdwr    = 0x2
	oCreat   = 0x40
	oTrunc   = 0x200
	oTmpfile = 0x400000 // __O_TMPFILE; O_TMPFILE is this plus O_DIRECTORY

	// Set-user-ID and set-group-ID mode bits.
	modeSetID = 0o6000

	atEmptyPath = 0x1000

	// Sockets.
	afUnix        = 1
	afInet        = 2
	afInet6       = 10
	afNetlink     = 16
	afPacket      = 17
	sockStream    = 1
	sockDgram     = 2
	sockRaw       = 3
	sockSeqpacket = 5
	// sockTypeMask is SOCK_TYPE_MASK: the type without SOCK_NONBLOCK and
	// SOCK_CLOEXEC.
	sockTypeMask = 0xF

	ipprotoIP     = 0
	ipprotoICMP   = 1
	ipprotoTCP    = 6
	ipprotoUDP    = 17
	ipprotoIPv6   = 41
	ipprotoICMPv6 = 58
	netlinkRoute  = 0

	solSocket  = 1
	solRaw     = 255
	solPacket  = 263
	solNetlink = 270

	rlimitNofile = 7
	rlimitStack  = 3

	// shmat(2): map the segment executable.
	shmExec = 0o100000

	// fanotify_init(2) flags. fanotifyFlagsOK are the flags fs.watch
	// allows: close-on-exec, non-blocking, and the reporting formats that
	// hand out no descriptor (thread ids, file handles, names, error
	// codes, mount ids). Everything else is refused, including flags newer
	// kernels may add: FAN_CLASS_CONTENT (0x4) and FAN_CLASS_PRE_CONTENT
	// (0x8), permission classes that block other processes' opens and
	// reads; FAN_UNLIMITED_QUEUE (0x10) and FAN_UNLIMITED_MARKS (0x20),
	// unbounded kernel memory; FAN_ENABLE_AUDIT (0x40), audit records for
	// permission decisions; FAN_REPORT_PIDFD (0x80), pidfds of every
	// process that touches a watched file.
	fanCloexec       = 0x1
	fanNonblock      = 0x2
	fanReportTID     = 0x100
	fanReportFID     = 0x200
	fanReportDirFID  = 0x400
	fanReportName    = 0x800
	fanReportTarget  = 0x1000
	fanReportFDError = 0x2000
	fanReportMnt     = 0x4000
	fanotifyFlagsOK  = fanCloexec | fanNonblock | fanReportTID | fanReportFID | fanReportDirFID | fanReportName | fanReportTarget | fanReportFDError | fanReportMnt
)

// ioctl requests.
const (
	tcgets      = 0x5401
	tcsets      = 0x5402
	tcsetsw     = 0x5403
	tcsetsf     = 0x5404
	tcsbrk      = 0x5409
	tcxonc      = 0x540A
	tcflsh      = 0x540B
	tiocexcl    = 0x540C
	tiocnxcl    = 0x540D
	tiocsctty   = 0x540E
	tiocgpgrp   = 0x540F
	tiocspgrp   = 0x5410
	tiocoutq    = 0x5411
	tiocsti     = 0x5412 // never: injects input into the terminal
	tiocgwinsz  = 0x5413
	tiocswinsz  = 0x5414
	fionread    = 0x541B
	tioclinux   = 0x541C // never: console selection and paste
	tiocpkt     = 0x5420
	fionbio     = 0x5421
	tiocnotty   = 0x5422
	tiocgetd    = 0x5424
	tcsbrkp     = 0x5425
	tiocsbrk    = 0x5427
	tioccbrk    = 0x5428
	tiocgsid    = 0x5429
	tcgets2     = 0x802C542A
	tcsets2     = 0x402C542B
	tcsetsw2    = 0x402C542C
	tcsetsf2    = 0x402C542D
	tiocgptn    = 0x80045430
	tiocsptlck  = 0x40045431
	tiocgdev    = 0x80045432
	tiocgptlck  = 0x80045439
	tiocgexcl   = 0x80045440
	tiocgptpeer = 0x5441
	fionclex    = 0x5450
	fioclex     = 0x5451

	siocatmark     = 0x8905
	siocgifname    = 0x8910
	siocgifconf    = 0x8912
	siocgifflags   = 0x8913
	siocgifaddr    = 0x8915
	siocgifbrdaddr = 0x8919
	siocgifnetmask = 0x891B
	siocgifmtu     = 0x8921
	siocgifhwaddr  = 0x8927
	siocgifindex   = 0x8933

	ficlone         = 0x40049409
	ficlonerange    = 0x4020940D
	fideduperange   = 0xC0189436
	fsIocGetflags   = 0x80086601
	fsIocSetflags   = 0x40086602
	fsIoc32Getflags = 0x80046601
	fsIoc32Setflags = 0x40046602
	fsIocFsgetxattr = 0x801C581F
	fsIocFssetxattr = 0x401C5820
	fioasync        = 0x5452 // the ioctl spelling of fcntl(F_SETFL, O_ASYNC): SIGIO delivery to the F_SETOWN owner
)

// NeverIoctl returns why no entitlement may allow ioctl request req
// (TIOCSTI, TIOCLINUX), or "" when some entitlement might.
func NeverIoctl(req uint64) string { return neverIoctls[req&0xFFFFFFFF] }

// neverIoctls are ioctl requests no entitlement may allow.
var neverIoctls = map[uint64]string{
	tiocsti:   "TIOCSTI pushes bytes into a terminal's input queue: a sandboxed program sharing the terminal could type commands into the parent shell",
	tioclinux: "TIOCLINUX selects and pastes console text, with the same input-injection risk as TIOCSTI",
}

// fcntl commands.
const (
	fDupfd        = 0
	fGetfd        = 1
	fSetfd        = 2
	fGetfl        = 3
	fSetfl        = 4
	fGetlk        = 5
	fSetlk        = 6
	fSetlkw       = 7
	fSetown       = 8
	fGetown       = 9
	fSetsig       = 10
	fGetsig       = 11
	fGetlk64      = 12
	fSetlk64      = 13
	fSetlkw64     = 14
	fSetownEx     = 15
	fGetownEx     = 16
	fOfdGetlk     = 36
	fOfdSetlk     = 37
	fOfdSetlkw    = 38
	fSetlease     = 1024
	fGetlease     = 1025
	fNotify       = 1026
	fDupfdCloexec = 1030
	fSetpipeSz    = 1031
	fGetpipeSz    = 1032
	fAddSeals     = 1033
	fGetSeals     = 1034
)

// prctl options.
const (
	prSetPdeathsig          = 1
	prGetPdeathsig          = 2
	prGetDumpable           = 3
	prSetDumpable           = 4
	prGetKeepcaps           = 7
	prSetKeepcaps           = 8
	prSetName               = 15
	prGetName               = 16
	prGetSeccomp            = 21
	prSetSeccomp            = 22
	prCapbsetRead           = 23
	prCapbsetDrop           = 24
	prGetSecurebits         = 27
	prSetSecurebits         = 28
	prSetTimerslack         = 29
	prGetTimerslack         = 30
	prSetMM                 = 35
	prSetChildSubreaper     = 36
	prGetChildSubreaper     = 37
	prSetNoNewPrivs         = 38
	prGetNoNewPrivs         = 39
	prGetTidAddress         = 40
	prSetTHPDisable         = 41
	prGetTHPDisable         = 42
	prCapAmbient            = 47
	prSveSetVL              = 50
	prSveGetVL              = 51
	prGetSpeculationCtrl    = 52
	prSetSpeculationCtrl    = 53
	prPacResetKeys          = 54
	prSetTaggedAddrCtrl     = 55
	prGetTaggedAddrCtrl     = 56
	prSetIOFlusher          = 57
	prGetIOFlusher          = 58
	prPacSetEnabledKeys     = 60
	prPacGetEnabledKeys     = 61
	prSchedCore             = 62
	prSmeSetVL              = 63
	prSmeGetVL              = 64
	prSetMDWE               = 65
	prGetMDWE               = 66
	prGetShadowStackStatus  = 74
	prSetShadowStackStatus  = 75
	prLockShadowStackStatus = 76
	prGetAuxv               = 0x41555856
	prSetVMA                = 0x53564D41
	prSetPtracer            = 0x59616D61
)

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
