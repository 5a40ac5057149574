//go:build linux

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/entitle-dev/entitle/confine"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/supervise"
)

// Exit statuses of entitle run for its own failures, as shells and
// `docker run` use them.
const (
	exitInternal   = 125 // entitle's own error (bad flag, filter not installed, ...): nothing ran
	exitCannotExec = 126 // the command was found but cannot be executed
	exitNotFound   = 127 // the command was not found
)

// runExit is the exit status and message of entitle run for a failure to
// run the command (a *supervise.Error).
func runExit(err error) *exitError {
	var se *supervise.Error
	if !errors.As(err, &se) {
		return &exitError{exitInternal, err}
	}
	code := exitInternal
	switch se.Kind {
	case supervise.NotFound:
		code = exitNotFound
	case supervise.CannotExec:
		code = exitCannotExec
	case supervise.Signaled:
		code = 128 + int(se.Signal)
	}
	return &exitError{code, errors.New(runErrorText(se.Err))}
}

// runErrorText is how entitle run words the supervisor's refusals: with
// the flag that changes the outcome.
func runErrorText(err error) string {
	switch e := err.(type) {
	case *supervise.NotDenyingError:
		return e.Error() + " (use --quiet)"
	case *supervise.LayersError:
		return "--strict: " + e.Error()
	case *supervise.PreserveError:
		switch {
		case e.FD < 0:
			return fmt.Sprintf("--preserve-fds %d: must be 0..1000", e.N)
		case e.Err != nil:
			return fmt.Sprintf("--preserve-fds %d: duplicate descriptor %d: %v", e.N, e.FD, e.Err)
		}
		return fmt.Sprintf("--preserve-fds %d: descriptor %d was not passed to entitle (open it in the shell, e.g. %d>FILE, or lower the count)", e.N, e.FD, e.FD)
	case *supervise.ExecMemoryError:
		if e.Stack {
			return e.Error() + " — add --allow mem.jit, or relink it without -z execstack"
		}
	}
	return err.Error()
}

// runView renders the events of a supervised run: entitle's lines for
// people (one per distinct denial, or every one with --all, and a summary
// at exit), and with --events one JSON object per denial, notice and the
// summary (eventJSON).
type runView struct {
	w       io.Writer     // entitle's lines
	enc     *json.Encoder // --events; nil without
	mode    supervise.Mode
	profile bool           // the policy is an OCI profile: no --allow to suggest
	file    bool           // the entitlements come from a policy file or preset: suggest only what to add
	all     bool           // --all
	policy  *policy.Policy // for the kill line

	mu       sync.Mutex
	lines    []string        // the seccomp lines printed (tests)
	seen     map[string]bool // "syscall|explanation" and probes already printed
	shown    int             // denial lines printed
	llSeen   map[string]bool // Landlock "what|flag" already printed
	llFlags  []string        // the flags Landlock's denials suggest, in order
	llNotice string          // why Landlock's denials could not be followed
}

func newRunView(w, events io.Writer, mode supervise.Mode, profile, all bool, p *policy.Policy) *runView {
	v := &runView{w: w, mode: mode, profile: profile, all: all, policy: p,
		seen: map[string]bool{}, llSeen: map[string]bool{}}
	if events != nil {
		v.enc = json.NewEncoder(events)
	}
	return v
}

// every reports whether the view needs every denial, not only the first
// of each kind.
func (v *runView) every() bool { return v.all || v.enc != nil }

func (v *runView) print(line string) {
	v.lines = append(v.lines, line)
	fmt.Fprintln(v.w, line)
}

// event renders one event (Cmd.Events calls it one at a time).
func (v *runView) event(e supervise.Event) {
	v.mu.Lock()
	defer v.mu.Unlock()
	switch e := e.(type) {
	case *supervise.Denial:
		if e.Layer == supervise.Landlock {
			v.landlock(e)
		} else {
			v.seccomp(e)
		}
	case *supervise.Probe:
		k := "probe|" + e.Syscall + "|" + e.What
		if e.DevNull {
			k = "probe|/dev/null"
		}
		if !v.all || v.seen[k] {
			return
		}
		v.seen[k] = true
		if e.DevNull {
			v.print(fmt.Sprintf("entitle: harmless, answered with /dev/null: %s by pid %d (%s)", e.Call, e.PID, e.Comm))
		} else {
			v.print(fmt.Sprintf("entitle: harmless probe, denied: %s by pid %d (%s): %s", e.Call, e.PID, e.Comm, e.What))
		}
	case *supervise.Notice:
		switch e.Kind {
		case supervise.LayersMissing:
			v.json(e, &eventJSON{Event: "notice", Message: e.Message})
			fmt.Fprintf(v.w, "entitle: notice: %s\n", e.Message)
		case supervise.ListenerLost:
			fmt.Fprintf(v.w, "entitle: %s\n", e.Message)
		case supervise.WouldRefuse:
			v.print("entitle: would refuse to start: " + runErrorText(e.Err))
		case supervise.LandlockUnexplained:
			v.json(e, &eventJSON{Event: "notice", Layer: "landlock", Message: "Landlock denials cannot be explained here: " + e.Message})
			v.llNotice = e.Message // printed after the summary
		}
	case *supervise.Summary:
		v.summary(e)
	}
}

// why explains a seccomp denial: the entitlement to add, or why none can.
func (v *runView) why(d *supervise.Denial) string {
	switch {
	case d.Entitlements == nil:
		why := "not grantable (" + d.Reason + ")"
		if d.RawRule {
			why += "; written as a raw rule"
		}
		return why
	case len(d.Entitlements) == 0:
		return "allowed by base, but not by this policy"
	}
	pick := d.Entitlements[0]
	why := "needs " + pick
	switch {
	case d.NotLearned != "":
		why += "; learn mode keeps denying it: " + d.NotLearned
	case v.profile:
		why += " (the profile does not allow it)"
	case v.mode == supervise.Explain:
		why += " — add --allow " + pick
	}
	if alt := d.Entitlements[1:]; len(alt) > 0 && d.Syscall == "socket" && v.mode == supervise.Explain {
		why += " (or " + strings.Join(alt, ", ") + ": what the socket is for decides; --learn finds out)"
	}
	return why
}

func (v *runView) seccomp(d *supervise.Denial) {
	why := v.why(d)
	verb := "denied"
	switch d.Action.Kind {
	case policy.ActAllow:
		verb = "would deny"
		if v.mode == supervise.Learn {
			verb = "learned"
		}
	case policy.ActKillProcess:
		verb = "killed for"
	}
	if v.enc != nil {
		ev := &eventJSON{Event: "denial", Layer: "seccomp", PID: d.PID, Comm: d.Comm, Syscall: d.Syscall, Call: d.Call, Action: d.Action.String()}
		ev.Reason, _, _ = strings.Cut(why, " — add ")
		if len(d.Entitlements) > 0 {
			ev.Entitlements = d.Entitlements[:1]
			if !v.profile {
				ev.Flag = "--allow " + d.Entitlements[0]
			}
		}
		if d.Action.Kind == policy.ActAllow {
			ev.Action = "allowed"
		}
		v.json(d, ev)
	}
	key := d.Syscall + "|" + why
	if !v.seen[key] || v.all {
		v.seen[key] = true
		v.shown++
		v.print(fmt.Sprintf("entitle: %s %s by pid %d (%s): %s", verb, d.Call, d.PID, d.Comm, why))
	}
}

func (v *runView) landlock(d *supervise.Denial) {
	var prot []confine.Protected
	if d.Protected != nil {
		prot = append(prot, *d.Protected)
	}
	what, why, _ := confine.ExplainDenial(d.Record(), d.Scoped, prot)
	flag := remedyFlag(d.Fix)
	v.json(d, &eventJSON{Event: "denial", Layer: "landlock", Access: d.Access, Path: d.Path, Addr: d.Addr, Port: d.Port,
		Reason: why, Flag: flag, Action: "refused"})
	if flag != "" && !slices.Contains(v.llFlags, flag) {
		v.llFlags = append(v.llFlags, flag)
	}
	key := what + "|" + flag
	if v.llSeen[key] && !v.all {
		return
	}
	v.llSeen[key] = true
	line := "entitle: Landlock refused " + what + ": " + why
	if flag != "" {
		line += " — add " + flag
	}
	fmt.Fprintln(v.w, line)
}

// summary prints how the command ended when seccomp killed it, the
// closing lines of both layers, and the JSON summary.
func (v *runView) summary(s *supervise.Summary) {
	rep := s.Report
	q := *v.policy
	if v.mode != supervise.Quiet {
		q.DefaultAction = policy.Notify // the supervisor answers it
	}
	if line := killLine(rep, &q); line != "" {
		v.print(line)
	}
	if rep.Denied > 0 {
		v.print("entitle: " + strings.Join(v.seccompSummary(rep), "; "))
	}
	if rep.LandlockDenied > 0 {
		line := fmt.Sprintf("entitle: %d access(es) refused by Landlock", rep.LandlockDenied)
		if len(v.llFlags) > 0 {
			line += "; to allow them: " + strings.Join(v.llFlags, " ")
		}
		fmt.Fprintln(v.w, line)
	}
	if v.llNotice != "" {
		fmt.Fprintf(v.w, "entitle: if the command failed with \"Permission denied\", Landlock may have refused a path, port or process; entitle cannot say which here (%s): see `entitle doctor`\n", v.llNotice)
	}
	if v.enc != nil {
		exit := rep.ExitCode
		sum := &eventJSON{Event: "summary", Exit: &exit, Denied: rep.Denied, LandlockDenied: rep.LandlockDenied, Ungrantable: rep.Ungrantable}
		if len(rep.Needed) > 0 && !v.profile {
			sum.Allow = rep.Allow
			sum.Flags = append(sum.Flags, "--allow "+strings.Join(sum.Allow, ","))
		}
		sum.Flags = append(sum.Flags, v.llFlags...)
		v.json(s, sum)
	}
}

// seccompSummary is the closing line's parts: how many calls it showed,
// of how many, and the --allow list.
func (v *runView) seccompSummary(rep *supervise.Report) []string {
	var parts []string
	verb := "denied"
	switch v.mode {
	case supervise.Complain:
		verb = "would have been denied"
	case supervise.Learn:
		verb = "learned"
	}
	head := fmt.Sprintf("%d %s %s", v.shown, plural(v.shown, "call", "calls"), verb)
	if v.shown < rep.Denied {
		head = fmt.Sprintf("%d distinct %s %s (%d in all; --all shows every one)", v.shown, plural(v.shown, "call", "calls"), verb, rep.Denied)
	}
	parts = append(parts, head)
	if len(rep.Needed) > 0 {
		if v.profile {
			parts = append(parts, "entitlements that would allow them: "+strings.Join(rep.Needed, ","))
		} else if v.file {
			// --allow adds to the file's entitlements: name only those.
			parts = append(parts, "to allow them, add --allow "+strings.Join(rep.Needed, ","))
		} else {
			parts = append(parts, "to allow them: --allow "+strings.Join(rep.Allow, ","))
		}
	}
	if len(rep.Rules) > 0 {
		parts = append(parts, fmt.Sprintf("%d raw %s for calls no entitlement grants (written with -o)", len(rep.Rules), plural(len(rep.Rules), "rule", "rules")))
	}
	if len(rep.Ungrantable) > 0 {
		parts = append(parts, "not grantable: "+strings.Join(rep.Ungrantable, "; "))
	}
	if rep.Probes > 0 && !v.all {
		parts = append(parts, fmt.Sprintf("%d harmless %s denied as the C library expects (--all shows them)", rep.Probes, plural(rep.Probes, "probe", "probes")))
	}
	return parts
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
