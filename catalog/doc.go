// Package catalog is the entitlement catalog: about thirty named
// permissions ("net.client", "fs.read", "proc.spawn", ...), an always-on
// base, and a "never" set, compiled into an allow-list policy.Policy.
//
// # Model
//
// An Entitlement grants system calls unconditionally (Allow) or with
// argument conditions (Rules, each an AND of conditions; several rules are
// alternatives). Every system call of every table has exactly one home: the
// Owns list of one entitlement or of base, or the Never set; a test fails
// when a new kernel call is not classified. Homes matter for explanations
// (Explain prefers the owner) and for DenyList mode (a call is denied when
// its owner is not granted and no granted entitlement grants it in any
// way). An entitlement may grant calls owned elsewhere: socket is owned by
// net.client but net.server, net.unix, net.dns, net.netlink and net.raw each
// grant it for their own address families.
//
// Build(Request) is the one policy builder: the library, entitle run,
// policy files and the CLI fill a Request (entitlements, mode, violation,
// extra rules, the scope of paths and ports, and what the policy is for:
// architectures, self pid, identity) and get the same validated policy and
// the same errors. In AllowList mode the policy's default action is the
// violation action (errno(EPERM) unless set), unknown system calls
// get errno(ENOSYS) (so C libraries fall back to older calls) and foreign
// architectures kill the process. A call allowed
// unconditionally by any granted entitlement gets one allow rule and its
// conditional rules are dropped; identical rules are merged. Request.Extra
// rules are appended unchanged. DenyList is Karn's weaker default-allow
// mode: the calls owned by entitlements that are not granted, Never and
// the never-grantable ioctl requests (TIOCSTI, TIOCLINUX) are denied;
// there are no other argument rules but the Internet sockets Landlock
// cannot see: without net.client, net.server, net.dns or net.raw no
// AF_INET/AF_INET6 socket, and otherwise (without net.raw) no Multipath
// TCP, SCTP, UDP-Lite, SOCK_RDM/SOCK_SEQPACKET/SOCK_DCCP socket, nor UDP
// while port rules are in force unless net.dns.
//
// All argument rules can be written in an OCI runtime-spec profile: Width32
// (the kernel's int and unsigned int arguments) appears only with OpEQ and
// OpMaskedEQ, 64-bit comparisons are used for unsigned long and pointer
// arguments, no rule has two conditions on one argument (a set of values is
// several rules). The constants are those of the asm-generic architectures
// (x86_64, x32, i386, aarch64, arm, riscv64, loongarch64); Policy refuses
// mips, powerpc, sparc, alpha, parisc and s390, whose socket types, open
// flags, ioctl numbers or clone argument order differ.
//
// # Base
//
// Always on: read/write and friends on descriptors already open, close,
// dup, lseek, fstat, sendfile/splice, Linux AIO (it only reads and writes
// descriptors already open), send/receive on sockets already open
// (sendto only with a NULL address), socketpair(AF_UNIX) of the connected
// types SOCK_STREAM and SOCK_SEQPACKET (see Sockets), memory management
// (see PROT_EXEC below), brk, futex, rseq, robust lists, thread-only clone,
// signal handling, signals to self, process and user ids (read),
// scheduling and resource limits (read), clocks, timers and sleep,
// poll/select/epoll, eventfd, signalfd, timerfd, pipes, getrandom, uname,
// sysinfo, umask, exit. Restricted calls in base:
//
//   - ioctl: FIONREAD, FIONBIO, FIOCLEX, FIONCLEX, TCGETS and TCGETS2
//     (isatty, tcgetattr), TIOCGWINSZ.
//   - fcntl: F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL,
//     F_GETPIPE_SZ, F_SETPIPE_SZ, F_ADD_SEALS, F_GET_SEALS. Locks are fs.lock;
//     F_SETOWN/F_SETSIG/F_NOTIFY are fs.watch, and so is ioctl FIOASYNC
//     (SIGIO delivery to that owner, what fcntl(F_SETFL, O_ASYNC) also does).
//   - prctl: names, death signal, dumpable, no_new_privs, seccomp mode
//     (read), capability bounding set (read), securebits (read), timer slack,
//     THP disable, speculation control, arm64 SVE/SME/PAC/tagged-address and
//     shadow-stack controls, PR_GET_AUXV, PR_SET_VMA (the Go runtime names its
//     mappings). PR_SET_SECCOMP and PR_CAPBSET_DROP are sandbox; keep-caps,
//     securebits and ambient capabilities are proc.identity; PR_SET_PTRACER
//     and PR_SET_MM are admin.debug; child subreaper is proc.spawn.
//   - prlimit64: reading any limit (new limit NULL); setting one's own
//     RLIMIT_NOFILE (pid 0), which the Go runtime raises at start-up, and
//     RLIMIT_STACK, which compilers (gcc, rustc) raise; setrlimit of the
//     same two. Raising a hard limit needs CAP_SYS_RESOURCE, which only
//     proc.resources keeps. Other limits need proc.resources, which sets
//     only the process's own too (pid 0): another process's limits need
//     only the same user, and a lowered RLIMIT_CPU or RLIMIT_FSIZE
//     signals it, past the Landlock signal scope; no entitlement sets
//     them (deny-list mode refuses it as well).
//   - newfstatat, fstatat64, statx: only with AT_EMPTY_PATH, because glibc
//     2.33+ implements fstat(fd) as fstatat(fd, "", AT_EMPTY_PATH). Seccomp
//     cannot see the path, so a process can also stat (not open) a path
//     this way; stat by path is otherwise fs.read.
//   - personality: the values of Docker's default profile (query, PER_LINUX,
//     PER_LINUX32, UNAME26); the rest is admin.debug (ADDR_NO_RANDOMIZE
//     disables ASLR for children).
//
// The Go runtime's needs are all in base, but note that the Go runtime
// opens /sys/kernel/mm/transparent_hugepage/hpage_pmd_size at start-up and,
// from Go 1.25, cgroup files to size GOMAXPROCS: without fs.read these
// opens fail with the violation action, which is harmless with errno (the
// default) and fatal with kill-process.
//
// # Decisions
//
// Threads and clone. Base allows clone only for threads: the flags must
// contain CLONE_THREAD|CLONE_VM|CLONE_SIGHAND and no CLONE_NEW* flag (one
// masked comparison, mask 0x7E030900, value 0x10900). This admits the Go
// runtime (0x50F00) and glibc's pthread_create (0x3D0F00). proc.spawn
// allows any clone without CLONE_NEW* (Docker's (flags & 0x7E020000) == 0),
// fork, vfork, unshare without CLONE_NEW* (and without CLONE_NEWTIME),
// wait4/waitid and pidfd_open. admin.namespaces allows clone with any
// flags, unshare and setns.
//
// clone3 and openat2 get errno(ENOSYS) from base. Their flags are in
// memory, where seccomp cannot read them, so they cannot be restricted;
// ENOSYS makes glibc (pthread_create, posix_spawn) fall back to clone(2),
// and callers of openat2 to openat(2), which the rules can check. This is
// a rule with action errno(ENOSYS), dropped when an entitlement grants the
// call: admin.namespaces grants clone3, fs.create grants openat2 (fs.create
// already allows opening any file for writing through O_CREAT).
//
// PROT_EXEC and dynamic executables. Base allows mmap, mmap2, mprotect
// and pkey_mprotect without PROT_EXEC, and in addition mmap with PROT_EXEC
// when the mapping is neither writable nor anonymous: a read-only
// executable mapping of a file. That is what ld.so does to load shared
// libraries, so dynamic C programs start with base + fs.read, without
// mem.jit (the problem Cosmopolitan's pledge solves by adding prot_exec for
// dynamic binaries). mprotect never adds PROT_EXEC without mem.jit (ld.so
// only needs it for text relocations and executable stacks), and W+X
// mappings need mem.jit. A process that can write a file (fs.write,
// fs.create, or memfd_create with ipc.sysv) can still map what it wrote as
// executable: mem.jit guards anonymous and writable executable memory, not
// code loading from files. Landlock's execute right does not help there
// (it checks execve only); a noexec mount does (the kernel refuses
// PROT_EXEC mappings of its files), and --exec limits only what execve
// starts (entitle run's supervisor makes memfds non-executable, since a
// memfd has no path for Landlock to check). SysV shared memory attached with SHM_EXEC is writable and
// executable: ipc.sysv allows shmat only without SHM_EXEC, mem.jit with it.
// On i386 the legacy mmap call (old_mmap) takes its arguments in
// memory, so its PROT_EXEC condition checks a register the kernel ignores;
// C libraries use mmap2 there, whose arguments the rules do check.
//
// Signals. Base allows kill, tgkill, tkill, rt_sigqueueinfo and
// rt_tgsigqueueinfo when the first argument is the process's own pid
// (Request.SelfPID; OwnPID in Base().Rules stands for it). Signals to one's
// own threads (tgkill(getpid(), tid, sig)) are what glibc's raise and
// pthread_kill and the Go runtime's preemption use. When SelfPID is 0 (a
// profile for a container, where the pid is not known in advance), base
// allows tgkill and tkill unconditionally and does not allow kill: the
// container's PID namespace confines whom it can signal, and a Go program
// then only loses raiseproc, whose failure it handles by exiting. Signals
// to other processes need proc.signal. proc.spawn also allows kill,
// pidfd_send_signal, tgkill and tkill to any pid, because that is how a
// parent signals its children, and how forked children (whose pid is not
// the one baked into the filter) signal their own threads (Go preemption,
// glibc raise/abort); seccomp cannot tell a child's pid from another.
//
// Sockets. Address families are enforced where seccomp can see them: at
// socket(2). net.client and net.server allow AF_INET/AF_INET6 with
// SOCK_STREAM (protocol 0 or TCP) and SOCK_DGRAM (protocol 0 or UDP), the
// type compared under SOCK_TYPE_MASK (0xF) so SOCK_NONBLOCK|SOCK_CLOEXEC
// do not matter; net.unix AF_UNIX; net.netlink AF_NETLINK with protocol
// NETLINK_ROUTE; net.raw AF_PACKET, SOCK_RAW and ICMP echo sockets; net.dns
// the same sockets as net.client. connect is net.client's (also net.unix,
// net.dns, net.raw); listen and accept are net.server's (also net.unix);
// bind is net.server's and also granted by net.client (UDP clients and
// source addresses), net.unix, net.netlink and net.raw. net.dns differs from
// net.client only by not allowing bind. Seccomp cannot see the family of a
// descriptor passed to bind or connect, so these operations are granted per
// entitlement, not per family: net.unix plus net.client can also listen on
// a TCP socket. Base allows I/O on sockets already open (inherited or
// activated ones). setsockopt is restricted by level only (SOL_SOCKET,
// IP, IPv6, TCP, UDP for the inet entitlements; SOL_SOCKET for net.unix;
// SOL_NETLINK for net.netlink; SOL_PACKET, SOL_RAW, ICMPv6 for net.raw), not
// by option name; getsockopt is base. Other families (AF_ALG, AF_VSOCK,
// AF_BLUETOOTH, ...) and other netlink protocols need Request.Extra rules.
// socketcall, the multiplexer of old 32-bit ABIs, is in Never.
//
// AF_UNIX without net.unix. Base allows socketpair(AF_UNIX) only for
// SOCK_STREAM and SOCK_SEQPACKET (with SOCK_NONBLOCK and SOCK_CLOEXEC): such
// a pair is connected for good, so connect fails (EPROTOTYPE), sendto and
// sendmsg with an address fail on a stream socket (EISCONN) and send to the
// peer on a seqpacket socket (the kernel ignores the address). A
// SOCK_DGRAM pair is not: connect, sendto and sendmsg with an address reach
// any Unix datagram socket (syslog's /dev/log, systemd's notify socket),
// so datagram pairs are net.unix's. The other ways to hold an AF_UNIX
// socket are socket(AF_UNIX) (net.unix), descriptors received or
// inherited (entitle run closes inherited ones), pidfd_getfd (admin.debug)
// and io_uring (io.uring). Seccomp cannot see the family of the socket a
// bind names, so bind granted by net.client, net.server, net.netlink or
// net.raw can still give a socket pair a name in the file system (a socket
// file) or in the abstract namespace; nobody can connect to a connected
// pair, and creating the file is refused by the Landlock layer when
// fs.create is not granted.
//
// Descriptor passing. sendmsg and recvmsg carry SCM_RIGHTS in a control
// message in memory, which seccomp cannot inspect, and they are in base for
// all sockets. ipc.fdpass therefore grants nothing beyond base: it is
// advisory, a declaration of intent kept for manifests and audits.
//
// Files. fs.read opens with O_RDONLY and none of O_CREAT, O_TRUNC,
// O_TMPFILE; fs.write opens with any access mode (and O_TRUNC) but without
// O_CREAT or O_TMPFILE; fs.create opens with O_CREAT or O_TMPFILE (any
// access mode: seccomp cannot tell whether O_CREAT without O_EXCL opens an
// existing file, so fs.create implies writing the files it may create) and
// a mode without set-ID bits. fs.attr allows chmod, fchmod, fchmodat and
// fchmodat2 only without S_ISUID|S_ISGID (mode & 06000 == 0); setting
// set-ID bits is fs.chown's ("ownership and privilege-bearing mode bits").
// File creation with a set-ID mode is never granted: create, then chmod.
//
// fanotify. fs.watch allows fanotify_init only for a notification group
// whose event descriptors are opened read-only: the flags (argument 0) may
// hold only FAN_CLOEXEC, FAN_NONBLOCK and the reporting formats FAN_REPORT_TID,
// FAN_REPORT_FID, FAN_REPORT_DIR_FID, FAN_REPORT_NAME, FAN_REPORT_TARGET_FID,
// FAN_REPORT_FD_ERROR and FAN_REPORT_MNT (mask 0x7F03), and event_f_flags
// (argument 1) must have the access mode O_RDONLY. Refused, with any flag a
// later kernel adds: O_WRONLY and O_RDWR event descriptors (writing files
// the program could not open for writing), the permission classes
// FAN_CLASS_CONTENT and FAN_CLASS_PRE_CONTENT (blocking or answering other
// processes' opens and reads), FAN_UNLIMITED_QUEUE and FAN_UNLIMITED_MARKS
// (unbounded kernel memory), FAN_ENABLE_AUDIT, and FAN_REPORT_PIDFD (pidfds
// of every process that touches a watched file). fanotify_mark is allowed
// with any arguments: the kernel refuses permission events on a notification
// group. Without CAP_SYS_ADMIN the kernel allows the file-handle formats
// only (no descriptors); a program that keeps CAP_SYS_ADMIN (entitle run and
// Apply keep it only for admin.mount, admin.namespaces and admin.debug) can
// receive read-only descriptors of the files other processes open — the
// kernel opens them with the watcher's credentials, so the Landlock layer's
// read rights apply to them.
//
// Terminals. tty allows the terminal-mode, window-size, job-control,
// break, flush and pseudo-terminal ioctls. TIOCSTI (input injection) and
// TIOCLINUX (console paste) are never allowed by any entitlement; a test
// checks it. tty keeps no capability: with CAP_SYS_TTY_CONFIG, root's
// vhangup would hang up the terminal the command shares with the shell
// that started it. Other device ioctls need Request.Extra rules.
//
// Other choices: acct is admin.debug (Karn's tracing); open_by_handle_at
// is admin.mount (it bypasses path-based confinement); memfd_create is
// ipc.sysv (and mem.jit); fanotify, dnotify and F_SETOWN are fs.watch; AIO
// (io_submit) is base and io_uring is io.uring, since io_uring's
// operations bypass seccomp; modify_ldt and vm86 are Never.
//
// # Never
//
// Never lists removed, unimplemented and obsolete calls (_sysctl, sysfs,
// ustat, uselib, nfsservctl, vm86, ...) and socketcall; NeverReason gives
// each reason. They are denied in both modes and no entitlement grants
// them; Request.Extra can still allow them.
//
// # Layers beyond seccomp
//
// seccomp sees call numbers and registers, not the path a call opens, the
// port it binds or the process a signal reaches. Each entitlement also
// lists what it grants on Landlock and on the capability sets (Layers,
// LayersOf); package confine enforces it in `entitle run` and Apply, and
// granting nothing means nothing on every layer. With base alone: no file
// right (beyond executing the command itself and its interpreters), no
// TCP bind or connect, signals and abstract Unix sockets stay inside the
// sandbox, processes outside it are out of ptrace-class reach, and a
// privileged process keeps no capability. The table:
//
//	fs.read          read_file, read_dir                 CAP_DAC_READ_SEARCH
//	fs.write         write_file, truncate                CAP_DAC_OVERRIDE
//	fs.create        make_dir/reg/sym, remove_*, refer,  CAP_DAC_OVERRIDE
//	                 write_file, truncate (O_CREAT opens for writing)
//	fs.special       make_char/block/fifo/sock           CAP_MKNOD
//	fs.attr, fs.chown, fs.lock                           CAP_FOWNER; CAP_CHOWN, CAP_FOWNER, CAP_FSETID; CAP_LEASE
//	net.client       TCP connect to any port, bind port 0
//	net.server       TCP bind any port                   CAP_NET_BIND_SERVICE
//	net.dns          TCP connect to port 53 (UDP is not port-filtered before Landlock ABI 10)
//	net.unix         make_sock, resolve_unix; abstract Unix sockets outside the sandbox
//	net.raw                                              CAP_NET_RAW
//	proc.exec        execute, read_file (execve reads the file)
//	proc.signal      signals outside the sandbox          CAP_KILL
//	proc.identity                                        CAP_SETUID, CAP_SETGID, CAP_SETPCAP
//	proc.resources                                       CAP_SYS_RESOURCE, CAP_SYS_NICE
//	mem.lock, time.set                                   CAP_IPC_LOCK; CAP_SYS_TIME
//	ipc.sysv         the fs rights reach /dev/shm and     CAP_IPC_OWNER
//	                 /dev/mqueue
//	admin.mount      no Landlock file rules at all        CAP_SYS_ADMIN, CAP_SYS_CHROOT
//	admin.namespaces                                     CAP_SYS_ADMIN
//	admin.debug                                          CAP_SYS_PTRACE, CAP_SYS_ADMIN, CAP_BPF, CAP_PERFMON
//	admin.kernel     the privileged pseudo-filesystems    CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_SYS_BOOT,
//	                                                     CAP_SYS_ADMIN, CAP_SYSLOG, CAP_NET_ADMIN, ...
//
// File rights apply everywhere except the privileged pseudo-filesystems:
// /dev beyond the command's own terminals and the null, zero (read-only:
// a shared writable mapping of it is anonymous memory that an alias makes
// executable), full and random devices (another terminal of the user is another session's
// keyboard; entitle run's supervisor opens the peers of the
// pseudo-terminals a command with tty creates; /dev/shm and /dev/mqueue,
// the POSIX shared memory, semaphores and message queues of every process
// of the user, only with ipc.sysv, which reaches their SysV objects too);
// debugfs, tracefs, securityfs, bpffs, efivarfs, pstore, configfs; and for
// writing also /proc (except the command's own /proc/PID), /sys, cgroupfs,
// binfmt_misc. So fs.write, even as root, does not reach /proc/sys,
// /proc/sysrq-trigger, /dev/kmsg or raw disks, and fs.attr cannot give a
// file capabilities (CAP_SETFCAP is admin.kernel's). admin.* entitlements
// hand the program kernel-administration powers by design (with
// admin.debug, root keeps CAP_SYS_PTRACE and can read other processes'
// environment); they are not a sandbox. OCI profiles carry only the
// seccomp layer; systemd drop-ins carry what systemd can express
// (export.SystemdLayers).
//
// # Karn
//
// Karn's 20 entitlement names are accepted as aliases (KarnAliases,
// Lookup). Each expands to entitlements that, with base, grant every call
// of Karn's list, except Karn's "obsolete", which expands to nothing: its
// calls are in Never here, and personality is part of admin.debug.
//
// The table of entitlements is in README.md; a test keeps it in sync with
// All.
package catalog
