//go:build linux

package run

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/entitle-dev/entitle/syscalls"
	"golang.org/x/sys/unix"
)

// argKind says how to print one system call argument.
type argKind uint8

const (
	aHex argKind = iota
	aInt
	aFd
	aDirfd // AT_FDCWD or a descriptor
	aPath  // NUL-terminated string in the process's memory
	aStr
	aOpenFlags
	aMode // octal
	aAtFlags
	aDomain
	aSockType
	aCloneFlags
	aIoctl
	aProt
	aMapFlags
	aSignal
	aSockaddr // pointer; the next argument is its length
	aFcntl
	aPrctl
	aPtr
	aLevel
)

// signatures of the calls worth decoding; others print three hex words.
var signatures = map[string][]argKind{
	"open":              {aPath, aOpenFlags, aMode},
	"openat":            {aDirfd, aPath, aOpenFlags, aMode},
	"creat":             {aPath, aMode},
	"mkdir":             {aPath, aMode},
	"mkdirat":           {aDirfd, aPath, aMode},
	"mknod":             {aPath, aMode, aHex},
	"mknodat":           {aDirfd, aPath, aMode, aHex},
	"unlink":            {aPath},
	"unlinkat":          {aDirfd, aPath, aAtFlags},
	"rmdir":             {aPath},
	"rename":            {aPath, aPath},
	"renameat":          {aDirfd, aPath, aDirfd, aPath},
	"renameat2":         {aDirfd, aPath, aDirfd, aPath, aHex},
	"link":              {aPath, aPath},
	"linkat":            {aDirfd, aPath, aDirfd, aPath, aAtFlags},
	"symlink":           {aPath, aPath},
	"symlinkat":         {aPath, aDirfd, aPath},
	"chmod":             {aPath, aMode},
	"fchmod":            {aFd, aMode},
	"fchmodat":          {aDirfd, aPath, aMode},
	"fchmodat2":         {aDirfd, aPath, aMode, aAtFlags},
	"chown":             {aPath, aInt, aInt},
	"lchown":            {aPath, aInt, aInt},
	"fchown":            {aFd, aInt, aInt},
	"fchownat":          {aDirfd, aPath, aInt, aInt, aAtFlags},
	"truncate":          {aPath, aInt},
	"ftruncate":         {aFd, aInt},
	"stat":              {aPath, aPtr},
	"lstat":             {aPath, aPtr},
	"newfstatat":        {aDirfd, aPath, aPtr, aAtFlags},
	"statx":             {aDirfd, aPath, aAtFlags, aHex, aPtr},
	"access":            {aPath, aInt},
	"faccessat":         {aDirfd, aPath, aInt},
	"faccessat2":        {aDirfd, aPath, aInt, aAtFlags},
	"readlink":          {aPath, aPtr, aInt},
	"readlinkat":        {aDirfd, aPath, aPtr, aInt},
	"chdir":             {aPath},
	"fchdir":            {aFd},
	"chroot":            {aPath},
	"getcwd":            {aPtr, aInt},
	"statfs":            {aPath, aPtr},
	"utimensat":         {aDirfd, aPath, aPtr, aAtFlags},
	"execve":            {aPath, aPtr, aPtr},
	"execveat":          {aDirfd, aPath, aPtr, aPtr, aAtFlags},
	"getdents64":        {aFd, aPtr, aInt},
	"inotify_add_watch": {aFd, aPath, aHex},
	"fanotify_init":     {aHex, aOpenFlags},
	"socket":            {aDomain, aSockType, aInt},
	"socketpair":        {aDomain, aSockType, aInt, aPtr},
	"connect":           {aFd, aSockaddr, aInt},
	"bind":              {aFd, aSockaddr, aInt},
	"listen":            {aFd, aInt},
	"accept":            {aFd, aPtr, aPtr},
	"accept4":           {aFd, aPtr, aPtr, aHex},
	"sendto":            {aFd, aPtr, aInt, aHex, aSockaddr, aInt},
	"setsockopt":        {aFd, aLevel, aInt, aPtr, aInt},
	"clone":             {aCloneFlags, aPtr, aPtr, aPtr, aHex},
	"unshare":           {aCloneFlags},
	"setns":             {aFd, aCloneFlags},
	"fork":              {},
	"fsync":             {aFd},
	"fdatasync":         {aFd},
	"sync_file_range":   {aFd, aInt, aInt, aHex},
	"vfork":             {},
	"wait4":             {aInt, aPtr, aHex, aPtr},
	"ioctl":             {aFd, aIoctl, aHex},
	"fcntl":             {aFd, aFcntl, aHex},
	"mmap":              {aPtr, aInt, aProt, aMapFlags, aFd, aHex},
	"mprotect":          {aPtr, aInt, aProt},
	"pkey_mprotect":     {aPtr, aInt, aProt, aInt},
	"kill":              {aInt, aSignal},
	"tkill":             {aInt, aSignal},
	"tgkill":            {aInt, aInt, aSignal},
	"prctl":             {aPrctl, aHex, aHex},
	"ptrace":            {aInt, aInt, aPtr, aPtr},
	"mount":             {aPath, aPath, aStr, aHex, aPtr},
	"umount2":           {aPath, aHex},
	"setuid":            {aInt},
	"setgid":            {aInt},
	"setpgid":           {aInt, aInt},
	"setsid":            {},
	"flock":             {aFd, aHex},
	"memfd_create":      {aStr, aHex},
	"getxattr":          {aPath, aStr, aPtr, aInt},
	"lgetxattr":         {aPath, aStr, aPtr, aInt},
	"setxattr":          {aPath, aStr, aPtr, aInt, aHex},
	"lsetxattr":         {aPath, aStr, aPtr, aInt, aHex},
	"listxattr":         {aPath, aPtr, aInt},
	"llistxattr":        {aPath, aPtr, aInt},
	"io_uring_setup":    {aInt, aPtr},
	"sethostname":       {aStr, aInt},
	"setrlimit":         {aInt, aPtr},
	"prlimit64":         {aInt, aInt, aPtr, aPtr},
	"personality":       {aHex},
	"sched_setaffinity": {aInt, aInt, aPtr},
	"setpriority":       {aInt, aInt, aInt},
}

// decoder reads a stopped process's memory for one notification.
type decoder struct {
	pid    int
	mem    int // /proc/PID/mem, open (+1: 0 means not opened)
	bad    bool
	family int // address family of a decoded socket address, -1 if none
	port   int // its port (AF_INET, AF_INET6)
}

func (d *decoder) close() {
	if d.mem > 0 {
		unix.Close(d.mem - 1)
		d.mem = 0
	}
}

// read reads n bytes of the process's memory at addr (fewer when the
// range runs into an unmapped page): one process_vm_readv, or, where that
// is refused, /proc/PID/mem with raw system calls (not *os.File: a denied
// call waits for the supervisor). The caller checks that the notification
// is still valid afterwards (the pid still names the caller).
func (d *decoder) read(addr uint64, n int) []byte {
	if addr == 0 || d.bad {
		return nil
	}
	buf := make([]byte, n)
	if d.mem == 0 {
		local := []unix.Iovec{{Base: &buf[0]}}
		local[0].SetLen(n)
		remote := []unix.RemoteIovec{{Base: uintptr(addr), Len: n}}
		m, err := unix.ProcessVMReadv(d.pid, local, remote, 0)
		switch {
		case err == nil:
			return buf[:m]
		case err == unix.EFAULT:
			return nil
		case err == unix.ESRCH:
			d.bad = true
			return nil
		}
		fd, err := unix.Open("/proc/"+strconv.Itoa(d.pid)+"/mem", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			d.bad = true
			return nil
		}
		d.mem = fd + 1
	}
	m, err := unix.Pread(d.mem-1, buf, int64(addr))
	if err != nil || m < 0 {
		return nil
	}
	return buf[:m]
}

// procRead reads up to max bytes of a small /proc file with raw system
// calls (see read).
func procRead(path string, max int) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	buf := make([]byte, max)
	n, err := unix.Read(fd, buf)
	if err != nil {
		return nil, err
	}
	return buf[:n], nil
}

// str reads a NUL-terminated string of at most 4096 bytes, page by page.
func (d *decoder) str(addr uint64) (string, bool) {
	var out []byte
	for len(out) < 4096 {
		chunk := 4096 - int(addr%4096)
		b := d.read(addr, chunk)
		if len(b) == 0 {
			return string(out), len(out) > 0
		}
		if i := strings.IndexByte(string(b), 0); i >= 0 {
			return string(append(out, b[:i]...)), true
		}
		out = append(out, b...)
		addr += uint64(len(b))
	}
	return string(out) + "...", true
}

func (d *decoder) call(arch *syscalls.Arch, name string, args [6]uint64) string {
	sig, ok := signatures[name]
	if !ok || arch == nil || arch != syscalls.Native() {
		sig = []argKind{aHex, aHex, aHex}
	}
	parts := make([]string, 0, len(sig))
	for i, k := range sig {
		v := args[i]
		var next uint64
		if i+1 < 6 {
			next = args[i+1]
		}
		parts = append(parts, d.arg(name, k, v, next))
	}
	return name + "(" + strings.Join(parts, ", ") + ")"
}

func hex(v uint64) string { return "0x" + strconv.FormatUint(v, 16) }

func (d *decoder) arg(name string, k argKind, v, next uint64) string {
	switch k {
	case aInt, aFd:
		return strconv.FormatInt(int64(int32(v)), 10)
	case aDirfd:
		if int32(v) == unix.AT_FDCWD {
			return "AT_FDCWD"
		}
		return strconv.FormatInt(int64(int32(v)), 10)
	case aPath, aStr:
		if v == 0 {
			return "NULL"
		}
		s, ok := d.str(v)
		if !ok {
			return hex(v)
		}
		return strconv.Quote(s)
	case aOpenFlags:
		return openFlags(v)
	case aMode:
		return "0" + strconv.FormatUint(v&0xFFFF, 8)
	case aAtFlags:
		return flagNames(v&0xFFFFFFFF, atFlags)
	case aDomain:
		return lookupName(v, domains)
	case aSockType:
		s := lookupName(v&0xF, sockTypes)
		rest := flagNames(v&^0xF&0xFFFFFFFF, sockFlags)
		if rest != "0" {
			s += "|" + rest
		}
		return s
	case aCloneFlags:
		sig := v & 0xFF
		s := flagNames(v&^0xFF, cloneFlags)
		if sig != 0 {
			sn := unix.SignalName(unix.Signal(sig))
			if sn == "" {
				sn = strconv.FormatUint(sig, 10)
			}
			if s == "0" {
				return sn
			}
			s += "|" + sn
		}
		return s
	case aIoctl:
		return lookupName(v&0xFFFFFFFF, ioctls)
	case aProt:
		if v == 0 {
			return "PROT_NONE"
		}
		return flagNames(v, prots)
	case aMapFlags:
		s := lookupName(v&3, mapTypes)
		rest := flagNames(v&^3, mapFlags)
		if rest != "0" {
			s += "|" + rest
		}
		return s
	case aSignal:
		if n := unix.SignalName(unix.Signal(v)); n != "" {
			return n
		}
		return strconv.FormatUint(v, 10)
	case aSockaddr:
		return d.sockaddr(v, next)
	case aFcntl:
		return lookupName(v, fcntls)
	case aPrctl:
		return lookupName(v, prctls)
	case aLevel:
		return lookupName(v, levels)
	case aPtr:
		if v == 0 {
			return "NULL"
		}
		return hex(v)
	}
	return hex(v)
}

func (d *decoder) sockaddr(addr, length uint64) string {
	if addr == 0 {
		return "NULL"
	}
	if length > 128 {
		length = 128
	}
	b := d.read(addr, int(length))
	if len(b) < 2 {
		return hex(addr)
	}
	fam := binary.NativeEndian.Uint16(b)
	d.family = int(fam)
	if (fam == unix.AF_INET || fam == unix.AF_INET6) && len(b) >= 4 {
		d.port = int(binary.BigEndian.Uint16(b[2:]))
	}
	switch {
	case fam == unix.AF_INET && len(b) >= 8:
		ip := netip.AddrFrom4([4]byte(b[4:8]))
		return fmt.Sprintf("{AF_INET, %s}", netip.AddrPortFrom(ip, binary.BigEndian.Uint16(b[2:])))
	case fam == unix.AF_INET6 && len(b) >= 24:
		ip := netip.AddrFrom16([16]byte(b[8:24]))
		return fmt.Sprintf("{AF_INET6, %s}", netip.AddrPortFrom(ip, binary.BigEndian.Uint16(b[2:])))
	case fam == unix.AF_UNIX:
		p := b[2:]
		if len(p) > 0 && p[0] == 0 {
			return fmt.Sprintf("{AF_UNIX, %q}", "@"+strings.TrimRight(string(p[1:]), "\x00"))
		}
		if i := strings.IndexByte(string(p), 0); i >= 0 {
			p = p[:i]
		}
		return fmt.Sprintf("{AF_UNIX, %q}", string(p))
	}
	return "{" + lookupName(uint64(fam), domains) + ", ...}"
}

type named struct {
	v    uint64
	name string
}

func lookupName(v uint64, table []named) string {
	for _, n := range table {
		if n.v == v {
			return n.name
		}
	}
	return hex(v)
}

func flagNames(v uint64, table []named) string {
	if v == 0 {
		return "0"
	}
	var parts []string
	for _, n := range table {
		if n.v != 0 && v&n.v == n.v {
			parts = append(parts, n.name)
			v &^= n.v
		}
	}
	if v != 0 {
		parts = append(parts, hex(v))
	}
	return strings.Join(parts, "|")
}

func openFlags(v uint64) string {
	acc := []string{"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"}[v&3]
	rest := flagNames(v&^3&0xFFFFFFFF, openFlagTable)
	if rest == "0" {
		return acc
	}
	return acc + "|" + rest
}

var openFlagTable = []named{
	{unix.O_TMPFILE, "O_TMPFILE"}, // before O_DIRECTORY, which it contains
	{unix.O_CREAT, "O_CREAT"}, {unix.O_EXCL, "O_EXCL"}, {unix.O_NOCTTY, "O_NOCTTY"},
	{unix.O_TRUNC, "O_TRUNC"}, {unix.O_APPEND, "O_APPEND"}, {unix.O_NONBLOCK, "O_NONBLOCK"},
	{unix.O_SYNC, "O_SYNC"}, {unix.O_DSYNC, "O_DSYNC"}, {unix.O_ASYNC, "O_ASYNC"}, {unix.O_DIRECT, "O_DIRECT"},
	{unix.O_LARGEFILE, "O_LARGEFILE"}, {unix.O_DIRECTORY, "O_DIRECTORY"}, {unix.O_NOFOLLOW, "O_NOFOLLOW"},
	{unix.O_NOATIME, "O_NOATIME"}, {unix.O_CLOEXEC, "O_CLOEXEC"}, {unix.O_PATH, "O_PATH"},
}

var atFlags = []named{
	{unix.AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"}, {unix.AT_REMOVEDIR, "AT_REMOVEDIR"},
	{unix.AT_SYMLINK_FOLLOW, "AT_SYMLINK_FOLLOW"}, {unix.AT_NO_AUTOMOUNT, "AT_NO_AUTOMOUNT"},
	{unix.AT_EMPTY_PATH, "AT_EMPTY_PATH"}, {unix.AT_STATX_FORCE_SYNC, "AT_STATX_FORCE_SYNC"},
	{unix.AT_STATX_DONT_SYNC, "AT_STATX_DONT_SYNC"},
}

var domains = []named{
	{unix.AF_UNSPEC, "AF_UNSPEC"}, {unix.AF_UNIX, "AF_UNIX"}, {unix.AF_INET, "AF_INET"}, {unix.AF_INET6, "AF_INET6"},
	{unix.AF_NETLINK, "AF_NETLINK"}, {unix.AF_PACKET, "AF_PACKET"}, {unix.AF_ALG, "AF_ALG"},
	{unix.AF_VSOCK, "AF_VSOCK"}, {unix.AF_BLUETOOTH, "AF_BLUETOOTH"}, {unix.AF_KEY, "AF_KEY"},
	{unix.AF_CAN, "AF_CAN"}, {unix.AF_TIPC, "AF_TIPC"}, {unix.AF_XDP, "AF_XDP"},
}

var sockTypes = []named{
	{unix.SOCK_STREAM, "SOCK_STREAM"}, {unix.SOCK_DGRAM, "SOCK_DGRAM"}, {unix.SOCK_RAW, "SOCK_RAW"},
	{unix.SOCK_RDM, "SOCK_RDM"}, {unix.SOCK_SEQPACKET, "SOCK_SEQPACKET"}, {unix.SOCK_PACKET, "SOCK_PACKET"},
}

var sockFlags = []named{{unix.SOCK_NONBLOCK, "SOCK_NONBLOCK"}, {unix.SOCK_CLOEXEC, "SOCK_CLOEXEC"}}

var cloneFlags = []named{
	{unix.CLONE_VM, "CLONE_VM"}, {unix.CLONE_FS, "CLONE_FS"}, {unix.CLONE_FILES, "CLONE_FILES"},
	{unix.CLONE_SIGHAND, "CLONE_SIGHAND"}, {unix.CLONE_PIDFD, "CLONE_PIDFD"}, {unix.CLONE_PTRACE, "CLONE_PTRACE"},
	{unix.CLONE_VFORK, "CLONE_VFORK"}, {unix.CLONE_PARENT, "CLONE_PARENT"}, {unix.CLONE_THREAD, "CLONE_THREAD"},
	{unix.CLONE_NEWNS, "CLONE_NEWNS"}, {unix.CLONE_SYSVSEM, "CLONE_SYSVSEM"}, {unix.CLONE_SETTLS, "CLONE_SETTLS"},
	{unix.CLONE_PARENT_SETTID, "CLONE_PARENT_SETTID"}, {unix.CLONE_CHILD_CLEARTID, "CLONE_CHILD_CLEARTID"},
	{unix.CLONE_UNTRACED, "CLONE_UNTRACED"}, {unix.CLONE_CHILD_SETTID, "CLONE_CHILD_SETTID"},
	{unix.CLONE_NEWCGROUP, "CLONE_NEWCGROUP"}, {unix.CLONE_NEWUTS, "CLONE_NEWUTS"}, {unix.CLONE_NEWIPC, "CLONE_NEWIPC"},
	{unix.CLONE_NEWUSER, "CLONE_NEWUSER"}, {unix.CLONE_NEWPID, "CLONE_NEWPID"}, {unix.CLONE_NEWNET, "CLONE_NEWNET"},
	{unix.CLONE_IO, "CLONE_IO"}, {unix.CLONE_NEWTIME, "CLONE_NEWTIME"},
}

var ioctls = []named{
	{unix.TCGETS, "TCGETS"}, {unix.TCSETS, "TCSETS"}, {unix.TCSETSW, "TCSETSW"}, {unix.TCSETSF, "TCSETSF"},
	{unix.TCGETS2, "TCGETS2"}, {unix.TCSETS2, "TCSETS2"}, {unix.TCSBRK, "TCSBRK"}, {unix.TCXONC, "TCXONC"},
	{unix.TCFLSH, "TCFLSH"}, {unix.TIOCEXCL, "TIOCEXCL"}, {unix.TIOCNXCL, "TIOCNXCL"},
	{unix.TIOCSCTTY, "TIOCSCTTY"}, {unix.TIOCGPGRP, "TIOCGPGRP"}, {unix.TIOCSPGRP, "TIOCSPGRP"},
	{unix.TIOCOUTQ, "TIOCOUTQ"}, {unix.TIOCSTI, "TIOCSTI"}, {unix.TIOCGWINSZ, "TIOCGWINSZ"},
	{unix.TIOCSWINSZ, "TIOCSWINSZ"}, {unix.TIOCMGET, "TIOCMGET"}, {0x541B, "FIONREAD"},
	{unix.TIOCLINUX, "TIOCLINUX"}, {unix.TIOCCONS, "TIOCCONS"}, {0x5421, "FIONBIO"},
	{unix.TIOCNOTTY, "TIOCNOTTY"}, {unix.TIOCSETD, "TIOCSETD"}, {unix.TIOCGETD, "TIOCGETD"},
	{unix.TIOCGSID, "TIOCGSID"}, {unix.TIOCGPTN, "TIOCGPTN"}, {unix.TIOCSPTLCK, "TIOCSPTLCK"},
	{unix.TIOCGPTPEER, "TIOCGPTPEER"}, {0x5450, "FIONCLEX"}, {0x5451, "FIOCLEX"},
	{0x5452, "FIOASYNC"}, {unix.FICLONE, "FICLONE"}, {unix.FICLONERANGE, "FICLONERANGE"},
	{unix.FIDEDUPERANGE, "FIDEDUPERANGE"}, {unix.FS_IOC_GETFLAGS, "FS_IOC_GETFLAGS"},
	{unix.FS_IOC_SETFLAGS, "FS_IOC_SETFLAGS"}, {0x2, "FIGETBSZ"}, {0x1, "FIBMAP"},
	{unix.SIOCGIFCONF, "SIOCGIFCONF"}, {unix.SIOCGIFFLAGS, "SIOCGIFFLAGS"}, {unix.SIOCSIFFLAGS, "SIOCSIFFLAGS"},
	{unix.SIOCGIFADDR, "SIOCGIFADDR"}, {unix.SIOCGIFINDEX, "SIOCGIFINDEX"}, {unix.SIOCGIFNAME, "SIOCGIFNAME"},
	{unix.SIOCGIFMTU, "SIOCGIFMTU"}, {unix.SIOCGIFHWADDR, "SIOCGIFHWADDR"}, {unix.SIOCETHTOOL, "SIOCETHTOOL"},
	{unix.BLKGETSIZE64, "BLKGETSIZE64"}, {unix.BLKSSZGET, "BLKSSZGET"}, {unix.RNDGETENTCNT, "RNDGETENTCNT"},
}

var prots = []named{{unix.PROT_READ, "PROT_READ"}, {unix.PROT_WRITE, "PROT_WRITE"}, {unix.PROT_EXEC, "PROT_EXEC"}, {unix.PROT_GROWSDOWN, "PROT_GROWSDOWN"}, {unix.PROT_GROWSUP, "PROT_GROWSUP"}}

var mapTypes = []named{{0, "0"}, {unix.MAP_SHARED, "MAP_SHARED"}, {unix.MAP_PRIVATE, "MAP_PRIVATE"}, {unix.MAP_SHARED_VALIDATE, "MAP_SHARED_VALIDATE"}}

var mapFlags = []named{
	{unix.MAP_FIXED, "MAP_FIXED"}, {unix.MAP_ANONYMOUS, "MAP_ANONYMOUS"}, {unix.MAP_GROWSDOWN, "MAP_GROWSDOWN"},
	{unix.MAP_DENYWRITE, "MAP_DENYWRITE"}, {unix.MAP_EXECUTABLE, "MAP_EXECUTABLE"}, {unix.MAP_LOCKED, "MAP_LOCKED"},
	{unix.MAP_NORESERVE, "MAP_NORESERVE"}, {unix.MAP_POPULATE, "MAP_POPULATE"}, {unix.MAP_NONBLOCK, "MAP_NONBLOCK"},
	{unix.MAP_STACK, "MAP_STACK"}, {unix.MAP_HUGETLB, "MAP_HUGETLB"}, {unix.MAP_SYNC, "MAP_SYNC"},
	{unix.MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE"},
}

var fcntls = []named{
	{unix.F_DUPFD, "F_DUPFD"}, {unix.F_GETFD, "F_GETFD"}, {unix.F_SETFD, "F_SETFD"}, {unix.F_GETFL, "F_GETFL"},
	{unix.F_SETFL, "F_SETFL"}, {unix.F_GETLK, "F_GETLK"}, {unix.F_SETLK, "F_SETLK"}, {unix.F_SETLKW, "F_SETLKW"},
	{unix.F_SETOWN, "F_SETOWN"}, {unix.F_GETOWN, "F_GETOWN"}, {unix.F_SETSIG, "F_SETSIG"}, {unix.F_GETSIG, "F_GETSIG"},
	{unix.F_SETOWN_EX, "F_SETOWN_EX"}, {unix.F_GETOWN_EX, "F_GETOWN_EX"}, {unix.F_OFD_GETLK, "F_OFD_GETLK"},
	{unix.F_OFD_SETLK, "F_OFD_SETLK"}, {unix.F_OFD_SETLKW, "F_OFD_SETLKW"}, {unix.F_SETLEASE, "F_SETLEASE"},
	{unix.F_GETLEASE, "F_GETLEASE"}, {unix.F_NOTIFY, "F_NOTIFY"}, {unix.F_DUPFD_CLOEXEC, "F_DUPFD_CLOEXEC"},
	{unix.F_SETPIPE_SZ, "F_SETPIPE_SZ"}, {unix.F_GETPIPE_SZ, "F_GETPIPE_SZ"}, {unix.F_ADD_SEALS, "F_ADD_SEALS"},
	{unix.F_GET_SEALS, "F_GET_SEALS"},
}

var prctls = []named{
	{unix.PR_SET_PDEATHSIG, "PR_SET_PDEATHSIG"}, {unix.PR_SET_DUMPABLE, "PR_SET_DUMPABLE"},
	{unix.PR_SET_KEEPCAPS, "PR_SET_KEEPCAPS"}, {unix.PR_SET_NAME, "PR_SET_NAME"}, {unix.PR_GET_NAME, "PR_GET_NAME"},
	{unix.PR_CAPBSET_READ, "PR_CAPBSET_READ"}, {unix.PR_CAPBSET_DROP, "PR_CAPBSET_DROP"},
	{unix.PR_SET_SECCOMP, "PR_SET_SECCOMP"}, {unix.PR_GET_SECCOMP, "PR_GET_SECCOMP"},
	{unix.PR_SET_SECUREBITS, "PR_SET_SECUREBITS"}, {unix.PR_SET_MM, "PR_SET_MM"},
	{unix.PR_SET_PTRACER, "PR_SET_PTRACER"}, {unix.PR_SET_CHILD_SUBREAPER, "PR_SET_CHILD_SUBREAPER"},
	{unix.PR_SET_NO_NEW_PRIVS, "PR_SET_NO_NEW_PRIVS"}, {unix.PR_CAP_AMBIENT, "PR_CAP_AMBIENT"},
	{unix.PR_SET_VMA, "PR_SET_VMA"}, {unix.PR_SET_MDWE, "PR_SET_MDWE"},
}

var levels = []named{
	{unix.SOL_SOCKET, "SOL_SOCKET"}, {unix.SOL_IP, "SOL_IP"}, {unix.SOL_IPV6, "SOL_IPV6"}, {unix.SOL_TCP, "SOL_TCP"},
	{unix.SOL_UDP, "SOL_UDP"}, {unix.SOL_NETLINK, "SOL_NETLINK"}, {unix.SOL_PACKET, "SOL_PACKET"},
	{unix.SOL_RAW, "SOL_RAW"}, {unix.SOL_ICMPV6, "SOL_ICMPV6"}, {unix.SOL_ALG, "SOL_ALG"},
}
