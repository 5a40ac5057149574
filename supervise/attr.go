//go:build linux

package supervise

import (
	"encoding/binary"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/supervise/internal/decode"
	"github.com/entitle-dev/entitle/syscalls"
	"golang.org/x/sys/unix"
)

// Modes, times, ACLs and user attributes beneath the write paths.
//
// Landlock has no right for changing a file's mode or times: a filter that
// allowed chmod and utimensat would let a command run with --write ./build
// change every file its user owns (as root, every file root owns:
// chmod 0666 /etc/passwd). So the write paths do not imply fs.attr, and the
// supervisor does these calls itself, on the file the path names, when
// that file lies beneath a write path and outside the protected trees.
// It reads the path once and acts on the file it resolved (an O_PATH
// descriptor), never letting the call continue on memory the command can
// change; the decision is about the object it changes. Without a
// supervisor (--quiet, the library) the calls are denied unless fs.attr is
// granted, which reaches every file the user may change.
//
// The same holds, and the same is done, for what copying a file with its
// permissions makes (cp -a, cp --preserve, sed -i, install, rsync -A):
// the POSIX ACLs (system.posix_acl_access, system.posix_acl_default: the
// mode's permission bits and more entries of the same kind, which only
// the owner may set, as chmod) and user.* extended attributes, set or
// removed; other namespaces (security.*, trusted.*) stay fs.attr's and
// admin's. And a chown that changes nothing (to the file's own owner and
// group, or -1) is answered as done: sed -i, cp -p and install make one on
// every file they write, to give it the owner it already has; any other
// chown stays fs.chown's.

// attrCalls are the calls attr.go does (on the native architecture).
var attrCalls = []string{"chmod", "fchmod", "fchmodat", "fchmodat2", "utime", "utimes", "utimensat", "futimesat",
	"chown", "lchown", "fchown", "fchownat",
	"setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr"}

// xattrSizeMax is the kernel's XATTR_SIZE_MAX: the largest value setxattr
// takes (E2BIG beyond).
const xattrSizeMax = 65536

// attrNotifyRules send the attr calls that pol does not allow to the
// supervisor, in Quiet mode (whose default action is the violation's).
func attrNotifyRules(pol *policy.Policy) []policy.Rule {
	var out []policy.Rule
	for _, name := range attrCalls {
		if _, ok := syscalls.Native().Number(name); !ok {
			continue
		}
		if slices.ContainsFunc(pol.Rules, func(r policy.Rule) bool { return r.Syscall == name && r.Action == policy.Allow }) {
			continue // granted (fs.attr): the filter decides
		}
		out = append(out, policy.Rule{Syscall: name, Action: policy.Notify})
	}
	return out
}

// attrScope is where the supervisor changes modes and times for the
// command: the write trees, less the protected ones and their other mounts
// (confine.ProtectedAliases), as resolved paths.
type attrScope struct {
	write     []string
	protected []string
}

// newAttrScope resolves the trees (Landlock resolved them when the sandbox
// started, following symbolic links).
func newAttrScope(write, protected []string) *attrScope {
	resolve := func(ps []string) []string {
		var out []string
		for _, p := range ps {
			if r, err := filepath.EvalSymlinks(p); err == nil {
				out = append(out, r)
			}
			// A protected path that does not exist yet is kept as named:
			// Landlock cannot have granted a file created there later
			// either (see confine).
			out = append(out, filepath.Clean(p))
		}
		return out
	}
	return &attrScope{write: resolve(write), protected: resolve(protected)}
}

// within reports whether path is at or beneath one of trees.
func within(path string, trees []string) bool {
	for _, t := range trees {
		t = strings.TrimSuffix(t, "/")
		if path == t || strings.HasPrefix(path, t+"/") {
			return true
		}
	}
	return false
}

// attrCall is a change of a file's attributes as the supervisor does it:
// the object (a directory descriptor and a path, or the descriptor itself)
// and what to set.
type attrCall struct {
	dirfd    int64  // the command's descriptor, or AT_FDCWD
	path     uint64 // address of the path, 0: the descriptor itself
	nofollow bool
	empty    bool // AT_EMPTY_PATH: an empty path names the descriptor
	op       attrOp
	mode     uint32            // attrChmod
	times    *[2]unix.Timespec // attrTimes; nil: now
	uid, gid uint32            // attrChown; ^0: unchanged
	name     string            // attrSetXattr, attrRemoveXattr
	value    []byte            // attrSetXattr
	xflags   int               // attrSetXattr: XATTR_CREATE, XATTR_REPLACE
	bad      unix.Errno        // the arguments are invalid: answer this
}

// attrOp is what an attrCall changes.
type attrOp uint8

const (
	attrTimes attrOp = iota
	attrChmod
	attrChown // only to the owner and group the file has (see above)
	attrSetXattr
	attrRemoveXattr
)

// attrXattr reports whether the supervisor sets or removes the extended
// attribute name beneath the write paths: POSIX ACLs and user.* (see
// above).
func attrXattr(name string) bool {
	return name == "system.posix_acl_access" || name == "system.posix_acl_default" ||
		(strings.HasPrefix(name, "user.") && len(name) > len("user."))
}

// parseAttr recognises the calls of the native architecture that change
// modes and times.
func parseAttr(name string, args [6]uint64, d *decode.Decoder) (attrCall, bool) {
	atFDCWD := int64(unix.AT_FDCWD)
	a := attrCall{dirfd: atFDCWD}
	fd := func(v uint64) int64 { return int64(int32(v)) }
	switch name {
	case "chmod":
		a.path, a.op, a.mode = args[0], attrChmod, uint32(args[1])
	case "fchmod":
		a.dirfd, a.op, a.mode = fd(args[0]), attrChmod, uint32(args[1])
	case "fchmodat":
		a.dirfd, a.path, a.op, a.mode = fd(args[0]), args[1], attrChmod, uint32(args[2])
	case "fchmodat2":
		flags := uint32(args[3])
		if flags&^(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH) != 0 {
			return a, false
		}
		a.dirfd, a.path, a.op, a.mode = fd(args[0]), args[1], attrChmod, uint32(args[2])
		a.nofollow, a.empty = flags&unix.AT_SYMLINK_NOFOLLOW != 0, flags&unix.AT_EMPTY_PATH != 0
	case "chown", "lchown":
		a.path, a.op, a.uid, a.gid, a.nofollow = args[0], attrChown, uint32(args[1]), uint32(args[2]), name == "lchown"
	case "fchown":
		a.dirfd, a.op, a.uid, a.gid = fd(args[0]), attrChown, uint32(args[1]), uint32(args[2])
	case "fchownat":
		flags := uint32(args[4])
		if flags&^(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH) != 0 {
			return a, false
		}
		a.dirfd, a.path, a.op, a.uid, a.gid = fd(args[0]), args[1], attrChown, uint32(args[2]), uint32(args[3])
		a.nofollow, a.empty = flags&unix.AT_SYMLINK_NOFOLLOW != 0, flags&unix.AT_EMPTY_PATH != 0
	case "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr":
		if name[0] == 'f' {
			a.dirfd = fd(args[0])
		} else {
			a.path, a.nofollow = args[0], name[0] == 'l'
		}
		n, ok := d.Str(args[1])
		if !ok || !attrXattr(n) {
			return a, false // not one the supervisor sets: fs.attr's
		}
		a.name, a.op = n, attrRemoveXattr
		if strings.HasSuffix(name, "removexattr") {
			break
		}
		a.op = attrSetXattr
		size, flags := args[3], args[4]
		switch {
		case flags&^uint64(unix.XATTR_CREATE|unix.XATTR_REPLACE) != 0:
			a.bad = unix.EINVAL
		case size > xattrSizeMax:
			a.bad = unix.E2BIG
		case size > 0:
			a.value = d.Read(args[2], int(size))
			if len(a.value) != int(size) {
				a.bad = unix.EFAULT
			}
		default:
			a.value = []byte{}
		}
		a.xflags = int(flags)
	case "utime":
		a.path = args[0]
		if args[1] != 0 {
			b := d.Read(args[1], 16)
			if len(b) != 16 {
				a.bad = unix.EFAULT
				break
			}
			at, mt := int64(binary.NativeEndian.Uint64(b)), int64(binary.NativeEndian.Uint64(b[8:]))
			a.times = &[2]unix.Timespec{{Sec: at}, {Sec: mt}}
		}
	case "utimes", "futimesat":
		tv := args[1]
		if name == "futimesat" {
			a.dirfd, a.path, tv = fd(args[0]), args[1], args[2]
		} else {
			a.path = args[0]
		}
		if tv != 0 {
			b := d.Read(tv, 32)
			if len(b) != 32 {
				a.bad = unix.EFAULT
				break
			}
			var ts [2]unix.Timespec
			for i := range ts {
				usec := int64(binary.NativeEndian.Uint64(b[16*i+8:]))
				if usec < 0 || usec >= 1000000 {
					a.bad = unix.EINVAL
				}
				ts[i] = unix.Timespec{Sec: int64(binary.NativeEndian.Uint64(b[16*i:])), Nsec: usec * 1000}
			}
			a.times = &ts
		}
	case "utimensat":
		flags := uint32(args[3])
		if flags&^(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH) != 0 {
			return a, false
		}
		a.dirfd, a.path = fd(args[0]), args[1]
		a.nofollow, a.empty = flags&unix.AT_SYMLINK_NOFOLLOW != 0, flags&unix.AT_EMPTY_PATH != 0
		if args[2] != 0 {
			b := d.Read(args[2], 32)
			if len(b) != 32 {
				a.bad = unix.EFAULT
				break
			}
			var ts [2]unix.Timespec
			for i := range ts {
				ts[i] = unix.Timespec{Sec: int64(binary.NativeEndian.Uint64(b[16*i:])), Nsec: int64(binary.NativeEndian.Uint64(b[16*i+8:]))}
			}
			a.times = &ts
		}
	default:
		return a, false
	}
	return a, true
}

// object opens, as an O_PATH descriptor of the supervisor's, the file the
// call names in process pid: its descriptor (pidfd_getfd), or the path
// read once from its memory and resolved from its working directory or
// directory descriptor, refusing magic links (/proc/self/... would name
// the supervisor's own files).
func (a attrCall) object(pid int, d *decode.Decoder) (int, unix.Errno) {
	tgid := decode.Tgid(pid)
	if tgid <= 0 {
		return -1, unix.ESRCH
	}
	getfd := func(fd int64) (int, unix.Errno) {
		if fd < 0 {
			return -1, unix.EBADF
		}
		pidfd, err := unix.PidfdOpen(tgid, 0)
		if err != nil {
			return -1, unix.ESRCH
		}
		defer unix.Close(pidfd)
		local, err := unix.PidfdGetfd(pidfd, int(fd), 0)
		if err != nil {
			return -1, unix.EBADF
		}
		return local, 0
	}
	path := ""
	if a.path != 0 {
		p, ok := d.Str(a.path)
		switch {
		case !ok && p == "":
			return -1, unix.EFAULT
		case len(p) >= unix.PathMax:
			return -1, unix.ENAMETOOLONG
		case p == "" && !a.empty:
			return -1, unix.ENOENT
		}
		path = p
	}
	if path == "" {
		// The descriptor itself: fchmod, futimens (utimensat with no
		// path), or an empty path with AT_EMPTY_PATH.
		if a.dirfd == int64(unix.AT_FDCWD) {
			fd, err := unix.Open("/proc/"+strconv.Itoa(pid)+"/cwd", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
			if err != nil {
				return -1, unix.ESRCH
			}
			return fd, 0
		}
		return getfd(a.dirfd)
	}
	dir := unix.AT_FDCWD // an absolute path: the command's root is the supervisor's (no chroot without admin.mount)
	if !filepath.IsAbs(path) {
		var fd int
		if a.dirfd == int64(unix.AT_FDCWD) {
			var err error
			if fd, err = unix.Open("/proc/"+strconv.Itoa(pid)+"/cwd", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err != nil {
				return -1, unix.ESRCH
			}
		} else {
			var errno unix.Errno
			if fd, errno = getfd(a.dirfd); errno != 0 {
				return -1, errno
			}
		}
		dir = fd
		defer unix.Close(dir)
	}
	how := unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC, Resolve: unix.RESOLVE_NO_MAGICLINKS}
	if a.nofollow {
		how.Flags |= unix.O_NOFOLLOW
	}
	fd, err := unix.Openat2(dir, path, &how)
	if err != nil {
		if errno, ok := err.(unix.Errno); ok {
			return -1, errno
		}
		return -1, unix.EACCES
	}
	return fd, 0
}

// attr makes the change a for process pid when its file lies beneath the
// write trees, and reports the errno to answer; ok false means the file is
// outside them, or the change is not one the supervisor makes (the call is
// then denied as usual).
func (s *attrScope) attr(pid int, a attrCall, d *decode.Decoder, valid func() bool) (errno unix.Errno, ok bool) {
	if a.bad != 0 {
		return a.bad, true
	}
	if a.op == attrChmod && a.mode&(unix.S_ISUID|unix.S_ISGID) != 0 {
		return 0, false // set-ID bits are fs.chown's, as the filter says
	}
	fd, errno := a.object(pid, d)
	if errno != 0 {
		return errno, true
	}
	defer unix.Close(fd)
	if !valid() {
		return unix.ESRCH, true // the call is gone: the descriptor may not be its file
	}
	where, err := readlink("/proc/self/fd/" + strconv.Itoa(fd))
	if err != nil || !strings.HasPrefix(where, "/") || strings.HasSuffix(where, " (deleted)") {
		return 0, false
	}
	if !within(where, s.write) || within(where, s.protected) {
		return 0, false
	}
	var st unix.Stat_t
	var sfs unix.Statfs_t
	if unix.Fstat(fd, &st) != nil || unix.Fstatfs(fd, &sfs) != nil {
		return unix.EACCES, true
	}
	if t := st.Mode & unix.S_IFMT; t == unix.S_IFCHR || t == unix.S_IFBLK || pseudoFS[sfs.Type] {
		return 0, false // devices and the kernel's files stay out of reach
	}
	if a.op == attrChown && (a.uid != ^uint32(0) && a.uid != st.Uid || a.gid != ^uint32(0) && a.gid != st.Gid) {
		return 0, false // a real change of owner or group: fs.chown's
	}
	fsuid, fowner, ok := creds(pid)
	if !ok {
		return unix.ESRCH, true
	}
	if st.Uid != fsuid && !fowner {
		return unix.EPERM, true
	}
	self := "/proc/self/fd/" + strconv.Itoa(fd)
	symlink := st.Mode&unix.S_IFMT == unix.S_IFLNK
	switch a.op {
	case attrChown:
		return 0, true // nothing to change
	case attrChmod:
		if symlink {
			return unix.EOPNOTSUPP, true
		}
		err = unix.Chmod(self, a.mode&0o7777)
	case attrSetXattr, attrRemoveXattr:
		if symlink {
			return unix.EPERM, true // as the kernel answers for user.* (and ACLs) on a symbolic link
		}
		if a.op == attrSetXattr {
			err = unix.Setxattr(self, a.name, a.value, a.xflags)
		} else {
			err = unix.Removexattr(self, a.name)
		}
	default:
		var ts []unix.Timespec
		if a.times != nil {
			ts = a.times[:]
		}
		err = unix.UtimesNanoAt(fd, "", ts, unix.AT_EMPTY_PATH)
	}
	if err != nil {
		if e, ok := err.(unix.Errno); ok {
			return e, true
		}
		return unix.EIO, true
	}
	return 0, true
}

// pseudoFS are the filesystems whose files administer the kernel (confine
// keeps them out of every write grant).
var pseudoFS = map[int64]bool{
	unix.PROC_SUPER_MAGIC: true, unix.SYSFS_MAGIC: true, unix.CGROUP_SUPER_MAGIC: true, unix.CGROUP2_SUPER_MAGIC: true,
	unix.DEBUGFS_MAGIC: true, unix.TRACEFS_MAGIC: true, unix.SECURITYFS_MAGIC: true, unix.BPF_FS_MAGIC: true,
	unix.EFIVARFS_MAGIC: true, unix.PSTOREFS_MAGIC: true, 0x62656570: true, // configfs unix.BINFMTFS_MAGIC: true,
	0x65735543: true, // fusectl
}

func readlink(path string) (string, error) {
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlink(path, buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

// creds returns thread pid's filesystem user id and whether it holds
// CAP_FOWNER (the kernel's test for changing a file's mode or times).
func creds(pid int) (fsuid uint32, fowner bool, ok bool) {
	b, err := decode.ProcRead("/proc/"+strconv.Itoa(pid)+"/status", 8192)
	if err != nil {
		return 0, false, false
	}
	uidOK, capOK := false, false
	for _, l := range strings.Split(string(b), "\n") {
		if v, found := strings.CutPrefix(l, "Uid:"); found {
			f := strings.Fields(v)
			if len(f) == 4 {
				n, err := strconv.ParseUint(f[3], 10, 32)
				fsuid, uidOK = uint32(n), err == nil
			}
		}
		if v, found := strings.CutPrefix(l, "CapEff:"); found {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			fowner, capOK = n&(1<<unix.CAP_FOWNER) != 0, err == nil
		}
	}
	return fsuid, fowner, uidOK && capOK
}
