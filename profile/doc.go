// Package profile reads and writes seccomp profiles in the two JSON formats
// container runtimes use, and converts them to and from a Profile: the
// *policy.Policy the profile decides, with the OCI fields that are not
// decisions (filter flags, the notification listener) beside it, so that
// reading and writing a profile back keeps every field. The formats are:
//
//   - the OCI runtime-spec LinuxSeccomp object (specs.LinuxSeccomp), which
//     runc, crun and youki load; and
//   - Docker's and Podman's profile format (mobyseccomp.Seccomp), a superset
//     that adds archMap and per-entry includes/excludes conditions on the
//     host architecture, the container's capabilities and the kernel
//     version.
//
// Parse accepts either format. Docker conditions are resolved with explicit
// Options (host architecture, capabilities, kernel version) instead of being
// read from the running host, so a profile can be resolved for another
// machine. The one fact taken from the host is deliberate: when a profile
// has minKernel conditions and Options.Kernel is empty, the running
// kernel's version is read (uname), only then, as moby does when it
// starts a container; off Linux that is an error asking for the version.
//
// # Semantics
//
// The resulting policy decides system calls exactly as runc (1.1 and later,
// with libseccomp) does when it loads the profile:
//
//   - SCMP_ACT_KILL is kill-thread (libseccomp's meaning); SCMP_ACT_ERRNO and
//     SCMP_ACT_TRACE use errnoRet (defaultErrnoRet for the default action),
//     EPERM when it is absent. errnoRet is ignored on other actions, as runc
//     ignores it.
//   - libseccomp always adds the native architecture to a filter, so when a
//     profile lists architectures the host architecture (Options.HostArch)
//     is added to them. Calls from other architectures kill the process
//     (runc keeps libseccomp's kill-thread, which can leave a multi-threaded
//     process hung without the killed thread; entitle chooses kill-process).
//   - Every name of an entry becomes a rule. Names no syscall table knows
//     are an error, unless Options.IgnoreUnknown is set (runc ignores them).
//   - The conditions of an entry are AND-ed, unless some argument index
//     appears more than once: then runc adds every condition as a rule of
//     its own, so they are OR-ed.
//   - SCMP_CMP_MASKED_EQ takes the mask in value and the datum in valueTwo
//     and matches when arg & mask == datum (a datum with bits outside the
//     mask never matches).
//   - A rule whose action (with its errno) equals the default action is
//     dropped, as runc drops it.
//
// Things OCI cannot express: runtimes choose the action for calls from
// other architectures (runc: kill-thread, libseccomp's default) and for
// system call numbers the profile does not know (runc: errno(ENOSYS) for
// numbers above the highest one the profile names, the default action for
// others). ToOCI therefore refuses a policy whose BadArchAction is neither
// kill-process (the default) nor kill-thread, and does not carry
// UnknownAction. It refuses anything else it cannot write exactly, rather
// than write a weaker profile.
package profile
