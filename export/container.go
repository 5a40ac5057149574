package export

import (
	"errors"
	"fmt"
	"github.com/entitle-dev/entitle/internal/linux"
	"slices"
	"sort"

	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/profile"
	"github.com/opencontainers/runtime-spec/specs-go"
)

// RuntimeRules are the system calls a container runtime makes between
// loading the container's filter and the first instruction of the
// container's program, which the filter must therefore allow whatever the
// entitlements say. For runc 1.1 (Debian 12; the runc test in cmd/entitle
// loads generated profiles) they are, after seccomp is loaded:
//
//   - openat(AT_FDCWD, "/proc/self/fd/N", O_WRONLY|O_CLOEXEC): runc's init
//     opens its exec fifo to tell "runc start" it is ready (Go adds
//     O_LARGEFILE, 0x20000, on arm64 and 0 on x86_64). Without this rule
//     a profile without fs.write fails with "open exec fifo: operation not
//     permitted";
//   - write and close on that descriptor (base);
//   - os.Open("/proc/self/fd") = openat(AT_FDCWD, path,
//     O_RDONLY|O_CLOEXEC, plus O_LARGEFILE on arm64), fstatfs (runc
//     checks the directory is on procfs), getdents64 and fcntl(F_GETFD,
//     F_SETFD): runc marks every inherited descriptor close-on-exec
//     (utils.CloseExecFrom) after loading the filter. Without these rules
//     a profile without fs.read fails with "open /proc/self/fd: function
//     not implemented";
//   - execve of the container's program.
//
// The Go runtime calls runc makes in between (futex, signal masks,
// sched_yield, mmap) are in base. Seccomp sees neither paths nor the
// difference between the runtime and the program, so a container profile
// allows the program these calls too: exec (the kernel keeps the filter
// across execve; use a read-only or noexec root file system to forbid
// running other programs), fstatfs, getdents64, and opening an existing file with
// exactly the flags above (O_WRONLY|O_CLOEXEC, or read-only
// O_CLOEXEC) relative to the working directory: file
// permissions and a read-only root still apply, but fs.read and fs.write
// are not fully enforced in a container profile.
var RuntimeRules = []policy.Rule{
	{Syscall: "execve", Action: policy.Allow},
	{Syscall: "openat", Action: policy.Allow, Conds: []policy.Cond{
		{Arg: 0, Op: policy.OpEQ, Value: atFDCWD, Width32: true},
		{Arg: 2, Op: policy.OpEQ, Value: linux.O_WRONLY | linux.O_CLOEXEC, Width32: true}}},
	{Syscall: "openat", Action: policy.Allow, Conds: []policy.Cond{
		{Arg: 0, Op: policy.OpEQ, Value: atFDCWD, Width32: true},
		{Arg: 2, Op: policy.OpEQ, Value: linux.O_WRONLY | linux.O_CLOEXEC | oLargefileArm64, Width32: true}}},
	{Syscall: "openat", Action: policy.Allow, Conds: []policy.Cond{
		{Arg: 0, Op: policy.OpEQ, Value: atFDCWD, Width32: true},
		{Arg: 2, Op: policy.OpEQ, Value: linux.O_CLOEXEC, Width32: true}}},
	{Syscall: "openat", Action: policy.Allow, Conds: []policy.Cond{
		{Arg: 0, Op: policy.OpEQ, Value: atFDCWD, Width32: true},
		{Arg: 2, Op: policy.OpEQ, Value: linux.O_CLOEXEC | oLargefileArm64, Width32: true}}},
	{Syscall: "getdents64", Action: policy.Allow},
	{Syscall: "fstatfs", Action: policy.Allow},
}

// PrivilegeDropRules are the system calls runtimes make after loading
// the container's filter when no-new-privileges is off, the default of
// Docker, Podman and Kubernetes (allowPrivilegeEscalation). Loading a
// filter without no-new-privileges needs CAP_SYS_ADMIN, so runtimes load
// it first and then drop privileges. Traced with strace -f on runc 1.1.5
// and crun 1.8.1 (Debian 12), as root and as uid 1000 with extra groups:
//
//   - prctl(PR_CAPBSET_DROP, cap) for each capability not in the
//     bounding set (runc and crun; "unable to apply bounding set:
//     function not implemented" without this rule);
//   - prctl(PR_SET_KEEPCAPS, 1 or 0) around the user switch;
//   - setgroups, setgid and setuid (runc, Go's syscall package), or
//     setresgid and setresuid (crun), with the container's ids; their
//     32-bit variants on i386 and arm;
//   - capset to the container's permitted, effective and inheritable
//     sets, then prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
//     (crun) and PR_CAP_AMBIENT_RAISE or PR_CAP_AMBIENT_LOWER per
//     capability;
//   - runc only: chdir to the process's cwd and getcwd; stat of
//     /dev/null and of the program (fstatat(AT_FDCWD, path, buf, 0));
//     fchown of descriptors 0, 1 and 2 to the container's user when it
//     is not root; faccessat2(AT_FDCWD, path, X_OK, AT_EACCESS) on the
//     program (exec.LookPath); and openat(AT_FDCWD, path, O_RDONLY|
//     O_CLOEXEC) of /proc/self/status, /proc/self/setgroups, /etc/passwd
//     and /etc/group, which RuntimeRules already allow.
//
// The ids and capabilities are the container's, unknown when the profile
// is written, so these rules check the arguments that name the operation
// (the prctl option, the descriptor, the flags), not the ids. A program
// in a container whose profile has them can therefore change its user,
// groups and capabilities within what its capabilities permit (drop
// CAP_SETUID, CAP_SETGID and CAP_SETPCAP, or run with no-new-privileges
// and a profile written with Options.NoNewPrivileges, to forbid it), chdir
// anywhere, stat any path relative to the working directory, and fchown its
// standard descriptors (only with CAP_CHOWN or as their owner).
var PrivilegeDropRules = []policy.Rule{
	{Syscall: "prctl", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpEQ, Value: linux.PR_CAPBSET_DROP, Width32: true}}},
	{Syscall: "prctl", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpEQ, Value: linux.PR_SET_KEEPCAPS, Width32: true}}},
	{Syscall: "prctl", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpEQ, Value: linux.PR_CAP_AMBIENT, Width32: true}, {Arg: 1, Op: policy.OpEQ, Value: linux.PR_CAP_AMBIENT_RAISE}}},
	{Syscall: "prctl", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpEQ, Value: linux.PR_CAP_AMBIENT, Width32: true}, {Arg: 1, Op: policy.OpEQ, Value: linux.PR_CAP_AMBIENT_LOWER}}},
	{Syscall: "prctl", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpEQ, Value: linux.PR_CAP_AMBIENT, Width32: true}, {Arg: 1, Op: policy.OpEQ, Value: linux.PR_CAP_AMBIENT_CLEAR_ALL}}},
	{Syscall: "capset", Action: policy.Allow},
	{Syscall: "setgroups", Action: policy.Allow},
	{Syscall: "setgroups32", Action: policy.Allow},
	{Syscall: "setgid", Action: policy.Allow},
	{Syscall: "setgid32", Action: policy.Allow},
	{Syscall: "setuid", Action: policy.Allow},
	{Syscall: "setuid32", Action: policy.Allow},
	{Syscall: "setresgid", Action: policy.Allow},
	{Syscall: "setresgid32", Action: policy.Allow},
	{Syscall: "setresuid", Action: policy.Allow},
	{Syscall: "setresuid32", Action: policy.Allow},
	{Syscall: "chdir", Action: policy.Allow},
	{Syscall: "getcwd", Action: policy.Allow},
	{Syscall: "newfstatat", Action: policy.Allow, Conds: []policy.Cond{
		{Arg: 0, Op: policy.OpEQ, Value: atFDCWD, Width32: true}, {Arg: 3, Op: policy.OpEQ, Value: 0, Width32: true}}},
	{Syscall: "fstatat64", Action: policy.Allow, Conds: []policy.Cond{
		{Arg: 0, Op: policy.OpEQ, Value: atFDCWD, Width32: true}, {Arg: 3, Op: policy.OpEQ, Value: 0, Width32: true}}},
	{Syscall: "faccessat2", Action: policy.Allow, Conds: []policy.Cond{
		{Arg: 0, Op: policy.OpEQ, Value: atFDCWD, Width32: true}, {Arg: 2, Op: policy.OpEQ, Value: xOK, Width32: true}, {Arg: 3, Op: policy.OpEQ, Value: linux.AT_EACCESS, Width32: true}}},
	{Syscall: "fchown", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpEQ, Value: 0, Width32: true}}},
	{Syscall: "fchown", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpEQ, Value: 1, Width32: true}}},
	{Syscall: "fchown", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpEQ, Value: 2, Width32: true}}},
	{Syscall: "fchown32", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpEQ, Value: 0, Width32: true}}},
	{Syscall: "fchown32", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpEQ, Value: 1, Width32: true}}},
	{Syscall: "fchown32", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpEQ, Value: 2, Width32: true}}},
}

const (
	atFDCWD         = 1<<64 + linux.AT_FDCWD // -100 as the 64-bit argument
	oLargefileArm64 = 0x20000                // O_LARGEFILE as arm64's C library passes it (a foreign architecture's value)
	xOK             = 1                      // access(2)'s X_OK
)

// Options adapts the rewriting for a container to how it is started.
type Options struct {
	// NoNewPrivileges writes a profile only for containers started with
	// no-new-privileges (docker and podman --security-opt
	// no-new-privileges, runc's process.noNewPrivileges, Kubernetes
	// allowPrivilegeEscalation: false): it leaves out the
	// PrivilegeDropRules. Without no-new-privileges such a profile stops
	// the runtime before the container starts ("unable to apply bounding
	// set: operation not permitted").
	NoNewPrivileges bool
}

// rules returns the runtime rules for o.
func (o Options) rules() []policy.Rule {
	if o.NoNewPrivileges {
		return RuntimeRules
	}
	return append(slices.Clone(RuntimeRules), PrivilegeDropRules...)
}

// Container is a policy rewritten for an OCI runtime (runc, crun, youki,
// Docker, Podman): see ForContainer.
type Container struct {
	// Policy is the source policy with the runtime rules added. Its
	// default action is the source's (errno(EPERM) for an entitlement
	// policy), so a call whose arguments match none of its rules is
	// denied as the source denies it.
	Policy *policy.Policy
	// Runtime lists the RuntimeRules and PrivilegeDropRules that were
	// added (those of calls the source policy did not allow
	// unconditionally).
	Runtime []string
	// Denied lists, sorted, the system calls of the policy's
	// architectures that no rule mentions: the default action decides
	// them. OCI writes them as one explicit entry with the default
	// action, which runc and crun skip when they build the filter (it
	// repeats the default) but which sets runc's ENOSYS boundary at the
	// top of the syscall table (see ForContainer).
	Denied []string
	// Multiplexed lists the multiplexers (socketcall, ipc) answered with
	// MultiplexerAction because a listed architecture has them (i386,
	// ppc64le, s390x): see denyMultiplexers.
	Multiplexed []string
}

// Multiplexers are the system calls through which the old 32-bit ABIs
// (i386, ppc, s390) reach the socket and System V IPC calls, the call and
// its arguments passed as a number and a pointer to memory.
var Multiplexers = []string{"socketcall", "ipc"}

// MultiplexerAction is what a container profile answers the Multiplexers
// with: ENOSYS, as a kernel without them does (C libraries use the direct
// calls since Linux 4.3). It is not the default action because runc and
// crun skip a rule that repeats the default.
var MultiplexerAction = policy.Errno(linux.ENOSYS)

// denyMultiplexers adds, for each of the Multiplexers that an architecture
// of p has and no rule of p names, a rule answering it with
// MultiplexerAction (or EPERM when that is p's default), and returns their
// names.
//
// libseccomp, which runc and crun hand the profile to, rewrites every rule
// for a multiplexed call (socket, connect, sendto, setsockopt, shmat, ...)
// on i386, ppc64 and s390x into a second rule for the multiplexer: its
// argument 0 becomes the subcall number and its other conditions stay on
// the same argument indexes, where the multiplexer has the pointer to the
// real arguments and unused registers. So with x86 listed, a profile that
// allows socket only for AF_INET, SOCK_STREAM lets socketcall(SYS_SOCKET,
// args) create a socket of any family, whenever the pointer's low bits
// happen to equal SOCK_STREAM — the caller chooses them. entitle's policy
// never allows the multiplexers (their arguments are in memory); an
// unconditional rule for them is the only way to keep libseccomp's rewritten
// rules from deciding, since libseccomp lets a rule without conditions
// decide its call for every argument.
func denyMultiplexers(p *policy.Policy) ([]string, error) {
	act := MultiplexerAction
	if p.DefaultAction == act {
		act = policy.Errno(linux.EPERM)
	}
	var out []string
	for _, m := range Multiplexers {
		if !knownOn(p, m) {
			continue
		}
		named := false
		for _, r := range p.Rules {
			if r.Syscall != m {
				continue
			}
			if len(r.Conds) > 0 {
				return nil, fmt.Errorf("rule %s: a container profile cannot carry argument rules for %s: libseccomp adds to them the rules of the calls %s multiplexes, with their conditions on the wrong arguments; allow or deny %s whatever its arguments", r, m, m, m)
			}
			named = true
		}
		if !named {
			p.Rules = append(p.Rules, policy.Rule{Syscall: m, Action: act})
			out = append(out, m)
		}
	}
	return out, nil
}

// ForContainer rewrites p for a container runtime: it adds the
// RuntimeRules and PrivilegeDropRules (WithRuntime) and keeps p's default
// action, so every call p denies, including a call allowed only with
// certain arguments when its arguments match no rule, gets p's action
// (errno(EPERM)) whatever its arguments, as Docker's default profile does.
//
// OCI has no field for numbers the syscall table does not know. runc
// answers ENOSYS for numbers above the highest one a profile names (so C
// libraries fall back from calls newer than the profile as on an older
// kernel) and the default action below it; the written profile therefore
// names every known system call (Container.Denied), which puts that
// boundary at the top of the table. crun 1.8 has no such boundary and
// answers every number the profile does not allow with the default
// action.
//
// On architectures with the socketcall and ipc multiplexers (x86, ppc64le,
// s390x) the profile answers them with MultiplexerAction whatever their
// arguments (Container.Multiplexed): libseccomp would otherwise turn every
// argument rule for a socket or IPC call into a multiplexer rule testing the
// wrong arguments (see denyMultiplexers).
//
// Podman's profile instead uses ENOSYS as the default and lists every
// known call as EPERM; entitle does not, because then a call whose
// arguments match no rule falls to ENOSYS, and writing the complement of
// each call's argument rules as EPERM rules (OCI has no per-call default)
// costs more instructions than the kernel's 4096 for wide entitlement
// sets: a 32-bit argument unequal to one value alone takes 32 masked
// comparisons.
func ForContainer(p *policy.Policy) (*Container, error) {
	return ForContainerWith(p, Options{})
}

// ForContainerWith is ForContainer with options.
func ForContainerWith(p *policy.Policy, opts Options) (*Container, error) {
	if p == nil {
		return nil, errors.New("nil policy")
	}
	q, added, err := withRules(p, opts.rules())
	if err != nil {
		return nil, err
	}
	muxed, err := denyMultiplexers(q)
	if err != nil {
		return nil, err
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	c := &Container{Policy: q, Runtime: added, Multiplexed: muxed}
	mentioned := map[string]bool{}
	for _, r := range q.Rules {
		mentioned[r.Syscall] = true
	}
	for _, s := range knownNames(q) {
		if !mentioned[s] {
			c.Denied = append(c.Denied, s)
		}
	}
	return c, nil
}

// Spec returns c as an OCI runtime-spec seccomp object: c.Policy written
// by profile.ToOCI, and an entry naming c.Denied with the default action.
func (c *Container) Spec() (*specs.LinuxSeccomp, error) {
	s, err := profile.ToOCI(&profile.Profile{Policy: c.Policy})
	if err != nil {
		return nil, err
	}
	if len(c.Denied) > 0 {
		e := specs.LinuxSyscall{Names: slices.Clone(c.Denied), Action: s.DefaultAction}
		if s.DefaultErrnoRet != nil {
			n := *s.DefaultErrnoRet
			e.ErrnoRet = &n
		}
		s.Syscalls = append(s.Syscalls, e)
	}
	return s, nil
}

func knownOn(p *policy.Policy, name string) bool {
	for _, a := range p.ArchList() {
		if _, ok := a.Number(name); ok {
			return true
		}
	}
	return false
}

// knownNames returns, sorted, the system call names of p's architectures.
func knownNames(p *policy.Policy) []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range p.ArchList() {
		for _, s := range a.Syscalls() {
			if !seen[s.Name] {
				seen[s.Name] = true
				out = append(out, s.Name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// WithRuntime returns a copy of p with the RuntimeRules and
// PrivilegeDropRules added, and those added (as strings). A rule is
// skipped when p allows its call unconditionally or when no architecture
// of p has the call.
func WithRuntime(p *policy.Policy) (*policy.Policy, []string, error) {
	return withRules(p, Options{}.rules())
}

// WithRuntimeWith is WithRuntime with options (NoNewPrivileges leaves out
// the PrivilegeDropRules).
func WithRuntimeWith(p *policy.Policy, opts Options) (*policy.Policy, []string, error) {
	return withRules(p, opts.rules())
}

func withRules(p *policy.Policy, rules []policy.Rule) (*policy.Policy, []string, error) {
	if p == nil {
		return nil, nil, errors.New("nil policy")
	}
	q := *p
	q.Rules = slices.Clone(p.Rules)
	var added []string
	for _, r := range rules {
		if !knownOn(p, r.Syscall) || slices.ContainsFunc(p.Rules, func(o policy.Rule) bool {
			return o.Syscall == r.Syscall && o.Action == policy.Allow && len(o.Conds) == 0
		}) {
			continue
		}
		r.Conds = slices.Clone(r.Conds)
		q.Rules = append(q.Rules, r)
		added = append(added, r.String())
	}
	return &q, added, nil
}

// OCI returns p rewritten by ForContainer as an OCI runtime-spec seccomp
// object.
func OCI(p *policy.Policy) (*specs.LinuxSeccomp, *Container, error) {
	return OCIWith(p, Options{})
}

// OCIWith is OCI with options.
func OCIWith(p *policy.Policy, opts Options) (*specs.LinuxSeccomp, *Container, error) {
	c, err := ForContainerWith(p, opts)
	if err != nil {
		return nil, nil, err
	}
	s, err := c.Spec()
	if err != nil {
		return nil, nil, err
	}
	return s, c, nil
}

// MarshalOCI writes p rewritten by ForContainer as indented OCI JSON, the
// format runc, crun, Docker (--security-opt seccomp=FILE) and Podman read.
func MarshalOCI(p *policy.Policy) ([]byte, *Container, error) {
	return MarshalOCIWith(p, Options{})
}

// MarshalOCIWith is MarshalOCI with options.
func MarshalOCIWith(p *policy.Policy, opts Options) ([]byte, *Container, error) {
	s, c, err := OCIWith(p, opts)
	if err != nil {
		return nil, nil, err
	}
	b, err := profile.MarshalSpec(s)
	if err != nil {
		return nil, nil, err
	}
	return b, c, nil
}
