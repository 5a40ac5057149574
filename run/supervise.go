//go:build linux

package run

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/run/internal/decode"
	"github.com/entitle-dev/entitle/seccomp"
	"github.com/entitle-dev/entitle/syscalls"
	"golang.org/x/sys/unix"
)

// supervisor answers the notifications of one run.
type supervisor struct {
	fd        int
	initPID   int
	cfg       Config
	violation policy.Action
	log       io.Writer
	rep       *Report
	wakeR     int
	wakeW     int
	done      sync.WaitGroup
	seen      map[string]bool // "syscall|explanation" already reported
	shown     int             // denial lines printed
	ungrant   map[string]bool
	events    *eventSink
	obs       []observation // distinct calls an entitlement would allow
	obsSeen   map[string]bool
	ruleSeen  map[string]bool
}

func newSupervisor(fd, initPID int, cfg Config, violation policy.Action, log io.Writer, rep *Report) (*supervisor, error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("pipe: %w", err)
	}
	s := &supervisor{fd: fd, initPID: initPID, cfg: cfg, violation: violation, log: log, rep: rep,
		wakeR: p[0], wakeW: p[1], seen: map[string]bool{}, ungrant: map[string]bool{},
		obsSeen: map[string]bool{}, ruleSeen: map[string]bool{}}
	s.done.Add(1)
	return s, nil
}

// loop receives and answers notifications until stop is called or every
// process using the filter is gone (POLLHUP).
func (s *supervisor) loop() {
	defer s.done.Done()
	fds := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLIN}, {Fd: int32(s.wakeR), Events: unix.POLLIN}}
	stopping := false
	for {
		timeout := -1
		if stopping {
			timeout = 0 // drain what is already queued, then leave
		}
		n, err := unix.Poll(fds, timeout)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			fmt.Fprintf(s.log, "entitle: poll on the seccomp listener: %v; calls outside the policy now fail with ENOSYS, unexplained\n", err)
			unix.Close(s.fd)
			s.fd = -1
			return
		}
		if n == 0 {
			return
		}
		if fds[1].Revents != 0 {
			stopping = true
			fds = fds[:1]
		}
		re := fds[0].Revents
		if re&unix.POLLIN == 0 {
			if re&(unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0 {
				if stopping {
					return
				}
				// Every filtered process is gone; wait for stop.
				fds = fds[:0]
				fds = append(fds, unix.PollFd{Fd: int32(s.wakeR), Events: unix.POLLIN})
				unix.Poll(fds, -1)
				return
			}
			continue
		}
		var nt seccomp.Notif
		if err := seccomp.NotifReceive(s.fd, &nt); err != nil {
			if errors.Is(err, unix.ENOENT) {
				continue // the target went away
			}
			// Fail closed without hanging the command: with the listener
			// closed, its calls outside the policy fail with ENOSYS.
			fmt.Fprintf(s.log, "entitle: receive a seccomp notification: %v; calls outside the policy now fail with ENOSYS, unexplained\n", err)
			unix.Close(s.fd)
			s.fd = -1
			return
		}
		s.handle(&nt)
	}
}

// stop ends the loop after answering what is queued and closes the
// listener: notified calls of processes that outlive the command then
// fail with ENOSYS.
func (s *supervisor) stop() {
	unix.Write(s.wakeW, []byte{0})
	s.done.Wait()
	if s.fd >= 0 {
		unix.Close(s.fd)
	}
	unix.Close(s.wakeR)
	unix.Close(s.wakeW)
	s.rep.Learned = minimalCover(s.obs)
	s.rep.Needed = nil
	for _, l := range s.rep.Learned {
		s.rep.Needed = append(s.rep.Needed, l.Name)
	}
	s.rep.Ungrantable = slices.Sorted(maps.Keys(s.ungrant))
}

func (s *supervisor) handle(n *seccomp.Notif) {
	nr := uint32(n.Data.Nr)
	arch := syscalls.ForAudit(n.Data.Arch, nr)
	name := fmt.Sprintf("syscall_%d", nr)
	if arch != nil {
		if sn, ok := arch.SyscallName(nr); ok {
			name = sn
		}
	}
	args := n.Data.Args
	pid := int(n.Pid)
	d := decode.New(pid)
	call := d.Call(arch, name, args)
	native := arch != nil && arch == syscalls.Native()
	var si *decode.Socket
	probeWhat, probeErrno := "", unix.Errno(0)
	if native {
		if info, ok := callSocket(pid, name, args); ok {
			si = &info
			if name != "socket" {
				call = annotateFd(call, name, args[0], info)
			}
		}
		probeWhat, probeErrno = probe(pid, name, args, n.Data.InstructionPointer, d)
	}
	nullFlags, devNull := devNullOpen(name, args, d)
	d.Close()
	if !seccomp.NotifIDValid(s.fd, n.ID) {
		return // the call was interrupted or the process died: nothing to answer
	}
	// The command name costs a file read: only for what is shown or kept
	// (a repeated denial is neither), and before the answer, while the
	// process is sure to be there.
	comm := ""
	getComm := func() string {
		if comm == "" {
			comm = readComm(pid)
		}
		return comm
	}
	what := ""
	getWhat := func() string {
		if what == "" {
			what = describe(call, pid, getComm())
		}
		return what
	}
	if devNull && s.cfg.Mode == Explain && s.answerDevNull(n.ID, nullFlags) {
		// /dev/null opened for writing (a shell's `> /dev/null` asks for
		// O_CREAT, which is fs.create's): harmless, answered with a
		// descriptor of /dev/null the supervisor opened, not reported.
		s.rep.Probes++
		if k := "probe|/dev/null"; s.cfg.ReportAll && !s.seen[k] {
			s.seen[k] = true
			s.print(fmt.Sprintf("entitle: harmless, answered with /dev/null: %s by pid %d (%s)", call, pid, getComm()))
		}
		return
	}
	if probeWhat != "" {
		// Answered as the library expects, in every mode; not a need.
		s.rep.Probes++
		if k := "probe|" + name + "|" + probeWhat; s.cfg.ReportAll && !s.seen[k] {
			s.seen[k] = true
			s.print(fmt.Sprintf("entitle: harmless probe, denied: %s by pid %d (%s): %s", call, pid, getComm(), probeWhat))
		}
		seccomp.NotifRespond(s.fd, &seccomp.NotifResp{ID: n.ID, Error: -int32(probeErrno)})
		return
	}
	var cands []string
	if arch != nil {
		port := -1
		if d.Family() == unix.AF_INET || d.Family() == unix.AF_INET6 {
			port = d.Port()
		} else if d.Family() == unix.AF_UNSPEC {
			port = 0
		}
		cands = candidates(arch, name, args, si, port)
	}
	s.rep.Denied++

	// The answer: deny, or let the call run (complain; learn except for
	// what a learned policy must never allow).
	deny := true
	learnDenies := ""
	switch s.cfg.Mode {
	case Complain:
		deny = false
	case Learn:
		learnDenies = neverWritten(name, args, cands)
		deny = learnDenies != ""
	}

	var why string
	var ents []string // what the explanation names: nil not grantable, empty base
	switch {
	case cands == nil:
		reason := catalog.NeverReason(name)
		if name == "ioctl" && reason == "" {
			reason = catalog.NeverIoctl(args[1])
		}
		if reason == "" {
			reason = "no entitlement allows " + name + " with these arguments"
		}
		why = "not grantable (" + reason + ")"
		if !deny && learnDenies == "" && catalog.NeverReason(name) == "" && (name != "ioctl" || catalog.NeverIoctl(args[1]) == "") {
			rr := rawRule(name, args, getWhat(), reason)
			if k := rr.Rule.String(); !s.ruleSeen[k] {
				s.ruleSeen[k] = true
				s.rep.Rules = append(s.rep.Rules, rr)
			}
			why += "; written as a raw rule"
		} else {
			s.ungrant[name+": "+reason] = true
		}
	case len(cands) == 0:
		ents = []string{}
		why = "allowed by base, but not by this policy"
	default:
		key := name + "|" + strings.Join(cands, ",")
		if learnDenies != "" {
			s.ungrant[name+": "+learnDenies] = true
		} else if !s.obsSeen[key] {
			s.obsSeen[key] = true
			s.obs = append(s.obs, observation{name: name, what: getWhat(), cands: cands})
		}
		pick := s.pick(cands)
		ents = []string{pick}
		why = "needs " + pick
		if learnDenies != "" {
			why += "; learn mode keeps denying it: " + learnDenies
		} else if s.cfg.Profile {
			why += " (the profile does not allow it)"
		} else if s.cfg.Mode == Explain {
			why += " — add --allow " + pick
		}
		if alt := without(cands, pick); len(alt) > 0 && name == "socket" && s.cfg.Mode == Explain {
			why += " (or " + strings.Join(alt, ", ") + ": what the socket is for decides; --learn finds out)"
		}
	}
	resp := seccomp.NotifResp{ID: n.ID}
	verb := "denied"
	var kill bool
	switch {
	case !deny:
		verb = "would deny"
		if s.cfg.Mode == Learn {
			verb = "learned"
		}
		resp.Flags = seccomp.NotifFlagContinue
	case s.violation.Kind == policy.ActErrno:
		resp.Error = -int32(s.violation.Data)
	case s.violation.Kind == policy.ActKillProcess, s.violation.Kind == policy.ActKillThread:
		verb = "killed for"
		kill = true
		resp.Error = -int32(unix.EPERM)
	default: // trap: the supervisor cannot raise SIGSYS for the kernel; deny
		resp.Error = -int32(unix.EPERM)
	}
	if s.events != nil {
		reason, _, _ := strings.Cut(why, " — add ")
		ev := Event{Event: "denial", Layer: "seccomp", PID: pid, Comm: getComm(), Syscall: name, Call: call, Entitlements: ents, Reason: reason, Action: s.violation.String()}
		if len(ents) > 0 && !s.cfg.Profile {
			ev.Flag = "--allow " + strings.Join(ents, ",")
		}
		switch {
		case !deny:
			ev.Action = "allowed"
		case kill:
			ev.Action = "kill-process"
		case resp.Error != 0:
			ev.Action = policy.Errno(uint16(-resp.Error)).String()
		}
		s.events.emit(ev)
	}
	key := name + "|" + why
	if !s.seen[key] || s.cfg.ReportAll {
		s.seen[key] = true
		s.shown++
		s.print(fmt.Sprintf("entitle: %s %s: %s", verb, getWhat(), why))
	}
	if kill {
		if tgid := decode.Tgid(pid); tgid > 0 {
			unix.Kill(tgid, unix.SIGKILL)
		}
	}
	seccomp.NotifRespond(s.fd, &resp) // ENOENT: it died meanwhile
}

func (s *supervisor) print(line string) {
	s.rep.Lines = append(s.rep.Lines, line)
	fmt.Fprintln(s.log, line)
}

// pick is the entitlement an explanation names: one already granted when
// it would do (its rules did not match these arguments), else the
// preferred one (candidates puts the socket's real use first).
func (s *supervisor) pick(cands []string) string {
	for _, c := range cands {
		if slices.Contains(s.cfg.Entitlements, c) {
			return c
		}
	}
	return cands[0]
}

// annotateFd adds what the descriptor is to a decoded call:
// "listen(3<TCP>, 511)".
func annotateFd(call, name string, fd uint64, si decode.Socket) string {
	prefix := name + "(" + strconv.FormatInt(int64(int32(fd)), 10)
	if !strings.HasPrefix(call, prefix) {
		return call
	}
	return prefix + "<" + si.String() + ">" + call[len(prefix):]
}

func without(list []string, drop string) []string {
	var out []string
	for _, x := range list {
		if x != drop {
			out = append(out, x)
		}
	}
	return out
}

// summary prints the closing line (nothing when nothing was notified):
// how many calls it showed, of how many, and the --allow list.
func (s *supervisor) summary() {
	if s.rep.Denied == 0 {
		return // harmless probes alone are not worth a line (--all shows them)
	}
	var parts []string
	if s.rep.Denied > 0 {
		verb := "denied"
		switch s.cfg.Mode {
		case Complain:
			verb = "would have been denied"
		case Learn:
			verb = "learned"
		}
		head := fmt.Sprintf("%d %s %s", s.shown, plural(s.shown, "call", "calls"), verb)
		if s.shown < s.rep.Denied {
			head = fmt.Sprintf("%d distinct %s %s (%d in all; --all shows every one)", s.shown, plural(s.shown, "call", "calls"), verb, s.rep.Denied)
		}
		parts = append(parts, head)
	}
	if len(s.rep.Needed) > 0 {
		if s.cfg.Profile {
			parts = append(parts, "entitlements that would allow them: "+strings.Join(s.rep.Needed, ","))
		} else {
			parts = append(parts, "to allow them: --allow "+strings.Join(union(s.cfg.Entitlements, s.rep.Needed), ","))
		}
	}
	if len(s.rep.Rules) > 0 {
		parts = append(parts, fmt.Sprintf("%d raw %s for calls no entitlement grants (written with -o)", len(s.rep.Rules), plural(len(s.rep.Rules), "rule", "rules")))
	}
	if len(s.rep.Ungrantable) > 0 {
		parts = append(parts, "not grantable: "+strings.Join(s.rep.Ungrantable, "; "))
	}
	if s.rep.Probes > 0 && !s.cfg.ReportAll {
		parts = append(parts, fmt.Sprintf("%d harmless %s denied as the C library expects (--all shows them)", s.rep.Probes, plural(s.rep.Probes, "probe", "probes")))
	}
	s.print("entitle: " + strings.Join(parts, "; "))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// union returns a followed by the names of b not in a.
func union(a, b []string) []string {
	var out []string
	for _, x := range append(slices.Clone(a), b...) {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// Union is the --allow list that grants what was granted plus what was
// needed, in that order.
func Union(granted, needed []string) []string { return union(granted, needed) }

// readComm returns the process's command name, quoted by quoteName (the
// command sets it), or "?".
func readComm(pid int) string {
	b, err := decode.ProcRead("/proc/"+strconv.Itoa(pid)+"/comm", 64)
	if err != nil {
		return "?"
	}
	return quoteName(strings.TrimSuffix(string(b), "\n"))
}
