//go:build linux

package run

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/entitle-dev/entitle/catalog"
	confinement "github.com/entitle-dev/entitle/confine"
	"github.com/entitle-dev/entitle/policy"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Exit statuses for entitle's own failures, as shells and `docker run` use
// them.
const (
	ExitInternal   = 125 // entitle's own error (bad flag, filter not installed, ...)
	ExitCannotExec = 126 // the command was found but cannot be executed
	ExitNotFound   = 127 // the command was not found
)

// Mode selects how violations are handled.
type Mode int

const (
	// Explain denies every call outside the policy with the violation
	// action and prints one line per distinct (syscall, entitlement).
	Explain Mode = iota
	// Complain lets every call run and reports what would have been
	// denied.
	Complain
	// Quiet installs a plain filter (violation action in the kernel, no
	// supervisor, no reports).
	Quiet
	// Learn lets calls outside the policy run, as Complain does, except
	// what a learned policy must never allow: the never-grantable set (and
	// ioctls such as TIOCSTI) and what only admin.* entitlements grant,
	// which stay denied and explained.
	Learn
)

// Error is entitle's own failure to run the command; Code is the exit
// status to use (ExitInternal, ExitCannotExec or ExitNotFound).
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Config describes one confined run.
type Config struct {
	// Policy is the policy to enforce, typically from Build; calls it does
	// not allow get its DefaultAction. In Explain and Complain modes Run
	// replaces the default action with user notification.
	Policy *policy.Policy
	// Entitlements are the names granted, used to suggest the complete
	// --allow list; Profile says the policy came from an OCI profile
	// (explanations then do not suggest --allow).
	Entitlements []string
	Profile      bool
	Mode         Mode
	// Args is the command and its arguments; Args[0] is looked up in PATH.
	Args []string
	// Env is the command's environment (nil: this process's).
	Env []string
	// Dir is the command's working directory ("" : this process's).
	Dir string
	// Stdin, Stdout and Stderr are the command's standard streams (nil:
	// this process's). Log receives entitle's own lines (nil: os.Stderr).
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Log            io.Writer
	// ReportAll prints every denial instead of the first of each distinct
	// (syscall, entitlement).
	ReportAll bool
	// OnStart, if set, is called with the command's pid once it is running
	// under the filter (tests use it).
	OnStart func(pid int)
	// Layers are what the command may do on the layers beyond seccomp
	// (Landlock: paths, ports, other processes; capabilities). nil: those
	// of Entitlements, or catalog.AllLayers for a Profile (an OCI profile
	// defines only the seccomp layer; a Landlock domain still keeps other
	// processes out of reach). Complain mode applies none.
	Layers *catalog.Layers
	// Strict refuses to run the command (ExitInternal) when the kernel
	// cannot enforce a layer; otherwise Run enforces what the kernel has
	// and prints one notice naming what is missing.
	Strict bool
	// Request scopes the layers to paths and ports (entitle run --read,
	// --write, --exec, --bind, --connect; a policy file's paths and ports)
	// and lists what may not be lifted; nil: the entitlements' rights
	// everywhere, with the default protections (confine.DefaultProtected).
	// Its implied entitlements must be in Entitlements and the Policy.
	Request *confinement.Request
	// Events, if set, receives one JSON object per denial (both layers),
	// per notice and a summary (Event; EventsVersion).
	Events io.Writer
	// OnEvent, if set, receives the same events as typed values, from the
	// supervisor's goroutines (it must not block for long).
	OnEvent func(Event)
	// PreserveFDs passes descriptors 3 .. 3+PreserveFDs-1 of this process
	// to the command. Every other descriptor beyond the standard streams
	// is closed at execve, so that nothing the command could not open
	// itself reaches it by inheritance.
	PreserveFDs int
	// Signals, if set, is the channel the caller subscribed with Forward:
	// Run forwards what arrives on it and neither subscribes nor stops it.
	// nil: Run subscribes its own for its duration.
	Signals <-chan os.Signal
	// Subreaper makes this process a child subreaper
	// (PR_SET_CHILD_SUBREAPER) and Run waits for every descendant, not only
	// the command: a daemon that forks away stays supervised, its denials
	// explained, and signals are forwarded to it once the command has
	// exited. The command runs in its own process group, with the terminal
	// and job control handed over as the package documentation describes.
	// Run then reaps every child of this process (wait4(-1)): do not set it
	// in a program that starts other children meanwhile. The entitle
	// command sets it.
	Subreaper bool
}

// Report is what happened during a run.
type Report struct {
	ExitCode int // the command's status, 128+signal for a signal death
	Denied   int // notified calls (denied, or let through in Complain/Learn mode), probes aside
	// Needed are the names of Learned: the smallest set of entitlements
	// that allows every notified call, sorted. Learned gives each with the
	// first call it was needed for.
	Needed  []string
	Learned []Learned
	// Rules are raw rules for calls no entitlement grants that Complain
	// or Learn mode let run (ioctl requests of a device, ...): with them a
	// learned policy runs. Ungrantable are the calls no entitlement allows
	// and no rule was written for ("syscall: reason").
	Rules       []RawRule
	Ungrantable []string
	Lines       []string // the lines printed
	// LandlockDenied counts the accesses Landlock refused (Explain mode,
	// when the audit log can be read); LandlockFlags are the flags that
	// would allow them ("--read /etc/hostname", "--connect 443").
	LandlockDenied int
	LandlockFlags  []string
	// Probes counts the harmless probes (glibc's nscd lookup) denied as the
	// library expects and not reported unless Config.ReportAll.
	Probes int
}

// Build is catalog.Build for a command run under entitle run: its
// signal-to-self rules name a placeholder replaced with the init child's
// pid when its filter is compiled, and base allows the set*id calls that keep the caller's user and
// group. The request's Scope must be that of Config.Request: with TCP port
// rules in force, UDP sockets are closed to net.client and net.server,
// since this kernel's Landlock may not filter UDP ports.
func Build(req catalog.Request) (*policy.Policy, error) {
	req.SelfPID = selfPID
	req.Identity = &catalog.Identity{UID: uint32(os.Getuid()), GID: uint32(os.Getgid())}
	return catalog.Build(req)
}

// forwarded are the signals entitle passes on to the command.
var forwarded = []os.Signal{unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2, unix.SIGWINCH}

// Forward subscribes c to the signals Run forwards to the command, and to
// SIGCONT (job control, Config.Subreaper), except those ignored when this
// process started, which stay ignored. A program passes c as
// Config.Signals after calling Forward early, so that the registration (a
// round trip to the runtime's signal thread per signal, 0.2 ms or more)
// overlaps its own start; the entitle command does. c should be buffered,
// and serve one Run at a time. Until Run starts, the signals wait in c: the
// command receives them once it runs.
func Forward(c chan<- os.Signal) {
	notifyUnlessIgnored(c, append(forwarded[:len(forwarded):len(forwarded)], unix.SIGCONT)...)
}

// LookPath finds the command as execve will run it, with the shell's
// statuses: 127 when it does not exist, 126 when it cannot be executed.
func LookPath(name string) (string, error) {
	path, err := exec.LookPath(name)
	if errors.Is(err, exec.ErrDot) {
		err = nil
	}
	if err == nil {
		return path, nil
	}
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		return "", &Error{ExitNotFound, fmt.Errorf("%s: command not found", name)}
	}
	for {
		u := errors.Unwrap(err)
		if u == nil {
			break
		}
		err = u
	}
	return "", &Error{ExitCannotExec, fmt.Errorf("%s: cannot execute: %v", name, err)}
}

// Run runs the command under the policy and waits for it. A non-nil error
// is an *Error (entitle could not run the command); otherwise Report.
// ExitCode is the command's own status.
func Run(cfg Config) (*Report, error) {
	if len(cfg.Args) == 0 {
		return nil, &Error{ExitInternal, errors.New("no command given")}
	}
	if cfg.Policy == nil {
		return nil, &Error{ExitInternal, errors.New("no policy")}
	}
	path, err := LookPath(cfg.Args[0])
	if err != nil {
		return nil, err
	}
	// The files execve reads (the command, a script's interpreter, the
	// dynamic loader), read once: their headers say whether the command
	// would get executable memory, their paths are what Landlock lets
	// execve read.
	execFiles := confinement.ExecFiles(path)
	memErr := checkExecMemory(execFiles, cfg.Policy)
	logw := cfg.Log
	if logw == nil {
		logw = os.Stderr
	}
	env := cfg.Env
	if env == nil {
		env = os.Environ()
	}
	p := *cfg.Policy
	violation := p.DefaultAction
	notify := cfg.Mode != Quiet
	if notify {
		if !isDeny(violation) {
			return nil, &Error{ExitInternal, fmt.Errorf("the policy's default action is %v: nothing to explain (use --quiet)", violation)}
		}
		p.DefaultAction = policy.Notify
	}
	layers, err := cfg.layers(&p)
	if err != nil {
		return nil, &Error{ExitInternal, err}
	}
	extra, err := preserved(cfg.PreserveFDs)
	if err != nil {
		return nil, &Error{ExitInternal, err}
	}
	im := &initOpts{Notify: notify, MDWE: cfg.Mode != Complain && !allowsJIT(cfg.Policy)}
	var lc *confinement.Config // the Landlock layer, completed once the child's pid is known
	var notice string
	if layers != nil {
		req := cfg.Request
		if req == nil {
			req = &confinement.Request{}
		}
		c := confinement.Config{Layers: *layers, Exec: execChain(execFiles), Scoped: req.Scoped()}
		if c.Paths, c.Protected, err = req.Apply(&c.Layers); err != nil {
			return nil, &Error{ExitInternal, err}
		}
		if st := c.Check(); len(st.Missing) > 0 {
			if cfg.Strict {
				return nil, &Error{ExitInternal, fmt.Errorf("--strict: this kernel cannot enforce: %s; not running the command", strings.Join(st.Missing, "; "))}
			}
			notice = "this kernel cannot enforce: " + strings.Join(st.Missing, "; ")
		}
		im.DropCaps, im.Caps = !c.Layers.AllCaps, c.Layers.Caps
		lc = &c
	}
	// The Landlock ruleset, started first: it takes longest of what is
	// prepared at once (the rules for the child's own /proc entries are
	// added by the child, or after the fork).
	type ruleset struct {
		fd    int
		flags uint32
		err   error
	}
	var rsDone chan ruleset
	if lc != nil {
		rsDone = make(chan ruleset, 1)
		c := *lc
		c.ProcSelf = 0
		go func() {
			fd, flags, err := c.NewRulesetFD()
			rsDone <- ruleset{fd, flags, err}
		}()
		defer func() {
			if rsDone != nil { // an early return
				if rs := <-rsDone; rs.fd >= 0 {
					unix.Close(rs.fd)
				}
			}
		}()
	}
	// Most of the filter does not depend on the child's pid: compiled
	// while the rest is prepared (prepare.go).
	type body struct {
		insns []bpf.RawInstruction
		self  []policy.Rule
		err   error
	}
	bodyDone := make(chan *body, 1)
	go func() {
		b, self, ok := splitPolicy(&p)
		if !ok {
			bodyDone <- nil // compiled whole after the fork
			return
		}
		insns, err := compileBody(b)
		bodyDone <- &body{insns, self, err}
	}()
	// The signals to forward: the caller's (Config.Signals), or
	// registered here while the rest is prepared. Each registration is a
	// round trip to the runtime's signal thread, 0.2 ms for these seven
	// on an idle machine and up to a millisecond while the ruleset and
	// the filter are being built beside it.
	sigs := cfg.Signals
	var own chan os.Signal
	sigReady := make(chan struct{})
	if sigs == nil {
		own = make(chan os.Signal, 8)
		sigs = own
		go func() {
			defer close(sigReady)
			notifyUnlessIgnored(own, forwarded...)
		}()
		defer func() {
			<-sigReady
			// Stopping costs as much as registering: it finishes after
			// Run returns. Until then a signal is dropped (the command is
			// gone), where it would otherwise take its default action a
			// fraction of a millisecond later.
			go signal.Stop(own)
		}()
	} else {
		close(sigReady)
	}
	if memErr != nil && cfg.Mode != Complain {
		for _, f := range extra {
			f.Close()
		}
		return nil, &Error{ExitCannotExec, memErr}
	}
	// The supervisor must be out of the command's reach: not dumpable, its
	// /proc/PID files belong to root and ptrace-class access to it needs
	// CAP_SYS_PTRACE, which the command does not keep (and the command's
	// Landlock domain refuses such access to any process outside it).
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return nil, &Error{ExitInternal, fmt.Errorf("make the supervisor non-dumpable: %w", err)}
	}

	// The Landlock explainer follows the audit log from before the
	// command starts, so that no record is missed; it starts while the
	// child is prepared.
	events := newEventSink(cfg.Events, cfg.OnEvent)
	var ll *landlockExplainer
	var llDone chan *landlockExplainer
	if cfg.Mode == Explain && lc != nil {
		llDone = make(chan *landlockExplainer, 1)
		go func() { llDone <- startLandlockExplainer(logw, lc.Scoped, lc.Protected, cfg.ReportAll, events) }()
		defer func() {
			if llDone != nil { // not yet received: an early return
				(<-llDone).stop(false)
			}
		}()
	}
	sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, &Error{ExitInternal, fmt.Errorf("socketpair: %w", err)}
	}
	sock := sp[0]
	defer unix.Close(sock)
	var jc *jobControl
	if cfg.Subreaper {
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			unix.Close(sp[1])
			return nil, &Error{ExitInternal, fmt.Errorf("become a child subreaper: %w", err)}
		}
		jc = openJobControl()
		defer jc.close()
	}
	streams, err := openStreams(cfg.Stdin, cfg.Stdout, cfg.Stderr)
	if err != nil {
		unix.Close(sp[1])
		return nil, &Error{ExitInternal, err}
	}
	spec, err := newForkSpec(im, streams.fds, extra, sp[1], path, cfg.Args, env)
	closeChildEnds := func() {
		unix.Close(sp[1])
		streams.closeChildEnds()
		for _, f := range extra {
			f.Close()
		}
		spec.release()
	}
	if err != nil {
		closeChildEnds()
		streams.abort()
		return nil, &Error{ExitInternal, err}
	}
	if cfg.Dir != "" {
		if spec.dir, err = unix.BytePtrFromString(cfg.Dir); err != nil {
			closeChildEnds()
			streams.abort()
			return nil, &Error{ExitInternal, fmt.Errorf("working directory %q: %w", cfg.Dir, err)}
		}
	}
	if cfg.Subreaper {
		// The command's own process group: a signal reaches it once.
		spec.setpgid = true
		if jc != nil && jc.foreground() {
			spec.ctty = jc.tty
		}
	}
	// Everything that does not depend on the child's pid is ready before
	// the fork: after it, until the child's execve, every page this
	// process writes is copied first (the child shares them), which made
	// that work two to four times slower when it ran after the fork.
	<-sigReady
	bd := <-bodyDone
	var hd *head
	if bd != nil && bd.err == nil {
		hd, bd.err = newHead(&p, bd.self, spec.sockFD(), spec.lay)
	}
	rs := ruleset{fd: -1}
	if rsDone != nil {
		rs, rsDone = <-rsDone, nil
	}
	if rs.fd >= 0 {
		defer unix.Close(rs.fd)
	}
	if llDone != nil {
		ll, llDone = <-llDone, nil
		defer ll.stop(false)
	}
	if bd != nil && bd.err != nil || rs.err != nil {
		closeChildEnds()
		streams.abort()
		if rs.err != nil {
			return nil, &Error{ExitInternal, fmt.Errorf("cannot build the Landlock ruleset, not running the command: %w", rs.err)}
		}
		return nil, &Error{ExitInternal, bd.err}
	}
	// With the filter's head and body compiled, the child completes the
	// filter itself: the message is ready before the fork, and the child
	// writes its pid into it and adds its /proc rules to the ruleset; it
	// then need not wait for this process, which can share its address
	// space with it until execve (vfork: no page tables copied, no page
	// copied on write, nothing for execve to tear down).
	if hd != nil {
		if err := spec.selfContain(hd, bd.insns, rs.fd, rs.flags, lc); err != nil {
			closeChildEnds()
			streams.abort()
			return nil, &Error{ExitInternal, err}
		}
	}
	// As os/exec does: no descriptor is created without close-on-exec
	// while the fork copies the table (the child marks them all anyway),
	// and forks of this process are one at a time.
	syscall.ForkLock.Lock()
	pid, pidfd, err := forkInit(spec)
	syscall.ForkLock.Unlock()
	closeChildEnds()
	if err != nil {
		streams.abort()
		return nil, &Error{ExitInternal, fmt.Errorf("fork the init child: %w", err)}
	}
	streams.start()
	proc := &child{pid: pid, pidfd: pidfd}
	defer proc.close()
	var cmdDone atomic.Bool
	if jc != nil {
		jc.cmd = pid
		// Changing the terminal's foreground group from the background
		// raises SIGTTOU; ignored from here on (the command has started
		// with the default disposition).
		signal.Ignore(unix.SIGTTOU)
		if own != nil {
			signal.Notify(own, unix.SIGCONT)
		}
	}
	var fwd sync.WaitGroup
	fwdDone := make(chan struct{})
	fwd.Add(1)
	go func() {
		defer fwd.Done()
		for {
			select {
			case s := <-sigs:
				switch {
				case s == unix.SIGCONT:
					if jc != nil {
						jc.continued()
					}
				case !cmdDone.Load():
					proc.signal(s.(syscall.Signal))
				default:
					// The command is gone: the daemons it left get it.
					for _, pid := range children() {
						unix.Kill(pid, s.(syscall.Signal))
					}
				}
			case <-fwdDone:
				return
			}
		}
	}()
	defer func() { close(fwdDone); fwd.Wait() }()

	// abort kills the child, which has not run the command, and waits for
	// it and the stream copies.
	abort := func() {
		proc.signal(unix.SIGKILL)
		proc.wait()
		streams.wait()
	}
	var (
		kind byte
		text string
		fds  []int
	)
	if ll != nil {
		ll.setPID(pid)
	}
	if spec.selfContained {
		// The child's first answer: the filter is installed (with the
		// listener), or a step failed, or the child is gone.
		kind, text, fds, err = recvMsg(sock)
	} else {
		// Now that the child's pid is known: the filter compiled whole
		// for it, and the rules for its own /proc entries.
		var msg, oob []byte
		if msg, oob, err = filterMessage(&p, pid, spec, rs.fd, rs.flags, lc); err != nil {
			abort()
			return nil, &Error{ExitInternal, err}
		}
		if err = unix.Sendmsg(sock, msg, oob, nil, 0); err == nil || err == unix.EPIPE {
			// First answer: as above (a failed step's answer may come
			// after our message found the child gone).
			kind, text, fds, err = recvMsg(sock)
			if err == unix.ECONNRESET {
				// The child exited with our message unread, after
				// queuing its own: the reset is reported first (and
				// cleared), the child's answer comes next.
				kind, text, fds, err = recvMsg(sock)
			}
		} else {
			err = fmt.Errorf("send the filter to the init child (%d bytes): %w", len(msg), err)
		}
	}
	if err != nil || kind != msgOK {
		for _, fd := range fds {
			unix.Close(fd)
		}
		abort()
		switch {
		case err != nil:
			return nil, &Error{ExitInternal, fmt.Errorf("init child: %w", err)}
		case kind == msgErr && len(text) >= 2:
			return nil, &Error{ExitInternal, fmt.Errorf("%s: %w", stepText[text[0]], unix.Errno(text[1]))}
		case proc.status.Signaled():
			sig := proc.status.Signal()
			return nil, &Error{128 + int(sig), fmt.Errorf("%v before the command started", sig)}
		default:
			return nil, &Error{ExitInternal, fmt.Errorf("init child exited before installing the filter (status %d)", proc.status.ExitStatus())}
		}
	}
	if notice != "" {
		events.emit(Event{Event: "notice", Message: notice})
		if cfg.Log != io.Discard {
			fmt.Fprintf(logw, "entitle: notice: %s\n", notice)
		}
	}
	rep := &Report{}
	var sup *supervisor
	if notify {
		if len(fds) != 1 {
			abort()
			return nil, &Error{ExitInternal, errors.New("init child sent no seccomp listener")}
		}
		sup, err = newSupervisor(fds[0], pid, cfg, violation, logw, rep)
		if sup != nil {
			sup.events = events
		}
		if err != nil {
			abort()
			return nil, &Error{ExitInternal, err}
		}
		if memErr != nil {
			sup.noteExecMemory(memErr)
		}
		go sup.loop()
	}
	// Second answer: end of file when execve succeeded (the socket is
	// close-on-exec), or why it failed.
	kind, text, _, err = recvMsg(sock)
	if err == nil && kind == msgExecFail && len(text) >= 2 {
		proc.wait()
		streams.wait()
		if sup != nil {
			sup.stop()
		}
		return nil, &Error{int(text[0]), fmt.Errorf("%s: cannot execute: %w", cfg.Args[0], unix.Errno(text[1]))}
	}
	if cfg.OnStart != nil {
		cfg.OnStart(pid)
	}
	var ws syscall.WaitStatus
	if cfg.Subreaper {
		ws = reapAll(pid, jc, &cmdDone)
	} else {
		ws = proc.wait()
		cmdDone.Store(true)
	}
	streams.wait() // the copies of the standard streams
	if sup != nil {
		sup.stop()
	}
	switch {
	case ws.Signaled():
		rep.ExitCode = 128 + int(ws.Signal())
	default:
		rep.ExitCode = ws.ExitStatus()
	}
	if line := killLine(ws, &p); line != "" {
		rep.Lines = append(rep.Lines, line)
		fmt.Fprintln(logw, line)
	}
	if sup != nil {
		sup.summary()
	}
	if ll != nil {
		ll.stop(rep.ExitCode != 0)
		ll.summary(rep.ExitCode)
		rep.LandlockDenied, rep.LandlockFlags = ll.count, ll.flags
	}
	if events != nil {
		exit := rep.ExitCode
		sum := Event{Event: "summary", Exit: &exit, Denied: rep.Denied, LandlockDenied: rep.LandlockDenied, Ungrantable: rep.Ungrantable}
		if len(rep.Needed) > 0 && !cfg.Profile {
			sum.Allow = union(cfg.Entitlements, rep.Needed)
			sum.Flags = append(sum.Flags, "--allow "+strings.Join(sum.Allow, ","))
		}
		sum.Flags = append(sum.Flags, rep.LandlockFlags...)
		events.emit(sum)
	}
	return rep, nil
}

// layers returns the layers beyond seccomp for the run (see
// Config.Layers).
func (cfg *Config) layers(p *policy.Policy) (*catalog.Layers, error) {
	switch {
	case cfg.Mode == Complain, cfg.Mode == Learn:
		return nil, nil
	case cfg.Layers != nil:
		l := *cfg.Layers
		return &l, nil
	case cfg.Profile:
		l := catalog.AllLayers()
		l.Mount = allowsMount(p)
		return &l, nil
	}
	names := cfg.Entitlements
	if cfg.Request != nil {
		names = union(names, cfg.Request.Implied())
	}
	l, err := catalog.LayersOf(names)
	if err != nil {
		return nil, err
	}
	return &l, nil
}

// allowsMount reports whether p may allow a call that changes mounts.
func allowsMount(p *policy.Policy) bool {
	if p.DefaultAction.Kind == policy.ActAllow {
		return true
	}
	for _, r := range p.Rules {
		switch r.Syscall {
		case "mount", "umount", "umount2", "move_mount", "fsmount", "pivot_root", "mount_setattr", "open_tree":
			if r.Action.Kind == policy.ActAllow {
				return true
			}
		}
	}
	return false
}

// preserved returns descriptors 3 .. 3+n-1 of this process, which must be
// open, for the command to inherit.
func preserved(n int) ([]*os.File, error) {
	if n < 0 || n > 1000 {
		return nil, fmt.Errorf("--preserve-fds %d: must be 0..1000", n)
	}
	var out []*os.File
	closeAll := func() {
		for _, f := range out {
			f.Close()
		}
	}
	for fd := 3; fd < 3+n; fd++ {
		// A descriptor entitle's parent passed is not close-on-exec;
		// entitle's own (the Go runtime's) are, and never reach the
		// command.
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err != nil || flags&unix.FD_CLOEXEC != 0 {
			closeAll()
			return nil, fmt.Errorf("--preserve-fds %d: descriptor %d was not passed to entitle (open it in the shell, e.g. %d>FILE, or lower the count)", n, fd, fd)
		}
		// A duplicate: the caller's descriptor stays its own (an
		// *os.File closes its descriptor when collected).
		dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 3+n)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("--preserve-fds %d: duplicate descriptor %d: %w", n, fd, err)
		}
		out = append(out, os.NewFile(uintptr(dup), fmt.Sprintf("fd%d", fd)))
	}
	return out, nil
}

// reapAll waits for the command and then for every other descendant (all
// reparented here, the subreaper) until none is left, and returns the
// command's status. With job control, stops of the command are mirrored.
func reapAll(pid int, jc *jobControl, done *atomic.Bool) syscall.WaitStatus {
	var status syscall.WaitStatus
	opts := 0
	if jc != nil {
		opts = unix.WUNTRACED
	}
	for {
		var ws unix.WaitStatus
		wpid, err := unix.Wait4(-1, &ws, opts, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil { // ECHILD: the last descendant is gone
			return status
		}
		if wpid != pid {
			continue
		}
		if ws.Stopped() {
			jc.stopped(ws.StopSignal())
			continue
		}
		status = syscall.WaitStatus(ws)
		done.Store(true)
		if jc != nil {
			jc.exited()
		}
	}
}

func isDeny(a policy.Action) bool {
	switch a.Kind {
	case policy.ActErrno, policy.ActKillProcess, policy.ActKillThread, policy.ActTrap:
		return true
	}
	return false
}

// recvMsg reads one record from the init child: kind 0 means end of file.
func recvMsg(sock int) (kind byte, text string, fds []int, err error) {
	buf := make([]byte, 64<<10)
	oob := make([]byte, unix.CmsgSpace(4*4))
	for {
		n, oobn, _, _, err := unix.Recvmsg(sock, buf, oob, unix.MSG_CMSG_CLOEXEC)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, "", nil, err
		}
		if oobn > 0 {
			cms, err := unix.ParseSocketControlMessage(oob[:oobn])
			if err == nil {
				for i := range cms {
					if f, err := unix.ParseUnixRights(&cms[i]); err == nil {
						fds = append(fds, f...)
					}
				}
			}
		}
		if n == 0 {
			return 0, "", fds, nil
		}
		return buf[0], string(buf[1:n]), fds, nil
	}
}
