package catalog

import (
	"github.com/entitle-dev/entitle/internal/linux"
	"slices"

	"github.com/entitle-dev/entitle/policy"
)

// The catalog. Every system call of the tables has exactly one home: an
// entitlement's Owns, base's Owns, or never (see never.go). Allow and Rules
// may grant calls whose home is elsewhere.

func s(names ...string) []string { return names }

// without returns names minus drop, in order.
func without(names []string, drop ...string) []string {
	var out []string
	for _, n := range names {
		if !slices.Contains(drop, n) {
			out = append(out, n)
		}
	}
	return out
}

// Spellings of one call across architectures.
var (
	openCalls   = s("open")   // flags a1, mode a2
	openatCalls = s("openat") // flags a2, mode a3
	mmapCalls   = s("mmap", "mmap2")
	chmodArg1   = s("chmod", "fchmod")
	chmodArg2   = s("fchmodat", "fchmodat2")
)

// inetSockets allows socket(AF_INET or AF_INET6, SOCK_STREAM with protocol
// 0 or IPPROTO_TCP, or SOCK_DGRAM with protocol 0 or IPPROTO_UDP). The type
// is compared without SOCK_NONBLOCK and SOCK_CLOEXEC.
func inetSockets() []policy.Rule {
	var rs []policy.Rule
	for _, fam := range []uint64{linux.AF_INET, linux.AF_INET6} {
		for _, tp := range []struct{ typ, proto uint64 }{
			{linux.SOCK_STREAM, 0}, {linux.SOCK_STREAM, linux.IPPROTO_TCP}, {linux.SOCK_DGRAM, 0}, {linux.SOCK_DGRAM, linux.IPPROTO_UDP},
		} {
			rs = append(rs, rule("socket", eq32(0, fam), mask32(1, linux.SOCK_TYPE_MASK, tp.typ), eq32(2, tp.proto)))
		}
	}
	return rs
}

// sockopts allows setsockopt at the given levels (any option name).
func sockopts(levels ...uint64) []policy.Rule { return oneOf("setsockopt", 1, levels) }

var inetLevels = []uint64{linux.SOL_SOCKET, linux.IPPROTO_IP, linux.IPPROTO_TCP, linux.IPPROTO_UDP, linux.IPPROTO_IPV6}

// openRules applies cond on the flags of open (a1) and openat (a2), with
// an optional condition on the mode (a2 / a3).
func openRules(flags func(arg uint8) policy.Cond, mode func(arg uint8) policy.Cond) []policy.Rule {
	var rs []policy.Rule
	for _, sys := range openCalls {
		c := []policy.Cond{flags(1)}
		if mode != nil {
			c = append(c, mode(2))
		}
		rs = append(rs, rule(sys, c...))
	}
	for _, sys := range openatCalls {
		c := []policy.Cond{flags(2)}
		if mode != nil {
			c = append(c, mode(3))
		}
		rs = append(rs, rule(sys, c...))
	}
	return rs
}

func flagsMasked(mask, v uint64) func(uint8) policy.Cond {
	return func(a uint8) policy.Cond { return mask32(a, mask, v) }
}

func noSetID(a uint8) policy.Cond { return mask32(a, modeSetID, 0) }

// chmodRules: the chmod family, with the mode condition on the right
// argument of each spelling.
func chmodRules(conds func(arg uint8) []policy.Cond) []policy.Rule {
	var rs []policy.Rule
	for _, sys := range chmodArg1 {
		rs = append(rs, rule(sys, conds(1)...))
	}
	for _, sys := range chmodArg2 {
		rs = append(rs, rule(sys, conds(2)...))
	}
	return rs
}

// baseSelfSignals are the "signals to self" rules; Policy replaces OwnPID.
var selfSignalCalls = s("kill", "tgkill", "tkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")

// containerSignalCalls are allowed unconditionally by base when the pid is
// unknown (SelfPID == 0): thread-directed signals, which glibc's raise and
// pthread_kill and the Go runtime's preemption use.
var containerSignalCalls = s("tgkill", "tkill")

// fallbacks are calls base answers with ENOSYS unless an entitlement grants
// them, so C libraries fall back to an older call that seccomp can check.
var fallbacks = map[string]string{
	"clone3":  "clone3 passes its flags in memory, where seccomp cannot check CLONE_NEW*: ENOSYS makes glibc and others fall back to clone(2); admin.namespaces grants it",
	"openat2": "openat2 passes its flags in memory, where seccomp cannot check O_WRONLY/O_CREAT: ENOSYS makes callers fall back to openat(2); fs.create grants it",
}

func newBase() *Entitlement {
	b := &Entitlement{
		Name:    "base",
		Summary: "always on: descriptors already open, memory without PROT_EXEC, threads, futex, signals to self, clocks, polling, exit",
		Owns: s(
			// descriptors already open
			"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2", "pwritev2",
			"close", "close_range", "dup", "dup2", "dup3", "lseek", "_llseek", "fstat", "fstat64",
			"fcntl", "fcntl64", "ioctl",
			"sendfile", "sendfile64", "splice", "tee", "vmsplice", "copy_file_range",
			"fadvise64", "fadvise64_64", "arm_fadvise64_64", "readahead",
			"io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents", "io_pgetevents", "io_pgetevents_time64",
			// sockets already open (socket creation is gated by net.*)
			"recvfrom", "recv", "send", "recvmsg", "recvmmsg", "recvmmsg_time64", "sendmsg", "sendmmsg",
			"shutdown", "getsockname", "getpeername", "getsockopt", "socketpair",
			// memory
			"mmap", "mmap2", "munmap", "mremap", "mprotect", "pkey_mprotect", "pkey_alloc", "pkey_free",
			"madvise", "mincore", "msync", "brk", "mseal", "membarrier", "map_shadow_stack",
			"riscv_flush_icache",
			// threads and synchronisation
			"futex", "futex_time64", "futex_waitv", "futex_wake", "futex_wait", "futex_requeue",
			"set_robust_list", "set_tid_address", "rseq", "rseq_slice_yield",
			"arch_prctl", "get_thread_area", "set_thread_area", "prctl",
			// signals
			"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "rt_sigsuspend",
			"rt_sigtimedwait", "rt_sigtimedwait_time64", "sigaltstack", "restart_syscall",
			"sigaction", "signal", "sigprocmask", "sigreturn", "sigpending", "sigsuspend",
			// identity (read)
			"gettid", "getpid", "getppid", "getpgid", "getpgrp", "getsid",
			"getuid", "geteuid", "getgid", "getegid", "getgroups", "getresuid", "getresgid",
			"getuid32", "geteuid32", "getgid32", "getegid32", "getgroups32", "getresuid32", "getresgid32",
			"capget",
			// scheduling and resources (read)
			"sched_yield", "sched_getaffinity", "sched_getparam", "sched_getscheduler",
			"sched_get_priority_max", "sched_get_priority_min", "sched_rr_get_interval",
			"sched_rr_get_interval_time64", "sched_getattr", "getcpu", "getpriority", "ioprio_get",
			"getrusage", "times", "getrlimit", "ugetrlimit",
			// time and sleep
			"nanosleep", "clock_nanosleep", "clock_nanosleep_time64", "clock_gettime", "clock_gettime64",
			"clock_getres", "clock_getres_time64", "gettimeofday", "time", "alarm", "pause",
			"setitimer", "getitimer", "timer_create", "timer_settime", "timer_settime64", "timer_gettime",
			"timer_gettime64", "timer_getoverrun", "timer_delete",
			"timerfd", "timerfd_create", "timerfd_settime", "timerfd_settime64", "timerfd_gettime", "timerfd_gettime64",
			// polling and event descriptors
			"poll", "ppoll", "ppoll_time64", "select", "_newselect", "pselect6", "pselect6_time64",
			"epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2",
			"eventfd", "eventfd2", "signalfd", "signalfd4", "pipe", "pipe2",
			// misc
			"exit", "exit_group", "getrandom", "uname", "sysinfo", "umask", "riscv_hwprobe",
			"uretprobe", "uprobe", "s390_guarded_storage", "s390_sthyi", "swapcontext",
		),
		Rules: concat(
			// Memory: no executable anonymous memory and never W+X; read-only
			// executable file mappings (shared libraries) are allowed.
			each(mmapCalls, mask64(2, linux.PROT_EXEC, 0)),
			each(mmapCalls, mask64(2, linux.PROT_WRITE, 0), mask64(3, linux.MAP_ANONYMOUS, 0)),
			each(s("mprotect", "pkey_mprotect"), mask64(2, linux.PROT_EXEC, 0)),
			// Threads only: CLONE_THREAD|CLONE_VM|CLONE_SIGHAND set, no CLONE_NEW*.
			[]policy.Rule{rule("clone", mask64(0, cloneNewMask|threadMust, threadMust))},
			// clone3 and openat2 fall back to checkable calls.
			[]policy.Rule{
				{Syscall: "clone3", Action: policy.Errno(enosys)},
				{Syscall: "openat2", Action: policy.Errno(enosys)},
			},
			// Signals to self (OwnPID is replaced by Request.SelfPID).
			oneOfEach(selfSignalCalls, 0, []uint64{OwnPID}),
			// Resource limits: read any; raise the own RLIMIT_NOFILE soft
			// limit (the Go runtime does at start-up).
			[]policy.Rule{
				rule("prlimit64", eq64(2, 0)),
				rule("prlimit64", eq32(0, 0), eq32(1, linux.RLIMIT_NOFILE)),
				rule("prlimit64", eq32(0, 0), eq32(1, linux.RLIMIT_STACK)),
				rule("setrlimit", eq32(0, linux.RLIMIT_NOFILE)),
				rule("setrlimit", eq32(0, linux.RLIMIT_STACK)),
			},
			// Stat of an open descriptor: glibc 2.33+ implements fstat
			// with fstatat(fd, "", AT_EMPTY_PATH).
			each(s("newfstatat", "fstatat64"), mask32(3, linux.AT_EMPTY_PATH, linux.AT_EMPTY_PATH)),
			[]policy.Rule{rule("statx", mask32(2, linux.AT_EMPTY_PATH, linux.AT_EMPTY_PATH))},
			// Connected sockets, and connected AF_UNIX socket pairs: a
			// SOCK_STREAM or SOCK_SEQPACKET pair cannot be connected
			// elsewhere (connect fails with EPROTOTYPE, sendto with an
			// address with EISCONN, SOCK_SEQPACKET ignores the address);
			// a SOCK_DGRAM one can (connect, sendto, sendmsg with any
			// address), so it is net.unix's.
			[]policy.Rule{
				rule("sendto", eq64(4, 0)),
				rule("socketpair", eq32(0, linux.AF_UNIX), mask32(1, linux.SOCK_TYPE_MASK, linux.SOCK_STREAM)),
				rule("socketpair", eq32(0, linux.AF_UNIX), mask32(1, linux.SOCK_TYPE_MASK, linux.SOCK_SEQPACKET)),
			},
			// The personality values of Docker's default profile (query,
			// PER_LINUX, PER_LINUX32, UNAME26).
			oneOf("personality", 0, []uint64{0x0, 0x8, 0x20000, 0x20008, 0xFFFFFFFF}),
			ioctls(linux.FIONREAD, linux.FIONBIO, linux.FIOCLEX, linux.FIONCLEX, linux.TCGETS, linux.TCGETS2, linux.TIOCGWINSZ),
			fcntls(linux.F_DUPFD, linux.F_DUPFD_CLOEXEC, linux.F_GETFD, linux.F_SETFD, linux.F_GETFL, linux.F_SETFL,
				linux.F_SETPIPE_SZ, linux.F_GETPIPE_SZ, linux.F_ADD_SEALS, linux.F_GET_SEALS),
			prctls(linux.PR_SET_PDEATHSIG, linux.PR_GET_PDEATHSIG, linux.PR_GET_DUMPABLE, linux.PR_SET_DUMPABLE, linux.PR_GET_KEEPCAPS,
				linux.PR_SET_NAME, linux.PR_GET_NAME, linux.PR_GET_SECCOMP, linux.PR_CAPBSET_READ, linux.PR_GET_SECUREBITS,
				linux.PR_SET_TIMERSLACK, linux.PR_GET_TIMERSLACK, linux.PR_SET_NO_NEW_PRIVS, linux.PR_GET_NO_NEW_PRIVS, linux.PR_GET_TID_ADDRESS,
				linux.PR_SET_THP_DISABLE, linux.PR_GET_THP_DISABLE, linux.PR_SVE_SET_VL, linux.PR_SVE_GET_VL, linux.PR_SME_SET_VL, linux.PR_SME_GET_VL,
				linux.PR_GET_SPECULATION_CTRL, linux.PR_SET_SPECULATION_CTRL, linux.PR_PAC_RESET_KEYS, linux.PR_PAC_SET_ENABLED_KEYS,
				linux.PR_PAC_GET_ENABLED_KEYS, linux.PR_SET_TAGGED_ADDR_CTRL, linux.PR_GET_TAGGED_ADDR_CTRL, linux.PR_GET_IO_FLUSHER,
				linux.PR_GET_MDWE, linux.PR_GET_SHADOW_STACK_STATUS, linux.PR_SET_SHADOW_STACK_STATUS, linux.PR_LOCK_SHADOW_STACK_STATUS,
				linux.PR_GET_AUXV, linux.PR_SET_VMA),
		),
	}
	// Everything base owns is allowed with any arguments except the calls
	// its rules restrict.
	b.Allow = without(b.Owns, "fcntl", "fcntl64", "ioctl", "socketpair", "mmap", "mmap2", "mprotect", "pkey_mprotect", "prctl")
	return b
}

func newEntitlements() []*Entitlement {
	return []*Entitlement{
		{
			Name:    "fs.read",
			Summary: "open files read-only, stat, readdir, readlink, access, chdir/getcwd, statfs, read xattrs",
			Owns: s("open", "openat", "stat", "lstat", "stat64", "lstat64", "newfstatat", "fstatat64", "statx",
				"statfs", "statfs64", "fstatfs", "fstatfs64", "access", "faccessat", "faccessat2",
				"readlink", "readlinkat", "getdents", "getdents64", "chdir", "fchdir", "getcwd",
				"getxattr", "lgetxattr", "fgetxattr", "listxattr", "llistxattr", "flistxattr",
				"getxattrat", "listxattrat", "file_getattr", "name_to_handle_at",
				"statmount", "listmount", "cachestat"),
			Allow: s("stat", "lstat", "stat64", "lstat64", "newfstatat", "fstatat64", "statx",
				"statfs", "statfs64", "fstatfs", "fstatfs64", "access", "faccessat", "faccessat2",
				"readlink", "readlinkat", "getdents", "getdents64", "chdir", "fchdir", "getcwd",
				"getxattr", "lgetxattr", "fgetxattr", "listxattr", "llistxattr", "flistxattr",
				"getxattrat", "listxattrat", "file_getattr", "name_to_handle_at",
				"statmount", "listmount", "cachestat"),
			Rules: concat(
				// O_RDONLY without O_CREAT, O_TRUNC, O_TMPFILE.
				openRules(flagsMasked(linux.O_ACCMODE|linux.O_CREAT|linux.O_TRUNC|linux.O_TMPFILE_BIT, 0), nil),
				ioctls(linux.FS_IOC_GETFLAGS, linux.FS_IOC32_GETFLAGS, linux.FS_IOC_FSGETXATTR),
			),
		},
		{
			Name:    "fs.write",
			Summary: "open existing files for writing, truncate, fallocate, fsync, reflink copies",
			Owns: s("truncate", "truncate64", "ftruncate", "ftruncate64", "fallocate",
				"fsync", "fdatasync", "sync", "syncfs", "sync_file_range", "sync_file_range2", "arm_sync_file_range"),
			Allow: s("truncate", "truncate64", "ftruncate", "ftruncate64", "fallocate",
				"fsync", "fdatasync", "sync", "syncfs", "sync_file_range", "sync_file_range2", "arm_sync_file_range"),
			Rules: concat(
				// Any access mode (and O_TRUNC), without O_CREAT or O_TMPFILE.
				openRules(flagsMasked(linux.O_ACCMODE|linux.O_CREAT|linux.O_TMPFILE_BIT, 0), nil),
				openRules(flagsMasked(linux.O_ACCMODE|linux.O_CREAT|linux.O_TMPFILE_BIT, linux.O_WRONLY), nil),
				openRules(flagsMasked(linux.O_ACCMODE|linux.O_CREAT|linux.O_TMPFILE_BIT, linux.O_RDWR), nil),
				ioctls(linux.FICLONE, linux.FICLONERANGE, linux.FIDEDUPERANGE),
			),
		},
		{
			Name:    "fs.create",
			Summary: "create (O_CREAT, O_TMPFILE), mkdir, rename, link, symlink, unlink, rmdir",
			Owns: s("creat", "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename", "renameat", "renameat2",
				"link", "linkat", "symlink", "symlinkat", "openat2"),
			Allow: s("mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename", "renameat", "renameat2",
				"link", "linkat", "symlink", "symlinkat", "openat2"),
			Rules: concat(
				// O_CREAT or O_TMPFILE (any access mode), mode without set-ID bits.
				openRules(flagsMasked(linux.O_CREAT, linux.O_CREAT), noSetID),
				openRules(flagsMasked(linux.O_TMPFILE_BIT, linux.O_TMPFILE_BIT), noSetID),
				[]policy.Rule{rule("creat", noSetID(1))},
			),
		},
		{
			Name:    "fs.attr",
			Summary: "chmod (without setuid/setgid bits), utimes, xattrs, file flags",
			Owns: s("chmod", "fchmod", "fchmodat", "fchmodat2", "utime", "utimes", "utimensat", "utimensat_time64",
				"futimesat", "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr",
				"setxattrat", "removexattrat", "file_setattr"),
			Allow: s("utime", "utimes", "utimensat", "utimensat_time64",
				"futimesat", "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr",
				"setxattrat", "removexattrat", "file_setattr"),
			Rules: concat(
				chmodRules(func(a uint8) []policy.Cond { return []policy.Cond{noSetID(a)} }),
				ioctls(linux.FS_IOC_SETFLAGS, linux.FS_IOC32_SETFLAGS, linux.FS_IOC_FSSETXATTR),
			),
		},
		{
			Name:    "fs.chown",
			Summary: "change owner and group, and set setuid/setgid mode bits",
			Owns:    s("chown", "fchown", "fchownat", "lchown", "chown32", "fchown32", "lchown32"),
			Allow: s("chown", "fchown", "fchownat", "lchown", "chown32", "fchown32", "lchown32",
				"chmod", "fchmod", "fchmodat", "fchmodat2"),
		},
		{
			Name:    "fs.special",
			Summary: "mknod, mkfifo (FIFOs, sockets, device nodes)",
			Owns:    s("mknod", "mknodat"),
			Allow:   s("mknod", "mknodat"),
		},
		{
			Name:    "fs.lock",
			Summary: "flock, fcntl record and OFD locks, leases",
			Owns:    s("flock"),
			Allow:   s("flock"),
			Rules: fcntls(linux.F_GETLK, linux.F_SETLK, linux.F_SETLKW, linux.F_GETLK64, linux.F_SETLK64, linux.F_SETLKW64,
				linux.F_OFD_GETLK, linux.F_OFD_SETLK, linux.F_OFD_SETLKW, linux.F_SETLEASE, linux.F_GETLEASE),
		},
		{
			Name:    "fs.watch",
			Summary: "inotify, fanotify notifications (read-only event descriptors), dnotify and SIGIO ownership (F_SETOWN, F_SETSIG)",
			Owns: s("inotify_init", "inotify_init1", "inotify_add_watch", "inotify_rm_watch",
				"fanotify_init", "fanotify_mark"),
			Allow: s("inotify_init", "inotify_init1", "inotify_add_watch", "inotify_rm_watch",
				"fanotify_mark"),
			Rules: concat(
				// fanotify: notification class only, event descriptors
				// opened read-only, no flag outside fanotifyFlagsOK.
				[]policy.Rule{rule("fanotify_init", mask32(0, ^uint64(fanotifyFlagsOK)&0xFFFFFFFF, 0), mask32(1, linux.O_ACCMODE, 0))},
				fcntls(linux.F_NOTIFY, linux.F_SETOWN, linux.F_GETOWN, linux.F_SETOWN_EX, linux.F_GETOWN_EX, linux.F_SETSIG, linux.F_GETSIG),
				// FIOASYNC turns SIGIO delivery on, as fcntl(F_SETFL, O_ASYNC)
				// does, to the owner F_SETOWN names (nginx's worker channels).
				ioctls(linux.FIOASYNC),
			),
		},
		{
			Name:    "net.client",
			Summary: "AF_INET/AF_INET6 TCP and UDP sockets, connect, bind (local address), sendto, IP-level socket options",
			Owns:    s("socket", "connect", "sendto", "setsockopt"),
			Allow:   s("connect", "bind", "sendto"),
			Rules:   concat(inetSockets(), sockopts(inetLevels...), ioctls(linux.SIOCATMARK, linux.TIOCOUTQ)),
		},
		{
			Name:    "net.server",
			Summary: "AF_INET/AF_INET6 TCP and UDP sockets, bind, listen, accept",
			Owns:    s("bind", "listen", "accept", "accept4"),
			Allow:   s("bind", "listen", "accept", "accept4", "sendto"),
			Rules:   concat(inetSockets(), sockopts(inetLevels...), ioctls(linux.SIOCATMARK, linux.TIOCOUTQ)),
		},
		{
			Name:    "net.unix",
			Summary: "AF_UNIX sockets and datagram socket pairs: connect, bind, listen, accept",
			Allow:   s("connect", "bind", "listen", "accept", "accept4", "sendto"),
			Rules: concat([]policy.Rule{rule("socket", eq32(0, linux.AF_UNIX)), rule("socketpair", eq32(0, linux.AF_UNIX))},
				sockopts(linux.SOL_SOCKET), ioctls(linux.TIOCOUTQ)),
		},
		{
			Name:    "net.dns",
			Summary: "what name resolution needs: UDP and TCP sockets, connect, sendto (no bind, listen, accept)",
			Allow:   s("connect", "sendto"),
			Rules:   concat(inetSockets(), sockopts(inetLevels...)),
		},
		{
			Name:    "net.netlink",
			Summary: "AF_NETLINK NETLINK_ROUTE sockets and interface-query ioctls (addresses, routes, links)",
			Allow:   s("bind", "sendto"),
			Rules: concat(
				[]policy.Rule{rule("socket", eq32(0, linux.AF_NETLINK), eq32(2, linux.NETLINK_ROUTE))},
				sockopts(linux.SOL_SOCKET, linux.SOL_NETLINK),
				ioctls(linux.SIOCGIFNAME, linux.SIOCGIFCONF, linux.SIOCGIFFLAGS, linux.SIOCGIFADDR, linux.SIOCGIFBRDADDR,
					linux.SIOCGIFNETMASK, linux.SIOCGIFMTU, linux.SIOCGIFHWADDR, linux.SIOCGIFINDEX),
			),
		},
		{
			Name:    "net.raw",
			Summary: "AF_PACKET, raw IP (SOCK_RAW) and ICMP echo (ping) sockets",
			Allow:   s("bind", "connect", "sendto"),
			Rules: concat(
				[]policy.Rule{
					rule("socket", eq32(0, linux.AF_PACKET)),
					rule("socket", eq32(0, linux.AF_INET), mask32(1, linux.SOCK_TYPE_MASK, linux.SOCK_RAW)),
					rule("socket", eq32(0, linux.AF_INET6), mask32(1, linux.SOCK_TYPE_MASK, linux.SOCK_RAW)),
					rule("socket", eq32(0, linux.AF_INET), mask32(1, linux.SOCK_TYPE_MASK, linux.SOCK_DGRAM), eq32(2, linux.IPPROTO_ICMP)),
					rule("socket", eq32(0, linux.AF_INET6), mask32(1, linux.SOCK_TYPE_MASK, linux.SOCK_DGRAM), eq32(2, linux.IPPROTO_ICMPV6)),
				},
				sockopts(linux.SOL_SOCKET, linux.IPPROTO_IP, linux.IPPROTO_IPV6, linux.IPPROTO_ICMPV6, linux.SOL_RAW, linux.SOL_PACKET),
			),
		},
		{
			Name:    "ipc.fdpass",
			Summary: "SCM_RIGHTS descriptor passing (advisory: seccomp cannot see control messages)",
			Allow:   s("sendmsg", "recvmsg"),
		},
		{
			Name:    "ipc.sysv",
			Summary: "SysV shared memory, semaphores and message queues, POSIX message queues, memfd",
			Owns: s("shmget", "shmat", "shmdt", "shmctl", "semget", "semop", "semtimedop", "semtimedop_time64",
				"semctl", "msgget", "msgsnd", "msgrcv", "msgctl", "ipc",
				"mq_open", "mq_unlink", "mq_timedsend", "mq_timedsend_time64", "mq_timedreceive",
				"mq_timedreceive_time64", "mq_notify", "mq_getsetattr", "memfd_create"),
			Allow: s("shmget", "shmdt", "shmctl", "semget", "semop", "semtimedop", "semtimedop_time64",
				"semctl", "msgget", "msgsnd", "msgrcv", "msgctl", "ipc",
				"mq_open", "mq_unlink", "mq_timedsend", "mq_timedsend_time64", "mq_timedreceive",
				"mq_timedreceive_time64", "mq_notify", "mq_getsetattr", "memfd_create",
				"ftruncate", "ftruncate64"),
			// shmat without SHM_EXEC: an executable, writable mapping is
			// mem.jit's.
			Rules: []policy.Rule{rule("shmat", mask32(2, linux.SHM_EXEC, 0))},
		},
		{
			Name:    "tty",
			Summary: "terminal ioctls: modes, window size, job control, pseudo-terminals (never TIOCSTI)",
			Owns:    s("vhangup"),
			Allow:   s("vhangup"),
			Rules: ioctls(linux.TCSETS, linux.TCSETSW, linux.TCSETSF, linux.TCSETS2, linux.TCSETSW2, linux.TCSETSF2, linux.TCSBRK, linux.TCSBRKP, linux.TCXONC, linux.TCFLSH,
				linux.TIOCEXCL, linux.TIOCNXCL, linux.TIOCGEXCL, linux.TIOCSCTTY, linux.TIOCNOTTY, linux.TIOCGPGRP, linux.TIOCSPGRP, linux.TIOCGSID, linux.TIOCOUTQ,
				linux.TIOCSWINSZ, linux.TIOCSBRK, linux.TIOCCBRK, linux.TIOCPKT, linux.TIOCGETD,
				linux.TIOCGPTN, linux.TIOCSPTLCK, linux.TIOCGPTLCK, linux.TIOCGPTPEER, linux.TIOCGDEV),
		},
		{
			Name:    "proc.spawn",
			Summary: "fork, vfork, clone without CLONE_NEW*, wait, setsid/setpgid, pidfds, signals to children",
			Owns:    s("clone", "fork", "vfork", "wait4", "waitid", "waitpid", "setsid", "setpgid", "pidfd_open"),
			Allow:   s("fork", "vfork", "wait4", "waitid", "waitpid", "setsid", "setpgid", "pidfd_open", "kill", "tgkill", "tkill", "pidfd_send_signal"),
			Rules: concat(
				[]policy.Rule{
					rule("clone", mask64(0, cloneNewMask, 0)),
					rule("unshare", mask64(0, cloneNewMask|linux.CLONE_NEWTIME, 0)),
				},
				prctls(linux.PR_SET_CHILD_SUBREAPER, linux.PR_GET_CHILD_SUBREAPER),
			),
		},
		{
			Name:    "proc.exec",
			Summary: "execve, execveat",
			Owns:    s("execve", "execveat"),
			Allow:   s("execve", "execveat"),
		},
		{
			Name:    "proc.signal",
			Summary: "signals to any process (kill, tgkill, pidfd_send_signal, sigqueue), process_mrelease",
			Owns:    s("kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_send_signal", "process_mrelease"),
			Allow:   s("kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_send_signal", "process_mrelease"),
		},
		{
			Name:    "proc.identity",
			Summary: "setuid/setgid/setgroups, capset, keep-caps and securebits (changing privileges)",
			Owns: s("setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid", "setfsgid",
				"setgroups", "setuid32", "setgid32", "setreuid32", "setregid32", "setresuid32", "setresgid32",
				"setfsuid32", "setfsgid32", "setgroups32", "capset"),
			Allow: s("setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid", "setfsgid",
				"setgroups", "setuid32", "setgid32", "setreuid32", "setregid32", "setresuid32", "setresgid32",
				"setfsuid32", "setfsgid32", "setgroups32", "capset"),
			Rules: prctls(linux.PR_SET_KEEPCAPS, linux.PR_SET_SECUREBITS, linux.PR_CAP_AMBIENT),
		},
		{
			Name:    "proc.resources",
			Summary: "setrlimit, setpriority, sched_set*, ioprio, NUMA memory policy, disk quotas",
			Owns: s("setrlimit", "prlimit64", "setpriority", "nice", "sched_setaffinity", "sched_setparam",
				"sched_setscheduler", "sched_setattr", "ioprio_set", "set_mempolicy", "get_mempolicy", "mbind",
				"migrate_pages", "move_pages", "set_mempolicy_home_node", "quotactl", "quotactl_fd"),
			Allow: s("setrlimit", "setpriority", "nice", "sched_setaffinity", "sched_setparam",
				"sched_setscheduler", "sched_setattr", "ioprio_set", "set_mempolicy", "get_mempolicy", "mbind",
				"migrate_pages", "move_pages", "set_mempolicy_home_node", "quotactl", "quotactl_fd"),
			Rules: concat(
				// Setting limits only of the process itself (pid 0, as
				// setrlimit and glibc do): another process's limits need
				// only the same user, no ptrace access, and a lowered
				// RLIMIT_CPU or RLIMIT_FSIZE signals (kills) it, past the
				// Landlock signal scope. Reading any is base's.
				[]policy.Rule{rule("prlimit64", eq32(0, 0))},
				prctls(linux.PR_SCHED_CORE),
			),
		},
		{
			Name:    "mem.jit",
			Summary: "executable anonymous and writable+executable memory (JIT compilers, trampolines)",
			Allow:   s("mmap", "mmap2", "mprotect", "pkey_mprotect", "memfd_create", "shmat"),
		},
		{
			Name:    "mem.lock",
			Summary: "mlock, mlockall, memfd_secret",
			Owns:    s("mlock", "mlock2", "munlock", "mlockall", "munlockall", "memfd_secret"),
			Allow:   s("mlock", "mlock2", "munlock", "mlockall", "munlockall", "memfd_secret"),
		},
		{
			Name:    "io.uring",
			Summary: "io_uring (its submissions bypass seccomp)",
			Owns:    s("io_uring_setup", "io_uring_enter", "io_uring_register"),
			Allow:   s("io_uring_setup", "io_uring_enter", "io_uring_register"),
		},
		{
			Name:    "sandbox",
			Summary: "restrict oneself further: seccomp, Landlock, capability-bounding-set drop, MDWE, LSM attributes",
			Owns: s("seccomp", "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self",
				"lsm_get_self_attr", "lsm_set_self_attr", "lsm_list_modules"),
			Allow: s("seccomp", "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self",
				"lsm_get_self_attr", "lsm_set_self_attr", "lsm_list_modules"),
			Rules: prctls(linux.PR_SET_SECCOMP, linux.PR_CAPBSET_DROP, linux.PR_SET_MDWE),
		},
		{
			Name:    "time.set",
			Summary: "set or adjust the system clock",
			Owns:    s("settimeofday", "clock_settime", "clock_settime64", "adjtimex", "clock_adjtime", "clock_adjtime64", "stime"),
			Allow:   s("settimeofday", "clock_settime", "clock_settime64", "adjtimex", "clock_adjtime", "clock_adjtime64", "stime"),
		},
		{
			Name:    "admin.mount",
			Summary: "mount API, umount, pivot_root, chroot, open_by_handle_at",
			Owns: s("mount", "umount", "umount2", "pivot_root", "chroot", "fsopen", "fsconfig", "fsmount", "fspick",
				"move_mount", "open_tree", "open_tree_attr", "mount_setattr", "open_by_handle_at"),
			Allow: s("mount", "umount", "umount2", "pivot_root", "chroot", "fsopen", "fsconfig", "fsmount", "fspick",
				"move_mount", "open_tree", "open_tree_attr", "mount_setattr", "open_by_handle_at"),
		},
		{
			Name:    "admin.namespaces",
			Summary: "unshare, setns, clone and clone3 with CLONE_NEW*, listns",
			Owns:    s("unshare", "setns", "clone3", "listns"),
			Allow:   s("unshare", "setns", "clone3", "listns", "clone"),
		},
		{
			Name:    "admin.debug",
			Summary: "ptrace, process_vm_*, perf_event_open, bpf, kcmp, pidfd_getfd, userfaultfd, personality, acct",
			Owns: s("ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "bpf", "perf_event_open",
				"pidfd_getfd", "process_madvise", "personality", "lookup_dcookie", "get_robust_list",
				"userfaultfd", "acct", "s390_runtime_instr", "sys_debug_setcontext"),
			Allow: s("ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "bpf", "perf_event_open",
				"pidfd_getfd", "process_madvise", "personality", "lookup_dcookie", "get_robust_list",
				"userfaultfd", "acct", "s390_runtime_instr", "sys_debug_setcontext"),
			Rules: prctls(linux.PR_SET_PTRACER, linux.PR_SET_MM),
		},
		{
			Name:    "admin.kernel",
			Summary: "modules, kexec, reboot, swap, iopl/ioperm, keyrings, syslog, host and domain name",
			Owns: s("init_module", "finit_module", "delete_module", "create_module", "query_module", "get_kernel_syms",
				"kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff", "iopl", "ioperm",
				"keyctl", "add_key", "request_key", "syslog", "sethostname", "setdomainname",
				"pciconfig_read", "pciconfig_write", "pciconfig_iobase", "rtas",
				"s390_pci_mmio_read", "s390_pci_mmio_write"),
			Allow: s("init_module", "finit_module", "delete_module", "create_module", "query_module", "get_kernel_syms",
				"kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff", "iopl", "ioperm",
				"keyctl", "add_key", "request_key", "syslog", "sethostname", "setdomainname",
				"pciconfig_read", "pciconfig_write", "pciconfig_iobase", "rtas",
				"s390_pci_mmio_read", "s390_pci_mmio_write"),
			Rules: prctls(linux.PR_SET_IO_FLUSHER),
		},
	}
}

// never lists the calls no entitlement grants, with the reason.
var never = map[string]string{
	"_sysctl":          "removed from Linux 5.5; use /proc/sys",
	"sysfs":            "obsolete filesystem-type query; use /proc/filesystems",
	"ustat":            "obsolete; use statfs",
	"uselib":           "obsolete a.out library loader, a past source of kernel bugs",
	"nfsservctl":       "removed from Linux 3.1",
	"vm86":             "x86 virtual-8086 mode: obsolete and a large attack surface",
	"vm86old":          "x86 virtual-8086 mode: obsolete and a large attack surface",
	"modify_ldt":       "x86 local descriptor table: only 16-bit code (Wine, DOSEMU) needs it and it has a history of kernel bugs",
	"remap_file_pages": "deprecated since Linux 3.16 (emulated)",
	"epoll_ctl_old":    "never implemented",
	"epoll_wait_old":   "never implemented",
	"afs_syscall":      "not implemented by Linux",
	"tuxcall":          "not implemented by Linux",
	"security":         "not implemented by Linux",
	"vserver":          "not implemented by Linux",
	"getpmsg":          "not implemented by Linux (STREAMS)",
	"putpmsg":          "not implemented by Linux (STREAMS)",
	"socketcall":       "socket multiplexer: its arguments are in memory, so seccomp cannot check socket families; C libraries use the direct socket calls since Linux 4.3",
	"bdflush":          "obsolete; does nothing since Linux 2.6",
	"break":            "not implemented by Linux",
	"ftime":            "not implemented by Linux",
	"gtty":             "not implemented by Linux",
	"stty":             "not implemented by Linux",
	"lock":             "not implemented by Linux",
	"mpx":              "not implemented by Linux",
	"prof":             "not implemented by Linux",
	"profil":           "not implemented by Linux",
	"ulimit":           "not implemented by Linux",
	"idle":             "obsolete; not callable by processes",
	"oldolduname":      "obsolete; C libraries use uname",
	"olduname":         "obsolete; C libraries use uname",
	"oldstat":          "obsolete; C libraries use stat64/statx",
	"oldfstat":         "obsolete; C libraries use fstat64/statx",
	"oldlstat":         "obsolete; C libraries use lstat64/statx",
	"readdir":          "obsolete; C libraries use getdents64",
	"sgetmask":         "obsolete; use rt_sigprocmask",
	"ssetmask":         "obsolete; use rt_sigprocmask",
	"spu_create":       "Cell processor SPUs: obsolete hardware",
	"spu_run":          "Cell processor SPUs: obsolete hardware",
	"subpage_prot":     "powerpc sub-page protection: no general use",
	"switch_endian":    "powerpc endianness switch: no general use",
	"multiplexer":      "not implemented by Linux",
}

const (
	enosys     = 38
	eopnotsupp = 95
)

// closures are refusals that hold whatever is granted, in every version
// (see Version): arguments with which an allowed call would do what no
// entitlement's definition allows, where the layers beyond seccomp cannot
// see it. The most restrictive matching rule wins, so no grant undoes them.
//
// MSG_FASTOPEN: sendto, sendmsg and sendmmsg on a TCP socket connect to
// the address they carry (TCP Fast Open), and Landlock's connect rule,
// which hooks connect(2), never sees that connection: net.dns would reach
// any port, net.server (no connect) any host, --connect PORT every other
// port. The answer is what the kernel gives when the client side of TCP
// Fast Open is off (net.ipv4.tcp_fastopen), so programs fall back to
// connect(2). TCP_FASTOPEN_CONNECT needs no closure: its connect(2) is
// checked, and the first send keeps that address.
//
// Each closure is one masked-equal condition; closeRules gives every allow
// rule of its call the complement, so that no rule allows the call
// without conditions beside it (runc's libseccomp lets such a rule decide
// every call).
func closures() []policy.Rule {
	fastOpen := policy.Errno(eopnotsupp)
	return []policy.Rule{
		{Syscall: "sendto", Action: fastOpen, Conds: []policy.Cond{mask32(3, linux.MSG_FASTOPEN, linux.MSG_FASTOPEN)}},
		{Syscall: "sendmsg", Action: fastOpen, Conds: []policy.Cond{mask32(2, linux.MSG_FASTOPEN, linux.MSG_FASTOPEN)}},
		{Syscall: "sendmmsg", Action: fastOpen, Conds: []policy.Cond{mask32(3, linux.MSG_FASTOPEN, linux.MSG_FASTOPEN)}},
	}
}

// closeRules returns rules with the closures: each allow rule of a closed
// call gets the complement of the closure's condition, and the closure is
// appended.
func closeRules(rules []policy.Rule, exists func(string) bool) []policy.Rule {
	for _, c := range closures() {
		if !exists(c.Syscall) {
			continue
		}
		not := c.Conds[0]
		not.Value = 0
		for i, r := range rules {
			if r.Syscall == c.Syscall && r.Action == policy.Allow {
				rules[i].Conds = append(slices.Clone(r.Conds), not)
			}
		}
		rules = append(rules, c)
	}
	return rules
}
