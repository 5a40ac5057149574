//go:build linux

package entitle

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/compiler"
	"github.com/entitle-dev/entitle/confine"
	"github.com/entitle-dev/entitle/internal/linux"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/seccomp"
	"github.com/entitle-dev/entitle/syscalls"
)

// Apply confines the current process, every thread of it, to p. It sets
// no_new_privs and installs p's filter with SECCOMP_FILTER_FLAG_TSYNC (the
// kernel applies it, and no_new_privs, to all threads at once, or fails)
// and, only if p.AllowSpeculation, SECCOMP_FILTER_FLAG_SPEC_ALLOW.
//
// Apply refuses a process that holds io_uring instances (descriptors,
// mappings or kernel threads of rings created earlier) unless io.uring is
// granted or p.UnsafeAllowIOURing is set: their operations would run
// outside the filter. It looks for them in /proc/self just before
// installing; a ring another thread creates at the same moment is not seen,
// so call Apply before starting goroutines that may set up rings.
//
// Errors wrap ErrInvalidPolicy (nothing was done), ErrNotSupported or
// ErrIOURing (an *IOURingError), or are a *ThreadError; in every case no
// filter was installed. (After a
// *ThreadError the calling thread has no_new_privs set, which cannot be
// undone; it only stops exec from gaining privileges.) The caller must not
// continue as if confined: exit.
//
// Apply can be called again to narrow the confinement further, if the
// first policy granted the sandbox entitlement (seccomp(2) itself); filters
// stack and the most restrictive answer wins.
func (p Policy) Apply() error {
	_, err := p.ApplyReport()
	return err
}

// ApplyReport is Apply, and also reports what the kernel could not enforce
// (best effort; see Policy.Strict).
func (p Policy) ApplyReport() (Report, error) {
	prog, err := p.compile()
	if err != nil {
		return Report{}, err
	}
	if err := p.checkIOURing(); err != nil {
		return Report{}, err
	}
	if err := probe(prog.Policy.DefaultAction); err != nil {
		return Report{}, err
	}
	req, err := p.request()
	if err != nil {
		return Report{}, err
	}
	layers, err := catalog.LayersOf(append(p.names(), req.Implied()...))
	if err != nil {
		return Report{}, fmt.Errorf("%w: %w", ErrInvalidPolicy, err)
	}
	if p.DenyList || prog.Policy.DefaultAction.Kind == policy.ActLog {
		// Karn's mode restricts system calls only; Log enforces nothing.
		// Say so: the package documentation promises the other layers.
		rep := Report{LandlockABI: confine.ABI(), Missing: []string{
			"deny-list mode (Policy.DenyList) restricts system calls only: no Landlock rules (files, ports, signals, other processes), capabilities kept, writable+executable memory not refused; use the default allow-list for them"}}
		if !p.DenyList {
			rep.Missing = []string{"violation action log (Policy.OnViolation Log) enforces nothing: denied calls run and are only logged, and no Landlock rules or capability limits are applied"}
		}
		return rep, p.install(prog, false)
	}
	paths, protected, err := req.Apply(&layers)
	if err != nil {
		return Report{}, fmt.Errorf("%w: %w", ErrInvalidPolicy, err)
	}
	lc := confine.Config{Layers: layers, ProcSelf: os.Getpid(), Scoped: req.Scoped(), Paths: paths, Protected: protected}
	st := lc.Check()
	rep := Report{LandlockABI: st.ABI, Missing: st.Missing}
	if p.Strict && len(st.Missing) > 0 {
		return rep, fmt.Errorf("%w: Strict: this kernel cannot enforce: %s", ErrNotSupported, strings.Join(st.Missing, "; "))
	}
	var follower *confine.Follower
	if p.OnDenial != nil {
		// Before the sandbox: the audit socket must be opened and joined
		// while the process may.
		f, err := p.followDenials()
		if err != nil {
			rep.Missing = append(rep.Missing, "denial reports (Policy.OnDenial): "+err.Error())
		}
		follower = f
	}
	fail := func(err error) (Report, error) {
		if follower != nil {
			follower.Close()
		}
		return rep, err
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fail(fmt.Errorf("entitle: set no_new_privs: %w", err))
	}
	if !layers.AllCaps {
		if err := confine.KeepCaps(layers.Caps); err != nil {
			return fail(fmt.Errorf("entitle: drop capabilities: %w", err))
		}
	}
	if _, err := lc.RestrictProcess(); err != nil {
		return fail(fmt.Errorf("entitle: %w", err))
	}
	if err := denyWriteExec(prog.Policy); err != nil {
		return fail(err)
	}
	if err := p.install(prog, follower != nil); err != nil {
		return fail(err)
	}
	return rep, nil
}

// followDenials starts reading the audit records of this process's
// denials for p.OnDenial.
func (p Policy) followDenials() (*confine.Follower, error) {
	f, err := confine.FollowAudit(func(d confine.Denial) {
		p.OnDenial(Denial{Layer: "landlock", Access: d.Blockers, Path: d.Path, Addr: d.Addr, Port: d.Port})
	})
	if err != nil {
		return nil, err
	}
	f.OnSeccomp = func(r confine.SeccompRecord) {
		if r.Code&linux.SECCOMP_RET_ACTION_FULL == linux.SECCOMP_RET_ALLOW {
			return
		}
		d := Denial{Layer: "seccomp", Syscall: fmt.Sprintf("syscall %d", r.Syscall)}
		if a := syscalls.ForAudit(r.Arch, r.Syscall); a != nil {
			if name, ok := a.SyscallName(r.Syscall); ok {
				d.Syscall = name
				for _, g := range catalog.Grantors(a, name) {
					if g.Entitlement != "base" && !slices.Contains(d.Entitlements, g.Entitlement) {
						d.Entitlements = append(d.Entitlements, g.Entitlement)
					}
				}
			}
		}
		p.OnDenial(d)
	}
	f.SetPID(os.Getpid())
	return f, nil
}

func (p Policy) install(prog *compiler.Program, log bool) error {
	flags := seccomp.FlagTSync
	if log {
		flags |= seccomp.FlagLog
	}
	if p.AllowSpeculation {
		flags |= seccomp.FlagSpecAllow
	}
	if _, err := seccomp.Install(prog.Insns, flags); err != nil {
		var ts *seccomp.TSyncError
		if errors.As(err, &ts) {
			return &ThreadError{TID: ts.TID, err: ts}
		}
		if errors.Is(err, unix.ENOSYS) {
			return fmt.Errorf("%w: %w", ErrNotSupported, err)
		}
		return fmt.Errorf("entitle: %w", err)
	}
	return nil
}

// probe checks that seccomp(2) filters and the violation action are
// available, before anything is changed.
func probe(violation policy.Action) error {
	ret := uint32(unix.SECCOMP_RET_ALLOW)
	_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_GET_ACTION_AVAIL, 0, uintptr(unsafe.Pointer(&ret)))
	switch errno {
	case 0:
	case unix.ENOSYS, unix.EINVAL:
		return fmt.Errorf("%w: seccomp(SECCOMP_GET_ACTION_AVAIL): %w", ErrNotSupported, errno)
	default:
		// EPERM or EACCES: an outer sandbox forbids seccomp(2).
		return fmt.Errorf("%w: seccomp(2) is forbidden here: %w", ErrNotSupported, errno)
	}
	if !seccomp.ActionAvailable(violation.Ret() &^ 0xFFFF) {
		return fmt.Errorf("%w: the kernel does not know the action %v", ErrNotSupported, violation)
	}
	return nil
}
