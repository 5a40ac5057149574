//go:build linux

package supervise

import (
	"sync"
	"time"

	confinement "github.com/entitle-dev/entitle/confine"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/syscalls"
)

// Event is what Cmd.Events receives: a *Denial, *Probe, *Notice or, last,
// the *Summary.
type Event interface {
	// When is the time the event happened.
	When() time.Time
}

// Layer is the confinement layer that refused an access.
type Layer string

const (
	Seccomp  Layer = "seccomp"  // the filter (user notification)
	Landlock Layer = "landlock" // Landlock (the kernel's audit records)
)

// Denial is one call the seccomp filter did not allow (Layer Seccomp:
// denied, or let through in Complain and Learn modes), or one access
// Landlock refused (Layer Landlock, from the kernel's audit records).
type Denial struct {
	Time  time.Time
	Layer Layer
	// Repeat: an earlier denial of this run was the same call with the
	// same explanation (sent only with Cmd.Every).
	Repeat bool

	// Seccomp: the calling process (its pid as the supervisor sees it) and
	// its command name, as entitle prints it: bare when every byte is a
	// letter, a digit or one of . _ + - / @, Go-quoted otherwise (the
	// process sets it); "?" when it could not be read.
	PID  int
	Comm string
	// Arch is the call's architecture (nil when the kernel reported one
	// entitle does not know), Nr its number and Syscall its name
	// ("syscall_N" when unknown); Args are the raw arguments and Call the
	// call decoded as strace shows it: `mkdir("/tmp/x", 0755)`.
	Arch    *syscalls.Arch
	Nr      uint32
	Syscall string
	Args    [6]uint64
	Call    string
	// Entitlements would allow the call, the one to grant first: one the
	// policy already grants when it would do (its rules did not match
	// these arguments), else the preferred. nil: no entitlement allows it
	// (Reason says why); empty: base allows it, but not this policy.
	Entitlements []string
	// Reason: for a seccomp call no entitlement allows, why (the never-
	// grantable set's reason, such as "TIOCSTI pushes bytes into a
	// terminal's input queue: ...", or "no entitlement allows ioctl with
	// these arguments"); for Landlock, why the access was refused
	// ("outside the read paths").
	Reason string
	// RawRule: Complain or Learn mode wrote a raw rule for the call
	// (Report.Rules).
	RawRule bool
	// NotLearned: in Learn mode, why the call stays denied although
	// Entitlements would allow it (only admin.* entitlements do).
	NotLearned string
	// Action is what the call got: policy.Allow when it was let through
	// (Complain, Learn), policy.KillProcess when the process was killed,
	// otherwise the errno it returned.
	Action policy.Action

	// Landlock: the refused rights ("fs.read_file", "fs.make_reg",
	// "net.connect_tcp", "scope.signal", ...), the file (for creation and
	// removal the directory), the address and port, the other process (a
	// signal, a socket, ptrace) and its name as the audit record gives it.
	// Scoped says whether the run scoped the file rights to paths;
	// Protected is the protected tree that refused it, if one did; Fix is
	// what would allow it (a path, port or entitlement to add, the
	// protection to lift; kind NoRemedy when nothing can).
	Access    []string
	Path      string
	Addr      string
	Port      int
	OtherPID  int
	OtherComm string
	Scoped    bool
	Protected *confinement.Protected
	Fix       confinement.Remedy
}

// When is the time of the denial.
func (d *Denial) When() time.Time { return d.Time }

// Record returns a Landlock denial as confine's audit record.
func (d *Denial) Record() confinement.Denial {
	return confinement.Denial{Blockers: d.Access, Path: d.Path, Addr: d.Addr, Port: d.Port, OPID: d.OtherPID, OComm: d.OtherComm}
}

// Probe is a harmless probe: a call a C library makes to find out whether
// an optional service exists, denied (or answered with /dev/null) as the
// library expects and not counted as a denial (sent only with Cmd.Every).
type Probe struct {
	Time    time.Time
	PID     int
	Comm    string // as in Denial
	Syscall string
	Call    string
	// What the probe is ("glibc's nscd lookup"); DevNull: an open of
	// /dev/null, answered with a descriptor of /dev/null.
	What    string
	DevNull bool
}

// When is the time of the probe.
func (p *Probe) When() time.Time { return p.Time }

// NoticeKind says what a Notice is about.
type NoticeKind int

const (
	// LayersMissing: the kernel cannot enforce some of the layers; the
	// command runs with the others.
	LayersMissing NoticeKind = iota
	// ListenerLost: the supervisor can no longer receive notifications
	// (Message says why); calls outside the policy now fail with ENOSYS,
	// unexplained.
	ListenerLost
	// LandlockUnexplained: the command failed, and Landlock's denials
	// could not be followed (Message says why): it may have refused a
	// path, port or process.
	LandlockUnexplained
	// WouldRefuse: in Complain mode, the command would not have been
	// started (Err: executable memory the policy does not allow).
	WouldRefuse
)

// Notice is something the caller should know about the run.
type Notice struct {
	Time    time.Time
	Kind    NoticeKind
	Layer   Layer // the layer it concerns, if one
	Message string
	Err     error // WouldRefuse: why
}

// When is the time of the notice.
func (n *Notice) When() time.Time { return n.Time }

// Summary is the last event of a run: its Report.
type Summary struct {
	Time   time.Time
	Report *Report
}

// When is the time the run ended.
func (s *Summary) When() time.Time { return s.Time }

// eventSink hands events to Cmd.Events one at a time, stamped with the
// time; a nil sink drops them.
type eventSink struct {
	mu sync.Mutex
	fn func(Event)
}

func newEventSink(fn func(Event)) *eventSink {
	if fn == nil {
		return nil
	}
	return &eventSink{fn: fn}
}

func (s *eventSink) emit(e Event) {
	if s == nil {
		return
	}
	now := time.Now()
	switch e := e.(type) {
	case *Denial:
		e.Time = now
	case *Probe:
		e.Time = now
	case *Notice:
		e.Time = now
	case *Summary:
		e.Time = now
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fn(e)
}
