// Package entitle confines the current process with a seccomp filter built
// from named entitlements.
//
// A program names what it needs, once, early in main:
//
//	if err := entitle.Apply(entitle.NetServer, entitle.FSRead); err != nil {
//		log.Fatal(err) // never continue unconfined
//	}
//
// and from then on every thread of the process — those the Go runtime
// started before main, those that exist when Apply is called and those
// started later — may make only the system calls of the always-on base
// (memory, threads, signals to itself, clocks, polling, I/O on descriptors
// already open) and of the named entitlements, with the argument rules the
// catalog attaches to them (socket families, open flags, ioctl requests,
// clone flags, PROT_EXEC). Anything else fails with EPERM (or kills the
// process, or is only logged: Policy.OnViolation). The catalog package
// documents every entitlement and every decision behind it; `go doc
// github.com/entitle-dev/entitle/catalog` and `entitle show NAME` print them.
//
// # Security model
//
// Apply is irreversible: there is no call to widen or remove the filter,
// and children started later (if proc.spawn and proc.exec are granted)
// inherit it. Apply sets no_new_privs, so exec can no longer gain privileges
// through set-user-ID binaries or file capabilities. It installs the filter
// with SECCOMP_FILTER_FLAG_TSYNC, so the kernel applies it to every thread at
// once or to none; a thread that cannot be synchronised (it already runs
// under a different filter) makes Apply fail with a *ThreadError and nothing
// is installed.
//
// Seccomp sees system call numbers and argument registers, never the memory
// they point to: it cannot restrict which paths are opened, which port is
// bound, or which process a signal reaches. Apply therefore enforces every
// entitlement on two more layers (package confine, table in
// catalog.Layers): Landlock refuses the file rights, TCP ports, signals and
// abstract Unix sockets no granted entitlement names (without fs.create
// nothing can be created anywhere, without net.server no TCP port can be
// bound, signals stay inside the sandbox unless proc.signal is granted)
// and keeps every process outside the sandbox out of ptrace-class reach
// (/proc/PID/mem); the privileged pseudo-filesystems (/proc/sys, /sys,
// raw devices, ...) stay outside every fs.* grant unless admin.kernel is
// granted. A privileged process keeps only the capabilities its
// entitlements need. Landlock is best effort by default: ApplyReport says
// what an older kernel cannot enforce, Policy.Strict refuses instead.
//
// Apply fails closed: on any error (unknown entitlement, contradictory
// options, a kernel without seccomp, a thread that cannot be synchronised)
// it returns an error and the caller must treat the process as unconfined —
// exit rather than continue. The policy is built and compiled before the
// kernel is touched, so invalid input leaves the process exactly as it was.
//
// Policy is the same call with options: the violation action, extra raw
// rules (Rule), paths and ports, and Karn's weaker deny-list mode;
// Policy.Program compiles it without installing anything. Package
// policyfile reads entitle.yaml files into a Policy (LoadPolicy); this
// package itself does not link a YAML parser.
//
// # Versions
//
// What an entitlement grants may be refined by later releases of entitle.
// A program that names an entitlement set keeps exactly the decisions it
// was tested with, whatever release it is built with:
//
//	entitle.V1.Apply(entitle.NetServer, entitle.FSRead)
//
// (or Policy.Version). Apply and a zero Policy.Version follow the latest
// set. Each set's decisions are pinned by a test
// (catalog/testdata/versions).
package entitle

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/compiler"
	"github.com/entitle-dev/entitle/confine"
	"github.com/entitle-dev/entitle/policy"
)

// Entitlement is the name of a permission of the catalog ("net.server").
// The constants below name every entitlement; a string that is not one of
// them (for instance a Karn alias such as "network_connection") is
// accepted too and looked up in the catalog when the policy is built.
type Entitlement string

// The entitlements of the catalog. The base (descriptors already open,
// memory without PROT_EXEC, threads, futex, signals to self, clocks,
// polling, exit) is always granted and has no constant.
const (
	AdminDebug      Entitlement = "admin.debug"      // ptrace, process_vm_*, perf_event_open, bpf, kcmp, userfaultfd, personality, acct
	AdminKernel     Entitlement = "admin.kernel"     // modules, kexec, reboot, swap, iopl/ioperm, keyrings, syslog, host name
	AdminMount      Entitlement = "admin.mount"      // mount API, umount, pivot_root, chroot, open_by_handle_at
	AdminNamespaces Entitlement = "admin.namespaces" // unshare, setns, clone and clone3 with CLONE_NEW*
	FSAttr          Entitlement = "fs.attr"          // chmod (without setuid/setgid bits), utimes, xattrs, file flags
	FSChown         Entitlement = "fs.chown"         // change owner and group, set setuid/setgid bits
	FSCreate        Entitlement = "fs.create"        // create (O_CREAT, O_TMPFILE), mkdir, rename, link, symlink, unlink, rmdir
	FSLock          Entitlement = "fs.lock"          // flock, fcntl record and OFD locks, leases
	FSRead          Entitlement = "fs.read"          // open files read-only, stat, readdir, readlink, access, chdir/getcwd, statfs
	FSSpecial       Entitlement = "fs.special"       // mknod, mkfifo
	FSWatch         Entitlement = "fs.watch"         // inotify, fanotify notifications (read-only), dnotify, F_SETOWN/F_SETSIG
	FSWrite         Entitlement = "fs.write"         // open existing files for writing, truncate, fallocate, fsync
	IOUring         Entitlement = "io.uring"         // io_uring (its submissions bypass seccomp)
	IPCFDPass       Entitlement = "ipc.fdpass"       // SCM_RIGHTS descriptor passing (advisory: grants nothing beyond base)
	IPCSysV         Entitlement = "ipc.sysv"         // SysV IPC, POSIX message queues, memfd
	MemJIT          Entitlement = "mem.jit"          // executable anonymous and writable+executable memory
	MemLock         Entitlement = "mem.lock"         // mlock, mlockall, memfd_secret
	NetClient       Entitlement = "net.client"       // AF_INET/AF_INET6 TCP and UDP sockets, connect, bind
	NetDNS          Entitlement = "net.dns"          // what name resolution needs: UDP and TCP sockets, connect
	NetNetlink      Entitlement = "net.netlink"      // AF_NETLINK NETLINK_ROUTE sockets, interface queries
	NetRaw          Entitlement = "net.raw"          // AF_PACKET, raw IP and ICMP echo sockets
	NetServer       Entitlement = "net.server"       // AF_INET/AF_INET6 TCP and UDP sockets, bind, listen, accept
	NetUnix         Entitlement = "net.unix"         // AF_UNIX sockets, datagram socket pairs: connect, bind, listen, accept
	ProcExec        Entitlement = "proc.exec"        // execve, execveat
	ProcIdentity    Entitlement = "proc.identity"    // setuid/setgid/setgroups, capset (changing privileges)
	ProcResources   Entitlement = "proc.resources"   // setrlimit, setpriority, sched_set*, NUMA policy, quotas
	ProcSignal      Entitlement = "proc.signal"      // signals to any process
	ProcSpawn       Entitlement = "proc.spawn"       // fork, vfork, clone without CLONE_NEW*, wait, pidfds
	Sandbox         Entitlement = "sandbox"          // restrict oneself further: seccomp, Landlock, capability drop
	TimeSet         Entitlement = "time.set"         // set or adjust the system clock
	TTY             Entitlement = "tty"              // terminal ioctls (never TIOCSTI)
)

// Entitlements returns every entitlement constant, sorted by name.
func Entitlements() []Entitlement {
	return []Entitlement{
		AdminDebug, AdminKernel, AdminMount, AdminNamespaces,
		FSAttr, FSChown, FSCreate, FSLock, FSRead, FSSpecial, FSWatch, FSWrite,
		IOUring, IPCFDPass, IPCSysV, MemJIT, MemLock,
		NetClient, NetDNS, NetNetlink, NetRaw, NetServer, NetUnix,
		ProcExec, ProcIdentity, ProcResources, ProcSignal, ProcSpawn,
		Sandbox, TimeSet, TTY,
	}
}

// Policy is a confinement with options. The zero value grants only the
// base and fails denied calls with EPERM.
type Policy struct {
	// Entitlements granted on top of the always-on base. Karn's names
	// ("network_connection", ...) are accepted as aliases.
	Entitlements []Entitlement
	// Version is the entitlement set (V1, ...) the names are looked up
	// in: what each entitlement grants in that version, the same in every
	// release of entitle. The zero Version follows the latest set, so a
	// newer release may change what an entitlement grants; name a version
	// to keep the sandbox exactly as it was tested.
	Version Version
	// OnViolation is the action for denied calls: Errno(EPERM) (the zero
	// value), another Errno, Kill or Log.
	OnViolation Action
	// Extra raw rules, appended to the catalog's. Their actions may be
	// allow, errno, kill-process, log or trace: kill-thread hangs a Go
	// program (the rest of the process waits for the dead thread), trap
	// crashes it (the Go runtime treats SIGSYS as fatal) and notify needs
	// a listener Apply does not create, so they are refused. In deny-list
	// mode an allow rule cannot undo a denial (the most restrictive
	// matching rule wins), so allow rules are refused there too.
	Extra []Rule
	// DenyList selects Karn's deny-list mode, which is WEAKER: everything
	// is allowed except the calls owned by entitlements not granted, the
	// obsolete "never" set and the ioctl requests no entitlement grants
	// (TIOCSTI, TIOCLINUX), without other argument rules (a granted
	// net.client, for instance, allows every socket family; a call that
	// appears in no entitlement of this catalog, such as one added by a
	// newer kernel the tables know, stays allowed). It exists for
	// compatibility with Karn; prefer the default allow-list. It
	// restricts system calls only: Apply sets no Landlock rules, keeps
	// the process's capabilities and does not refuse writable+executable
	// memory (ApplyReport's Missing says so).
	DenyList bool
	// AllowSpeculation opts out of the kernel's seccomp-triggered Spectre
	// mitigations (SECCOMP_FILTER_FLAG_SPEC_ALLOW). By default Apply keeps
	// the kernel's behaviour: on kernels booted with
	// spec_store_bypass_disable=seccomp or spectre_v2_user=seccomp (the
	// default before Linux 5.16), installing a filter also forces
	// Speculative Store Bypass Disable and STIBP on every thread, which
	// protects the process from other code in it or on a sibling
	// hyperthread and can slow it down by tens of percent. A service that
	// runs no untrusted code and measured the cost may set this; a
	// security library does not turn a mitigation off by default.
	AllowSpeculation bool
	// SpeculationMitigations is the earlier opt-in; the mitigations are
	// now kept by default.
	//
	// Deprecated: the kernel's default is kept unless AllowSpeculation.
	SpeculationMitigations bool
	// Read, Write and Exec scope the file rights to these trees, like
	// OpenBSD's unveil: nothing else is reachable but what a program needs
	// to run (confine.StartupPaths). Each implies its entitlements (Read:
	// FSRead; Write: FSRead, FSWrite, FSCreate; Exec: ProcExec). Write does
	// not imply FSAttr: Landlock has no right for a file's mode or times, so
	// chmod and utimensat would reach every file the user owns; grant
	// FSAttr for them, knowing that.
	// "~" is the home directory; relative paths are relative to the
	// working directory. A missing path is an error (ErrInvalidPolicy),
	// unless written with a leading "?" ("?/opt"), as in policy files.
	Read, Write, Exec []string
	// Bind and Connect scope TCP bind and connect to these ports (implying
	// NetServer and NetClient).
	Bind, Connect []uint16
	// OnDenial, if set, is called in-process for every call the filter
	// denies and every access Landlock refuses after Apply, with what
	// would allow it. It reads the kernel's audit records (the filter is
	// installed with SECCOMP_FILTER_FLAG_LOG, and Landlock ABI 7 audits its
	// denials), so it needs root (CAP_AUDIT_READ) and kernel audit on;
	// otherwise Apply still confines and ApplyReport's Missing says why no
	// denial will be reported. It runs on a goroutine of its own, under the
	// sandbox like the rest of the process.
	OnDenial func(Denial)
	// Strict makes Apply fail (ErrNotSupported, nothing applied) when the
	// kernel cannot enforce every layer (Landlock rights, ports, scopes);
	// by default Apply enforces what the kernel has and ApplyReport says
	// what is missing.
	Strict bool
	// UnsafeAllowIOURing lets Apply confine a process that already has
	// io_uring instances, without granting io.uring. UNSAFE: a ring
	// created before Apply keeps executing what is queued in its memory
	// after Apply — with IORING_SETUP_SQPOLL without any system call —
	// outside the filter (see IOURingError). Without it, Apply fails with
	// an *IOURingError (ErrIOURing) when it finds such instances.
	UnsafeAllowIOURing bool
}

// Denial is a call or access the sandbox refused (Policy.OnDenial).
type Denial struct {
	Layer string // "seccomp" or "landlock"
	// Seccomp: the call and the entitlements that may allow it (the audit
	// record has no arguments: every entitlement that grants the call
	// under some arguments is listed).
	Syscall      string
	Entitlements []string
	// Landlock: the refused rights (fs.read_file, net.connect_tcp, ...),
	// the path (for creation and removal, the directory), the network
	// address and port.
	Access []string
	Path   string
	Addr   string
	Port   int
}

// Report says what Apply enforced beyond seccomp.
type Report struct {
	LandlockABI int // the kernel's Landlock ABI version, 0 without Landlock
	// Missing names, a sentence each, the layers or rights this kernel
	// cannot enforce (empty when everything is enforced).
	Missing []string
}

// Apply confines the current process to the base plus ents, failing
// denied calls with EPERM. It is Policy{Entitlements: ents}.Apply(): see
// Policy.Apply. If it returns an error the process is not confined and
// must not continue as if it were.
func Apply(ents ...Entitlement) error {
	return Policy{Entitlements: ents}.Apply()
}

// ErrNotSupported is returned (wrapped) by Apply when the kernel cannot
// install seccomp filters (built without CONFIG_SECCOMP_FILTER, or an outer
// sandbox forbids seccomp), or lacks the violation action (kill-process and
// log need Linux 4.14).
var ErrNotSupported = errors.New("entitle: seccomp filters are not supported by this kernel")

// ErrInvalidPolicy is returned (wrapped) for a policy that cannot be built:
// an unknown entitlement (the message suggests the nearest names), an
// invalid extra rule, or contradictory options. Nothing was applied.
var ErrInvalidPolicy = errors.New("entitle: invalid policy")

// ThreadError reports that the kernel could not apply the filter to one
// thread of the process (it already runs under a different seccomp filter,
// installed on that thread alone). Nothing was installed. It wraps the
// *seccomp.TSyncError.
type ThreadError struct {
	TID int // the thread (task) id the kernel named
	err error
}

func (e *ThreadError) Error() string {
	return fmt.Sprintf("entitle: thread %d could not be synchronised: it runs under a seccomp filter the calling thread does not have; nothing was installed", e.TID)
}

// Unwrap returns the underlying *seccomp.TSyncError.
func (e *ThreadError) Unwrap() error { return e.err }

// Program builds and compiles p's filter for this process (native
// architecture; signals-to-self rules compare with os.Getpid()) without
// installing it.
func (p Policy) Program() (*Program, error) {
	prog, err := p.compile()
	if err != nil {
		return nil, err
	}
	return &Program{prog}, nil
}

func (p Policy) compile() (*compiler.Program, error) {
	pol, err := p.policy(os.Getpid())
	if err != nil {
		return nil, err
	}
	prog, err := compiler.Compile(pol)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPolicy, err)
	}
	return prog, nil
}

func (p Policy) policy(selfPID int) (*policy.Policy, error) {
	req, err := p.request()
	if err != nil {
		return nil, err
	}
	mode := catalog.AllowList
	if p.DenyList {
		mode = catalog.DenyList
	}
	extra := make([]policy.Rule, len(p.Extra))
	for i, r := range p.Extra {
		if extra[i], err = r.rule(); err != nil {
			return nil, fmt.Errorf("%w: Extra[%d]: %w", ErrInvalidPolicy, i, err)
		}
	}
	pol, err := catalog.Build(catalog.Request{
		Entitlements: p.names(),
		Mode:         mode,
		Violation:    p.OnViolation.violation(),
		Extra:        extra,
		Version:      catalog.Version(p.Version),
		Scope:        req.Scope(),
		SelfPID:      selfPID,
		Identity:     &catalog.Identity{UID: uint32(os.Getuid()), GID: uint32(os.Getgid())},
		InProcess:    true,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPolicy, err)
	}
	return pol, nil
}

// names returns the granted entitlements' names.
func (p Policy) names() []string {
	names := make([]string, len(p.Entitlements))
	for i, e := range p.Entitlements {
		names[i] = string(e)
	}
	return names
}

// request returns p's paths and ports, resolved.
func (p Policy) request() (*confine.Request, error) {
	r := &confine.Request{Bind: p.Bind, Connect: p.Connect, Optional: map[string]bool{}}
	for _, l := range []struct {
		in  []string
		out *[]string
	}{{p.Read, &r.Read}, {p.Write, &r.Write}, {p.Exec, &r.Exec}} {
		for _, s := range l.in {
			s, opt := confine.Optional(s)
			abs, err := confine.ExpandPath(s)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrInvalidPolicy, err)
			}
			if opt {
				r.Optional[abs] = true
			}
			*l.out = append(*l.out, abs)
		}
	}
	for _, n := range append(p.Bind, p.Connect...) {
		if n == 0 {
			return nil, fmt.Errorf("%w: port 0: use a number from 1 to 65535", ErrInvalidPolicy)
		}
	}
	return r, nil
}

// String renders p in the policy-file syntax's terms, for logs.
func (p Policy) String() string {
	var b strings.Builder
	names := make([]string, len(p.Entitlements))
	for i, e := range p.Entitlements {
		names[i] = string(e)
	}
	fmt.Fprintf(&b, "entitlements=[%s] violation=%v", strings.Join(names, " "), p.OnViolation)
	if p.DenyList {
		b.WriteString(" mode=denylist(weaker)")
	}
	if len(p.Extra) > 0 {
		fmt.Fprintf(&b, " extra=%d", len(p.Extra))
	}
	return b.String()
}
