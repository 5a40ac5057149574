//go:build linux

package run

import (
	"encoding/json"
	"io"
	"sync"
	"time"
)

// EventsVersion is the version of the event schema; a change that removes
// or redefines a field increments it.
const EventsVersion = 1

// Event is one object of the JSON event stream (Config.Events, `entitle
// run --events FILE`): one line per denial on either layer, one per
// notice, and one summary at the end.
//
//	{"v":1,"time":"2026-12-01T12:00:00.1Z","event":"denial","layer":"seccomp","pid":41,"comm":"mkdir",
//	 "syscall":"mkdir","call":"mkdir(\"/tmp/x\", 0777)","entitlements":["fs.create"],
//	 "flag":"--allow fs.create","action":"errno(EPERM)"}
//	{"v":1,"time":"...","event":"denial","layer":"landlock","access":["fs.read_file"],
//	 "path":"/etc/hostname","reason":"outside the read paths","flag":"--read /etc/hostname"}
//	{"v":1,"time":"...","event":"summary","exit":1,"denied":1,"landlock_denied":1,
//	 "allow":["fs.read","fs.create"],"flags":["--allow fs.read,fs.create","--read /etc/hostname"]}
//
// Fields: v (schema version), time (RFC 3339, UTC), event ("denial",
// "notice", "summary"); for a denial: layer ("seccomp" or "landlock"),
// pid and comm (seccomp: the calling process; comm is as the process set
// it, unescaped), syscall and call (the decoded call), access (Landlock's
// refused rights: fs.read_file, fs.make_reg, net.connect_tcp,
// scope.signal, ...), path (the file, or for creation and removal the
// directory), addr and port (network), entitlements (that would allow
// it), flag (the flag to add; empty when nothing can allow it), reason,
// action (what the call got: "errno(EPERM)", "kill-process", "allowed"
// in complain mode); for the summary: exit (the command's status),
// denied (seccomp), landlock_denied, allow (the complete --allow list),
// flags (every flag to add), ungrantable.
type Event struct {
	V              int      `json:"v"`
	Time           string   `json:"time"`
	Event          string   `json:"event"`
	Layer          string   `json:"layer,omitempty"`
	PID            int      `json:"pid,omitempty"`
	Comm           string   `json:"comm,omitempty"`
	Syscall        string   `json:"syscall,omitempty"`
	Call           string   `json:"call,omitempty"`
	Access         []string `json:"access,omitempty"`
	Path           string   `json:"path,omitempty"`
	Addr           string   `json:"addr,omitempty"`
	Port           int      `json:"port,omitempty"`
	Entitlements   []string `json:"entitlements,omitempty"`
	Flag           string   `json:"flag,omitempty"`
	Reason         string   `json:"reason,omitempty"`
	Action         string   `json:"action,omitempty"`
	Message        string   `json:"message,omitempty"`
	Exit           *int     `json:"exit,omitempty"`
	Denied         int      `json:"denied,omitempty"`
	LandlockDenied int      `json:"landlock_denied,omitempty"`
	Allow          []string `json:"allow,omitempty"`
	Flags          []string `json:"flags,omitempty"`
	Ungrantable    []string `json:"ungrantable,omitempty"`
}

// eventSink writes events as JSON lines and hands them to a callback; a
// nil sink drops them.
type eventSink struct {
	mu  sync.Mutex
	enc *json.Encoder
	fn  func(Event)
}

func newEventSink(w io.Writer, fn func(Event)) *eventSink {
	if w == nil && fn == nil {
		return nil
	}
	s := &eventSink{fn: fn}
	if w != nil {
		s.enc = json.NewEncoder(w)
	}
	return s
}

func (s *eventSink) emit(e Event) {
	if s == nil {
		return
	}
	e.V = EventsVersion
	e.Time = time.Now().UTC().Format(time.RFC3339Nano)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.enc != nil {
		s.enc.Encode(e)
	}
	if s.fn != nil {
		s.fn(e)
	}
}
