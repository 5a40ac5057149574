//go:build linux

package run

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	confinement "github.com/entitle-dev/entitle/confine"
)

// landlockExplainer turns Landlock's audit records of the command's
// denials into explanation lines: what was refused and the flag that
// would allow it.
type landlockExplainer struct {
	mu        sync.Mutex
	w         io.Writer
	scoped    bool
	protected []confinement.Protected
	seen      map[string]bool
	all       bool
	count     int
	flags     []string // suggested flags, in order
	follower  *confinement.Follower
	notice    string // why denials cannot be explained, if so
	events    *eventSink
}

// startLandlockExplainer follows the audit log; on failure it records why
// (printed at exit if the command failed).
func startLandlockExplainer(w io.Writer, scoped bool, protected []confinement.Protected, all bool, events *eventSink) *landlockExplainer {
	e := &landlockExplainer{w: w, scoped: scoped, protected: protected, seen: map[string]bool{}, all: all, events: events}
	f, err := confinement.FollowAudit(e.denied)
	if err != nil {
		e.notice = err.Error()
		return e
	}
	e.follower = f
	return e
}

func (e *landlockExplainer) setPID(pid int) {
	if e.follower != nil {
		e.follower.SetPID(pid)
	}
}

// stop waits for records in flight (see Follower.Drain) and stops
// following (once).
func (e *landlockExplainer) stop(failed bool) {
	if f := e.follower; f != nil {
		e.follower = nil
		f.Drain(failed)
		f.Close()
	}
}

func (e *landlockExplainer) denied(d confinement.Denial) {
	what, why, flag := e.explain(d)
	e.events.emit(Event{Event: "denial", Layer: "landlock", Access: d.Blockers, Path: d.Path, Addr: d.Addr, Port: d.Port,
		Reason: why, Flag: flag, Action: "refused"})
	e.mu.Lock()
	defer e.mu.Unlock()
	e.count++
	if flag != "" && !slices.Contains(e.flags, flag) {
		e.flags = append(e.flags, flag)
	}
	key := what + "|" + flag
	if e.seen[key] && !e.all {
		return
	}
	e.seen[key] = true
	line := "entitle: Landlock refused " + what + ": " + why
	if flag != "" {
		line += " — add " + flag
	}
	fmt.Fprintln(e.w, line)
}

// explain says what d refused, why, and which flag would allow it ("" when
// none can).
func (e *landlockExplainer) explain(d confinement.Denial) (what, why, flag string) {
	return confinement.ExplainDenial(d, e.scoped, e.protected)
}

// summary prints the count and the flags to add; when denials could not
// be followed and the command failed, it says how to see them.
func (e *landlockExplainer) summary(exitCode int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.count > 0 {
		s := fmt.Sprintf("entitle: %d access(es) refused by Landlock", e.count)
		if len(e.flags) > 0 {
			s += "; to allow them: " + strings.Join(e.flags, " ")
		}
		fmt.Fprintln(e.w, s)
	}
	if e.notice != "" && exitCode != 0 {
		e.events.emit(Event{Event: "notice", Layer: "landlock", Message: "Landlock denials cannot be explained here: " + e.notice})
		fmt.Fprintf(e.w, "entitle: if the command failed with \"Permission denied\", Landlock may have refused a path, port or process; entitle cannot say which here (%s): see `entitle doctor`\n", e.notice)
	}
}
