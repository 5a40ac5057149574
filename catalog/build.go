package catalog

import (
	"errors"
	"fmt"
	"slices"

	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/syscalls"
)

// Request is what a policy is built from. It is the one way from
// entitlement names to a policy: the library (entitle.Policy), entitle run,
// policy files (policyfile.File.Request) and the CLI's profile command all
// fill a Request and call Build, so the same input gives the same policy
// and the same errors everywhere.
//
// The first group of fields says what the user asked for; the second says
// what the policy is for (a container profile leaves it zero).
type Request struct {
	// Entitlements are names or Karn aliases, granted on top of base.
	Entitlements []string
	Mode         Mode
	// Violation is the action for denied calls: errno(1..4095), kill-process
	// or log. The zero Action is errno(EPERM). kill-thread is refused: a
	// process one of whose threads is killed carries on half-alive (a Go
	// program hangs waiting for the dead thread); trap, notify and trace
	// are refused because they need a handler or a listener or tracer the
	// violating process does not have. In DenyList mode log is refused
	// too: the deny list allows by default and log lets the listed calls
	// run, so nothing would be denied.
	Violation policy.Action
	// Extra rules are appended to the catalog's. In DenyList mode allow
	// rules are refused: everything not denied is already allowed, and an
	// allow rule cannot undo a denial (the most restrictive matching rule
	// wins). See also InProcess.
	Extra []policy.Rule
	// Scope says which kinds of paths and ports the file and network rights
	// are scoped to; each implies entitlements (Scope.Implied), and TCP
	// port rules close UDP to net.client and net.server.
	Scope Scope
	// Version selects the entitlement set (V1, ...): what base and each
	// entitlement grant in that version, identical in every release. Zero
	// is Latest.
	Version Version

	// Arches are the architectures the policy covers; nil: native.
	Arches []*syscalls.Arch
	// SelfPID is the pid the "signals to self" rules compare with (kill,
	// tgkill, tkill, rt_sigqueueinfo, rt_tgsigqueueinfo: first argument ==
	// pid). 0 means unknown — a profile for a container: then tgkill and
	// tkill are allowed unconditionally and kill/rt_sigqueueinfo/
	// rt_tgsigqueueinfo are not allowed by base (the PID namespace confines
	// the container's signals).
	SelfPID int
	// Identity is the process's user and group id when known: base then
	// allows the set*id calls that change nothing (every id -1 or the
	// current one), which programs such as GNU make issue as a matter of
	// course. nil (container profiles): those calls need proc.identity.
	Identity *Identity
	// InProcess says the filter confines the calling Go program itself
	// (entitle.Apply): Extra rules whose action would hang it (kill-thread),
	// crash it (trap: the Go runtime treats SIGSYS as fatal) or wait for a
	// listener it does not have (notify) are refused. Without it (a
	// command under entitle run, a container profile) they are the user's
	// choice.
	InProcess bool
}

// Scope says which kinds of paths and ports a policy's file and network
// rights are scoped to (package confine enforces the paths and ports
// themselves with Landlock).
type Scope struct {
	Read, Write, Exec bool // trees named for reading, writing, executing
	Bind, Connect     bool // TCP ports named for bind, connect
}

// Implied returns the entitlements the scope needs: read → fs.read; write
// → fs.read, fs.write, fs.create; exec → proc.exec; bind → net.server;
// connect → net.client. Write does not imply fs.attr: Landlock has no
// right for modes and times, so fs.attr's chmod and utimensat reach every
// file the user owns, outside the write paths too; entitle run's
// supervisor changes modes, times, ACLs and user attributes beneath them
// itself (supervise).
func (s Scope) Implied() []string {
	var out []string
	add := func(cond bool, names ...string) {
		if cond {
			out = append(out, names...)
		}
	}
	add(s.Read, "fs.read")
	add(s.Write, "fs.read", "fs.write", "fs.create")
	add(s.Exec, "proc.exec")
	add(s.Bind, "net.server")
	add(s.Connect, "net.client")
	return out
}

// Ports reports whether TCP ports are restricted (Landlock port rules):
// UDP, whose ports Landlock before ABI 10 cannot filter, is then closed to
// net.client and net.server (net.dns keeps its UDP sockets: name
// resolution needs them).
func (s Scope) Ports() bool { return s.Bind || s.Connect }

// Names returns r's entitlements followed by those its scope implies, each
// once, in first-seen order.
func (r Request) Names() []string {
	var out []string
	for _, n := range append(slices.Clone(r.Entitlements), r.Scope.Implied()...) {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// Build returns the validated policy for r: base plus r.Names() (names or
// Karn aliases) in r.Mode. In AllowList mode the default action is the
// violation action, unknown system calls get errno(ENOSYS) (so C libraries
// fall back to older calls) and foreign architectures kill the process.
// Errors name the problem and the fix: an unknown entitlement (with the
// nearest names), a violation action or extra rule the rules above refuse,
// or a rule policy.Policy.Validate refuses.
func Build(r Request) (*policy.Policy, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	if _, err := r.Version.resolve(); err != nil {
		return nil, err
	}
	p, err := build(r.Names(), r)
	if err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// CheckViolation reports whether v can be the violation action of a
// policy in mode m (see Request.Violation); the zero Action (the default,
// errno(EPERM)) can. Build applies it; policy files and the CLI call it to
// report a bad action where it was written.
func CheckViolation(v policy.Action, m Mode) error {
	switch v.Kind {
	case policy.ActNone, policy.ActKillProcess:
	case policy.ActLog:
		if m == DenyList {
			return errors.New("deny-list mode with violation log denies nothing: the deny list allows by default and log lets the listed calls run too; use the allow-list with log to audit, or an enforcing action")
		}
	case policy.ActErrno:
		if v.Data == 0 || v.Data > policy.MaxErrno {
			return fmt.Errorf("violation errno(%d): the errno must be 1..%d (0 would make denied calls look successful)", v.Data, policy.MaxErrno)
		}
	case policy.ActKillThread:
		return errors.New("violation kill-thread: a process one of whose threads is killed carries on half-alive (a Go program hangs waiting for the dead thread); use kill (kill-process)")
	default:
		return fmt.Errorf("violation %v: use errno (EPERM), errno(N or NAME), kill or log", v)
	}
	return nil
}

// check applies the rules on the violation action and the extra rules.
func (r Request) check() error {
	if err := CheckViolation(r.Violation, r.Mode); err != nil {
		return err
	}
	for i, x := range r.Extra {
		switch x.Action.Kind {
		case policy.ActNone:
			return fmt.Errorf("extra rule %d (%v): no action", i+1, x)
		case policy.ActKillThread:
			if r.InProcess {
				return fmt.Errorf("extra rule %d (%v): kill-thread leaves a Go program hung (the runtime waits for the dead thread); use kill-process", i+1, x)
			}
		case policy.ActTrap:
			if r.InProcess {
				return fmt.Errorf("extra rule %d (%v): trap raises SIGSYS, which crashes a Go program; use errno or kill-process", i+1, x)
			}
		case policy.ActNotify:
			if r.InProcess {
				return fmt.Errorf("extra rule %d (%v): notify needs a user-notification listener, which Apply does not create", i+1, x)
			}
		case policy.ActAllow:
			if r.Mode == DenyList {
				return fmt.Errorf("extra rule %d (%v): in deny-list mode everything not denied is already allowed and an allow rule cannot override a denial (the most restrictive matching rule wins); grant the entitlement instead, or use the allow-list", i+1, x)
			}
		}
	}
	return nil
}

// build is the catalog's policy for names: no checks beyond the names,
// the self pid and the architectures.
func build(names []string, r Request) (*policy.Policy, error) {
	load()
	v, err := r.Version.resolve()
	if err != nil {
		return nil, err
	}
	granted := []*Entitlement{baseOf(v)}
	seen := map[string]bool{}
	var errs []error
	for _, n := range names {
		es, err := Lookup(n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, e := range es {
			if !seen[e.Name] {
				seen[e.Name] = true
				granted = append(granted, byName[e.Name])
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if r.SelfPID < 0 || r.SelfPID >= OwnPID {
		return nil, fmt.Errorf("SelfPID %d is not a process id", r.SelfPID)
	}
	arches := r.Arches
	if len(arches) == 0 {
		arches = []*syscalls.Arch{syscalls.Native()}
	}
	for _, a := range arches {
		if a == nil {
			return nil, errors.New("nil architecture in Request.Arches")
		}
		if !supported(a) {
			return nil, fmt.Errorf("architecture %s is not supported by the entitlement catalog: its argument rules use the constants of x86_64, i386, x32, aarch64, arm, riscv64 and loongarch64", a.Name())
		}
	}
	violation := r.Violation
	if !violation.IsSet() {
		violation = policy.Errno(eperm)
	}
	exists := func(name string) bool {
		for _, a := range arches {
			if _, ok := a.Number(name); ok {
				return true
			}
		}
		return false
	}
	p := &policy.Policy{
		Arches:        slices.Clone(arches),
		BadArchAction: policy.KillProcess,
		UnknownAction: policy.Errno(enosys),
	}
	grants := collect(granted, r.SelfPID, r.Scope.Ports())
	switch r.Mode {
	case AllowList:
		p.DefaultAction = violation
		p.Rules = grants.allowRules(exists)
		if r.Identity != nil && !seen["proc.identity"] {
			for _, x := range identityRules(*r.Identity) {
				if exists(x.Syscall) {
					p.Rules = append(p.Rules, x)
				}
			}
		}
	case DenyList:
		p.DefaultAction = policy.Allow
		p.Rules = grants.denyRules(granted, violation, exists, r.Scope.Ports())
	default:
		return nil, fmt.Errorf("unknown mode %v", r.Mode)
	}
	p.Rules = closeRules(p.Rules, exists)
	for _, x := range r.Extra {
		x.Conds = slices.Clone(x.Conds)
		p.Rules = append(p.Rules, x)
	}
	return p, nil
}
