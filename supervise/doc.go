//go:build linux

// Package supervise runs a command confined by a seccomp filter (and
// Landlock and capabilities beyond it) and explains every denial as a
// typed event.
//
// A Cmd is filled in and started as an os/exec.Cmd is: Path and Args,
// Env, Dir, the standard streams, and the Policy (from Build), Mode,
// Layers and Request that confine it. Start returns once the command runs
// under its filter, Wait once it (with Subreaper, every descendant) has
// exited, and Cmd.Report then says what happened: the exit status, the
// calls denied, the smallest set of entitlements that would have allowed
// them, raw rules for calls no entitlement grants. Meanwhile Cmd.Events
// receives a *Denial for every call the filter did not allow and every
// access Landlock refused (the call decoded, the entitlements that would
// allow it or why none can, the answer), *Probe and *Notice events, and a
// *Summary last. The package prints nothing: `entitle run` renders these
// events as its lines and its JSON event stream (cmd/entitle), with the
// flags to add and its exit statuses.
//
// # Mechanism
//
// Start looks the command up in PATH first (an *Error of kind NotFound or
// CannotExec, before anything runs), then starts an init child: a child of
// this process that runs no Go code but a few system calls prepared before
// the fork (internal/launch, fork.go; package syscall does the same
// between its fork and execve). It is given the command's standard
// streams, the preserved descriptors and one end of an AF_UNIX
// SOCK_SEQPACKET socketpair. Everything is prepared before the fork, in
// parallel: the body of the filter (the policy without its signal-to-self
// rules), its head (the signal-to-self rules with a stand-in for the pid
// and the pinned execve and sendmsg; everything else jumps to the body,
// see launch's prepare.go) and the Landlock ruleset. The child writes its
// own pid into the head and adds the rules for its own /proc entries to
// the ruleset, so it needs nothing from the supervisor, and on amd64 it is
// a vfork: it shares this address space until execve (a policy that
// cannot be split is compiled whole for the pid after an ordinary fork and
// sent to the child, which waits for it). The child sets NO_NEW_PRIVS,
// drops the capabilities the entitlements do not keep, enforces the
// ruleset, installs the filter,
// sends the listener descriptor back with SCM_RIGHTS and calls execve. The
// socket is close-on-exec: end-of-file tells the supervisor the command is
// running; otherwise the child reports why execve failed (NotFound,
// CannotExec) or which step failed before it (Setup: the command never
// runs). There is no second
// Go runtime to start (re-executing the entitle binary cost about 3 ms of
// every run) and no Go code runs under the filter.
//
// In Explain and Complain modes the policy's default action becomes
// SECCOMP_RET_USER_NOTIF: only calls outside the policy reach the
// supervisor, allowed calls cost what any seccomp filter costs (the kernel's
// constant-action cache decides them without running the filter). The
// filter is installed with SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV when the
// kernel has it (5.19), so a received notification is not restarted by the
// non-fatal signals Go programs use for preemption; older kernels fall back
// without it.
//
// # The first execve
//
// The command must be allowed to start without proc.exec, but nothing else
// may execute. The supervisor maps three pages at random addresses (about 34
// bits of entropy each, inside a 47-bit address space) holding the
// filename, argv and envp, and the filter allows execve only when its three
// arguments are exactly those addresses. After execve those pages are gone
// and the addresses exist only in the kernel's copy of the filter, which
// the command cannot read; a forged call would have to guess about 100
// bits. This works identically in Quiet mode (no supervisor decides it), and avoids
// SECCOMP_USER_NOTIF_FLAG_CONTINUE for a security decision. Without
// proc.exec every later execve/execveat is denied and explained.
//
// Signals to self: the catalog's base allows kill/tgkill/tkill/
// rt_sigqueueinfo/rt_tgsigqueueinfo only with the process's own pid. The
// supervisor does not know the child's pid when it builds the policy, so
// Build uses a placeholder (catalog.OwnPID-1) that the child replaces with
// its own pid in the head of its filter (or the supervisor, when it
// compiles a policy that cannot be split for the child after the fork);
// the command keeps that pid across execve. Descendants have other
// pids: they signal their own threads through proc.spawn (tgkill, tkill) or
// proc.signal.
//
// # Supervisor
//
// The supervisor polls the listener (and a wake-up pipe), receives each
// notification, decodes the call: the name from the syscall tables
// (Data.Arch and Nr), paths and socket addresses read from /proc/PID/mem
// (trusted only after SECCOMP_IOCTL_NOTIF_ID_VALID), open/AT/clone/mmap/prot
// flags, socket families and types, ioctl request, fcntl and prctl names,
// signals. For a call on a socket the supervisor reads what the descriptor
// really is (pidfd_getfd, then SO_DOMAIN/SO_TYPE/SO_PROTOCOL; /proc/PID/net
// when that fails), and the entitlements meant for that use come first:
// listen/accept on TCP are net.server's, connect to port 53 net.dns's, any
// call on an AF_UNIX socket net.unix's. Otherwise catalog.Explain's choice
// comes first, then the narrowest. At exit Report.Needed is the minimal set
// covering every distinct call (fewest entitlements, then each call's
// preferred one, then the narrowest), with a reason each (Report.Learned);
// in Learn and Complain modes calls no entitlement grants become raw rules
// (Report.Rules). Harmless probes (glibc's nscd lookup) are denied as the C
// library expects and not counted as denials (see probe.go). A Denial is
// sent for the first call of each kind (same call, same explanation) and,
// with Cmd.Every, for every call (Denial.Repeat marks the repeats); entitle
// run prints it as
//
//	entitle: denied mkdir("/tmp/x", 0755) by pid 1234 (mkdir): needs fs.create — add --allow fs.create
//
// Calls no entitlement allows (the Never set, ioctl TIOCSTI, ...) have nil
// Denial.Entitlements and a Reason. The answer is the violation action: errno(N) is
// returned as -N; kill-process/kill-thread make the supervisor kill the
// thread group with SIGKILL (after denying the call); trap is answered with
// EPERM (a supervisor cannot raise the kernel's SIGSYS). Complain mode
// answers with SECCOMP_USER_NOTIF_FLAG_CONTINUE (Denial.Action is then
// policy.Allow). At exit the Summary carries the Report, which entitle run
// prints as the count and the complete --allow list (what was granted
// followed by what was needed):
//
//	entitle: 3 calls denied; to allow them: --allow fs.read,fs.create,net.client
//
// A policy whose default action is not a denial (allow, log, ...) has
// nothing to explain and is refused outside Quiet mode (NotDenyingError).
//
// # Process handling
//
// stdin, stdout, stderr, the environment and the working directory are
// inherited; other descriptors are not passed. SIGINT, SIGTERM, SIGHUP,
// SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH are forwarded to the command (it
// stays in entitle's process group, so a terminal's SIGINT can arrive
// twice, as with `docker run`'s signal proxy; with Subreaper it gets its
// own group and the terminal, see jobctl.go). Report.ExitCode is the
// command's status, or 128+N when signal N killed it (Report.Signal). Wait
// returns when the command exits (with Subreaper, when its last descendant
// has); descendants that outlive it keep the filter, and once the
// supervisor has closed the listener their calls outside the policy fail
// with ENOSYS.
//
// # Kills and hostile output
//
// A system call of a foreign architecture (i386 through int $0x80, x32
// numbers) gets the filter's bad-arch action, which stays
// SECCOMP_RET_KILL_PROCESS in every mode: the kernel kills the command with
// SIGSYS before any supervisor could see the call: Report.Signal is SIGSYS,
// and entitle run says so, in every mode including Quiet: "entitle: the
// command was killed by SIGSYS: seccomp killed it for a system call of a
// foreign architecture ...",
// mentioning the policy's own kill and trap rules when it has some, and
// hedged ("probably") when the command exits with 159, the status a shell
// gives a child killed by SIGSYS.
//
// Everything the command controls is quoted in the events (and so on
// entitle's lines): paths and strings read from its memory with
// strconv.Quote in Denial.Call, its command name (Denial.Comm) bare
// only when it is plainly safe (letters, digits, . _ + - / @) and with
// strconv.QuoteToASCII otherwise, so escape sequences, control characters,
// bidi overrides and invalid UTF-8 cannot rewrite or hide a denial line.
// (The command shares the terminal and can still print what it likes on
// its own output.)
//
// # Failing closed
//
// If the filter cannot be compiled or installed, the child exits (125)
// before execve and Start returns a Setup error. If the supervisor dies (even by SIGKILL) the listener closes and
// the kernel fails every notified call with ENOSYS: the command keeps its
// filter and never runs a denied call; a test kills the supervisor and
// checks it. If the supervisor cannot receive notifications (for example
// under another sandbox that denies its ioctl), it says so and closes the
// listener instead of leaving the command blocked (a ListenerLost
// Notice).
//
// Known limits: RLIMIT_NOFILE's soft limit is raised to the hard limit by
// the Go runtime of entitle and not restored before execve (the original
// value is private to package syscall); descendants in other PID
// namespaces are reported with the pid the supervisor sees.
package supervise
