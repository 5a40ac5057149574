//go:build linux

// Package decode renders a system call the supervisor was notified of the
// way strace does: its name and its arguments decoded (paths and socket
// addresses read from the caller's memory, flags and constants by name),
// and says what a socket descriptor of another process really is.
package decode

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/entitle-dev/entitle/internal/linux"
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
	"fgetxattr":         {aFd, aStr, aPtr, aInt},
	"fsetxattr":         {aFd, aStr, aPtr, aInt, aHex},
	"flistxattr":        {aFd, aPtr, aInt},
	"removexattr":       {aPath, aStr},
	"lremovexattr":      {aPath, aStr},
	"fremovexattr":      {aFd, aStr},
	"io_uring_setup":    {aInt, aPtr},
	"sethostname":       {aStr, aInt},
	"setrlimit":         {aInt, aPtr},
	"prlimit64":         {aInt, aInt, aPtr, aPtr},
	"personality":       {aHex},
	"sched_setaffinity": {aInt, aInt, aPtr},
	"setpriority":       {aInt, aInt, aInt},
}

// Decoder reads a stopped process's memory for one notification.
type Decoder struct {
	pid    int
	mem    int // /proc/PID/mem, open (+1: 0 means not opened)
	bad    bool
	family int // address family of a decoded socket address, -1 if none
	port   int // its port (AF_INET, AF_INET6)
}

// New returns a decoder of the calls of thread pid (the pid of a seccomp
// notification); Close releases what it opened.
func New(pid int) *Decoder { return &Decoder{pid: pid, family: -1} }

// Family is the address family of the socket address the last Call
// decoded, -1 when it decoded none; Port is that address's port (AF_INET,
// AF_INET6).
func (d *Decoder) Family() int { return d.family }

// Port is the port of the socket address the last Call decoded.
func (d *Decoder) Port() int { return d.port }

// Close releases what the decoder opened.
func (d *Decoder) Close() {
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
func (d *Decoder) Read(addr uint64, n int) []byte {
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

// ProcRead reads up to max bytes of a small /proc file with raw system
// calls (see read).
func ProcRead(path string, max int) ([]byte, error) {
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
func (d *Decoder) Str(addr uint64) (string, bool) {
	var out []byte
	for len(out) < 4096 {
		chunk := 4096 - int(addr%4096)
		b := d.Read(addr, chunk)
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

func (d *Decoder) Call(arch *syscalls.Arch, name string, args [6]uint64) string {
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

func (d *Decoder) arg(name string, k argKind, v, next uint64) string {
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
		s, ok := d.Str(v)
		if !ok {
			return linux.Hex(v)
		}
		return strconv.Quote(s)
	case aOpenFlags:
		return openFlags(v)
	case aMode:
		return "0" + strconv.FormatUint(v&0xFFFF, 8)
	case aAtFlags:
		return linux.Flags(linux.AtFlags, v&0xFFFFFFFF)
	case aDomain:
		return linux.Enum(linux.Families, v)
	case aSockType:
		s := linux.Enum(linux.SockTypes, v&linux.SOCK_TYPE_MASK)
		rest := linux.Flags(linux.SockFlags, v&^linux.SOCK_TYPE_MASK&0xFFFFFFFF)
		if rest != "0" {
			s += "|" + rest
		}
		return s
	case aCloneFlags:
		sig := v & 0xFF
		s := linux.Flags(linux.CloneFlags, v&^0xFF)
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
		return linux.Enum(linux.Ioctls, v&0xFFFFFFFF)
	case aProt:
		if v == 0 {
			return "PROT_NONE"
		}
		return linux.Flags(linux.ProtFlags, v)
	case aMapFlags:
		s := "0"
		if v&3 != 0 {
			s = linux.Enum(linux.MapTypes, v&3)
		}
		rest := linux.Flags(linux.MapFlags, v&^3)
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
		return linux.Enum(linux.FcntlCmds, v)
	case aPrctl:
		return linux.Enum(linux.PrctlOpts, v)
	case aLevel:
		return linux.Enum(linux.Levels, v)
	case aPtr:
		if v == 0 {
			return "NULL"
		}
		return linux.Hex(v)
	}
	return linux.Hex(v)
}

func (d *Decoder) sockaddr(addr, length uint64) string {
	if addr == 0 {
		return "NULL"
	}
	if length > 128 {
		length = 128
	}
	b := d.Read(addr, int(length))
	if len(b) < 2 {
		return linux.Hex(addr)
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
	return "{" + linux.Enum(linux.Families, uint64(fam)) + ", ...}"
}

func openFlags(v uint64) string {
	acc := linux.Enum(linux.AccModes, v&linux.O_ACCMODE)
	rest := linux.Flags(linux.OpenFlags, v&^linux.O_ACCMODE&0xFFFFFFFF)
	if rest == "0" {
		return acc
	}
	return acc + "|" + rest
}
