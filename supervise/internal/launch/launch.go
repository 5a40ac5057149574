//go:build linux

// Package launch starts a command confined: it maps the blocks the filter
// pins at a random layout (layout.go), compiles the filter in two parts
// before the fork, the body and the head with a stand-in for the child's
// pid (prepare.go), starts the init child, which runs no Go code but
// system calls prepared before the fork (fork.go, wire.go; a vfork on
// amd64), writes its own pid into the head and adds its /proc rules to
// the Landlock ruleset, and speaks the handshake with it (init.go): the
// seccomp listener and the outcome of execve come back. For a policy that
// cannot be split, the filter is compiled for the pid after an ordinary
// fork and sent to the child with the ruleset (Install).
//
// The package documentation of supervise describes the mechanism; this
// package is its launcher and knows nothing of explanations.
package launch

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"unsafe"

	confinement "github.com/entitle-dev/entitle/confine"
	"github.com/entitle-dev/entitle/policy"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Exit statuses of the init child when the command never runs, as shells
// use them: the child exits with them after reporting why.
const (
	ExitInternal   = 125 // a step before execve failed
	ExitCannotExec = 126 // execve failed
	ExitNotFound   = 127 // execve failed with ENOENT
)

// PR_SET_MDWE and PR_MDWE_REFUSE_EXEC_GAIN (Linux 6.3).
const (
	prSetMDWE            = 65
	prMDWERefuseExecGain = 1
)

// SelfPID stands for the command's pid in the signal-to-self rules of a
// policy (see selfPID).
const SelfPID = selfPID

// MaxInsns is the kernel's BPF_MAXINSNS: the longest filter the init child
// accepts.
const MaxInsns = maxInsns

// Options are the init child's settings known before the fork.
type Options = initOpts

// Layout is where the blocks the filter pins are mapped.
type Layout = layout

// Spec is everything the init child needs, prepared before the fork.
type Spec = forkSpec

// NewSpec prepares the init child: the descriptors it passes on (standard
// streams, then extra, then the socket to the supervisor), the message
// buffer, the capabilities to drop, and the pinned blocks mapped at a
// random layout in this process (the child gets its own copy at the fork;
// Release unmaps ours).
func NewSpec(o *Options, stdio [3]int, extra []*os.File, sock int, path string, argv, env []string) (*Spec, error) {
	return newForkSpec(o, stdio, extra, sock, path, argv, env)
}

// SetDir makes the child change to dir before execve.
func (s *forkSpec) SetDir(dir string) error {
	p, err := unix.BytePtrFromString(dir)
	if err != nil {
		return err
	}
	s.dir = p
	return nil
}

// SetProcessGroup puts the child in its own process group and, when ctty
// is a terminal's descriptor (>= 0), makes that group the terminal's
// foreground group.
func (s *forkSpec) SetProcessGroup(ctty int) {
	s.setpgid = true
	s.ctty = ctty
}

// SockFD is the socket's descriptor in the child.
func (s *forkSpec) SockFD() int { return s.sockFD() }

// Layout is where the pinned blocks are mapped.
func (s *forkSpec) Layout() Layout { return s.lay }

// Release unmaps this process's copy of the pinned blocks (nil: nothing).
func (s *forkSpec) Release() { s.release() }

// Fork forks the init child, under syscall.ForkLock as os/exec does: no
// descriptor is created without close-on-exec while the fork copies the
// table (the child marks them all anyway), and forks of this process are
// one at a time. It returns the child's pid and a pidfd for it (-1 when
// the kernel has no CLONE_PIDFD).
func Fork(s *Spec) (pid, pidfd int, err error) {
	syscall.ForkLock.Lock()
	defer syscall.ForkLock.Unlock()
	return forkInit(s)
}

// Child is the init child, and then the command.
type Child = child

// NewChild returns the Child of Fork's pid and pidfd.
func NewChild(pid, pidfd int) *Child { return &child{pid: pid, pidfd: pidfd} }

// Signal sends sig to the command (through its pidfd when there is one:
// never to a process that reused the pid after it was reaped).
func (c *child) Signal(sig syscall.Signal) { c.signal(sig) }

// Wait reaps the child and returns its status.
func (c *child) Wait() syscall.WaitStatus { return c.wait() }

// Status is the status Wait returned.
func (c *child) Status() syscall.WaitStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status
}

// Close closes the pidfd.
func (c *child) Close() { c.close() }

// Streams are the command's standard streams.
type Streams = streams

// OpenStreams returns the command's standard streams: descriptors of
// *os.File values, or pipes copied from and to other readers and writers
// (nil: this process's own streams).
func OpenStreams(stdin io.Reader, stdout, stderr io.Writer) (*Streams, error) {
	return openStreams(stdin, stdout, stderr)
}

// FDs are the descriptors the child gets as 0, 1 and 2.
func (st *streams) FDs() [3]int { return st.fds }

// CloseChildEnds closes this process's copy of the child's ends.
func (st *streams) CloseChildEnds() { st.closeChildEnds() }

// Start runs the copies.
func (st *streams) Start() { st.start() }

// Wait waits for the copies.
func (st *streams) Wait() { st.wait() }

// Abort closes the parent's ends when no child was started.
func (st *streams) Abort() { st.abort() }

// SplitPolicy returns the body policy and the signal-to-self rules of p,
// or ok false when p cannot be split (see prepare.go).
func SplitPolicy(p *policy.Policy) (body *policy.Policy, self []policy.Rule, ok bool) {
	return splitPolicy(p)
}

// CompileBody compiles a body policy from SplitPolicy.
func CompileBody(body *policy.Policy) ([]bpf.RawInstruction, error) { return compileBody(body) }

// Head is the head of a split filter, compiled before the fork.
type Head = head

// NewHead compiles the head of p's filter for sock and lay, with a
// stand-in for the pid that Join replaces.
func NewHead(p *policy.Policy, self []policy.Rule, sock int, lay Layout) (*Head, error) {
	return newHead(p, self, sock, lay)
}

// Join returns the head with pid in place of the stand-in, followed by
// body, as raw sock_filter records.
func (h *head) Join(pid int, body []bpf.RawInstruction) []byte { return h.join(pid, body) }

// ChildFilter compiles p whole for the init child pid (when SplitPolicy
// refuses p) and returns the raw sock_filter records.
func ChildFilter(p *policy.Policy, pid, sock int, lay Layout) ([]byte, error) {
	return childFilter(p, pid, sock, lay)
}

// ErrExited is Install's error when the init child is gone without an
// answer; its status says why.
var ErrExited = errors.New("init child exited before installing the filter")

// A StepError is a step of the init child that failed before execve (the
// command never ran).
type StepError struct {
	Step  string // what the step does
	Errno unix.Errno
}

func (e *StepError) Error() string { return fmt.Sprintf("%s: %v", e.Step, e.Errno) }
func (e *StepError) Unwrap() error { return e.Errno }

// An ExecError is the init child's failed execve.
type ExecError struct {
	Code  int // ExitCannotExec, or ExitNotFound for ENOENT
	Errno unix.Errno
}

func (e *ExecError) Error() string { return "cannot execute: " + e.Errno.Error() }
func (e *ExecError) Unwrap() error { return e.Errno }

// Install sends the filter (raw sock_filter records) and, when rulesetFD
// is >= 0, the Landlock ruleset to the init child on sock, and returns its
// first answer: the descriptors it sent (the seccomp listener, when
// supervised) once the filter is installed. Otherwise the error is a
// *StepError, ErrExited, or a failure of the socket.
func Install(sock int, prog []byte, rulesetFD int, rulesetFlags uint32) (fds []int, err error) {
	hdr := initHeader{}
	var oob []byte
	if rulesetFD >= 0 {
		hdr.Ruleset, hdr.RulesetFlags = 1, rulesetFlags
		oob = unix.UnixRights(rulesetFD)
	}
	hdr.Insns = uint32(len(prog) / 8)
	msg := append(unsafe.Slice((*byte)(unsafe.Pointer(&hdr)), initHeaderSize), prog...)
	var (
		kind byte
		text string
	)
	if err = unix.Sendmsg(sock, msg, oob, nil, 0); err == nil || err == unix.EPIPE {
		// First answer: the filter is installed (with the listener), or
		// a step failed (then the message may have found the child gone:
		// its answer says why), or the child is gone.
		kind, text, fds, err = recvMsg(sock)
		if err == unix.ECONNRESET {
			// The child exited with our message unread, after queuing
			// its own: the reset is reported first (and cleared), the
			// child's answer comes next.
			kind, text, fds, err = recvMsg(sock)
		}
	} else {
		err = fmt.Errorf("send the filter to the init child (%d bytes): %w", len(msg), err)
	}
	return fds, firstAnswer(kind, text, err)
}

// Answer returns the first answer of an init child that completes its own
// filter (SelfContain), as Install does after sending.
func Answer(sock int) (fds []int, err error) {
	kind, text, fds, err := recvMsg(sock)
	return fds, firstAnswer(kind, text, err)
}

// firstAnswer is the error of the init child's first answer.
func firstAnswer(kind byte, text string, err error) error {
	switch {
	case err != nil:
		return fmt.Errorf("init child: %w", err)
	case kind == msgOK:
		return nil
	case kind == msgErr && len(text) >= 2:
		return &StepError{stepText[text[0]], unix.Errno(text[1])}
	}
	return ErrExited
}

// SelfContain prepares s for a child that completes its filter and its
// Landlock ruleset itself: h joined to body, with the child's pid written
// in by the child, and the ruleset rulesetFD (-1: none) with the rules
// for the child's own /proc entries of lc. Fork then needs no Install:
// the child does not wait for this process (a vfork where the
// architecture allows).
func (s *forkSpec) SelfContain(h *Head, body []bpf.RawInstruction, rulesetFD int, rulesetFlags uint32, lc *confinement.Config) error {
	return s.selfContain(h, body, rulesetFD, rulesetFlags, lc)
}

// SelfContained reports whether SelfContain prepared s.
func (s *forkSpec) SelfContained() bool { return s.selfContained }

// WaitExec waits for the init child's second answer: end of file when
// execve succeeded (the socket is close-on-exec), or why it failed
// (*ExecError).
func WaitExec(sock int) error {
	kind, text, _, err := recvMsg(sock)
	if err == nil && kind == msgExecFail && len(text) >= 2 {
		return &ExecError{int(text[0]), unix.Errno(text[1])}
	}
	return nil
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
