//go:build linux

package launch

// haveVfork: rawVfork is implemented for this architecture.
const haveVfork = true

// rawVfork is clone(flags, 0, ptid, 0, 0) for flags with CLONE_VM and
// CLONE_VFORK (vfork_amd64.s). The child must not return from the
// function that called it: it runs on that function's stack frame, which
// the parent uses again once the child has called execve or exited.
//
//go:noescape
func rawVfork(flags, ptid uintptr) (pid uintptr, errno uintptr)
