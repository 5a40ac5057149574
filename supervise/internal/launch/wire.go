//go:build linux

package launch

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"unsafe"

	"github.com/entitle-dev/entitle/catalog"
	confinement "github.com/entitle-dev/entitle/confine"
	"golang.org/x/sys/unix"
)

// initOpts are the init child's settings known before the fork.
type initOpts struct {
	Notify   bool // install with a listener (explain, complain and learn modes)
	MDWE     bool // set PR_SET_MDWE (the policy allows no executable memory)
	DropCaps bool // keep only Caps (the entitlements' capabilities)
	Caps     []catalog.Capability
}

// newForkSpec prepares the init child: the descriptors it passes on
// (standard streams, then extra, then the socket), the message buffer, the
// capabilities to drop, and the pinned blocks mapped at a random layout in
// this process (the child gets its own copy at the fork; release unmaps
// ours).
func newForkSpec(o *initOpts, stdio [3]int, extra []*os.File, sock int, path string, argv, env []string) (*forkSpec, error) {
	s := &forkSpec{ctty: -1, notify: o.Notify, mdwe: o.MDWE}
	s.fds = append(s.fds, stdio[:]...)
	for _, f := range extra {
		s.fds = append(s.fds, int(f.Fd()))
	}
	s.fds = append(s.fds, sock)
	s.scratch = make([]int, len(s.fds))
	s.errBuf = new([3]byte)

	s.msg = make([]byte, initHeaderSize+maxInsns*8)
	s.oob = make([]byte, unix.CmsgSpace(4))
	s.oobFD = unix.CmsgLen(0)
	s.minControl = uint64(unix.CmsgLen(4))
	iov := &unix.Iovec{Base: &s.msg[0]}
	iov.SetLen(len(s.msg))
	s.recv = &unix.Msghdr{Iov: iov, Control: &s.oob[0]}
	s.recv.SetIovlen(1)
	s.recv.SetControllen(len(s.oob))
	s.prog = &unix.SockFprog{Filter: (*unix.SockFilter)(unsafe.Pointer(&s.msg[initHeaderSize]))}

	if o.DropCaps {
		if err := s.planCaps(o.Caps); err != nil {
			return nil, err
		}
	}
	if err := s.place(path, argv, env); err != nil {
		return nil, err
	}
	return s, nil
}

// sockFD is the socket's descriptor in the child (and the command, until
// execve closes it).
func (s *forkSpec) sockFD() int { return len(s.fds) - 1 }

// planCaps works out, in this process (whose capabilities the child
// inherits), what the child drops to keep only keep.
func (s *forkSpec) planCaps(keep []catalog.Capability) error {
	p, err := confinement.PlanCaps(keep)
	if err != nil {
		return err
	}
	if !p.Held {
		return nil
	}
	for _, c := range p.Drop {
		s.capDrop = append(s.capDrop, uintptr(c))
	}
	s.capHdr, s.capData, s.dropCaps = &p.Header, &p.Data, true
	return nil
}

// place picks the random layout and maps the pinned blocks there: execve's
// path, argv and envp, and the handshake.
func (s *forkSpec) place(path string, argv, env []string) error {
	limit := layoutHigh
	sizes := blockSizes(path, argv, env)
	for try := 0; ; try++ {
		lay, err := randomLayout(sizes, limit)
		if err != nil {
			return err
		}
		err = s.placeAt(lay, path, argv, env)
		if err == nil {
			return nil
		}
		s.release()
		if try >= 8 || !(errors.Is(err, unix.EEXIST) || errors.Is(err, unix.ENOMEM)) {
			return fmt.Errorf("map the execve arguments where the filter expects them: %w", err)
		}
		if errors.Is(err, unix.ENOMEM) {
			limit = layoutSmall // a small address space
		}
	}
}

func (s *forkSpec) placeAt(lay layout, path string, argv, env []string) error {
	s.lay = lay
	var err error
	if s.blocks[0], err = placeAt(lay.Path, path); err != nil {
		return err
	}
	if s.blocks[1], err = placeVecAt(lay.Argv, argv); err != nil {
		return err
	}
	if s.blocks[2], err = placeVecAt(lay.Env, env); err != nil {
		return err
	}
	if s.blocks[3], err = mapAt(lay.Handshake, handshakeSize); err != nil {
		return err
	}
	s.hs = newHandshake(s.blocks[3], uintptr(lay.Handshake))
	s.path, s.argv, s.env = uintptr(lay.Path), uintptr(lay.Argv), uintptr(lay.Env)
	return nil
}

// release unmaps this process's copy of the pinned blocks.
func (s *forkSpec) release() {
	if s == nil {
		return
	}
	for i, b := range s.blocks {
		if b != nil {
			unix.Munmap(b)
			s.blocks[i] = nil
		}
	}
}

// child is the init child, and then the command.
type child struct {
	pid    int
	pidfd  int // -1 without CLONE_PIDFD
	mu     sync.Mutex
	reaped bool
	status syscall.WaitStatus
}

// signal sends sig to the command (through its pidfd: never to a process
// that reused the pid after it was reaped).
func (c *child) signal(sig syscall.Signal) {
	if c.pidfd >= 0 {
		unix.PidfdSendSignal(c.pidfd, sig, nil, 0)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.reaped {
		unix.Kill(c.pid, sig)
	}
}

// wait reaps the child and returns its status.
func (c *child) wait() syscall.WaitStatus {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(c.pid, &ws, 0, nil)
		if err != unix.EINTR {
			break
		}
	}
	c.mu.Lock()
	c.reaped, c.status = true, syscall.WaitStatus(ws)
	c.mu.Unlock()
	return c.status
}

func (c *child) close() {
	if c.pidfd >= 0 {
		unix.Close(c.pidfd)
	}
}

// streams are the command's standard streams: descriptors of *os.File
// values, or pipes copied from and to other readers and writers by
// goroutines, as os/exec does.
type streams struct {
	fds        [3]int
	childEnds  []*os.File // closed here once the child has them
	parentEnds []*os.File
	copies     []func() error
	wg         sync.WaitGroup
}

func openStreams(stdin io.Reader, stdout, stderr io.Writer) (*streams, error) {
	st := &streams{}
	if stdin == nil {
		stdin = os.Stdin
	}
	if stdout == nil {
		stdout = os.Stdout
	}
	if stderr == nil {
		stderr = os.Stderr
	}
	if f, ok := stdin.(*os.File); ok {
		st.fds[0] = int(f.Fd())
	} else {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, fmt.Errorf("pipe for the standard input: %w", err)
		}
		st.fds[0] = int(r.Fd())
		st.childEnds = append(st.childEnds, r)
		st.parentEnds = append(st.parentEnds, w)
		st.copies = append(st.copies, func() error {
			_, err := io.Copy(w, stdin)
			if errors.Is(err, syscall.EPIPE) || errors.Is(err, os.ErrClosed) {
				err = nil // the command did not read it all
			}
			w.Close()
			return err
		})
	}
	var outPipe *os.File
	for i, w := range []io.Writer{stdout, stderr} {
		if f, ok := w.(*os.File); ok {
			st.fds[1+i] = int(f.Fd())
			continue
		}
		if i == 1 && outPipe != nil && sameWriter(stdout, stderr) {
			st.fds[2] = int(outPipe.Fd()) // one pipe: writes keep their order
			continue
		}
		pr, pw, err := os.Pipe()
		if err != nil {
			st.closeChildEnds()
			st.abort()
			return nil, fmt.Errorf("pipe for the standard output: %w", err)
		}
		st.fds[1+i] = int(pw.Fd())
		outPipe = pw
		st.childEnds = append(st.childEnds, pw)
		st.parentEnds = append(st.parentEnds, pr)
		w := w
		st.copies = append(st.copies, func() error {
			_, err := io.Copy(w, pr)
			pr.Close()
			return err
		})
	}
	return st, nil
}

// sameWriter reports whether a and b are the same writer (os/exec's test:
// interface equality, false for incomparable values).
func sameWriter(a, b io.Writer) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}

// closeChildEnds closes this process's copy of the child's ends.
func (st *streams) closeChildEnds() {
	for _, f := range st.childEnds {
		f.Close()
	}
	st.childEnds = nil
}

// start runs the copies.
func (st *streams) start() {
	for _, c := range st.copies {
		st.wg.Add(1)
		go func() {
			defer st.wg.Done()
			c()
		}()
	}
	st.copies = nil
}

// wait waits for the copies: until every process holding a write end (the
// command and whatever inherited it) has closed it.
func (st *streams) wait() { st.wg.Wait() }

// abort closes the parent's ends when no child was started.
func (st *streams) abort() {
	for _, f := range st.parentEnds {
		f.Close()
	}
	st.parentEnds = nil
	st.copies = nil
}
