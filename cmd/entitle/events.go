//go:build linux

package main

import (
	"time"

	"github.com/entitle-dev/entitle/supervise"
)

// eventsVersion is the version of the event schema; a change that removes
// or redefines a field increments it.
const eventsVersion = 1

// eventJSON is one object of the JSON event stream (`entitle run --events
// FILE`): one line per denial on either layer, one per notice, and one
// summary at the end.
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
// pid and comm (seccomp: the calling process; comm as entitle's lines
// show it, Go-quoted unless plainly safe), syscall and call (the decoded
// call), access (Landlock's refused rights: fs.read_file, fs.make_reg,
// net.connect_tcp, scope.signal, ...), path (the file, or for creation and
// removal the directory), addr and port (network), entitlements (that
// would allow it), flag (the flag to add; empty when nothing can allow
// it), reason, action (what the call got: "errno(EPERM)", "kill-process",
// "allowed" in complain mode); for the summary: exit (the command's
// status), denied (seccomp), landlock_denied, allow (the complete --allow
// list), flags (every flag to add), ungrantable.
//
// It is a rendering of supervise's typed events (runView).
type eventJSON struct {
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

// json writes ev, the rendering of e, as one line of the event stream
// (nothing without --events).
func (v *runView) json(e supervise.Event, ev *eventJSON) {
	if v.enc == nil {
		return
	}
	ev.V = eventsVersion
	ev.Time = e.When().UTC().Format(time.RFC3339Nano)
	v.enc.Encode(ev)
}
