package run

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/policy"
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
	seen      map[string]bool // "syscall|entitlement" already reported
	needed    map[string]bool
	ungrant   map[string]bool
	events    *eventSink
}

func newSupervisor(fd, initPID int, cfg Config, violation policy.Action, log io.Writer, rep *Report) (*supervisor, error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("pipe: %w", err)
	}
	s := &supervisor{fd: fd, initPID: initPID, cfg: cfg, violation: violation, log: log, rep: rep,
		wakeR: p[0], wakeW: p[1], seen: map[string]bool{}, needed: map[string]bool{}, ungrant: map[string]bool{}}
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
	s.rep.Needed = sortedKeys(s.needed)
	s.rep.Ungrantable = sortedKeys(s.ungrant)
}

func archOf(auditArch, nr uint32) *syscalls.Arch {
	for _, a := range syscalls.All() {
		if a.AuditArch() != auditArch {
			continue
		}
		if a.SyscallBase() != 0 && nr&a.SyscallBase() == 0 || a.SyscallBase() == 0 && nr&0x40000000 != 0 && auditArch == syscalls.X86_64.AuditArch() {
			continue
		}
		return a
	}
	return nil
}

func (s *supervisor) handle(n *seccomp.Notif) {
	nr := uint32(n.Data.Nr)
	arch := archOf(n.Data.Arch, nr)
	name := fmt.Sprintf("syscall_%d", nr)
	if arch != nil {
		if sn, ok := arch.SyscallName(nr); ok {
			name = sn
		}
	}
	pid := int(n.Pid)
	d := &decoder{pid: pid, family: -1}
	call := d.call(arch, name, n.Data.Args)
	d.close()
	if !seccomp.NotifIDValid(s.fd, n.ID) {
		return // the call was interrupted or the process died: nothing to answer
	}
	comm := readComm(pid)
	var ents []string
	if arch != nil {
		ents = s.explain(arch, name, n.Data.Args, d.family)
	}
	s.rep.Denied++
	key := name + "|" + strings.Join(ents, ",")
	var why string
	switch {
	case ents == nil:
		reason := catalog.NeverReason(name)
		if reason == "" {
			reason = "no entitlement allows " + name + " with these arguments"
		}
		why = "not grantable (" + reason + ")"
		s.ungrant[name+": "+reason] = true
	case len(ents) == 0:
		why = "allowed by base, but not by this policy"
	default:
		for _, e := range ents {
			s.needed[e] = true
		}
		why = "needs " + strings.Join(ents, ",")
		if s.cfg.Profile {
			why += " (the profile does not allow it)"
		} else if s.cfg.Mode != Complain {
			why += " — add --allow " + strings.Join(ents, ",")
		}
	}
	resp := seccomp.NotifResp{ID: n.ID}
	verb := "denied"
	var kill bool
	switch {
	case s.cfg.Mode == Complain:
		verb = "would deny"
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
	reason, _, _ := strings.Cut(why, " — add ")
	ev := Event{Event: "denial", Layer: "seccomp", PID: pid, Comm: comm, Syscall: name, Call: call, Entitlements: ents, Reason: reason, Action: s.violation.String()}
	if len(ents) > 0 && !s.cfg.Profile {
		ev.Flag = "--allow " + strings.Join(ents, ",")
	}
	switch {
	case s.cfg.Mode == Complain:
		ev.Action = "allowed"
	case kill:
		ev.Action = "kill-process"
	case resp.Error != 0:
		ev.Action = policy.Errno(uint16(-resp.Error)).String()
	}
	s.events.emit(ev)
	if !s.seen[key] || s.cfg.ReportAll {
		s.seen[key] = true
		line := fmt.Sprintf("entitle: %s %s by pid %d (%s): %s", verb, call, pid, comm, why)
		s.rep.Lines = append(s.rep.Lines, line)
		fmt.Fprintln(s.log, line)
	}
	if kill {
		if tgid := readTgid(pid); tgid > 0 {
			unix.Kill(tgid, unix.SIGKILL)
		}
	}
	seccomp.NotifRespond(s.fd, &resp) // ENOENT: it died meanwhile
}

// explain names the entitlement that would allow the call: catalog.Explain's
// choice, unless an entitlement already granted or already needed in this
// run would allow it too (so that connect on a Unix socket, which several
// entitlements grant, is put on net.unix when socket(AF_UNIX) needed it),
// or the call's socket address is of a family with its own entitlement.
func (s *supervisor) explain(arch *syscalls.Arch, name string, args [6]uint64, family int) []string {
	ents := catalog.Explain(arch, name, args)
	if len(ents) != 1 {
		return ents
	}
	var cands []string
	for _, g := range catalog.Grantors(arch, name) {
		if g.Entitlement == "base" {
			continue
		}
		r := policy.Rule{Syscall: name, Action: policy.Allow, Conds: g.Conds}
		if r.Matches(args, arch.Bits()) {
			cands = append(cands, g.Entitlement)
		}
	}
	for _, c := range cands {
		if s.needed[c] || slices.Contains(s.cfg.Entitlements, c) {
			return []string{c}
		}
	}
	byFamily := map[int]string{unix.AF_UNIX: "net.unix", unix.AF_NETLINK: "net.netlink", unix.AF_PACKET: "net.raw"}
	if want, ok := byFamily[family]; ok && slices.Contains(cands, want) {
		return []string{want}
	}
	return ents
}

// summary prints the closing line (nothing when nothing was notified).
func (s *supervisor) summary() {
	if s.rep.Denied == 0 {
		return
	}
	calls := "calls"
	if s.rep.Denied == 1 {
		calls = "call"
	}
	verb := "denied"
	if s.cfg.Mode == Complain {
		verb = "would have been denied"
	}
	line := fmt.Sprintf("entitle: %d %s %s", s.rep.Denied, calls, verb)
	if len(s.rep.Needed) > 0 {
		if s.cfg.Profile {
			line += "; entitlements that would allow them: " + strings.Join(s.rep.Needed, ",")
		} else {
			line += "; to allow them: --allow " + strings.Join(union(s.cfg.Entitlements, s.rep.Needed), ",")
		}
	}
	if len(s.rep.Ungrantable) > 0 {
		line += "; not grantable: " + strings.Join(s.rep.Ungrantable, "; ")
	}
	s.rep.Lines = append(s.rep.Lines, line)
	fmt.Fprintln(s.log, line)
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
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if err != nil {
		return "?"
	}
	return quoteName(strings.TrimSuffix(string(b), "\n"))
}

func readTgid(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Tgid:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}
