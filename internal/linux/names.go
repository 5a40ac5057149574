// Names and values of the argument constants entitle's rules test and its
// decoder prints. Each table lists a kind of value with the kernel's
// names; Flags and Name render them. A Linux test checks every constant
// here against golang.org/x/sys/unix.

package linux

// clone(2) flags (linux/sched.h).
const (
	CLONE_NEWTIME        = 0x80
	CLONE_VM             = 0x100
	CLONE_FS             = 0x200
	CLONE_FILES          = 0x400
	CLONE_SIGHAND        = 0x800
	CLONE_PIDFD          = 0x1000
	CLONE_PTRACE         = 0x2000
	CLONE_VFORK          = 0x4000
	CLONE_PARENT         = 0x8000
	CLONE_THREAD         = 0x10000
	CLONE_NEWNS          = 0x20000
	CLONE_SYSVSEM        = 0x40000
	CLONE_SETTLS         = 0x80000
	CLONE_PARENT_SETTID  = 0x100000
	CLONE_CHILD_CLEARTID = 0x200000
	CLONE_UNTRACED       = 0x800000
	CLONE_CHILD_SETTID   = 0x1000000
	CLONE_NEWCGROUP      = 0x2000000
	CLONE_NEWUTS         = 0x4000000
	CLONE_NEWIPC         = 0x8000000
	CLONE_NEWUSER        = 0x10000000
	CLONE_NEWPID         = 0x20000000
	CLONE_NEWNET         = 0x40000000
	CLONE_IO             = 0x80000000
)

// CloneFlags are clone(2)'s flags, lowest bit first. CLONE_NEWTIME (0x80)
// shares its bit with clone's exit signal; only clone3 and unshare take it
// as a flag.
var CloneFlags = []Named{
	{CLONE_NEWTIME, "CLONE_NEWTIME"},
	{CLONE_VM, "CLONE_VM"},
	{CLONE_FS, "CLONE_FS"},
	{CLONE_FILES, "CLONE_FILES"},
	{CLONE_SIGHAND, "CLONE_SIGHAND"},
	{CLONE_PIDFD, "CLONE_PIDFD"},
	{CLONE_PTRACE, "CLONE_PTRACE"},
	{CLONE_VFORK, "CLONE_VFORK"},
	{CLONE_PARENT, "CLONE_PARENT"},
	{CLONE_THREAD, "CLONE_THREAD"},
	{CLONE_NEWNS, "CLONE_NEWNS"},
	{CLONE_SYSVSEM, "CLONE_SYSVSEM"},
	{CLONE_SETTLS, "CLONE_SETTLS"},
	{CLONE_PARENT_SETTID, "CLONE_PARENT_SETTID"},
	{CLONE_CHILD_CLEARTID, "CLONE_CHILD_CLEARTID"},
	{CLONE_UNTRACED, "CLONE_UNTRACED"},
	{CLONE_CHILD_SETTID, "CLONE_CHILD_SETTID"},
	{CLONE_NEWCGROUP, "CLONE_NEWCGROUP"},
	{CLONE_NEWUTS, "CLONE_NEWUTS"},
	{CLONE_NEWIPC, "CLONE_NEWIPC"},
	{CLONE_NEWUSER, "CLONE_NEWUSER"},
	{CLONE_NEWPID, "CLONE_NEWPID"},
	{CLONE_NEWNET, "CLONE_NEWNET"},
	{CLONE_IO, "CLONE_IO"},
}

// mmap(2) and mprotect(2) (asm-generic/mman-common.h).
const (
	PROT_READ      = 1
	PROT_WRITE     = 2
	PROT_EXEC      = 4
	PROT_GROWSDOWN = 0x1000000
	PROT_GROWSUP   = 0x2000000
)

// ProtFlags are mmap(2)'s and mprotect(2)'s prot bits.
var ProtFlags = []Named{
	{PROT_READ, "PROT_READ"},
	{PROT_WRITE, "PROT_WRITE"},
	{PROT_EXEC, "PROT_EXEC"},
	{PROT_GROWSDOWN, "PROT_GROWSDOWN"},
	{PROT_GROWSUP, "PROT_GROWSUP"},
}

const (
	MAP_SHARED          = 1
	MAP_PRIVATE         = 2
	MAP_SHARED_VALIDATE = 3
)

// MapTypes are the values of mmap(2)'s mapping type, flags&3.
var MapTypes = []Named{
	{MAP_SHARED, "MAP_SHARED"},
	{MAP_PRIVATE, "MAP_PRIVATE"},
	{MAP_SHARED_VALIDATE, "MAP_SHARED_VALIDATE"},
}

const (
	MAP_FIXED           = 0x10
	MAP_ANONYMOUS       = 0x20
	MAP_GROWSDOWN       = 0x100
	MAP_DENYWRITE       = 0x800
	MAP_EXECUTABLE      = 0x1000
	MAP_LOCKED          = 0x2000
	MAP_NORESERVE       = 0x4000
	MAP_POPULATE        = 0x8000
	MAP_NONBLOCK        = 0x10000
	MAP_STACK           = 0x20000
	MAP_HUGETLB         = 0x40000
	MAP_SYNC            = 0x80000
	MAP_FIXED_NOREPLACE = 0x100000
)

// MapFlags are mmap(2)'s flags, the type bits (MAP_SHARED, MAP_PRIVATE)
// first.
var MapFlags = []Named{
	{MAP_SHARED, "MAP_SHARED"},
	{MAP_PRIVATE, "MAP_PRIVATE"},
	{MAP_FIXED, "MAP_FIXED"},
	{MAP_ANONYMOUS, "MAP_ANONYMOUS"},
	{MAP_GROWSDOWN, "MAP_GROWSDOWN"},
	{MAP_DENYWRITE, "MAP_DENYWRITE"},
	{MAP_EXECUTABLE, "MAP_EXECUTABLE"},
	{MAP_LOCKED, "MAP_LOCKED"},
	{MAP_NORESERVE, "MAP_NORESERVE"},
	{MAP_POPULATE, "MAP_POPULATE"},
	{MAP_NONBLOCK, "MAP_NONBLOCK"},
	{MAP_STACK, "MAP_STACK"},
	{MAP_HUGETLB, "MAP_HUGETLB"},
	{MAP_SYNC, "MAP_SYNC"},
	{MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE"},
}

// open(2) flags (asm-generic/fcntl.h; O_DIRECTORY, O_NOFOLLOW, O_DIRECT and O_LARGEFILE differ by architecture and are in the o_*.go files).
const (
	O_WRONLY      = 1
	O_RDWR        = 2
	O_CREAT       = 0x40
	O_EXCL        = 0x80
	O_NOCTTY      = 0x100
	O_TRUNC       = 0x200
	O_APPEND      = 0x400
	O_NONBLOCK    = 0x800
	O_SYNC        = 0x101000
	O_DSYNC       = 0x1000
	O_ASYNC       = 0x2000
	O_NOATIME     = 0x40000
	O_CLOEXEC     = 0x80000
	O_PATH        = 0x200000
	O_TMPFILE_BIT = 0x400000 // __O_TMPFILE: O_TMPFILE without O_DIRECTORY
	O_RDONLY      = 0
	O_ACCMODE     = 3
)

// AccModes are the values of open(2)'s access mode, flags&O_ACCMODE.
var AccModes = []Named{{O_RDONLY, "O_RDONLY"}, {O_WRONLY, "O_WRONLY"}, {O_RDWR, "O_RDWR"}, {O_ACCMODE, "O_ACCMODE"}}

// OpenFlags are open(2)'s flags. O_TMPFILE (which contains O_DIRECTORY)
// comes first, so that it is named whole; the access mode bits O_WRONLY and
// O_RDWR follow (a renderer of open's flags that names the access mode
// itself passes the flags without them); O_TMPFILE_BIT alone is last and is
// named O_TMPFILE too, as the rules that test that bit mean it.
var OpenFlags = []Named{
	{O_TMPFILE, "O_TMPFILE"},
	{O_WRONLY, "O_WRONLY"},
	{O_RDWR, "O_RDWR"},
	{O_CREAT, "O_CREAT"},
	{O_EXCL, "O_EXCL"},
	{O_NOCTTY, "O_NOCTTY"},
	{O_TRUNC, "O_TRUNC"},
	{O_APPEND, "O_APPEND"},
	{O_NONBLOCK, "O_NONBLOCK"},
	{O_SYNC, "O_SYNC"},
	{O_DSYNC, "O_DSYNC"},
	{O_ASYNC, "O_ASYNC"},
	{O_DIRECT, "O_DIRECT"},
	{O_LARGEFILE, "O_LARGEFILE"},
	{O_DIRECTORY, "O_DIRECTORY"},
	{O_NOFOLLOW, "O_NOFOLLOW"},
	{O_NOATIME, "O_NOATIME"},
	{O_CLOEXEC, "O_CLOEXEC"},
	{O_PATH, "O_PATH"},
	{O_TMPFILE_BIT, "O_TMPFILE"},
}

// *at(2) flags (linux/fcntl.h).
const (
	AT_SYMLINK_NOFOLLOW = 0x100
	AT_REMOVEDIR        = 0x200
	AT_SYMLINK_FOLLOW   = 0x400
	AT_NO_AUTOMOUNT     = 0x800
	AT_EMPTY_PATH       = 0x1000
	AT_STATX_FORCE_SYNC = 0x2000
	AT_STATX_DONT_SYNC  = 0x4000
	AT_FDCWD            = -100
	AT_EACCESS          = 0x200
)

// AtFlags are the AT_* flags of the *at(2) calls and statx(2).
var AtFlags = []Named{
	{AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"},
	{AT_REMOVEDIR, "AT_REMOVEDIR"},
	{AT_SYMLINK_FOLLOW, "AT_SYMLINK_FOLLOW"},
	{AT_NO_AUTOMOUNT, "AT_NO_AUTOMOUNT"},
	{AT_EMPTY_PATH, "AT_EMPTY_PATH"},
	{AT_STATX_FORCE_SYNC, "AT_STATX_FORCE_SYNC"},
	{AT_STATX_DONT_SYNC, "AT_STATX_DONT_SYNC"},
}

// File mode bits (linux/stat.h).
const (
	S_ISUID = 0x800
	S_ISGID = 0x400
	S_ISVTX = 0x200
)

// ModeFlags are the set-ID and sticky mode bits.
var ModeFlags = []Named{
	{S_ISUID, "S_ISUID"},
	{S_ISGID, "S_ISGID"},
	{S_ISVTX, "S_ISVTX"},
}

// Socket address families (linux/socket.h).
const (
	AF_UNSPEC    = 0
	AF_UNIX      = 1
	AF_INET      = 2
	AF_INET6     = 0xa
	AF_NETLINK   = 0x10
	AF_PACKET    = 0x11
	AF_ALG       = 0x26
	AF_VSOCK     = 0x28
	AF_BLUETOOTH = 0x1f
	AF_KEY       = 0xf
	AF_CAN       = 0x1d
	AF_TIPC      = 0x1e
	AF_XDP       = 0x2c
)

// Families are socket address families.
var Families = []Named{
	{AF_UNSPEC, "AF_UNSPEC"},
	{AF_UNIX, "AF_UNIX"},
	{AF_INET, "AF_INET"},
	{AF_INET6, "AF_INET6"},
	{AF_NETLINK, "AF_NETLINK"},
	{AF_PACKET, "AF_PACKET"},
	{AF_ALG, "AF_ALG"},
	{AF_VSOCK, "AF_VSOCK"},
	{AF_BLUETOOTH, "AF_BLUETOOTH"},
	{AF_KEY, "AF_KEY"},
	{AF_CAN, "AF_CAN"},
	{AF_TIPC, "AF_TIPC"},
	{AF_XDP, "AF_XDP"},
}

// Socket types and type flags (linux/net.h).
const (
	SOCK_STREAM    = 1
	SOCK_DGRAM     = 2
	SOCK_RAW       = 3
	SOCK_RDM       = 4
	SOCK_SEQPACKET = 5
	SOCK_DCCP      = 6
	SOCK_PACKET    = 0xa
	SOCK_TYPE_MASK = 0xf
)

// SockTypes are socket types, type&SOCK_TYPE_MASK.
var SockTypes = []Named{
	{SOCK_STREAM, "SOCK_STREAM"},
	{SOCK_DGRAM, "SOCK_DGRAM"},
	{SOCK_RAW, "SOCK_RAW"},
	{SOCK_RDM, "SOCK_RDM"},
	{SOCK_SEQPACKET, "SOCK_SEQPACKET"},
	{SOCK_PACKET, "SOCK_PACKET"},
}

const (
	SOCK_NONBLOCK = 0x800
	SOCK_CLOEXEC  = 0x80000
)

// SockFlags are the flags or'ed into a socket type.
var SockFlags = []Named{
	{SOCK_NONBLOCK, "SOCK_NONBLOCK"},
	{SOCK_CLOEXEC, "SOCK_CLOEXEC"},
}

// IP protocols (linux/in.h, linux/in6.h).
const (
	IPPROTO_ICMP    = 1
	IPPROTO_TCP     = 6
	IPPROTO_UDP     = 0x11
	IPPROTO_ICMPV6  = 0x3a
	IPPROTO_SCTP    = 0x84
	IPPROTO_UDPLITE = 0x88
	IPPROTO_MPTCP   = 0x106
	IPPROTO_IP      = 0
	IPPROTO_IPV6    = 0x29
	NETLINK_ROUTE   = 0
)

// Protocols are the IP protocols the rules name in socket(2).
var Protocols = []Named{
	{IPPROTO_ICMP, "IPPROTO_ICMP"},
	{IPPROTO_TCP, "IPPROTO_TCP"},
	{IPPROTO_UDP, "IPPROTO_UDP"},
	{IPPROTO_ICMPV6, "IPPROTO_ICMPV6"},
}

// MSG_FASTOPEN (linux/socket.h) makes sendto, sendmsg and sendmmsg on a
// TCP socket connect to the address they carry (TCP Fast Open).
const MSG_FASTOPEN = 0x20000000

// Socket option levels (linux/socket.h).
const (
	SOL_SOCKET  = 1
	SOL_RAW     = 0xff
	SOL_PACKET  = 0x107
	SOL_NETLINK = 0x10e
	SOL_ALG     = 0x117
)

// Levels are setsockopt(2) levels: the protocol levels by their IPPROTO_
// names, as setsockopt(2) documents them, the others by their SOL_ names.
var Levels = []Named{
	{IPPROTO_IP, "IPPROTO_IP"},
	{SOL_SOCKET, "SOL_SOCKET"},
	{IPPROTO_TCP, "IPPROTO_TCP"},
	{IPPROTO_UDP, "IPPROTO_UDP"},
	{IPPROTO_IPV6, "IPPROTO_IPV6"},
	{IPPROTO_ICMPV6, "IPPROTO_ICMPV6"},
	{SOL_RAW, "SOL_RAW"},
	{SOL_PACKET, "SOL_PACKET"},
	{SOL_NETLINK, "SOL_NETLINK"},
	{SOL_ALG, "SOL_ALG"},
}

// Resource limits (asm-generic/resource.h).
const (
	RLIMIT_CPU     = 0
	RLIMIT_FSIZE   = 1
	RLIMIT_DATA    = 2
	RLIMIT_STACK   = 3
	RLIMIT_CORE    = 4
	RLIMIT_RSS     = 5
	RLIMIT_NPROC   = 6
	RLIMIT_NOFILE  = 7
	RLIMIT_MEMLOCK = 0x8
	RLIMIT_AS      = 0x9
)

// Rlimits are getrlimit(2) resources.
var Rlimits = []Named{
	{RLIMIT_CPU, "RLIMIT_CPU"},
	{RLIMIT_FSIZE, "RLIMIT_FSIZE"},
	{RLIMIT_DATA, "RLIMIT_DATA"},
	{RLIMIT_STACK, "RLIMIT_STACK"},
	{RLIMIT_CORE, "RLIMIT_CORE"},
	{RLIMIT_RSS, "RLIMIT_RSS"},
	{RLIMIT_NPROC, "RLIMIT_NPROC"},
	{RLIMIT_NOFILE, "RLIMIT_NOFILE"},
	{RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK"},
	{RLIMIT_AS, "RLIMIT_AS"},
}

// personality(2) (linux/personality.h).
const (
	PER_LINUX   = 0
	PER_LINUX32 = 0x8
	UNAME26     = 0x20000
)

// Personas are the personality(2) values the rules name.
var Personas = []Named{
	{PER_LINUX, "PER_LINUX"},
	{PER_LINUX32, "PER_LINUX32"},
	{UNAME26, "UNAME26"},
}

// fanotify_init(2) flags (linux/fanotify.h).
const (
	FAN_CLOEXEC           = 1
	FAN_NONBLOCK          = 2
	FAN_CLASS_CONTENT     = 4
	FAN_CLASS_PRE_CONTENT = 0x8
	FAN_UNLIMITED_QUEUE   = 0x10
	FAN_UNLIMITED_MARKS   = 0x20
	FAN_ENABLE_AUDIT      = 0x40
	FAN_REPORT_PIDFD      = 0x80
	FAN_REPORT_TID        = 0x100
	FAN_REPORT_FID        = 0x200
	FAN_REPORT_DIR_FID    = 0x400
	FAN_REPORT_NAME       = 0x800
	FAN_REPORT_TARGET_FID = 0x1000
	FAN_REPORT_FD_ERROR   = 0x2000
	FAN_REPORT_MNT        = 0x4000
)

// FanFlags are fanotify_init(2)'s flags.
var FanFlags = []Named{
	{FAN_CLOEXEC, "FAN_CLOEXEC"},
	{FAN_NONBLOCK, "FAN_NONBLOCK"},
	{FAN_CLASS_CONTENT, "FAN_CLASS_CONTENT"},
	{FAN_CLASS_PRE_CONTENT, "FAN_CLASS_PRE_CONTENT"},
	{FAN_UNLIMITED_QUEUE, "FAN_UNLIMITED_QUEUE"},
	{FAN_UNLIMITED_MARKS, "FAN_UNLIMITED_MARKS"},
	{FAN_ENABLE_AUDIT, "FAN_ENABLE_AUDIT"},
	{FAN_REPORT_PIDFD, "FAN_REPORT_PIDFD"},
	{FAN_REPORT_TID, "FAN_REPORT_TID"},
	{FAN_REPORT_FID, "FAN_REPORT_FID"},
	{FAN_REPORT_DIR_FID, "FAN_REPORT_DIR_FID"},
	{FAN_REPORT_NAME, "FAN_REPORT_NAME"},
	{FAN_REPORT_TARGET_FID, "FAN_REPORT_TARGET_FID"},
	{FAN_REPORT_FD_ERROR, "FAN_REPORT_FD_ERROR"},
	{FAN_REPORT_MNT, "FAN_REPORT_MNT"},
}

// shmat(2) flags (linux/shm.h).
const (
	SHM_RDONLY = 0x1000
	SHM_RND    = 0x2000
	SHM_REMAP  = 0x4000
	SHM_EXEC   = 0x8000
)

// ShmFlags are shmat(2)'s flags.
var ShmFlags = []Named{
	{SHM_RDONLY, "SHM_RDONLY"},
	{SHM_RND, "SHM_RND"},
	{SHM_REMAP, "SHM_REMAP"},
	{SHM_EXEC, "SHM_EXEC"},
}

// fcntl(2) commands (asm-generic/fcntl.h, linux/fcntl.h).
const (
	F_DUPFD         = 0
	F_GETFD         = 1
	F_SETFD         = 2
	F_GETFL         = 3
	F_SETFL         = 4
	F_GETLK         = 5
	F_SETLK         = 6
	F_SETLKW        = 7
	F_SETOWN        = 0x8
	F_GETOWN        = 0x9
	F_SETSIG        = 0xa
	F_GETSIG        = 0xb
	F_GETLK64       = 0xc
	F_SETLK64       = 0xd
	F_SETLKW64      = 0xe
	F_SETOWN_EX     = 0xf
	F_GETOWN_EX     = 0x10
	F_OFD_GETLK     = 0x24
	F_OFD_SETLK     = 0x25
	F_OFD_SETLKW    = 0x26
	F_SETLEASE      = 0x400
	F_GETLEASE      = 0x401
	F_NOTIFY        = 0x402
	F_DUPFD_CLOEXEC = 0x406
	F_SETPIPE_SZ    = 0x407
	F_GETPIPE_SZ    = 0x408
	F_ADD_SEALS     = 0x409
	F_GET_SEALS     = 0x40a
)

// FcntlCmds are fcntl(2)'s commands. F_GETLK64, F_SETLK64 and F_SETLKW64
// are the numbers fcntl64 takes on 32-bit architectures (on 64-bit ones the
// C library aliases the names to F_GETLK...).
var FcntlCmds = []Named{
	{F_DUPFD, "F_DUPFD"},
	{F_GETFD, "F_GETFD"},
	{F_SETFD, "F_SETFD"},
	{F_GETFL, "F_GETFL"},
	{F_SETFL, "F_SETFL"},
	{F_GETLK, "F_GETLK"},
	{F_SETLK, "F_SETLK"},
	{F_SETLKW, "F_SETLKW"},
	{F_SETOWN, "F_SETOWN"},
	{F_GETOWN, "F_GETOWN"},
	{F_SETSIG, "F_SETSIG"},
	{F_GETSIG, "F_GETSIG"},
	{F_GETLK64, "F_GETLK64"},
	{F_SETLK64, "F_SETLK64"},
	{F_SETLKW64, "F_SETLKW64"},
	{F_SETOWN_EX, "F_SETOWN_EX"},
	{F_GETOWN_EX, "F_GETOWN_EX"},
	{F_OFD_GETLK, "F_OFD_GETLK"},
	{F_OFD_SETLK, "F_OFD_SETLK"},
	{F_OFD_SETLKW, "F_OFD_SETLKW"},
	{F_SETLEASE, "F_SETLEASE"},
	{F_GETLEASE, "F_GETLEASE"},
	{F_NOTIFY, "F_NOTIFY"},
	{F_DUPFD_CLOEXEC, "F_DUPFD_CLOEXEC"},
	{F_SETPIPE_SZ, "F_SETPIPE_SZ"},
	{F_GETPIPE_SZ, "F_GETPIPE_SZ"},
	{F_ADD_SEALS, "F_ADD_SEALS"},
	{F_GET_SEALS, "F_GET_SEALS"},
}

// prctl(2) options (linux/prctl.h).
const (
	PR_SET_PDEATHSIG            = 1
	PR_GET_PDEATHSIG            = 2
	PR_GET_DUMPABLE             = 3
	PR_SET_DUMPABLE             = 4
	PR_GET_KEEPCAPS             = 7
	PR_SET_KEEPCAPS             = 0x8
	PR_SET_NAME                 = 0xf
	PR_GET_NAME                 = 0x10
	PR_GET_SECCOMP              = 0x15
	PR_SET_SECCOMP              = 0x16
	PR_CAPBSET_READ             = 0x17
	PR_CAPBSET_DROP             = 0x18
	PR_GET_SECUREBITS           = 0x1b
	PR_SET_SECUREBITS           = 0x1c
	PR_SET_TIMERSLACK           = 0x1d
	PR_GET_TIMERSLACK           = 0x1e
	PR_SET_MM                   = 0x23
	PR_SET_CHILD_SUBREAPER      = 0x24
	PR_GET_CHILD_SUBREAPER      = 0x25
	PR_SET_NO_NEW_PRIVS         = 0x26
	PR_GET_NO_NEW_PRIVS         = 0x27
	PR_GET_TID_ADDRESS          = 0x28
	PR_SET_THP_DISABLE          = 0x29
	PR_GET_THP_DISABLE          = 0x2a
	PR_CAP_AMBIENT              = 0x2f
	PR_SVE_SET_VL               = 0x32
	PR_SVE_GET_VL               = 0x33
	PR_GET_SPECULATION_CTRL     = 0x34
	PR_SET_SPECULATION_CTRL     = 0x35
	PR_PAC_RESET_KEYS           = 0x36
	PR_SET_TAGGED_ADDR_CTRL     = 0x37
	PR_GET_TAGGED_ADDR_CTRL     = 0x38
	PR_SET_IO_FLUSHER           = 0x39
	PR_GET_IO_FLUSHER           = 0x3a
	PR_PAC_SET_ENABLED_KEYS     = 0x3c
	PR_PAC_GET_ENABLED_KEYS     = 0x3d
	PR_SCHED_CORE               = 0x3e
	PR_SME_SET_VL               = 0x3f
	PR_SME_GET_VL               = 0x40
	PR_SET_MDWE                 = 0x41
	PR_GET_MDWE                 = 0x42
	PR_GET_SHADOW_STACK_STATUS  = 0x4a
	PR_SET_SHADOW_STACK_STATUS  = 0x4b
	PR_LOCK_SHADOW_STACK_STATUS = 0x4c
	PR_GET_AUXV                 = 0x41555856
	PR_SET_VMA                  = 0x53564d41
	PR_SET_PTRACER              = 0x59616d61
)

// prctl(PR_CAP_AMBIENT) operations.
const (
	PR_CAP_AMBIENT_IS_SET    = 1
	PR_CAP_AMBIENT_RAISE     = 2
	PR_CAP_AMBIENT_LOWER     = 3
	PR_CAP_AMBIENT_CLEAR_ALL = 4
)

// PrctlOpts are prctl(2)'s options.
var PrctlOpts = []Named{
	{PR_SET_PDEATHSIG, "PR_SET_PDEATHSIG"},
	{PR_GET_PDEATHSIG, "PR_GET_PDEATHSIG"},
	{PR_GET_DUMPABLE, "PR_GET_DUMPABLE"},
	{PR_SET_DUMPABLE, "PR_SET_DUMPABLE"},
	{PR_GET_KEEPCAPS, "PR_GET_KEEPCAPS"},
	{PR_SET_KEEPCAPS, "PR_SET_KEEPCAPS"},
	{PR_SET_NAME, "PR_SET_NAME"},
	{PR_GET_NAME, "PR_GET_NAME"},
	{PR_GET_SECCOMP, "PR_GET_SECCOMP"},
	{PR_SET_SECCOMP, "PR_SET_SECCOMP"},
	{PR_CAPBSET_READ, "PR_CAPBSET_READ"},
	{PR_CAPBSET_DROP, "PR_CAPBSET_DROP"},
	{PR_GET_SECUREBITS, "PR_GET_SECUREBITS"},
	{PR_SET_SECUREBITS, "PR_SET_SECUREBITS"},
	{PR_SET_TIMERSLACK, "PR_SET_TIMERSLACK"},
	{PR_GET_TIMERSLACK, "PR_GET_TIMERSLACK"},
	{PR_SET_MM, "PR_SET_MM"},
	{PR_SET_CHILD_SUBREAPER, "PR_SET_CHILD_SUBREAPER"},
	{PR_GET_CHILD_SUBREAPER, "PR_GET_CHILD_SUBREAPER"},
	{PR_SET_NO_NEW_PRIVS, "PR_SET_NO_NEW_PRIVS"},
	{PR_GET_NO_NEW_PRIVS, "PR_GET_NO_NEW_PRIVS"},
	{PR_GET_TID_ADDRESS, "PR_GET_TID_ADDRESS"},
	{PR_SET_THP_DISABLE, "PR_SET_THP_DISABLE"},
	{PR_GET_THP_DISABLE, "PR_GET_THP_DISABLE"},
	{PR_CAP_AMBIENT, "PR_CAP_AMBIENT"},
	{PR_SVE_SET_VL, "PR_SVE_SET_VL"},
	{PR_SVE_GET_VL, "PR_SVE_GET_VL"},
	{PR_GET_SPECULATION_CTRL, "PR_GET_SPECULATION_CTRL"},
	{PR_SET_SPECULATION_CTRL, "PR_SET_SPECULATION_CTRL"},
	{PR_PAC_RESET_KEYS, "PR_PAC_RESET_KEYS"},
	{PR_SET_TAGGED_ADDR_CTRL, "PR_SET_TAGGED_ADDR_CTRL"},
	{PR_GET_TAGGED_ADDR_CTRL, "PR_GET_TAGGED_ADDR_CTRL"},
	{PR_SET_IO_FLUSHER, "PR_SET_IO_FLUSHER"},
	{PR_GET_IO_FLUSHER, "PR_GET_IO_FLUSHER"},
	{PR_PAC_SET_ENABLED_KEYS, "PR_PAC_SET_ENABLED_KEYS"},
	{PR_PAC_GET_ENABLED_KEYS, "PR_PAC_GET_ENABLED_KEYS"},
	{PR_SCHED_CORE, "PR_SCHED_CORE"},
	{PR_SME_SET_VL, "PR_SME_SET_VL"},
	{PR_SME_GET_VL, "PR_SME_GET_VL"},
	{PR_SET_MDWE, "PR_SET_MDWE"},
	{PR_GET_MDWE, "PR_GET_MDWE"},
	{PR_GET_SHADOW_STACK_STATUS, "PR_GET_SHADOW_STACK_STATUS"},
	{PR_SET_SHADOW_STACK_STATUS, "PR_SET_SHADOW_STACK_STATUS"},
	{PR_LOCK_SHADOW_STACK_STATUS, "PR_LOCK_SHADOW_STACK_STATUS"},
	{PR_GET_AUXV, "PR_GET_AUXV"},
	{PR_SET_VMA, "PR_SET_VMA"},
	{PR_SET_PTRACER, "PR_SET_PTRACER"},
}

// ioctl(2) requests (asm-generic/ioctls.h, linux/fs.h, linux/sockios.h; the _IOR/_IOW ones of a long are the 64-bit values, the 32-bit ones are the FS_IOC32_ names).
const (
	TCGETS            = 0x5401
	TCSETS            = 0x5402
	TCSETSW           = 0x5403
	TCSETSF           = 0x5404
	TCSBRK            = 0x5409
	TCXONC            = 0x540a
	TCFLSH            = 0x540b
	TIOCEXCL          = 0x540c
	TIOCNXCL          = 0x540d
	TIOCSCTTY         = 0x540e
	TIOCGPGRP         = 0x540f
	TIOCSPGRP         = 0x5410
	TIOCOUTQ          = 0x5411
	TIOCSTI           = 0x5412
	TIOCGWINSZ        = 0x5413
	TIOCSWINSZ        = 0x5414
	TIOCMGET          = 0x5415
	FIONREAD          = 0x541b
	TIOCLINUX         = 0x541c
	TIOCCONS          = 0x541d
	TIOCPKT           = 0x5420
	FIONBIO           = 0x5421
	TIOCNOTTY         = 0x5422
	TIOCSETD          = 0x5423
	TIOCGETD          = 0x5424
	TCSBRKP           = 0x5425
	TIOCSBRK          = 0x5427
	TIOCCBRK          = 0x5428
	TIOCGSID          = 0x5429
	TCGETS2           = 0x802c542a
	TCSETS2           = 0x402c542b
	TCSETSW2          = 0x402c542c
	TCSETSF2          = 0x402c542d
	TIOCGPTN          = 0x80045430
	TIOCSPTLCK        = 0x40045431
	TIOCGDEV          = 0x80045432
	TIOCGPTLCK        = 0x80045439
	TIOCGEXCL         = 0x80045440
	TIOCGPTPEER       = 0x5441
	FIONCLEX          = 0x5450
	FIOCLEX           = 0x5451
	FIOASYNC          = 0x5452
	SIOCATMARK        = 0x8905
	SIOCGIFNAME       = 0x8910
	SIOCGIFCONF       = 0x8912
	SIOCGIFFLAGS      = 0x8913
	SIOCSIFFLAGS      = 0x8914
	SIOCGIFADDR       = 0x8915
	SIOCGIFBRDADDR    = 0x8919
	SIOCGIFNETMASK    = 0x891b
	SIOCGIFMTU        = 0x8921
	SIOCGIFHWADDR     = 0x8927
	SIOCGIFINDEX      = 0x8933
	SIOCETHTOOL       = 0x8946
	FIBMAP            = 1
	FIGETBSZ          = 2
	FICLONE           = 0x40049409
	FICLONERANGE      = 0x4020940d
	FIDEDUPERANGE     = 0xc0189436
	FS_IOC_GETFLAGS   = 0x80086601
	FS_IOC_SETFLAGS   = 0x40086602
	FS_IOC32_GETFLAGS = 0x80046601
	FS_IOC32_SETFLAGS = 0x40046602
	FS_IOC_FSGETXATTR = 0x801c581f
	FS_IOC_FSSETXATTR = 0x401c5820
	BLKSSZGET         = 0x1268
	BLKGETSIZE64      = 0x80081272
	RNDGETENTCNT      = 0x80045200
)

// Ioctls are the ioctl(2) requests entitle names.
var Ioctls = []Named{
	{TCGETS, "TCGETS"},
	{TCSETS, "TCSETS"},
	{TCSETSW, "TCSETSW"},
	{TCSETSF, "TCSETSF"},
	{TCSBRK, "TCSBRK"},
	{TCXONC, "TCXONC"},
	{TCFLSH, "TCFLSH"},
	{TIOCEXCL, "TIOCEXCL"},
	{TIOCNXCL, "TIOCNXCL"},
	{TIOCSCTTY, "TIOCSCTTY"},
	{TIOCGPGRP, "TIOCGPGRP"},
	{TIOCSPGRP, "TIOCSPGRP"},
	{TIOCOUTQ, "TIOCOUTQ"},
	{TIOCSTI, "TIOCSTI"},
	{TIOCGWINSZ, "TIOCGWINSZ"},
	{TIOCSWINSZ, "TIOCSWINSZ"},
	{TIOCMGET, "TIOCMGET"},
	{FIONREAD, "FIONREAD"},
	{TIOCLINUX, "TIOCLINUX"},
	{TIOCCONS, "TIOCCONS"},
	{TIOCPKT, "TIOCPKT"},
	{FIONBIO, "FIONBIO"},
	{TIOCNOTTY, "TIOCNOTTY"},
	{TIOCSETD, "TIOCSETD"},
	{TIOCGETD, "TIOCGETD"},
	{TCSBRKP, "TCSBRKP"},
	{TIOCSBRK, "TIOCSBRK"},
	{TIOCCBRK, "TIOCCBRK"},
	{TIOCGSID, "TIOCGSID"},
	{TCGETS2, "TCGETS2"},
	{TCSETS2, "TCSETS2"},
	{TCSETSW2, "TCSETSW2"},
	{TCSETSF2, "TCSETSF2"},
	{TIOCGPTN, "TIOCGPTN"},
	{TIOCSPTLCK, "TIOCSPTLCK"},
	{TIOCGDEV, "TIOCGDEV"},
	{TIOCGPTLCK, "TIOCGPTLCK"},
	{TIOCGEXCL, "TIOCGEXCL"},
	{TIOCGPTPEER, "TIOCGPTPEER"},
	{FIONCLEX, "FIONCLEX"},
	{FIOCLEX, "FIOCLEX"},
	{FIOASYNC, "FIOASYNC"},
	{SIOCATMARK, "SIOCATMARK"},
	{SIOCGIFNAME, "SIOCGIFNAME"},
	{SIOCGIFCONF, "SIOCGIFCONF"},
	{SIOCGIFFLAGS, "SIOCGIFFLAGS"},
	{SIOCSIFFLAGS, "SIOCSIFFLAGS"},
	{SIOCGIFADDR, "SIOCGIFADDR"},
	{SIOCGIFBRDADDR, "SIOCGIFBRDADDR"},
	{SIOCGIFNETMASK, "SIOCGIFNETMASK"},
	{SIOCGIFMTU, "SIOCGIFMTU"},
	{SIOCGIFHWADDR, "SIOCGIFHWADDR"},
	{SIOCGIFINDEX, "SIOCGIFINDEX"},
	{SIOCETHTOOL, "SIOCETHTOOL"},
	{FIBMAP, "FIBMAP"},
	{FIGETBSZ, "FIGETBSZ"},
	{FICLONE, "FICLONE"},
	{FICLONERANGE, "FICLONERANGE"},
	{FIDEDUPERANGE, "FIDEDUPERANGE"},
	{FS_IOC_GETFLAGS, "FS_IOC_GETFLAGS"},
	{FS_IOC_SETFLAGS, "FS_IOC_SETFLAGS"},
	{FS_IOC32_GETFLAGS, "FS_IOC32_GETFLAGS"},
	{FS_IOC32_SETFLAGS, "FS_IOC32_SETFLAGS"},
	{FS_IOC_FSGETXATTR, "FS_IOC_FSGETXATTR"},
	{FS_IOC_FSSETXATTR, "FS_IOC_FSSETXATTR"},
	{BLKSSZGET, "BLKSSZGET"},
	{BLKGETSIZE64, "BLKGETSIZE64"},
	{RNDGETENTCNT, "RNDGETENTCNT"},
}
