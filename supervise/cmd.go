//go:build linux

package supervise

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/entitle-dev/entitle/catalog"
	confinement "github.com/entitle-dev/entitle/confine"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/supervise/internal/launch"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Mode selects how violations are handled.
type Mode int

const (
	// Explain denies every call outside the policy with the violation
	// action and sends one Denial per call.
	Explain Mode = iota
	// Complain lets every call run and reports what would have been
	// denied.
	Complain
	// Quiet enforces silently: calls outside the policy get the
	// violation action in the kernel and no denial is reported; a
	// supervisor runs only for the calls entitle does on the command's
	// behalf (modes, times, ACLs and user attributes beneath the write
	// paths, a new pseudo-terminal's peer, memfds).
	Quiet
	// Learn lets calls outside the policy run, as Complain does, except
	// what a learned policy must never allow: the never-grantable set (and
	// ioctls such as TIOCSTI) and what only admin.* entitlements grant,
	// which stay denied and explained.
	Learn
)

// ErrorKind says what kind of failure an Error is.
type ErrorKind int

const (
	// Setup: the command could not be confined (no policy, a filter that
	// does not compile or cannot be installed, a layer Strict requires,
	// ...). The command never ran.
	Setup ErrorKind = iota
	// NotFound: the command does not exist.
	NotFound
	// CannotExec: the command exists but cannot be executed (permissions,
	// format, or executable memory the policy does not allow).
	CannotExec
	// Signaled: the init child was killed by Error.Signal before the
	// command started.
	Signaled
)

// Error is the failure to run the command at all: nothing of it ran.
type Error struct {
	Kind   ErrorKind
	Signal syscall.Signal // Kind Signaled: the signal
	Err    error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

func setupError(err error) *Error { return &Error{Kind: Setup, Err: err} }

// NotDenyingError refuses a supervised run (every mode but Quiet) of a
// policy whose default action lets calls through (allow, log, ...): there
// is nothing to explain.
type NotDenyingError struct{ Action policy.Action }

func (e *NotDenyingError) Error() string {
	return fmt.Sprintf("the policy's default action is %v: nothing to explain", e.Action)
}

// LayersError refuses a Strict run on a kernel that cannot enforce every
// layer.
type LayersError struct{ Missing []string }

func (e *LayersError) Error() string {
	return "this kernel cannot enforce: " + strings.Join(e.Missing, "; ") + "; not running the command"
}

// PreserveError says why Cmd.PreserveFDs cannot be honoured.
type PreserveError struct {
	N   int   // Cmd.PreserveFDs
	FD  int   // the descriptor at fault; -1 when N is out of range
	Err error // duplicating FD failed; nil when FD was not passed to this process
}

func (e *PreserveError) Error() string {
	switch {
	case e.FD < 0:
		return fmt.Sprintf("preserve %d descriptors: must be 0..1000", e.N)
	case e.Err != nil:
		return fmt.Sprintf("preserve %d descriptors: duplicate descriptor %d: %v", e.N, e.FD, e.Err)
	}
	return fmt.Sprintf("preserve %d descriptors: descriptor %d was not passed to this process (it is closed or close-on-exec)", e.N, e.FD)
}

func (e *PreserveError) Unwrap() error { return e.Err }

// Cmd is a command to run confined by a seccomp filter (and the layers
// beyond it), supervised: fill in the fields, then Start and Wait, or
// Run. A Cmd cannot be reused.
type Cmd struct {
	// Path is the command to run, looked up in PATH unless it contains a
	// slash ("": Args[0]).
	Path string
	// Args are the command's arguments, Args[0] its name.
	Args []string
	// Env is the command's environment (nil: this process's).
	Env []string
	// Dir is the command's working directory ("" : this process's).
	Dir string
	// Stdin, Stdout and Stderr are the command's standard streams (nil:
	// this process's). Other readers and writers than *os.File are copied
	// through pipes, as os/exec does.
	Stdin          io.Reader
	Stdout, Stderr io.Writer

	// Policy is the policy to enforce, typically from Build; calls it does
	// not allow get its DefaultAction. In Explain, Complain and Learn
	// modes the default action becomes user notification.
	Policy *policy.Policy
	Mode   Mode
	// Entitlements are the names the policy grants: an explanation names
	// one of them when it would allow the call (its rules did not match
	// these arguments), and they decide the layers when Layers is nil.
	Entitlements []string
	// Layers are what the command may do on the layers beyond seccomp
	// (Landlock: paths, ports, other processes; capabilities). nil: those
	// of Entitlements (and of Request's implied entitlements). Complain
	// mode applies none; Learn mode applies catalog.LearnLayers (what no
	// admin.* entitlement grants stays out of reach).
	Layers *catalog.Layers
	// Strict refuses to run the command (a *LayersError) when the kernel
	// cannot enforce a layer; otherwise what the kernel has is enforced
	// and a Notice names what is missing.
	Strict bool
	// Request scopes the layers to paths and ports and lists what may not
	// be lifted; nil: the entitlements' rights everywhere, with the
	// default protections (confine.DefaultProtected). Its implied
	// entitlements must be in Entitlements and the Policy.
	Request *confinement.Request
	// PreserveFDs passes descriptors 3 .. 3+PreserveFDs-1 of this process
	// to the command. Every other descriptor beyond the standard streams
	// is closed at execve, so that nothing the command could not open
	// itself reaches it by inheritance.
	PreserveFDs int
	// Signals, if set, is a subscription made early with Forward: the Cmd
	// forwards what arrives on it (Start waits, before the command starts,
	// for the subscription to be complete) and neither subscribes nor
	// stops it. nil: Start subscribes its own for the Cmd's duration.
	Signals *Signals
	// Subreaper makes this process a child subreaper
	// (PR_SET_CHILD_SUBREAPER) and Wait waits for every descendant, not
	// only the command: a daemon that forks away stays supervised, its
	// denials explained, and signals are forwarded to it once the command
	// has exited. The command runs in its own process group, with the
	// terminal and job control handed over as the package documentation
	// describes. Wait then reaps every child of this process (wait4(-1)):
	// do not set it in a program that starts other children meanwhile.
	Subreaper bool

	// Events, if set, receives the run's events (*Denial, *Probe, *Notice,
	// and a *Summary last), from the supervisor's goroutines, one at a
	// time; it must not block for long.
	Events func(Event)
	// Every sends every seccomp denial, every Landlock denial and every
	// harmless probe to Events. Otherwise a denial that repeats an earlier
	// one (same call, same explanation: see Denial.Repeat) is counted but
	// not sent, which spares reading the caller's command name, and probes
	// are not sent.
	Every bool

	// Report is what happened, set by Wait.
	Report *Report

	started  bool
	pid      int
	proc     *launch.Child
	streams  *launch.Streams
	sup      *supervisor
	ll       *landlockExplainer
	jc       *jobControl
	cmdDone  atomic.Bool
	events   *eventSink
	rep      *Report
	cleanups []func() // run last first, as deferred calls, by Wait (or a failed Start)
}

// Command returns the Cmd to run name with args under p, in Explain mode.
func Command(p *policy.Policy, name string, args ...string) *Cmd {
	return &Cmd{Path: name, Args: append([]string{name}, args...), Policy: p}
}

// Report is what happened during a run.
type Report struct {
	ExitCode int            // the command's status, 128+signal for a signal death
	Signal   syscall.Signal // the signal that killed the command; 0 when it exited
	Denied   int            // notified calls (denied, or let through in Complain/Learn mode), probes aside
	// Needed are the names of Learned: the smallest set of entitlements
	// that allows every notified call, sorted. Learned gives each with the
	// first call it was needed for.
	Needed  []string
	Learned []Learned
	// Allow is what to grant the next run: Cmd.Entitlements, then the
	// names of Needed they lack.
	Allow []string
	// Rules are raw rules for calls no entitlement grants that Complain
	// or Learn mode let run (ioctl requests of a device, ...): with them a
	// learned policy runs. Ungrantable are the calls no entitlement allows
	// and no rule was written for ("syscall: reason").
	Rules       []RawRule
	Ungrantable []string
	// LandlockDenied counts the accesses Landlock refused (Explain mode,
	// when the audit log can be read).
	LandlockDenied int
	// Probes counts the harmless probes (glibc's nscd lookup) denied as the
	// library expects and not counted as denials.
	Probes int
}

// Build is catalog.Build for a command run under a Cmd: its signal-to-self
// rules name a placeholder replaced with the init child's pid when its
// filter is compiled, and base allows the set*id calls that keep the
// caller's user and group. The request's Scope must be that of
// Cmd.Request: with TCP port rules in force, UDP sockets are closed to
// net.client and net.server, since this kernel's Landlock may not filter
// UDP ports.
func Build(req catalog.Request) (*policy.Policy, error) {
	req.SelfPID = launch.SelfPID
	req.Identity = &catalog.Identity{UID: uint32(os.Getuid()), GID: uint32(os.Getgid())}
	return catalog.Build(req)
}

// forwarded are the signals passed on to the command.
var forwarded = []os.Signal{unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2, unix.SIGWINCH}

// Signals is a subscription to the signals a Cmd forwards (Forward).
type Signals struct {
	c     chan os.Signal
	ready chan struct{} // closed once subscribed
}

// Forward starts subscribing, in the background, to the signals a Cmd
// forwards to the command, and to SIGCONT (job control, Cmd.Subreaper),
// except those ignored when this process started, which stay ignored. A
// program calls it early and passes the result as Cmd.Signals, so that the
// subscription (a round trip to the runtime's signal thread per signal,
// 0.2 ms or more) overlaps its own start; the entitle command does. One
// subscription serves one Cmd at a time and is never stopped. Until Start,
// the signals wait: the command receives them once it runs.
func Forward() *Signals {
	s := &Signals{c: make(chan os.Signal, 8), ready: make(chan struct{})}
	go func() {
		defer close(s.ready)
		notifyUnlessIgnored(s.c, append(forwarded[:len(forwarded):len(forwarded)], unix.SIGCONT)...)
	}()
	return s
}

// LookPath finds the command as execve will run it: an *Error of kind
// NotFound when it does not exist, CannotExec when it cannot be executed.
func LookPath(name string) (string, error) {
	path, err := exec.LookPath(name)
	if errors.Is(err, exec.ErrDot) {
		err = nil
	}
	if err == nil {
		return path, nil
	}
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		return "", &Error{Kind: NotFound, Err: fmt.Errorf("%s: command not found", name)}
	}
	for {
		u := errors.Unwrap(err)
		if u == nil {
			break
		}
		err = u
	}
	return "", &Error{Kind: CannotExec, Err: fmt.Errorf("%s: cannot execute: %v", name, err)}
}

// Run starts the command and waits for it.
func (c *Cmd) Run() error {
	if err := c.Start(); err != nil {
		return err
	}
	return c.Wait()
}

// Pid is the command's process id, once Start has succeeded.
func (c *Cmd) Pid() int { return c.pid }

// Start starts the command under the policy and returns once it runs
// under its filter (execve succeeded). A non-nil error is an *Error: the
// command never ran.
func (c *Cmd) Start() (err error) {
	if c.started {
		return setupError(errors.New("supervise: already started"))
	}
	c.started = true
	defer func() {
		if err != nil {
			c.cleanup()
		}
	}()
	name := c.Path
	if name == "" && len(c.Args) > 0 {
		name = c.Args[0]
	}
	if name == "" {
		return setupError(errors.New("no command given"))
	}
	if c.Policy == nil {
		return setupError(errors.New("no policy"))
	}
	args := c.Args
	if len(args) == 0 {
		args = []string{name}
	}
	path, err := LookPath(name)
	if err != nil {
		return err
	}
	// The files execve reads (the command, a script's interpreter, the
	// dynamic loader), read once: their headers say whether the command
	// would get executable memory, their paths are what Landlock lets
	// execve read.
	execFiles := confinement.ExecFiles(path)
	memErr := checkExecMemory(execFiles, c.Policy)
	env := c.Env
	if env == nil {
		env = os.Environ()
	}
	p := *c.Policy
	violation := p.DefaultAction
	notify := c.Mode != Quiet
	if notify {
		if !isDeny(violation) {
			return setupError(&NotDenyingError{violation})
		}
		p.DefaultAction = policy.Notify
	}
	layers, err := c.layers()
	if err != nil {
		return setupError(err)
	}
	attrWrite := c.attrWrite(layers)
	var ptyRule []policy.Rule
	if layers != nil && !layers.Mount && !layers.Terminals && c.Mode != Complain {
		ptyRule = ptyPeerRule(c.Policy)
	}
	var memfd []policy.Rule
	if layers != nil && !layers.Mount && c.Mode != Complain {
		memfd = memfdRule(c.Policy)
	}
	if (attrWrite || ptyRule != nil || memfd != nil) && !notify && isDeny(violation) {
		// Quiet: a supervisor only for the modes and times beneath the
		// write paths (attr.go), new pseudo-terminals (pty.go) and memfds
		// (memfd.go); every other call is decided in the kernel as before.
		notify = true
		if attrWrite {
			p.Rules = append(slices.Clone(p.Rules), attrNotifyRules(c.Policy)...)
		}
	}
	if notify && ptyRule != nil {
		p.Rules = append(slices.Clone(p.Rules), ptyRule...)
	}
	if notify && memfd != nil {
		p.Rules = append(slices.Clone(p.Rules), memfd...)
	}
	extra, err := preserved(c.PreserveFDs)
	if err != nil {
		return setupError(err)
	}
	im := &launch.Options{Notify: notify, MDWE: c.Mode != Complain && !allowsJIT(c.Policy)}
	var lc *confinement.Config // the Landlock layer (the child adds its own /proc entries)
	var missing []string
	if layers != nil {
		req := c.Request
		if req == nil {
			req = &confinement.Request{}
		}
		cc := confinement.Config{Layers: *layers, Exec: confinement.ExecPaths(execFiles), Scoped: req.Scoped()}
		if c.Mode == Learn {
			// Learn mode learns paths too: no scoping, no protected
			// paths, only what LearnLayers keeps out.
			cc.Scoped = false
		} else if cc.Paths, cc.Protected, err = req.Apply(&cc.Layers); err != nil {
			return setupError(err)
		}
		if st := cc.Check(); len(st.Missing) > 0 {
			if c.Strict {
				return setupError(&LayersError{st.Missing})
			}
			missing = st.Missing
		}
		im.DropCaps, im.Caps = !cc.Layers.AllCaps, cc.Layers.Caps
		lc = &cc
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
		cc := *lc
		cc.ProcSelf = 0
		go func() {
			fd, flags, err := cc.NewRulesetFD()
			rsDone <- ruleset{fd, flags, err}
		}()
		c.defer_(func() {
			if rsDone != nil { // an early return
				if rs := <-rsDone; rs.fd >= 0 {
					unix.Close(rs.fd)
				}
			}
		})
	}
	// Most of the filter does not depend on the child's pid: compiled
	// while the rest is prepared (launch/prepare.go).
	type body struct {
		insns []bpf.RawInstruction
		self  []policy.Rule
		err   error
	}
	bodyDone := make(chan *body, 1)
	selfDone := make(chan *body, 1) // the signal-to-self rules, for the head
	go func() {
		b, self, ok := launch.SplitPolicy(&p)
		if !ok {
			selfDone <- nil
			bodyDone <- nil // compiled whole after the fork
			return
		}
		selfDone <- &body{self: self}
		insns, err := launch.CompileBody(b)
		bodyDone <- &body{insns, self, err}
	}()
	// The signals to forward: the caller's (Cmd.Signals), or registered
	// here while the rest is prepared. Each registration is a round trip
	// to the runtime's signal thread, 0.2 ms for these seven on an idle
	// machine and up to a millisecond while the ruleset and the filter are
	// being built beside it.
	var sigs, own chan os.Signal
	var sigReady chan struct{}
	if c.Signals == nil {
		sigReady = make(chan struct{})
		own = make(chan os.Signal, 8)
		sigs = own
		go func() {
			defer close(sigReady)
			notifyUnlessIgnored(own, forwarded...)
		}()
		c.defer_(func() {
			<-sigReady
			// Stopping costs as much as registering: it finishes after
			// Wait returns. Until then a signal is dropped (the command is
			// gone), where it would otherwise take its default action a
			// fraction of a millisecond later.
			go signal.Stop(own)
		})
	} else {
		sigs, sigReady = c.Signals.c, c.Signals.ready
	}
	if memErr != nil && c.Mode != Complain {
		for _, f := range extra {
			f.Close()
		}
		return &Error{Kind: CannotExec, Err: memErr}
	}
	// The supervisor must be out of the command's reach: not dumpable, its
	// /proc/PID files belong to root and ptrace-class access to it needs
	// CAP_SYS_PTRACE, which the command does not keep (and the command's
	// Landlock domain refuses such access to any process outside it).
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return setupError(fmt.Errorf("make the supervisor non-dumpable: %w", err))
	}

	// The Landlock explainer follows the audit log from before the
	// command starts, so that no record is missed; it starts while the
	// child is prepared.
	c.events = newEventSink(c.Events)
	var llDone chan *landlockExplainer
	if c.Mode == Explain && lc != nil {
		llDone = make(chan *landlockExplainer, 1)
		go func() {
			llDone <- startLandlockExplainer(lc.Scoped, lc.Protected, c.Every, c.events)
		}()
		c.defer_(func() {
			if llDone != nil { // not yet received: an early return
				(<-llDone).stop(false)
			}
		})
	}
	sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return setupError(fmt.Errorf("socketpair: %w", err))
	}
	sock := sp[0]
	c.defer_(func() { unix.Close(sock) })
	if c.Subreaper {
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			unix.Close(sp[1])
			return setupError(fmt.Errorf("become a child subreaper: %w", err))
		}
		c.jc = openJobControl()
		jc := c.jc
		c.defer_(func() { jc.close() })
	}
	streams, err := launch.OpenStreams(c.Stdin, c.Stdout, c.Stderr)
	if err != nil {
		unix.Close(sp[1])
		return setupError(err)
	}
	spec, err := launch.NewSpec(im, streams.FDs(), extra, sp[1], path, args, env)
	closeChildEnds := func() {
		unix.Close(sp[1])
		streams.CloseChildEnds()
		for _, f := range extra {
			f.Close()
		}
		spec.Release()
	}
	if err != nil {
		closeChildEnds()
		streams.Abort()
		return setupError(err)
	}
	if c.Dir != "" {
		if err = spec.SetDir(c.Dir); err != nil {
			closeChildEnds()
			streams.Abort()
			return setupError(fmt.Errorf("working directory %q: %w", c.Dir, err))
		}
	}
	// The head of the filter (the signal-to-self rules and the pinned
	// execve and sendmsg, which name the layout), compiled beside the body.
	type headResult struct {
		hd  *launch.Head
		err error
	}
	headDone := make(chan headResult, 1)
	sockFD, lay := spec.SockFD(), spec.Layout()
	go func() {
		sd := <-selfDone
		if sd == nil {
			headDone <- headResult{}
			return
		}
		hd, err := launch.NewHead(&p, sd.self, sockFD, lay)
		headDone <- headResult{hd, err}
	}()
	if c.Subreaper {
		// The command's own process group: a signal reaches it once.
		ctty := -1
		if c.jc != nil && c.jc.foreground() {
			ctty = c.jc.tty
		}
		spec.SetProcessGroup(ctty)
	}
	// Everything is ready before the fork: the child completes the filter
	// with its pid itself. (Work after an ordinary fork, while the child
	// shared this process's pages copy-on-write, ran two to four times
	// slower; under vfork this process waits for the child's execve.)
	<-sigReady
	bd := <-bodyDone
	hr := <-headDone
	hd := hr.hd
	if bd != nil && bd.err == nil {
		bd.err = hr.err
	}
	rs := ruleset{fd: -1}
	if rsDone != nil {
		rs, rsDone = <-rsDone, nil
	}
	if rs.fd >= 0 {
		fd := rs.fd
		c.defer_(func() { unix.Close(fd) })
	}
	if llDone != nil {
		c.ll, llDone = <-llDone, nil
		ll := c.ll
		c.defer_(func() { ll.stop(false) })
	}
	if bd != nil && bd.err != nil || rs.err != nil {
		closeChildEnds()
		streams.Abort()
		if rs.err != nil {
			return setupError(fmt.Errorf("cannot build the Landlock ruleset, not running the command: %w", rs.err))
		}
		return setupError(bd.err)
	}
	// With the filter's head and body compiled, the child completes the
	// filter itself: the message is ready before the fork, and the child
	// writes its pid into it and adds its /proc rules to the ruleset; it
	// then need not wait for this process, which can share its address
	// space with it until execve (vfork: no page tables copied, no page
	// copied on write, nothing for execve to tear down).
	if hd != nil {
		if err := spec.SelfContain(hd, bd.insns, rs.fd, rs.flags, lc); err != nil {
			closeChildEnds()
			streams.Abort()
			return setupError(err)
		}
	}
	pid, pidfd, err := launch.Fork(spec)
	closeChildEnds()
	if err != nil {
		streams.Abort()
		return setupError(fmt.Errorf("fork the init child: %w", err))
	}
	streams.Start()
	c.streams = streams
	proc := launch.NewChild(pid, pidfd)
	c.proc = proc
	c.defer_(proc.Close)
	if c.jc != nil {
		c.jc.cmd = pid
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
	jc := c.jc
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
				case !c.cmdDone.Load():
					proc.Signal(s.(syscall.Signal))
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
	c.defer_(func() { close(fwdDone); fwd.Wait() })

	// abort kills the child, which has not run the command, and waits for
	// it and the stream copies.
	abort := func() {
		proc.Signal(unix.SIGKILL)
		proc.Wait()
		streams.Wait()
	}
	if c.ll != nil {
		c.ll.setPID(pid)
	}
	var fds []int
	if spec.SelfContained() {
		// The child's first answer: the filter is installed (with the
		// listener), or a step failed, or the child is gone.
		fds, err = launch.Answer(sock)
	} else {
		// A policy that could not be split: now that the child's pid is
		// known, its filter is compiled whole for it, the rules for its
		// own /proc entries are added to the ruleset, and both are sent
		// to the child, which waits for them.
		var prog []byte
		prog, err = launch.ChildFilter(&p, pid, spec.SockFD(), spec.Layout())
		if err == nil && len(prog)/8 > launch.MaxInsns {
			err = fmt.Errorf("the filter has %d instructions, more than the kernel's %d", len(prog)/8, launch.MaxInsns)
		}
		if rs.fd >= 0 && err == nil {
			if err = lc.AddProcSelf(rs.fd, pid); err != nil {
				err = fmt.Errorf("cannot build the Landlock ruleset, not running the command: %w", err)
			}
		}
		if err != nil {
			abort()
			return setupError(err)
		}
		fds, err = launch.Install(sock, prog, rs.fd, rs.flags)
	}
	if err != nil {
		for _, fd := range fds {
			unix.Close(fd)
		}
		abort()
		if errors.Is(err, launch.ErrExited) {
			st := proc.Status()
			if st.Signaled() {
				return &Error{Kind: Signaled, Signal: st.Signal(), Err: fmt.Errorf("%v before the command started", st.Signal())}
			}
			return setupError(fmt.Errorf("%w (status %d)", err, st.ExitStatus()))
		}
		return setupError(err)
	}
	if len(missing) > 0 {
		c.events.emit(&Notice{Kind: LayersMissing, Message: "this kernel cannot enforce: " + strings.Join(missing, "; ")})
	}
	c.rep = &Report{}
	if notify {
		if len(fds) != 1 {
			abort()
			return setupError(errors.New("init child sent no seccomp listener"))
		}
		c.sup, err = newSupervisor(fds[0], pid, c, violation, c.rep)
		if err != nil {
			abort()
			return setupError(err)
		}
		c.sup.pty = ptyRule != nil
		c.sup.memfd = memfd != nil
		if attrWrite && c.sup != nil {
			var protected []string
			for _, pr := range lc.Protected {
				protected = append(protected, pr.Path)
			}
			// The same files through other mounts (a bind mount of a
			// protected tree or of a directory above it), which the
			// ruleset limits too: beneath a write path that is such an
			// alias, the supervisor would otherwise change the modes and
			// ACLs of ~/.ssh and ~/.bashrc.
			aliases, err := confinement.ProtectedAliases(lc.Protected)
			if err != nil {
				abort()
				return setupError(fmt.Errorf("reading the mount table for the protected paths' other mounts: %w", err))
			}
			for _, a := range aliases {
				protected = append(protected, a.Path)
			}
			c.sup.attr = newAttrScope(c.Request.Write, protected)
		}
		if memErr != nil {
			c.sup.noteExecMemory(memErr)
		}
		go c.sup.loop()
	}
	// Second answer: end of file when execve succeeded (the socket is
	// close-on-exec), or why it failed.
	if err := launch.WaitExec(sock); err != nil {
		proc.Wait()
		streams.Wait()
		if c.sup != nil {
			c.sup.stop()
		}
		kind := CannotExec
		var ee *launch.ExecError
		if errors.As(err, &ee) && ee.Code == launch.ExitNotFound {
			kind = NotFound
		}
		return &Error{Kind: kind, Err: fmt.Errorf("%s: %w", args[0], err)}
	}
	c.pid = pid
	return nil
}

// Wait waits for the command (with Subreaper, for every descendant) and
// the copies of its standard streams, and sets Report. Unlike os/exec, a
// command that exits with a non-zero status or is killed is not an error:
// Report.ExitCode says how it ended.
func (c *Cmd) Wait() error {
	if c.proc == nil || c.pid == 0 {
		return setupError(errors.New("supervise: not started"))
	}
	if c.Report != nil {
		return setupError(errors.New("supervise: Wait was already called"))
	}
	defer c.cleanup()
	var ws syscall.WaitStatus
	if c.Subreaper {
		ws = reapAll(c.pid, c.jc, &c.cmdDone)
	} else {
		ws = c.proc.Wait()
		c.cmdDone.Store(true)
	}
	c.streams.Wait() // the copies of the standard streams
	if c.sup != nil {
		c.sup.stop()
	}
	rep := c.rep
	switch {
	case ws.Signaled():
		rep.ExitCode = 128 + int(ws.Signal())
		rep.Signal = ws.Signal()
	default:
		rep.ExitCode = ws.ExitStatus()
	}
	if ll := c.ll; ll != nil {
		ll.stop(rep.ExitCode != 0)
		rep.LandlockDenied = ll.count
		if ll.notice != "" && rep.ExitCode != 0 {
			c.events.emit(&Notice{Kind: LandlockUnexplained, Layer: Landlock, Message: ll.notice})
		}
	}
	rep.Allow = union(c.Entitlements, rep.Needed)
	c.Report = rep
	c.events.emit(&Summary{Report: rep})
	return nil
}

// defer_ registers f to run when the Cmd is done: at the end of Wait, or
// of a Start that fails; the last registered runs first.
func (c *Cmd) defer_(f func()) { c.cleanups = append(c.cleanups, f) }

func (c *Cmd) cleanup() {
	for i := len(c.cleanups) - 1; i >= 0; i-- {
		c.cleanups[i]()
	}
	c.cleanups = nil
}

// layers returns the layers beyond seccomp for the run (see Cmd.Layers).
func (c *Cmd) layers() (*catalog.Layers, error) {
	switch {
	case c.Mode == Complain:
		return nil, nil
	case c.Mode == Learn:
		// What learn mode never grants stays out of reach on every
		// layer, not only in the filter: without it a learned run
		// wrote /proc/sys/kernel/hostname where sethostname was denied
		// (as root, core_pattern: code run by the kernel, outside any
		// sandbox) and reached other processes' memory.
		l := catalog.LearnLayers()
		return &l, nil
	case c.Layers != nil:
		l := *c.Layers
		return &l, nil
	}
	names := c.Entitlements
	if c.Request != nil {
		names = union(names, c.Request.Implied())
	}
	l, err := catalog.LayersOf(names)
	if err != nil {
		return nil, err
	}
	return &l, nil
}

// preserved returns descriptors 3 .. 3+n-1 of this process, which must be
// open, for the command to inherit.
func preserved(n int) ([]*os.File, error) {
	if n < 0 || n > 1000 {
		return nil, &PreserveError{N: n, FD: -1}
	}
	var out []*os.File
	closeAll := func() {
		for _, f := range out {
			f.Close()
		}
	}
	for fd := 3; fd < 3+n; fd++ {
		// A descriptor this process's parent passed is not close-on-exec;
		// the Go runtime's own are, and never reach the command.
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err != nil || flags&unix.FD_CLOEXEC != 0 {
			closeAll()
			return nil, &PreserveError{N: n, FD: fd}
		}
		// A duplicate: the caller's descriptor stays its own (an
		// *os.File closes its descriptor when collected).
		dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 3+n)
		if err != nil {
			closeAll()
			return nil, &PreserveError{N: n, FD: fd, Err: err}
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

// attrWrite reports whether the supervisor changes modes and times beneath
// the write paths (attr.go): the file rights are scoped to paths, some of
// them for writing, and Landlock's file rules are in force (admin.mount
// drops them).
func (c *Cmd) attrWrite(layers *catalog.Layers) bool {
	return layers != nil && !layers.Mount && c.Request != nil && c.Request.Scoped() && len(c.Request.Write) > 0 && c.Mode != Complain && c.Mode != Learn
}
