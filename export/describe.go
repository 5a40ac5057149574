package export

import (
	"fmt"
	"math/bits"
	"strings"
	"sync"

	"github.com/entitle-dev/entitle/policy"
)

// ownPID mirrors catalog.OwnPID (export does not import catalog, which
// sits beside it).
const ownPID = 0x7FFFFFFF

type named struct {
	v    uint64
	name string
}

var (
	cloneFlags = []named{{0x80, "CLONE_NEWTIME"}, {0x100, "CLONE_VM"}, {0x200, "CLONE_FS"}, {0x400, "CLONE_FILES"},
		{0x800, "CLONE_SIGHAND"}, {0x1000, "CLONE_PIDFD"}, {0x2000, "CLONE_PTRACE"}, {0x4000, "CLONE_VFORK"},
		{0x8000, "CLONE_PARENT"}, {0x10000, "CLONE_THREAD"}, {0x20000, "CLONE_NEWNS"}, {0x40000, "CLONE_SYSVSEM"},
		{0x80000, "CLONE_SETTLS"}, {0x100000, "CLONE_PARENT_SETTID"}, {0x200000, "CLONE_CHILD_CLEARTID"},
		{0x800000, "CLONE_UNTRACED"}, {0x1000000, "CLONE_CHILD_SETTID"}, {0x2000000, "CLONE_NEWCGROUP"},
		{0x4000000, "CLONE_NEWUTS"}, {0x8000000, "CLONE_NEWIPC"}, {0x10000000, "CLONE_NEWUSER"},
		{0x20000000, "CLONE_NEWPID"}, {0x40000000, "CLONE_NEWNET"}, {0x80000000, "CLONE_IO"}}
	protFlags = []named{{1, "PROT_READ"}, {2, "PROT_WRITE"}, {4, "PROT_EXEC"}}
	mmapFlags = []named{{1, "MAP_SHARED"}, {2, "MAP_PRIVATE"}, {0x10, "MAP_FIXED"}, {0x20, "MAP_ANONYMOUS"}}
	openFlags = []named{{1, "O_WRONLY"}, {2, "O_RDWR"}, {0x40, "O_CREAT"}, {0x80, "O_EXCL"}, {0x100, "O_NOCTTY"}, {0x200, "O_TRUNC"}, {0x400, "O_APPEND"}, {0x800, "O_NONBLOCK"}, {0x10000, "O_DIRECTORY"}, {0x20000, "O_NOFOLLOW"}, {0x80000, "O_CLOEXEC"}, {0x400000, "O_TMPFILE"}}
	modeFlags = []named{{0o4000, "S_ISUID"}, {0o2000, "S_ISGID"}, {0o1000, "S_ISVTX"}}
	atFlags   = []named{{0x100, "AT_SYMLINK_NOFOLLOW"}, {0x800, "AT_NO_AUTOMOUNT"}, {0x1000, "AT_EMPTY_PATH"}}
	families  = []named{{1, "AF_UNIX"}, {2, "AF_INET"}, {10, "AF_INET6"}, {16, "AF_NETLINK"}, {17, "AF_PACKET"}}
	sockTypes = []named{{1, "SOCK_STREAM"}, {2, "SOCK_DGRAM"}, {3, "SOCK_RAW"}, {5, "SOCK_SEQPACKET"}}
	protocols = []named{{0, "0"}, {1, "IPPROTO_ICMP"}, {6, "IPPROTO_TCP"}, {17, "IPPROTO_UDP"}, {58, "IPPROTO_ICMPV6"}}
	levels    = []named{{0, "IPPROTO_IP"}, {1, "SOL_SOCKET"}, {6, "IPPROTO_TCP"}, {17, "IPPROTO_UDP"}, {41, "IPPROTO_IPV6"}, {58, "IPPROTO_ICMPV6"}, {255, "SOL_RAW"}, {263, "SOL_PACKET"}, {270, "SOL_NETLINK"}}
	rlimits   = []named{{0, "RLIMIT_CPU"}, {1, "RLIMIT_FSIZE"}, {2, "RLIMIT_DATA"}, {3, "RLIMIT_STACK"}, {4, "RLIMIT_CORE"}, {5, "RLIMIT_RSS"}, {6, "RLIMIT_NPROC"}, {7, "RLIMIT_NOFILE"}, {8, "RLIMIT_MEMLOCK"}, {9, "RLIMIT_AS"}}
	personas  = []named{{0, "PER_LINUX"}, {8, "PER_LINUX32"}, {0x20000, "UNAME26"}, {0x20008, "PER_LINUX32|UNAME26"}, {0xFFFFFFFF, "0xffffffff (query)"}}
	fcntlCmds = []named{{0, "F_DUPFD"}, {1, "F_GETFD"}, {2, "F_SETFD"}, {3, "F_GETFL"}, {4, "F_SETFL"}, {5, "F_GETLK"}, {6, "F_SETLK"}, {7, "F_SETLKW"}, {8, "F_SETOWN"}, {9, "F_GETOWN"}, {10, "F_SETSIG"}, {11, "F_GETSIG"}, {12, "F_GETLK64"}, {13, "F_SETLK64"}, {14, "F_SETLKW64"}, {15, "F_SETOWN_EX"}, {16, "F_GETOWN_EX"}, {36, "F_OFD_GETLK"}, {37, "F_OFD_SETLK"}, {38, "F_OFD_SETLKW"}, {1024, "F_SETLEASE"}, {1025, "F_GETLEASE"}, {1026, "F_NOTIFY"}, {1030, "F_DUPFD_CLOEXEC"}, {1031, "F_SETPIPE_SZ"}, {1032, "F_GETPIPE_SZ"}, {1033, "F_ADD_SEALS"}, {1034, "F_GET_SEALS"}}
	prctlOpts = []named{{1, "PR_SET_PDEATHSIG"}, {2, "PR_GET_PDEATHSIG"}, {3, "PR_GET_DUMPABLE"}, {4, "PR_SET_DUMPABLE"}, {7, "PR_GET_KEEPCAPS"}, {8, "PR_SET_KEEPCAPS"}, {15, "PR_SET_NAME"}, {16, "PR_GET_NAME"}, {21, "PR_GET_SECCOMP"}, {22, "PR_SET_SECCOMP"}, {23, "PR_CAPBSET_READ"}, {24, "PR_CAPBSET_DROP"}, {27, "PR_GET_SECUREBITS"}, {28, "PR_SET_SECUREBITS"}, {29, "PR_SET_TIMERSLACK"}, {30, "PR_GET_TIMERSLACK"}, {35, "PR_SET_MM"}, {36, "PR_SET_CHILD_SUBREAPER"}, {37, "PR_GET_CHILD_SUBREAPER"}, {38, "PR_SET_NO_NEW_PRIVS"}, {39, "PR_GET_NO_NEW_PRIVS"}, {40, "PR_GET_TID_ADDRESS"}, {41, "PR_SET_THP_DISABLE"}, {42, "PR_GET_THP_DISABLE"}, {47, "PR_CAP_AMBIENT"}, {50, "PR_SVE_SET_VL"}, {51, "PR_SVE_GET_VL"}, {52, "PR_GET_SPECULATION_CTRL"}, {53, "PR_SET_SPECULATION_CTRL"}, {54, "PR_PAC_RESET_KEYS"}, {55, "PR_SET_TAGGED_ADDR_CTRL"}, {56, "PR_GET_TAGGED_ADDR_CTRL"}, {57, "PR_SET_IO_FLUSHER"}, {58, "PR_GET_IO_FLUSHER"}, {60, "PR_PAC_SET_ENABLED_KEYS"}, {61, "PR_PAC_GET_ENABLED_KEYS"}, {62, "PR_SCHED_CORE"}, {63, "PR_SME_SET_VL"}, {64, "PR_SME_GET_VL"}, {65, "PR_SET_MDWE"}, {66, "PR_GET_MDWE"}, {74, "PR_GET_SHADOW_STACK_STATUS"}, {75, "PR_SET_SHADOW_STACK_STATUS"}, {76, "PR_LOCK_SHADOW_STACK_STATUS"}, {0x41555856, "PR_GET_AUXV"}, {0x53564D41, "PR_SET_VMA"}, {0x59616D61, "PR_SET_PTRACER"}}
	fanFlags  = []named{{0x1, "FAN_CLOEXEC"}, {0x2, "FAN_NONBLOCK"}, {0x4, "FAN_CLASS_CONTENT"}, {0x8, "FAN_CLASS_PRE_CONTENT"}, {0x10, "FAN_UNLIMITED_QUEUE"}, {0x20, "FAN_UNLIMITED_MARKS"}, {0x40, "FAN_ENABLE_AUDIT"}, {0x80, "FAN_REPORT_PIDFD"}, {0x100, "FAN_REPORT_TID"}, {0x200, "FAN_REPORT_FID"}, {0x400, "FAN_REPORT_DIR_FID"}, {0x800, "FAN_REPORT_NAME"}, {0x1000, "FAN_REPORT_TARGET_FID"}, {0x2000, "FAN_REPORT_FD_ERROR"}, {0x4000, "FAN_REPORT_MNT"}}
	shmFlags  = []named{{0o10000, "SHM_RDONLY"}, {0o20000, "SHM_RND"}, {0o40000, "SHM_REMAP"}, {0o100000, "SHM_EXEC"}}
	ioctlReqs = []named{{0x5401, "TCGETS"}, {0x5402, "TCSETS"}, {0x5403, "TCSETSW"}, {0x5404, "TCSETSF"}, {0x5409, "TCSBRK"}, {0x540A, "TCXONC"}, {0x540B, "TCFLSH"}, {0x540C, "TIOCEXCL"}, {0x540D, "TIOCNXCL"}, {0x540E, "TIOCSCTTY"}, {0x540F, "TIOCGPGRP"}, {0x5410, "TIOCSPGRP"}, {0x5411, "TIOCOUTQ"}, {0x5412, "TIOCSTI"}, {0x5413, "TIOCGWINSZ"}, {0x5414, "TIOCSWINSZ"}, {0x541B, "FIONREAD"}, {0x541C, "TIOCLINUX"}, {0x5420, "TIOCPKT"}, {0x5421, "FIONBIO"}, {0x5422, "TIOCNOTTY"}, {0x5424, "TIOCGETD"}, {0x5425, "TCSBRKP"}, {0x5427, "TIOCSBRK"}, {0x5428, "TIOCCBRK"}, {0x5429, "TIOCGSID"}, {0x802C542A, "TCGETS2"}, {0x402C542B, "TCSETS2"}, {0x402C542C, "TCSETSW2"}, {0x402C542D, "TCSETSF2"}, {0x80045430, "TIOCGPTN"}, {0x40045431, "TIOCSPTLCK"}, {0x80045432, "TIOCGDEV"}, {0x80045439, "TIOCGPTLCK"}, {0x80045440, "TIOCGEXCL"}, {0x5441, "TIOCGPTPEER"}, {0x5450, "FIONCLEX"}, {0x5451, "FIOCLEX"}, {0x8905, "SIOCATMARK"}, {0x8910, "SIOCGIFNAME"}, {0x8912, "SIOCGIFCONF"}, {0x8913, "SIOCGIFFLAGS"}, {0x8915, "SIOCGIFADDR"}, {0x8919, "SIOCGIFBRDADDR"}, {0x891B, "SIOCGIFNETMASK"}, {0x8921, "SIOCGIFMTU"}, {0x8927, "SIOCGIFHWADDR"}, {0x8933, "SIOCGIFINDEX"}, {0x40049409, "FICLONE"}, {0x4020940D, "FICLONERANGE"}, {0xC0189436, "FIDEDUPERANGE"}, {0x80086601, "FS_IOC_GETFLAGS"}, {0x40086602, "FS_IOC_SETFLAGS"}, {0x80046601, "FS_IOC32_GETFLAGS"}, {0x40046602, "FS_IOC32_SETFLAGS"}, {0x801C581F, "FS_IOC_FSGETXATTR"}, {0x401C5820, "FS_IOC_FSSETXATTR"}}
)

type argKind int

const (
	kindNum argKind = iota
	kindFlags
	kindEnum
	kindPtr
	kindPID
)

type argInfo struct {
	name  string
	kind  argKind
	table []named
}

// argsOf describes the arguments the catalog's rules test, by system
// call and argument: built the first time a condition is described rather
// than at every start of a program.
var argsOf = sync.OnceValue(func() map[string]map[uint8]argInfo {
	args := map[string]map[uint8]argInfo{}
	set := func(calls []string, arg uint8, ai argInfo) {
		for _, c := range calls {
			if args[c] == nil {
				args[c] = map[uint8]argInfo{}
			}
			args[c][arg] = ai
		}
	}
	set([]string{"clone", "unshare"}, 0, argInfo{"flags", kindFlags, cloneFlags})
	set([]string{"mmap", "mmap2", "old_mmap", "mprotect", "pkey_mprotect"}, 2, argInfo{"prot", kindFlags, protFlags})
	set([]string{"mmap", "mmap2", "old_mmap"}, 3, argInfo{"flags", kindFlags, mmapFlags})
	set([]string{"open"}, 1, argInfo{"flags", kindFlags, openFlags})
	set([]string{"openat"}, 2, argInfo{"flags", kindFlags, openFlags})
	set([]string{"open"}, 2, argInfo{"mode", kindFlags, modeFlags})
	set([]string{"fchmodat", "fchmodat2"}, 2, argInfo{"mode", kindFlags, modeFlags})
	set([]string{"openat"}, 3, argInfo{"mode", kindFlags, modeFlags})
	set([]string{"creat", "chmod", "fchmod"}, 1, argInfo{"mode", kindFlags, modeFlags})
	set([]string{"newfstatat", "fstatat64"}, 3, argInfo{"flags", kindFlags, atFlags})
	set([]string{"statx"}, 2, argInfo{"flags", kindFlags, atFlags})
	set([]string{"fcntl", "fcntl64"}, 1, argInfo{"cmd", kindEnum, fcntlCmds})
	set([]string{"ioctl"}, 1, argInfo{"request", kindEnum, ioctlReqs})
	set([]string{"prctl"}, 0, argInfo{"option", kindEnum, prctlOpts})
	set([]string{"personality"}, 0, argInfo{"persona", kindEnum, personas})
	set([]string{"prlimit64"}, 0, argInfo{"pid", kindNum, nil})
	set([]string{"prlimit64"}, 1, argInfo{"resource", kindEnum, rlimits})
	set([]string{"prlimit64"}, 2, argInfo{"new_limit", kindPtr, nil})
	set([]string{"setrlimit"}, 0, argInfo{"resource", kindEnum, rlimits})
	set([]string{"socket", "socketpair"}, 0, argInfo{"domain", kindEnum, families})
	set([]string{"socket", "socketpair"}, 1, argInfo{"type", kindEnum, sockTypes})
	set([]string{"socket"}, 2, argInfo{"protocol", kindEnum, protocols})
	set([]string{"setsockopt", "getsockopt"}, 1, argInfo{"level", kindEnum, levels})
	set([]string{"sendto"}, 4, argInfo{"dest_addr", kindPtr, nil})
	set([]string{"fanotify_init"}, 0, argInfo{"flags", kindFlags, fanFlags})
	set([]string{"fanotify_init"}, 1, argInfo{"event_f_flags", kindFlags, openFlags})
	set([]string{"shmat"}, 2, argInfo{"shmflg", kindFlags, shmFlags})
	set([]string{"kill", "tkill", "rt_sigqueueinfo"}, 0, argInfo{"pid", kindPID, nil})
	set([]string{"tgkill", "rt_tgsigqueueinfo"}, 0, argInfo{"tgid", kindPID, nil})
	return args
})

// DescribeCond renders condition c on an argument of system call sys for
// people: the argument's name and flag or constant names where the
// catalog's rules use them ("flags has CLONE_THREAD|CLONE_VM, lacks
// CLONE_NEWUSER|...", "request == TIOCGWINSZ"), and the raw comparison
// otherwise.
func DescribeCond(sys string, c policy.Cond) string {
	ai, ok := argsOf()[sys][c.Arg]
	if !ok {
		return c.String()
	}
	switch {
	case c.Op == policy.OpMaskedEQ && ai.kind == kindFlags:
		set, clear := c.Value&c.Mask, c.Mask&^c.Value
		var parts []string
		if set != 0 {
			parts = append(parts, "has "+flagNames(set, ai.table))
		}
		if clear != 0 {
			parts = append(parts, "lacks "+flagNames(clear, ai.table))
		}
		return ai.name + " " + strings.Join(parts, ", ")
	case c.Op == policy.OpMaskedEQ:
		return fmt.Sprintf("%s & %#x == %s", ai.name, c.Mask, valueName(c.Value&c.Mask, ai))
	case c.Op == policy.OpEQ || c.Op == policy.OpNE:
		op := map[policy.Op]string{policy.OpEQ: "==", policy.OpNE: "!="}[c.Op]
		return ai.name + " " + op + " " + valueName(c.Value, ai)
	}
	return fmt.Sprintf("%s %s %#x", ai.name, opSymbol(c.Op), c.Value)
}

// DescribeConds joins DescribeCond of each condition with " and "; no
// conditions is "any arguments".
func DescribeConds(sys string, cs []policy.Cond) string {
	if len(cs) == 0 {
		return "any arguments"
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = DescribeCond(sys, c)
	}
	return strings.Join(parts, " and ")
}

func opSymbol(o policy.Op) string {
	switch o {
	case policy.OpLT:
		return "<"
	case policy.OpLE:
		return "<="
	case policy.OpGT:
		return ">"
	case policy.OpGE:
		return ">="
	}
	return o.String()
}

func valueName(v uint64, ai argInfo) string {
	switch ai.kind {
	case kindPtr:
		if v == 0 {
			return "NULL"
		}
	case kindPID:
		if v == ownPID {
			return "own pid"
		}
		return fmt.Sprint(v)
	case kindFlags:
		if v == 0 {
			return "0"
		}
		return flagNames(v, ai.table)
	case kindEnum:
		for _, n := range ai.table {
			if n.v == v {
				if n.name == fmt.Sprint(v) || strings.HasPrefix(n.name, "0x") {
					return n.name
				}
				return fmt.Sprintf("%s (%#x)", n.name, v)
			}
		}
	}
	return fmt.Sprintf("%#x", v)
}

// flagNames names the bits of v, with any bits the table does not know in
// hex.
func flagNames(v uint64, table []named) string {
	var parts []string
	rest := v
	for _, n := range table {
		if bits.OnesCount64(n.v) == 1 && v&n.v != 0 {
			parts = append(parts, n.name)
			rest &^= n.v
		}
	}
	if rest != 0 {
		parts = append(parts, fmt.Sprintf("%#x", rest))
	}
	return strings.Join(parts, "|")
}
