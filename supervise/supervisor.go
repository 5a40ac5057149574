//go:build linux

package supervise

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/seccomp"
	"github.com/entitle-dev/entitle/supervise/internal/decode"
	"github.com/entitle-dev/entitle/syscalls"
	"golang.org/x/sys/unix"
)

// supervisor answers the notifications of one run.
type supervisor struct {
	fd        int
	initPID   int
	mode      Mode
	granted   []string // Cmd.Entitlements
	every     bool
	violation policy.Action
	rep       *Report
	wakeR     int
	wakeW     int
	done      sync.WaitGroup
	seen      map[string]bool // the denials sent (see Denial.Repeat)
	ungrant   map[string]bool
	events    *eventSink
	obs       []observation // distinct calls an entitlement would allow
	obsSeen   map[string]bool
	ruleSeen  map[string]bool
	attr      *attrScope // modes and times beneath the write paths (attr.go); nil: none
	pty       bool       // TIOCGPTPEER is the supervisor's (pty.go)
	memfd     bool       // memfd_create is the supervisor's (memfd.go)
}

func newSupervisor(fd, initPID int, c *Cmd, violation policy.Action, rep *Report) (*supervisor, error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("pipe: %w", err)
	}
	s := &supervisor{fd: fd, initPID: initPID, mode: c.Mode, granted: c.Entitlements, every: c.Every,
		violation: violation, rep: rep, events: c.events,
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
			s.events.emit(&Notice{Kind: ListenerLost, Layer: Seccomp, Message: fmt.Sprintf("poll on the seccomp listener: %v; calls outside the policy now fail with ENOSYS, unexplained", err)})
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
			s.events.emit(&Notice{Kind: ListenerLost, Layer: Seccomp, Message: fmt.Sprintf("receive a seccomp notification: %v; calls outside the policy now fail with ENOSYS, unexplained", err)})
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
	if s.attr != nil && native && s.mode != Complain {
		if a, ok := parseAttr(name, args, d); ok {
			valid := func() bool { return seccomp.NotifIDValid(s.fd, n.ID) }
			if errno, done := s.attr.attr(pid, a, d, valid); done {
				// Beneath the write paths: done by the supervisor on the
				// file it resolved (or refused as the kernel would), not
				// a denial.
				d.Close()
				if s.every {
					s.events.emit(&Probe{PID: pid, Comm: readComm(pid), Syscall: name, Call: call, What: "a change of mode, times, ACL or user attribute beneath the write paths, made by the supervisor"})
				}
				seccomp.NotifRespond(s.fd, &seccomp.NotifResp{ID: n.ID, Error: -int32(errno)})
				return
			}
		}
	}
	if s.memfd && native && s.mode != Complain && s.memfdCreate(n.ID, pid, name, args, d) {
		d.Close()
		return
	}
	if s.pty && native && s.mode != Complain && s.ptyPeer(n.ID, pid, name, args) {
		d.Close()
		return
	}
	if s.mode == Quiet {
		// Quiet's supervisor only does the modes and times beneath the
		// write paths: anything else is denied as its filter would.
		d.Close()
		resp := seccomp.NotifResp{ID: n.ID, Error: -int32(unix.EPERM)}
		switch s.violation.Kind {
		case policy.ActErrno:
			resp.Error = -int32(s.violation.Data)
		case policy.ActKillProcess, policy.ActKillThread:
			if tgid := decode.Tgid(pid); tgid > 0 {
				unix.Kill(tgid, unix.SIGKILL)
			}
		}
		seccomp.NotifRespond(s.fd, &resp)
		return
	}
	nullFlags, devNull := devNullOpen(name, args, d)
	d.Close()
	if !seccomp.NotifIDValid(s.fd, n.ID) {
		return // the call was interrupted or the process died: nothing to answer
	}
	// The command name costs a file read: only for what is sent or kept
	// (a repeated denial is neither, unless every denial is sent), and
	// before the answer, while the process is sure to be there.
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
	if devNull && s.mode == Explain && s.answerDevNull(n.ID, nullFlags) {
		// /dev/null opened for writing (a shell's `> /dev/null` asks for
		// O_CREAT, which is fs.create's): harmless, answered with a
		// descriptor of /dev/null the supervisor opened, not reported.
		s.rep.Probes++
		if s.every {
			s.events.emit(&Probe{PID: pid, Comm: getComm(), Syscall: name, Call: call, DevNull: true})
		}
		return
	}
	if probeWhat != "" {
		// Answered as the library expects, in every mode; not a need.
		s.rep.Probes++
		if s.every {
			s.events.emit(&Probe{PID: pid, Comm: getComm(), Syscall: name, Call: call, What: probeWhat})
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
	switch s.mode {
	case Complain:
		deny = false
	case Learn:
		learnDenies = neverWritten(name, args, cands)
		deny = learnDenies != ""
	}

	ev := &Denial{Layer: Seccomp, PID: pid, Arch: arch, Nr: nr, Syscall: name, Args: args, Call: call}
	switch {
	case cands == nil:
		reason := catalog.NeverReason(name)
		if name == "ioctl" && reason == "" {
			reason = catalog.NeverIoctl(args[1])
		}
		if reason == "" {
			reason = "no entitlement allows " + name + " with these arguments"
		}
		ev.Reason = reason
		if !deny && learnDenies == "" && catalog.NeverReason(name) == "" && (name != "ioctl" || catalog.NeverIoctl(args[1]) == "") {
			rr := rawRule(name, args, getWhat(), reason)
			if k := rr.Rule.String(); !s.ruleSeen[k] {
				s.ruleSeen[k] = true
				s.rep.Rules = append(s.rep.Rules, rr)
			}
			ev.RawRule = true
		} else {
			s.ungrant[name+": "+reason] = true
		}
	case len(cands) == 0:
		ev.Entitlements = []string{}
	default:
		key := name + "|" + strings.Join(cands, ",")
		if learnDenies != "" {
			s.ungrant[name+": "+learnDenies] = true
		} else if !s.obsSeen[key] {
			s.obsSeen[key] = true
			s.obs = append(s.obs, observation{name: name, what: getWhat(), cands: cands})
		}
		pick := s.pick(cands)
		ev.Entitlements = append([]string{pick}, without(cands, pick)...)
		ev.NotLearned = learnDenies
	}
	resp := seccomp.NotifResp{ID: n.ID}
	var kill bool
	switch {
	case !deny:
		ev.Action = policy.Allow
		resp.Flags = seccomp.NotifFlagContinue
	case s.violation.Kind == policy.ActErrno:
		resp.Error = -int32(s.violation.Data)
	case s.violation.Kind == policy.ActKillProcess, s.violation.Kind == policy.ActKillThread:
		ev.Action = policy.KillProcess
		kill = true
		resp.Error = -int32(unix.EPERM)
	default: // trap: the supervisor cannot raise SIGSYS for the kernel; deny
		resp.Error = -int32(unix.EPERM)
	}
	if deny && !kill {
		ev.Action = policy.Errno(uint16(-resp.Error))
	}
	// Denials with the same explanation are sent once (unless every one
	// is): the key holds everything the explanation is made of.
	key := fmt.Sprintf("%s|%q|%t|%s|%t|%s", name, ev.Entitlements, ev.Entitlements == nil, ev.Reason, ev.RawRule, ev.NotLearned)
	ev.Repeat = s.seen[key]
	s.seen[key] = true
	if !ev.Repeat || s.every {
		ev.Comm = getComm()
		s.events.emit(ev)
	}
	if kill {
		if tgid := decode.Tgid(pid); tgid > 0 {
			unix.Kill(tgid, unix.SIGKILL)
		}
	}
	seccomp.NotifRespond(s.fd, &resp) // ENOENT: it died meanwhile
}

// pick is the entitlement an explanation names: one already granted when
// it would do (its rules did not match these arguments), else the
// preferred one (candidates puts the socket's real use first).
func (s *supervisor) pick(cands []string) string {
	for _, c := range cands {
		if slices.Contains(s.granted, c) {
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

// readComm returns the process's command name, quoted by quoteName (the
// command sets it), or "?".
func readComm(pid int) string {
	b, err := decode.ProcRead("/proc/"+strconv.Itoa(pid)+"/comm", 64)
	if err != nil {
		return "?"
	}
	return quoteName(strings.TrimSuffix(string(b), "\n"))
}
