// Package auditlog explains the kernel's audit records of seccomp and
// Landlock denials: it turns lines such as
//
//	audit: type=1326 audit(1796129780.122:5323): ... pid=41 comm="mkdir" exe="/usr/bin/mkdir" sig=0 arch=c000003e syscall=83 compat=0 ip=0x7f2a... code=0x50001
//	audit: type=1423 audit(1796129781.004:5330): domain=1a2b3c4d5 blockers=fs.read_file path="/etc/shadow" dev="vda1" ino=1234
//
// into the call, what the filter did and what would allow it (the remedy is
// Explanation.Fix, a value; `entitle explain` words it after the dash):
//
//	1× seccomp errno(EPERM): mkdir by pid 41 (mkdir): needs fs.create — add --allow fs.create
//	1× Landlock refused read_file on "/etc/shadow": outside the read paths — add --read /etc/shadow
//
// It reads the log as dmesg, journalctl -k, /dev/kmsg, auditd's audit.log
// and ausearch (also -i) print it (ParseLine, Read), and, for a program
// running as root, from the audit netlink socket as the kernel emits it
// (Follow). `entitle explain` is its command.
//
// # What a record tells
//
// A seccomp record (type 1326, AUDIT_SECCOMP) carries the architecture, the
// system call number and the filter's action (code), not the arguments.
// When every grant of the call is unconditional (mkdir: fs.create), the
// entitlement is named, as catalog.Explain names it. When it depends on the
// arguments (openat: fs.read, fs.write or fs.create by its flags; socket
// by its family; ioctl by its request) the explanation lists the
// candidates from catalog.Grantors instead: `entitle which SYSCALL` shows
// which arguments each allows, and `entitle run`, which sees the arguments,
// names the one. Calls in catalog.Never and calls no entitlement grants
// are "not grantable".
//
// The kernel logs a seccomp action only for kill-process, kill-thread and
// log (SECCOMP_RET_LOG: the call runs), and every action of a filter
// installed with SECCOMP_FILTER_FLAG_LOG, as far as
// /proc/sys/kernel/seccomp/actions_logged allows. entitle.Policy's
// OnViolation Log and Kill are therefore logged, and so is every denial of
// a policy with OnDenial set (its filter has the flag); the default
// Errno(EPERM) alone is not. Without auditd the records go to the kernel log (dmesg),
// rate-limited by printk (about ten per five seconds: "callbacks
// suppressed"); with auditd, to audit.log. The audit netlink multicast
// group (Follow) is not rate-limited.
//
// A Landlock access record (type 1423, AUDIT_LANDLOCK_ACCESS, Linux 6.15,
// only while kernel audit is enabled) is explained with
// confine.ExplainDenial, as `entitle run` explains it while the command
// runs; its process comes from the SYSCALL record of the same event or the
// domain's LANDLOCK_DOMAIN record, when the log has them. The log does not
// say how the sandbox was scoped: Options tell.
package auditlog
