//go:build linux

package entitle_test

// Kernel tests: each case re-executes the test binary (childtest), applies
// a confinement in the child and checks, in the main goroutine's thread, in
// a goroutine locked to a thread started after Apply, and in threads that
// existed before Apply, that the granted operations work and the others
// fail with EPERM.

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/entitle-dev/entitle"
	"github.com/entitle-dev/entitle/internal/childtest"
	"github.com/entitle-dev/entitle/internal/testenv"
	"github.com/entitle-dev/entitle/seccomp"
)

// env is what a child prepares before Apply.
type env struct {
	dir      string       // temp dir with "existing"
	existing string       // a file with content
	ptmx     *os.File     // a pseudo-terminal master, opened before Apply
	ln       net.Listener // a loopback listener, opened before Apply
	n        atomic.Int64
}

type op struct {
	name string
	fn   func(e *env) error
}

var (
	opTCP = op{"tcp server+client", func(e *env) error {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer ln.Close()
		done := make(chan error, 1)
		go func() {
			c, err := ln.Accept()
			if err != nil {
				done <- err
				return
			}
			defer c.Close()
			_, err = io.Copy(c, io.LimitReader(c, 5))
			done <- err
		}()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return err
		}
		defer c.Close()
		if _, err := c.Write([]byte("hello")); err != nil {
			return err
		}
		buf := make([]byte, 5)
		if _, err := io.ReadFull(c, buf); err != nil {
			return err
		}
		if string(buf) != "hello" {
			return fmt.Errorf("echo %q", buf)
		}
		return <-done
	}}
	opListen = op{"listen", func(e *env) error {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err == nil {
			ln.Close()
		}
		return err
	}}
	opDial = op{"dial", func(e *env) error {
		c, err := net.Dial("tcp", e.ln.Addr().String())
		if err == nil {
			c.Close()
		}
		return err
	}}
	opRead = op{"read file", func(e *env) error {
		b, err := os.ReadFile(e.existing)
		if err == nil && string(b) != "content" {
			err = fmt.Errorf("read %q", b)
		}
		return err
	}}
	opWrite = op{"write file", func(e *env) error {
		f, err := os.OpenFile(e.existing, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = f.WriteAt([]byte("content"), 0)
		return err
	}}
	opCreate = op{"create file", func(e *env) error {
		f, err := os.Create(filepath.Join(e.dir, fmt.Sprint("new", e.n.Add(1))))
		if err != nil {
			return err
		}
		_, err = f.Write([]byte("x"))
		f.Close()
		return err
	}}
	opExec = op{"fork/exec /bin/true", func(e *env) error {
		cmd := exec.Command("/bin/true")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		return cmd.Run()
	}}
	opTTY = op{"tty ioctls", func(e *env) error {
		fd := int(e.ptmx.Fd())
		if _, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN); err != nil {
			return fmt.Errorf("TIOCGPTN: %w", err)
		}
		t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
		if err != nil {
			return fmt.Errorf("TCGETS: %w", err)
		}
		if err := unix.IoctlSetTermios(fd, unix.TCSETS, t); err != nil {
			return fmt.Errorf("TCSETS: %w", err)
		}
		if err := unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 80}); err != nil {
			return fmt.Errorf("TIOCSWINSZ: %w", err)
		}
		return nil
	}}
	opTCGETS = op{"TCGETS", func(e *env) error {
		_, err := unix.IoctlGetTermios(int(e.ptmx.Fd()), unix.TCGETS)
		return err
	}}
	opTCSETS = op{"TCSETS", func(e *env) error {
		return unix.IoctlSetTermios(int(e.ptmx.Fd()), unix.TCSETS, &unix.Termios{})
	}}
	opWinsz = op{"TIOCSWINSZ", func(e *env) error {
		return unix.IoctlSetWinsize(int(e.ptmx.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 80})
	}}
	opTIOCSTI = op{"TIOCSTI", func(e *env) error { return tiocsti(e.ptmx) }}
	opMount   = op{"mount", func(e *env) error {
		return unix.Mount("none", filepath.Join(e.dir, "nonexistent"), "tmpfs", 0, "")
	}}
)

func tiocsti(f *os.File) error {
	c := byte('x')
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, f.Fd(), unix.TIOCSTI, uintptr(unsafe.Pointer(&c)))
	if errno != 0 {
		return errno
	}
	return nil
}

type kcase struct {
	name  string
	ents  []entitle.Entitlement
	allow []op
	deny  []op // must fail with EPERM
}

var kcases = []kcase{
	{"net", []entitle.Entitlement{entitle.NetServer, entitle.NetClient},
		[]op{opTCP, opListen, opDial}, []op{opRead, opCreate, opExec, opMount}},
	{"net.client", []entitle.Entitlement{entitle.NetClient},
		[]op{opDial}, []op{opListen, opTCP}},
	{"net.server", []entitle.Entitlement{entitle.NetServer},
		[]op{opListen}, []op{opDial, opTCP}},
	{"fs", []entitle.Entitlement{entitle.FSRead, entitle.FSWrite, entitle.FSCreate},
		[]op{opRead, opWrite, opCreate}, []op{opListen, opExec, opMount}},
	{"fs.read", []entitle.Entitlement{entitle.FSRead},
		[]op{opRead}, []op{opWrite, opCreate}},
	{"fs.read+write", []entitle.Entitlement{entitle.FSRead, entitle.FSWrite},
		[]op{opRead, opWrite}, []op{opCreate}},
	{"exec", []entitle.Entitlement{entitle.ProcSpawn, entitle.ProcExec, entitle.FSRead},
		[]op{opExec}, []op{opCreate, opListen}},
	{"spawn-no-exec", []entitle.Entitlement{entitle.ProcSpawn, entitle.FSRead},
		nil, []op{opExec}},
	{"exec-no-spawn", []entitle.Entitlement{entitle.ProcExec, entitle.FSRead},
		nil, []op{opExec}},
	{"tty", []entitle.Entitlement{entitle.TTY},
		[]op{opTTY, opTCGETS}, []op{opTIOCSTI, opRead}},
	{"no-tty", nil,
		[]op{opTCGETS}, []op{opTCSETS, opWinsz, opTIOCSTI}},
	// Deny-list mode has no argument rules, but TIOCSTI is never
	// grantable there either: it would type into the parent shell.
	{"deny-list tty", []entitle.Entitlement{entitle.TTY, entitle.FSRead, entitle.FSWrite, entitle.FSCreate},
		[]op{opTTY, opTCGETS, opTCSETS, opWinsz, opRead, opCreate}, []op{opTIOCSTI, opMount}},
}

// TestConfine runs each case in a child process.
func TestConfine(t *testing.T) {
	for _, c := range kcases {
		if childtest.Child("confine/" + c.name) {
			os.Exit(confineChild(c))
		}
	}
	for _, c := range kcases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			out, err := childtest.Run(t, "confine/"+c.name)
			if err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			if !strings.Contains(out, "confined ok") {
				t.Fatalf("child did not finish:\n%s", out)
			}
			t.Log(out)
		})
	}
}

// TestConfineNobody runs the net and fs cases as nobody: the filter is
// installed through no_new_privs, without CAP_SYS_ADMIN.
func TestConfineNobody(t *testing.T) {
	cases := []kcase{
		{"nobody", []entitle.Entitlement{entitle.NetServer, entitle.NetClient, entitle.FSRead, entitle.FSWrite},
			[]op{opTCP, opRead, opWrite}, []op{opCreate, opExec, opTIOCSTI}},
	}
	if childtest.Child("nobody") {
		os.Exit(confineChild(cases[0]))
	}
	if os.Getuid() != 0 {
		testenv.Skip(t, "needs root to run a child as nobody")
	}
	out, err := childtest.RunAs(t, 65534, 65534, "nobody")
	if err != nil || !strings.Contains(out, "confined ok") {
		t.Fatalf("child: %v\n%s", err, out)
	}
	t.Log(out)
}

// confineChild prepares an env, starts threads, applies c.ents and checks
// c's operations in every kind of thread. It returns the exit code.
func confineChild(c kcase) int {
	runtime.LockOSThread() // the "main" checks run on this one thread
	fail := func(format string, args ...any) int {
		fmt.Printf("FAIL: "+format+"\n", args...)
		return 1
	}
	e := &env{}
	var err error
	if e.dir, err = os.MkdirTemp("", "entitle-kernel"); err != nil {
		return fail("%v", err)
	}
	defer os.RemoveAll(e.dir)
	e.existing = filepath.Join(e.dir, "existing")
	if err := os.WriteFile(e.existing, []byte("content"), 0o644); err != nil {
		return fail("%v", err)
	}
	if e.ptmx, err = os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0); err != nil {
		return fail("open /dev/ptmx: %v", err)
	}
	if e.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return fail("%v", err)
	}
	go func() {
		for {
			c, err := e.ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	// The checks must not pass for trivial reasons: as root, TIOCSTI and
	// the other operations work before Apply.
	if os.Getuid() == 0 {
		for _, o := range []op{opTIOCSTI, opTCP, opCreate, opExec} {
			if err := o.fn(e); err != nil {
				return fail("%s before Apply: %v", o.name, err)
			}
		}
	}

	// Threads that exist before Apply: goroutines locked to their threads.
	type job struct {
		fn   func() error
		done chan error
	}
	var pre []chan job
	var preTIDs []int
	for range 2 {
		jobs := make(chan job)
		tid := make(chan int)
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			tid <- unix.Gettid()
			for j := range jobs {
				j.done <- j.fn()
			}
		}()
		preTIDs = append(preTIDs, <-tid)
		pre = append(pre, jobs)
	}

	// A case named "deny-list ..." runs in Karn's deny-list mode.
	if err := (entitle.Policy{Entitlements: c.ents, DenyList: strings.HasPrefix(c.name, "deny-list")}).Apply(); err != nil {
		return fail("Apply: %v", err)
	}

	// Every thread, including the pre-existing ones, has the filter and
	// no_new_privs.
	tasks, _ := os.ReadDir("/proc/self/task")
	if err := checkAllFiltered(); err != nil && !errors.Is(err, syscall.EPERM) {
		return fail("%v", err)
	}
	fmt.Printf("threads: %d, pre-existing %v\n", len(tasks), preTIDs)

	runIn := map[string]func(fn func() error) error{
		"main thread": func(fn func() error) error { return fn() },
		"new locked thread": func(fn func() error) error {
			done := make(chan error)
			go func() {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				done <- fn()
			}()
			return <-done
		},
	}
	for i, jobs := range pre {
		tid := preTIDs[i]
		runIn[fmt.Sprintf("pre-existing thread %d", tid)] = func(fn func() error) error {
			done := make(chan error)
			jobs <- job{func() error {
				if got := unix.Gettid(); got != tid {
					return fmt.Errorf("ran on thread %d, not %d", got, tid)
				}
				return fn()
			}, done}
			return <-done
		}
	}
	bad := 0
	for where, run := range runIn {
		for _, o := range c.allow {
			if err := run(func() error { return o.fn(e) }); err != nil {
				fmt.Printf("FAIL: %s in %s: %v, want success\n", o.name, where, err)
				bad++
			}
		}
		for _, o := range c.deny {
			if err := run(func() error { return o.fn(e) }); !errors.Is(err, syscall.EPERM) {
				fmt.Printf("FAIL: %s in %s: %v, want EPERM\n", o.name, where, err)
				bad++
			}
		}
	}
	for _, jobs := range pre {
		close(jobs)
	}
	if bad > 0 {
		return 1
	}
	fmt.Printf("confined ok: %d allowed and %d denied operations in %d kinds of thread\n", len(c.allow), len(c.deny), len(runIn))
	return 0
}

// checkAllFiltered reads the status of every thread: all must report
// Seccomp: 2 and NoNewPrivs: 1. Reading /proc needs fs.read: without it
// the open fails with EPERM, which is returned.
func checkAllFiltered() error {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err
	}
	for _, task := range tasks {
		b, err := os.ReadFile("/proc/self/task/" + task.Name() + "/status")
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		s := string(b)
		if !strings.Contains(s, "\nSeccomp:\t2\n") || !strings.Contains(s, "\nNoNewPrivs:\t1\n") {
			return fmt.Errorf("thread %s is not filtered:\n%s", task.Name(), s)
		}
	}
	return nil
}

// TestAllThreadsFiltered checks, with fs.read so /proc can be read, that
// every thread of the process reports the filter and no_new_privs.
func TestAllThreadsFiltered(t *testing.T) {
	if childtest.Child("all-threads") {
		for range 4 {
			go func() { runtime.LockOSThread(); select {} }()
		}
		if err := entitle.Apply(entitle.FSRead); err != nil {
			fmt.Println("Apply:", err)
			os.Exit(1)
		}
		if err := checkAllFiltered(); err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		fmt.Println("all filtered")
		os.Exit(0)
	}
	out, err := childtest.Run(t, "all-threads")
	if err != nil || !strings.Contains(out, "all filtered") {
		t.Fatalf("%v\n%s", err, out)
	}
}

// TestKill: with entitle.Kill a denied call ends the process with SIGSYS.
func TestKill(t *testing.T) {
	if childtest.Child("kill") {
		if err := (entitle.Policy{OnViolation: entitle.Kill, Entitlements: []entitle.Entitlement{entitle.FSRead}}).Apply(); err != nil {
			fmt.Println("Apply:", err)
			os.Exit(1)
		}
		fmt.Println("applied")
		unix.Mount("none", "/nonexistent", "tmpfs", 0, "")
		fmt.Println("still alive after mount")
		os.Exit(0)
	}
	out, err := childtest.Run(t, "kill")
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("child: %v\n%s", err, out)
	}
	ws := ee.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != syscall.SIGSYS || !strings.Contains(out, "applied") {
		t.Fatalf("child: %v (%v), want killed by SIGSYS after Apply\n%s", err, ws, out)
	}
}

// TestLog: with entitle.Log denied calls run (and are logged).
func TestLog(t *testing.T) {
	if childtest.Child("log") {
		dir, _ := os.MkdirTemp("", "entitle-log")
		if err := (entitle.Policy{OnViolation: entitle.Log}).Apply(); err != nil {
			fmt.Println("Apply:", err)
			os.Exit(1)
		}
		if err := os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644); err != nil {
			fmt.Println("create under Log:", err)
			os.Exit(1)
		}
		os.RemoveAll(dir)
		fmt.Println("log ok")
		os.Exit(0)
	}
	out, err := childtest.Run(t, "log")
	if err != nil || !strings.Contains(out, "log ok") {
		t.Fatalf("%v\n%s", err, out)
	}
}

// TestThreadError: a thread that already has its own filter cannot be
// synchronised; Apply fails with a *ThreadError naming it and installs
// nothing on the other threads.
func TestThreadError(t *testing.T) {
	if childtest.Child("thread-error") {
		tid := make(chan int)
		go func() {
			runtime.LockOSThread() // keep the thread, and its filter, out of the scheduler's hands
			allow := []bpf.RawInstruction{{Op: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ALLOW}}
			if _, err := seccomp.Install(allow, 0); err != nil {
				fmt.Println("install on one thread:", err)
				os.Exit(1)
			}
			tid <- unix.Gettid()
			select {}
		}()
		want := <-tid
		err := entitle.Apply(entitle.FSRead)
		var te *entitle.ThreadError
		if !errors.As(err, &te) || te.TID != want {
			fmt.Printf("Apply: %v, want *ThreadError{TID: %d}\n", err, want)
			os.Exit(1)
		}
		var ts *seccomp.TSyncError
		if !errors.As(err, &ts) {
			fmt.Println("ThreadError does not unwrap to *seccomp.TSyncError")
			os.Exit(1)
		}
		b, _ := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/status", unix.Gettid()))
		if !strings.Contains(string(b), "\nSeccomp:\t0\n") {
			fmt.Printf("a filter was installed despite the error:\n%s", b)
			os.Exit(1)
		}
		fmt.Println("thread error ok:", err)
		os.Exit(0)
	}
	out, err := childtest.Run(t, "thread-error")
	if err != nil || !strings.Contains(out, "thread error ok") {
		t.Fatalf("%v\n%s", err, out)
	}
	t.Log(out)
}

// TestApplyLayers: Apply enforces the layers beyond seccomp on every
// thread: a program granted fs.write writes files but not /proc/sys, with
// Write scoped to one tree it writes there and nowhere else (also from
// another thread), and it cannot read its parent's memory or signal it.
func TestApplyLayers(t *testing.T) {
	if childtest.Child("layers") {
		in, out := os.Getenv("ENTITLE_TEST_IN"), os.Getenv("ENTITLE_TEST_OUT")
		rep, err := entitle.Policy{Entitlements: []entitle.Entitlement{entitle.ProcSpawn}, Write: []string{in}}.ApplyReport()
		if err != nil {
			fmt.Println("Apply:", err)
			os.Exit(1)
		}
		fmt.Printf("abi %d missing %d\n", rep.LandlockABI, len(rep.Missing))
		try := func(name string, err error) {
			if err != nil {
				fmt.Println(name, "fail")
			} else {
				fmt.Println(name, "ok")
			}
		}
		try("write-in", os.WriteFile(filepath.Join(in, "f"), []byte("x"), 0o644))
		try("write-out", os.WriteFile(filepath.Join(out, "f"), []byte("x"), 0o644))
		done := make(chan error)
		go func() {
			runtime.LockOSThread() // a thread of its own
			done <- os.WriteFile(filepath.Join(out, "g"), []byte("x"), 0o644)
		}()
		try("write-out-thread", <-done)
		_, err = os.ReadFile(fmt.Sprintf("/proc/%d/environ", os.Getppid()))
		try("parent-environ", err)
		try("signal-parent", syscall.Kill(os.Getppid(), 0))
		os.Exit(0)
	}
	in, out := t.TempDir(), t.TempDir()
	t.Setenv("ENTITLE_TEST_IN", in)
	t.Setenv("ENTITLE_TEST_OUT", out)
	res, err := childtest.Run(t, "layers")
	if err != nil {
		t.Fatalf("%v\n%s", err, res)
	}
	if !strings.Contains(res, "missing 0\n") {
		t.Errorf("this kernel should enforce every layer:\n%s", res)
	}
	for _, w := range []string{"write-in ok", "write-out fail", "write-out-thread fail", "parent-environ fail", "signal-parent fail"} {
		if !strings.Contains(res, w+"\n") {
			t.Errorf("want %q\n%s", w, res)
		}
	}
}

// TestOnDenial: with Policy.OnDenial, the process learns in-process of
// each call the filter denies (with the entitlements that would allow it)
// and each access Landlock refuses (with the path), from the kernel's
// audit records (root, audit on).
func TestOnDenial(t *testing.T) {
	if childtest.Child("on-denial") {
		in := os.Getenv("ENTITLE_TEST_IN")
		got := make(chan entitle.Denial, 16)
		rep, err := entitle.Policy{Read: []string{in}, OnDenial: func(d entitle.Denial) { got <- d }}.ApplyReport()
		if err != nil {
			fmt.Println("Apply:", err)
			os.Exit(1)
		}
		fmt.Println("missing:", rep.Missing)
		if err := os.Mkdir(filepath.Join(in, "d"), 0o755); err == nil {
			fmt.Println("mkdir succeeded")
		}
		if _, err := os.ReadFile("/etc/hostname"); err == nil {
			fmt.Println("read outside succeeded")
		}
		var seccompSeen, landlockSeen bool
		timeout := time.After(5 * time.Second)
		for !(seccompSeen && landlockSeen) {
			select {
			case d := <-got:
				switch {
				case d.Layer == "seccomp" && d.Syscall == "mkdirat" && slices.Contains(d.Entitlements, "fs.create"):
					seccompSeen = true
					fmt.Println("seccomp denial reported")
				case d.Layer == "landlock" && d.Path == "/etc/hostname" && slices.Contains(d.Access, "fs.read_file"):
					landlockSeen = true
					fmt.Println("landlock denial reported")
				}
			case <-timeout:
				fmt.Println("timed out waiting for the reports")
				os.Exit(1)
			}
		}
		os.Exit(0)
	}
	testenv.EnableAudit(t)
	t.Setenv("ENTITLE_TEST_IN", t.TempDir())
	res, err := childtest.Run(t, "on-denial")
	if err != nil || !strings.Contains(res, "seccomp denial reported") || !strings.Contains(res, "landlock denial reported") || !strings.Contains(res, "missing: []") {
		t.Fatalf("%v\n%s", err, res)
	}
}

// TestDenyListReport: deny-list mode and the log action apply the filter
// only (no Landlock, capabilities kept); ApplyReport says so in Missing
// instead of an empty report, which read as "every layer enforced".
func TestDenyListReport(t *testing.T) {
	if childtest.Child("deny-list-report") {
		pol := entitle.Policy{Entitlements: []entitle.Entitlement{entitle.FSRead}, DenyList: os.Getenv("ENTITLE_TEST_MODE") == "deny"}
		if !pol.DenyList {
			pol.OnViolation = entitle.Log
		}
		rep, err := pol.ApplyReport()
		if err != nil {
			fmt.Println("Apply:", err)
			os.Exit(1)
		}
		fmt.Printf("missing %d: %s\n", len(rep.Missing), strings.Join(rep.Missing, "; "))
		os.Exit(0)
	}
	for mode, want := range map[string]string{"deny": "deny-list mode (Policy.DenyList) restricts system calls only", "log": "violation action log"} {
		t.Setenv("ENTITLE_TEST_MODE", mode)
		out, err := childtest.Run(t, "deny-list-report")
		if err != nil || !strings.Contains(out, "missing 1: "+want) {
			t.Errorf("%s: %v\n%s", mode, err, out)
		}
	}
}
