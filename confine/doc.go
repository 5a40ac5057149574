// Package confine applies the layers of a sandbox that seccomp cannot
// provide: Landlock, for the paths a call reaches, the TCP ports it binds
// or connects to, and the processes a signal, an abstract Unix socket or a
// ptrace-class access (/proc/PID/mem, /proc/PID/task/*/syscall,
// process_vm_*, pidfd_getfd) reaches; and the capability sets, for what a
// privileged (root) process could still do inside the calls seccomp lets
// through.
//
// A Config says what the granted entitlements grant on these layers
// (catalog.Layers). Granting nothing means nothing: every right the
// kernel's Landlock knows is handled, and only the rights of the granted
// entitlements are given back, so a program without fs.create cannot
// create a file anywhere even through a call seccomp allows, without
// proc.exec it can execute only the command itself and its interpreters,
// and without net.server it cannot bind a TCP port. Signals and abstract
// Unix sockets stay inside the sandbox unless proc.signal and net.unix are
// granted. Any Landlock domain also confines ptrace-class access to the
// processes inside it: a confined program cannot open the memory of its
// unconfined parent (the entitle supervisor) or of any other process
// outside the sandbox, whatever its uid.
//
// The filesystem rights apply beneath "/" except the privileged
// pseudo-filesystems, found in /proc/self/mountinfo: /dev beyond the
// terminal, pseudo-terminal, null, zero (read-only), full and random
// devices, and the shared-memory directories with Layers.SharedIPC only;
// debugfs, tracefs, securityfs, bpffs,
// efivarfs, pstore and configfs; and, for writing, procfs (except the
// process's own /proc/PID), sysfs, cgroupfs, binfmt_misc and fusectl.
// Landlock can only allow, so an exclusion is made by granting the
// siblings along the path to it, enumerated when the sandbox starts:
// entries created later in a directory that contains an exclusion (a new
// top-level directory beside /dev, /proc and /sys) are not covered and are
// refused. admin.kernel lifts the exclusions.
//
// Capabilities: KeepCaps drops every capability the entitlements do not
// list from the bounding set (so a root command cannot get it back at
// execve), the ambient and inheritable sets, and the permitted and
// effective sets. An unprivileged process has nothing to drop, and
// no_new_privs keeps execve from adding any.
//
// Landlock is best effort: on a kernel whose Landlock ABI lacks a right,
// Restrict enforces what the kernel has and Status.Missing says, in a
// sentence each, what is not enforced; callers that must not run with a
// missing layer refuse (`entitle run --strict`, Policy.Strict).
//
// Why not go-landlock's RestrictPaths alone: the ruleset is built with
// go-landlock (Config.NewRulesetFD), but `entitle run`'s supervisor builds
// it and its forked init child enforces it before execve; the exclusions above need
// per-entry rules that go-landlock leaves to its callers. The library's
// Apply uses go-landlock's Restrict (every thread). Denials are explained
// from Landlock's audit records (FollowAudit, ABI 7).
package confine
