package policy

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/entitle-dev/entitle/internal/linux"
)

// ActionKind is what the kernel does with a system call. The zero value
// means "not set"; Policy fields use it to select their documented default.
type ActionKind uint8

// Action kinds, in the kernel's precedence order: most restrictive first.
const (
	ActNone ActionKind = iota
	ActKillProcess
	ActKillThread
	ActTrap
	ActErrno
	ActNotify
	ActTrace
	ActLog
	ActAllow
)

// Action is an ActionKind with its 16-bit data (the errno for ActErrno, the
// value passed to the tracer for ActTrace, si_errno for ActTrap).
type Action struct {
	Kind ActionKind
	Data uint16
}

// Frequently used actions.
var (
	Allow       = Action{Kind: ActAllow}
	KillProcess = Action{Kind: ActKillProcess}
	KillThread  = Action{Kind: ActKillThread}
	Log         = Action{Kind: ActLog}
	Notify      = Action{Kind: ActNotify}
)

// MaxErrno is the largest errno the kernel passes through (MAX_ERRNO).
const MaxErrno = 4095

// Errno returns the action that fails the call with errno n.
func Errno(n uint16) Action { return Action{Kind: ActErrno, Data: n} }

// Trace returns the action that notifies a ptrace tracer with msg n.
func Trace(n uint16) Action { return Action{Kind: ActTrace, Data: n} }

// Trap returns the action that raises SIGSYS with si_errno n.
func Trap(n uint16) Action { return Action{Kind: ActTrap, Data: n} }

// IsSet reports whether a holds an action (the zero Action does not).
func (a Action) IsSet() bool { return a.Kind != ActNone }

// Ret is the value a seccomp filter returns for a (SECCOMP_RET_*|data).
func (a Action) Ret() uint32 {
	switch a.Kind {
	case ActKillProcess:
		return linux.SECCOMP_RET_KILL_PROCESS
	case ActKillThread:
		return linux.SECCOMP_RET_KILL_THREAD
	case ActTrap:
		return linux.SECCOMP_RET_TRAP | uint32(a.Data)
	case ActErrno:
		return linux.SECCOMP_RET_ERRNO | uint32(a.Data)
	case ActNotify:
		return linux.SECCOMP_RET_USER_NOTIF
	case ActTrace:
		return linux.SECCOMP_RET_TRACE | uint32(a.Data)
	case ActLog:
		return linux.SECCOMP_RET_LOG
	case ActAllow:
		return linux.SECCOMP_RET_ALLOW
	}
	// An unset action must never reach a filter; the kernel treats unknown
	// return values as KILL_PROCESS, so fail closed.
	return linux.SECCOMP_RET_KILL_PROCESS
}

// FromRet decodes a seccomp return value. Values the kernel does not know
// act as KILL_PROCESS, and are decoded as such.
func FromRet(r uint32) Action {
	data := uint16(r & linux.SECCOMP_RET_DATA)
	switch r & linux.SECCOMP_RET_ACTION_FULL {
	case linux.SECCOMP_RET_KILL_PROCESS:
		return KillProcess
	case linux.SECCOMP_RET_KILL_THREAD:
		return KillThread
	case linux.SECCOMP_RET_TRAP:
		return Trap(data)
	case linux.SECCOMP_RET_ERRNO:
		return Errno(data)
	case linux.SECCOMP_RET_USER_NOTIF:
		return Notify
	case linux.SECCOMP_RET_TRACE:
		return Trace(data)
	case linux.SECCOMP_RET_LOG:
		return Log
	case linux.SECCOMP_RET_ALLOW:
		return Allow
	}
	return KillProcess
}

// MoreRestrictive reports whether the kernel would prefer a over b when two
// filters return them (KILL_PROCESS < KILL_THREAD < TRAP < ERRNO <
// USER_NOTIF < TRACE < LOG < ALLOW). Actions of the same kind are equal.
func MoreRestrictive(a, b Action) bool { return a.Kind < b.Kind }

var kindNames = map[ActionKind]string{
	ActKillProcess: "kill-process",
	ActKillThread:  "kill-thread",
	ActTrap:        "trap",
	ActErrno:       "errno",
	ActNotify:      "notify",
	ActTrace:       "trace",
	ActLog:         "log",
	ActAllow:       "allow",
}

// String renders a as accepted by ParseAction: "allow", "errno(EPERM)",
// "kill-process", "trace(3)", ...
func (a Action) String() string {
	switch a.Kind {
	case ActNone:
		return "unset"
	case ActErrno:
		if name := linux.ErrnoName(a.Data); name != "" && a.Data != 0 {
			return "errno(" + name + ")"
		}
		return fmt.Sprintf("errno(%d)", a.Data)
	case ActTrace, ActTrap:
		if a.Data != 0 {
			return fmt.Sprintf("%s(%d)", kindNames[a.Kind], a.Data)
		}
	}
	return kindNames[a.Kind]
}

// ParseAction reads an action in entitle's spelling ("allow", "errno",
// "errno(13)", "errno(EACCES)", "kill", "kill-process", "kill-thread",
// "trap", "log", "trace(N)", "notify") or libseccomp's ("SCMP_ACT_ALLOW",
// "SCMP_ACT_ERRNO", ...). A bare "errno" means EPERM.
func ParseAction(s string) (Action, error) {
	orig := s
	s = strings.TrimSpace(strings.ToLower(s))
	s = strings.TrimPrefix(s, "scmp_act_")
	s = strings.ReplaceAll(s, "_", "-")
	name, arg, hasArg := s, "", false
	if i := strings.IndexByte(s, '('); i >= 0 && strings.HasSuffix(s, ")") {
		name, arg, hasArg = s[:i], s[i+1:len(s)-1], true
	}
	var kind ActionKind
	switch name {
	case "allow":
		kind = ActAllow
	case "errno", "deny":
		kind = ActErrno
	case "kill", "kill-process":
		kind = ActKillProcess
	case "kill-thread":
		kind = ActKillThread
	case "trap":
		kind = ActTrap
	case "log":
		kind = ActLog
	case "trace":
		kind = ActTrace
	case "notify", "user-notif":
		kind = ActNotify
	default:
		return Action{}, fmt.Errorf("unknown action %q: use one of allow, errno(N), kill-process, kill-thread, trap, log, trace(N), notify", orig)
	}
	a := Action{Kind: kind}
	if kind == ActErrno {
		a.Data = uint16(linux.EPERM)
	}
	if !hasArg {
		return a, nil
	}
	switch kind {
	case ActErrno, ActTrace, ActTrap:
	default:
		return Action{}, fmt.Errorf("action %q takes no argument", orig)
	}
	n, err := parseErrno(arg)
	if err != nil {
		return Action{}, fmt.Errorf("action %q: %w", orig, err)
	}
	a.Data = n
	return a, nil
}

func parseErrno(s string) (uint16, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseUint(s, 0, 16); err == nil {
		if n > MaxErrno {
			return 0, fmt.Errorf("value %d is above %d, the largest errno the kernel returns", n, MaxErrno)
		}
		return uint16(n), nil
	}
	if e, ok := errnoByName(strings.ToUpper(s)); ok {
		return e, nil
	}
	return 0, fmt.Errorf("%q is neither a number nor an errno name such as EPERM", s)
}

// errnoByName finds an errno by its name (EPERM, EACCES, ...).
func errnoByName(name string) (uint16, bool) {
	return linux.ErrnoNumber(name)
}
