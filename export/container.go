package export

import (
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/profile"
	"github.com/entitle-dev/entitle/syscalls"
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
		{Arg: 2, Op: policy.OpEQ, Value: oWronly | oCloexec, Width32: true}}},
	{Syscall: "openat", Action: policy.Allow, Conds: []policy.Cond{
		{Arg: 0, Op: policy.OpEQ, Value: atFDCWD, Width32: true},
		{Arg: 2, Op: policy.OpEQ, Value: oWronly | oCloexec | oLargefileArm64, Width32: true}}},
	{Syscall: "openat", Action: policy.Allow, Conds: []policy.Cond{
		{Arg: 0, Op: policy.OpEQ, Value: atFDCWD, Width32: true},
		{Arg: 2, Op: policy.OpEQ, Value: oCloexec, Width32: true}}},
	{Syscall: "openat", Action: policy.Allow, Conds: []policy.Cond{
		{Arg: 0, Op: policy.OpEQ, Value: atFDCWD, Width32: true},
		{Arg: 2, Op: policy.OpEQ, Value: oCloexec | oLargefileArm64, Width32: true}}},
	{Syscall: "getdents64", Action: policy.Allow},
	{Syscall: "fstatfs", Action: policy.Allow},
}

const (
	atFDCWD         = 0xFFFFFFFFFFFFFF9C // -100
	oWronly         = 0x1
	oCloexec        = 0x80000
	oLargefileArm64 = 0x20000
)

// Container is a policy rewritten for an OCI runtime (runc, crun, youki,
// Docker, Podman): see ForContainer.
type Container struct {
	// Policy is the rewritten policy; its default action is the source
	// policy's unknown-call action (errno(ENOSYS)).
	Policy *policy.Policy
	// Runtime lists the RuntimeRules that were added (those of calls the
	// source policy did not allow unconditionally).
	Runtime []string
	// Fallthrough lists the calls the source policy allows only with
	// certain arguments and denies otherwise, for which the rewritten
	// policy gets the new default action (ENOSYS) instead of the source's
	// default action when the arguments match no rule. OCI has no per-call
	// fallback action, so ForContainer writes the complement of a call's
	// argument rules as explicit rules with the source's default action
	// (clone without CLONE_THREAD → EPERM, open with O_CREAT → EPERM); it
	// lists here the calls whose complement has no small exact OCI form
	// (ioctl and prctl with lists of allowed requests, for instance). The
	// call is denied either way.
	Fallthrough []string
}

// ForContainer rewrites p the way Podman writes its profiles: the default
// action becomes p's action for unknown system calls (errno(ENOSYS)), so a
// C library probing a call newer than the profile falls back as it does
// on an older kernel, and every system call known to p's architectures
// that p decides by its default action gets an explicit rule with that
// action (errno(EPERM) for an entitlement policy). It also adds the
// RuntimeRules (WithRuntime).
//
// The rewritten policy decides every call exactly as p does, except the
// runtime additions and the calls listed in Container.Fallthrough when
// their argument rules do not match (ENOSYS instead of p's default): for
// the other calls allowed only with certain arguments, the complement of
// their rules is written as explicit rules with p's default action. Rules
// of p whose action equals the new default are dropped (they decide as the
// default does).
func ForContainer(p *policy.Policy) (*Container, error) {
	if p == nil {
		return nil, errors.New("nil policy")
	}
	p, added, err := WithRuntime(p)
	if err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	def := p.Unknown()
	if def.Kind != policy.ActErrno {
		return nil, fmt.Errorf("unknown-call action %s: an OCI profile's default action must be an errno here", def)
	}
	q := &policy.Policy{
		DefaultAction: def,
		Arches:        slices.Clone(p.Arches),
		BadArchAction: p.BadArchAction,
		UnknownAction: p.UnknownAction,
		Flags:         slices.Clone(p.Flags),
	}
	c := &Container{Policy: q, Runtime: added}

	type info struct{ rules, uncondAllow, cond bool }
	calls := map[string]*info{}
	get := func(s string) *info {
		if calls[s] == nil {
			calls[s] = &info{}
		}
		return calls[s]
	}
	for _, r := range p.Rules {
		in := get(r.Syscall)
		in.rules = true
		if r.Action == policy.Allow && len(r.Conds) == 0 {
			in.uncondAllow = true
		}
		if len(r.Conds) > 0 {
			in.cond = true
		}
	}
	for _, r := range p.Rules {
		if r.Action == def {
			// Decided by the default anyway, unless it beats a less
			// restrictive rule for the same call.
			for _, o := range p.Rules {
				if o.Syscall == r.Syscall && o.Action != r.Action && policy.MoreRestrictive(r.Action, o.Action) {
					return nil, fmt.Errorf("rule %s repeats the unknown-call action and overrides rule %s: OCI cannot express this", r, o)
				}
			}
			continue
		}
		r.Conds = slices.Clone(r.Conds)
		q.Rules = append(q.Rules, r)
	}
	if p.DefaultAction == def {
		return c, nil
	}
	bits32 := slices.ContainsFunc(p.ArchList(), func(a *syscalls.Arch) bool { return a.Bits() == 32 })
	for _, s := range knownNames(p) {
		in := calls[s]
		switch {
		case in == nil || !in.rules:
			q.Rules = append(q.Rules, policy.Rule{Syscall: s, Action: p.DefaultAction})
		case in.cond && !in.uncondAllow && !hasUncond(p, s):
			var rules []policy.Rule
			for _, r := range p.Rules {
				if r.Syscall == s {
					rules = append(rules, r)
				}
			}
			boxes, err := complement(rules, bits32)
			if err != nil {
				c.Fallthrough = append(c.Fallthrough, s)
				continue
			}
			for _, b := range boxes {
				q.Rules = append(q.Rules, policy.Rule{Syscall: s, Action: p.DefaultAction, Conds: b.conds()})
			}
		}
	}
	return c, nil
}

// hasUncond reports whether p has a rule without conditions for s: then
// the default action never decides s.
func hasUncond(p *policy.Policy, s string) bool {
	for _, r := range p.Rules {
		if r.Syscall == s && len(r.Conds) == 0 {
			return true
		}
	}
	return false
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

// WithRuntime returns a copy of p with the RuntimeRules added, and those
// added (as strings). A rule is skipped when p allows its call
// unconditionally or when no architecture of p has the call.
func WithRuntime(p *policy.Policy) (*policy.Policy, []string, error) {
	if p == nil {
		return nil, nil, errors.New("nil policy")
	}
	q := *p
	q.Rules = slices.Clone(p.Rules)
	var added []string
	for _, r := range RuntimeRules {
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
	c, err := ForContainer(p)
	if err != nil {
		return nil, nil, err
	}
	s, err := profile.ToOCI(c.Policy)
	if err != nil {
		return nil, nil, err
	}
	return s, c, nil
}

// MarshalOCI writes p rewritten by ForContainer as indented OCI JSON, the
// format runc, crun, Docker (--security-opt seccomp=FILE) and Podman read.
func MarshalOCI(p *policy.Policy) ([]byte, *Container, error) {
	c, err := ForContainer(p)
	if err != nil {
		return nil, nil, err
	}
	b, err := profile.Marshal(c.Policy)
	if err != nil {
		return nil, nil, err
	}
	return b, c, nil
}
