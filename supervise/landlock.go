//go:build linux

package supervise

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	confinement "github.com/entitle-dev/entitle/confine"
)

// landlockExplainer turns Landlock's audit records of the command's
// denials into Denial events: what was refused and why.
type landlockExplainer struct {
	mu        sync.Mutex
	scoped    bool
	protected []confinement.Protected
	seen      map[string]bool
	every     bool
	count     int
	follower  *confinement.Follower
	notice    string // why denials cannot be explained, if so
	events    *eventSink

	aliasOnce sync.Once
	aliased   []confinement.Protected // protected and their other mounts
}

// withAliases returns the protected trees and their other mounts, which
// the ruleset limits alike: read from the mount table at the first file
// refusal no protected tree explains, so that a refusal through a bind
// mount is explained as the protection it is.
func (e *landlockExplainer) withAliases() []confinement.Protected {
	e.aliasOnce.Do(func() {
		e.aliased = e.protected
		if a, err := confinement.ProtectedAliases(e.protected); err == nil && len(a) > 0 {
			e.aliased = append(slices.Clone(e.protected), a...)
		}
	})
	return e.aliased
}

// startLandlockExplainer follows the audit log; on failure it records why
// (a Notice at exit if the command failed).
func startLandlockExplainer(scoped bool, protected []confinement.Protected, every bool, events *eventSink) *landlockExplainer {
	e := &landlockExplainer{scoped: scoped, protected: protected, seen: map[string]bool{}, every: every, events: events}
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
	protected := e.protected
	if len(d.Blockers) > 0 && strings.HasPrefix(d.Blockers[0], "fs.") {
		if _, ok := confinement.ProtectedBy(protected, d.Path); !ok {
			protected = e.withAliases()
		}
	}
	_, why, fix := confinement.ExplainDenial(d, e.scoped, protected)
	ev := &Denial{Layer: Landlock, Access: d.Blockers, Path: d.Path, Addr: d.Addr, Port: d.Port,
		OtherPID: d.OPID, OtherComm: d.OComm, Scoped: e.scoped, Reason: why, Fix: fix}
	if len(d.Blockers) > 0 && strings.HasPrefix(d.Blockers[0], "fs.") {
		if p, ok := confinement.ProtectedBy(protected, d.Path); ok {
			ev.Protected = &p
		}
	}
	// The record's fields make the explanation: the same fields, the same
	// explanation.
	key := fmt.Sprintf("%q|%q|%q|%d|%d|%q", d.Blockers, d.Path, d.Addr, d.Port, d.OPID, d.OComm)
	e.mu.Lock()
	e.count++
	ev.Repeat = e.seen[key]
	e.seen[key] = true
	e.mu.Unlock()
	if !ev.Repeat || e.every {
		e.events.emit(ev)
	}
}
