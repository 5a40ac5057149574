//go:build linux

package supervise

import (
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/seccomp"
	"github.com/entitle-dev/entitle/supervise/internal/decode"
	"github.com/entitle-dev/entitle/syscalls"
	"golang.org/x/sys/unix"
)

// Anonymous files are never executed.
//
// Landlock's execute right is checked on a path, and a memfd has none: a
// command that may create one (mem.jit, ipc.sysv) and execute programs
// could write any program into a memfd and run it with execveat(fd, "",
// AT_EMPTY_PATH) or execve("/proc/self/fd/N"), outside the exec paths, as
// /dev/shm would have been without its carve-out. So the supervisor
// creates the command's memfds itself, with MFD_NOEXEC_SEAL added (the
// file has no execute bit, sealed: execve refuses it with EACCES), and
// installs the descriptor in the command (SECCOMP_ADDFD_FLAG_SEND). What
// memfds are for still works: shared memory, sealing, and mapping them
// executable for a JIT's double mapping (mmap checks the mount, not the
// mode). A memfd asked for with MFD_EXEC is refused with EACCES, as the
// kernel refuses it when vm.memfd_noexec is 2.

// memfdRule sends memfd_create to the supervisor when pol allows it and
// allows executing programs; nil otherwise (nothing a memfd could start).
func memfdRule(pol *policy.Policy) []policy.Rule {
	a := syscalls.Native()
	allows := func(name string) bool {
		nr, ok := a.Number(name)
		return ok && pol.Evaluate(a.AuditArch(), nr, [6]uint64{}) == policy.Allow
	}
	if !allows("memfd_create") || !allows("execve") && !allows("execveat") {
		return nil
	}
	return []policy.Rule{{Syscall: "memfd_create", Action: policy.Notify}}
}

// memfdNameMax is the longest name memfd_create takes (MFD_NAME_MAX_LEN:
// NAME_MAX less the "memfd:" prefix).
const memfdNameMax = 255 - len("memfd:")

// memfdCreate answers memfd_create(name, flags) for thread pid with a
// memfd that cannot be executed; false when the call is not memfd_create.
func (s *supervisor) memfdCreate(id uint64, pid int, name string, args [6]uint64, d *decode.Decoder) bool {
	if name != "memfd_create" {
		return false
	}
	answer := func(errno unix.Errno) bool {
		seccomp.NotifRespond(s.fd, &seccomp.NotifResp{ID: id, Error: -int32(errno)})
		return true
	}
	flags := int(uint32(args[1])) // an unsigned int: the kernel ignores the upper half
	if flags&unix.MFD_EXEC != 0 {
		return answer(unix.EACCES)
	}
	mname, ok := d.Str(args[0])
	switch {
	case !ok && mname == "":
		return answer(unix.EFAULT)
	case len(mname) > memfdNameMax:
		return answer(unix.EINVAL)
	}
	fd, err := unix.MemfdCreate(mname, flags|unix.MFD_CLOEXEC|unix.MFD_NOEXEC_SEAL)
	if err != nil {
		if e, ok := err.(unix.Errno); ok {
			return answer(e)
		}
		return answer(unix.EINVAL)
	}
	defer unix.Close(fd)
	if !seccomp.NotifIDValid(s.fd, id) {
		return true // gone: nothing to answer
	}
	s.sendFD(id, fd, flags&unix.MFD_CLOEXEC != 0)
	return true
}
