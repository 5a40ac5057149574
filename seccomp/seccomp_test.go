//go:build linux

package seccomp

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/entitle-dev/entitle/internal/childtest"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Tests that load filters do so in a child process (internal/childtest):
// a filter cannot be removed. Each child prints "ok: ..." on success or a
// description of what went wrong and exits non-zero.

// denyGetcwd assembles: on x86_64, getcwd returns ret and everything else
// is allowed; any other arch is killed.
func denyGetcwd(t testing.TB, ret uint32) []bpf.RawInstruction {
	t.Helper()
	prog, err := bpf.Assemble([]bpf.Instruction{
		bpf.LoadAbsolute{Off: 4, Size: 4}, // seccomp_data.arch
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.AUDIT_ARCH_X86_64, SkipFalse: 3},
		bpf.LoadAbsolute{Off: 0, Size: 4}, // seccomp_data.nr
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.SYS_GETCWD, SkipFalse: 1},
		bpf.RetConstant{Val: ret},
		bpf.RetConstant{Val: unix.SECCOMP_RET_ALLOW},
		bpf.RetConstant{Val: unix.SECCOMP_RET_KILL_PROCESS},
	})
	if err != nil {
		t.Fatal(err)
	}
	return prog
}

func needAMD64(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the hand-assembled filters are for x86_64")
	}
}

func getcwd() (string, error) {
	buf := make([]byte, 4096)
	n, err := unix.Getcwd(buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n-1]), nil
}

// fail reports a child-side failure and ends the child.
func fail(format string, args ...any) {
	fmt.Printf("FAIL: "+format+"\n", args...)
	os.Exit(1)
}

// threadStatus returns "Seccomp" and "NoNewPrivs" of every thread of this
// process, by TID.
func threadStatus() map[int]string {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		fail("%v", err)
	}
	m := map[int]string{}
	for _, tk := range tasks {
		st, err := os.ReadFile("/proc/self/task/" + tk.Name() + "/status")
		if err != nil {
			continue // the thread exited
		}
		var tid int
		fmt.Sscan(tk.Name(), &tid)
		var fields []string
		for _, line := range strings.Split(string(st), "\n") {
			if strings.HasPrefix(line, "Seccomp:") || strings.HasPrefix(line, "NoNewPrivs:") {
				fields = append(fields, strings.Join(strings.Fields(line), " "))
			}
		}
		slices.Sort(fields)
		m[tid] = strings.Join(fields, ", ")
	}
	return m
}

// checkAllThreads fails the child unless every thread shows want (for
// example "Seccomp: 2").
func checkAllThreads(want string) int {
	st := threadStatus()
	for tid, s := range st {
		if !strings.Contains(s, want) {
			fail("thread %d: %s, want %s (all: %v)", tid, s, want, st)
		}
	}
	return len(st)
}

// tsyncChild installs the getcwd filter with FlagTSync and checks it on the
// calling thread, on a thread that existed before, on threads created
// after, and in /proc/self/task.
func tsyncChild(t *testing.T) {
	runtime.LockOSThread()
	mainTID := unix.Gettid()
	checkAllThreads("Seccomp: 0")

	// A goroutine on its own OS thread, started before Install.
	type res struct {
		tid int
		err error
	}
	start, before := make(chan struct{}), make(chan res)
	go func() {
		runtime.LockOSThread()
		tid := unix.Gettid()
		before <- res{tid, nil}
		<-start
		_, err := getcwd()
		before <- res{tid, err}
	}()
	pre := (<-before).tid
	if pre == mainTID {
		fail("locked goroutines share thread %d", pre)
	}
	existing := threadStatus()

	if _, err := Install(denyGetcwd(t, unix.SECCOMP_RET_ERRNO|uint32(unix.EPERM)), FlagTSync); err != nil {
		fail("install: %v", err)
	}
	if _, err := getcwd(); !errors.Is(err, unix.EPERM) {
		fail("calling thread %d: getcwd = %v, want EPERM", mainTID, err)
	}
	close(start)
	if r := <-before; !errors.Is(r.err, unix.EPERM) {
		fail("pre-existing thread %d: getcwd = %v, want EPERM", r.tid, r.err)
	}

	// More locked goroutines, all at once, than there were threads: some
	// of them must run on threads created after Install.
	k := len(existing) + 2
	after, release := make(chan res), make(chan struct{})
	for range k {
		go func() {
			runtime.LockOSThread()
			_, err := getcwd()
			after <- res{unix.Gettid(), err}
			<-release
		}()
	}
	newThreads := 0
	for range k {
		r := <-after
		if !errors.Is(r.err, unix.EPERM) {
			fail("thread %d: getcwd = %v, want EPERM", r.tid, r.err)
		}
		if _, ok := existing[r.tid]; !ok {
			newThreads++
		}
	}
	if newThreads == 0 {
		fail("no thread was created after Install")
	}

	// Other system calls still work.
	if _, err := os.ReadFile("/proc/self/status"); err != nil {
		fail("read /proc/self/status: %v", err)
	}
	if unix.Getpid() != os.Getpid() {
		fail("getpid")
	}
	n := checkAllThreads("Seccomp: 2")
	checkAllThreads("NoNewPrivs: 1")
	close(release)
	fmt.Printf("ok: uid %d, %d threads filtered, %d created after Install\n", os.Getuid(), n, newThreads)
	os.Exit(0)
}

func TestInstallTSync(t *testing.T) {
	needAMD64(t)
	if childtest.Child("tsync") {
		tsyncChild(t)
	}
	out, err := childtest.Run(t, "tsync")
	if err != nil || !strings.Contains(out, "ok:") {
		t.Fatalf("child: %v\n%s", err, out)
	}
	t.Log(strings.TrimSpace(out))
}

// As an unprivileged user the kernel insists on no_new_privs, which Install
// sets; root (CAP_SYS_ADMIN) would hide a missing prctl.
func TestInstallTSyncUnprivileged(t *testing.T) {
	needAMD64(t)
	if childtest.Child("tsync-nobody") {
		if os.Geteuid() == 0 {
			fail("child runs as root")
		}
		tsyncChild(t)
	}
	out, err := childtest.RunAs(t, 65534, 65534, "tsync-nobody")
	if err != nil || !strings.Contains(out, "ok:") {
		t.Fatalf("child: %v\n%s", err, out)
	}
	t.Log(strings.TrimSpace(out))
}

func TestInstallInvalid(t *testing.T) {
	if childtest.Child("invalid") {
		allow := bpf.RawInstruction{Op: 0x06, K: unix.SECCOMP_RET_ALLOW} // ret #ALLOW
		cases := []struct {
			name string
			prog []bpf.RawInstruction
		}{
			{"misaligned load", []bpf.RawInstruction{{Op: 0x20, K: 3}, allow}},         // ld [3]
			{"load past seccomp_data", []bpf.RawInstruction{{Op: 0x20, K: 64}, allow}}, // ld [64]
			{"byte load", []bpf.RawInstruction{{Op: 0x30, K: 0}, allow}},               // ldb [0]
			{"no return", []bpf.RawInstruction{{Op: 0x20, K: 0}}},                      // ld [0]
			{"jump out of range", []bpf.RawInstruction{{Op: 0x05, K: 5}, allow}},       // ja +5
		}
		for _, c := range cases {
			_, err := Install(c.prog, FlagTSync)
			if !errors.Is(err, unix.EINVAL) || !strings.HasPrefix(err.Error(), "seccomp: install filter: ") || !strings.Contains(err.Error(), "rejected the program") {
				fail("%s: err = %v, want EINVAL saying the program was rejected", c.name, err)
			}
			checkAllThreads("Seccomp: 0")
			fmt.Printf("%s: %v\n", c.name, err)
		}
		fmt.Println("ok")
		os.Exit(0)
	}
	out, err := childtest.Run(t, "invalid")
	if err != nil || !strings.Contains(out, "ok\n") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

// Errors found before any system call: the test process is not touched.
func TestInstallRejectsLength(t *testing.T) {
	if _, err := Install(nil, FlagTSync); !errors.Is(err, unix.EINVAL) || !strings.Contains(err.Error(), "empty program") {
		t.Errorf("empty: %v", err)
	}
	// 65537 would wrap to 1 in sock_fprog.len and install only the first
	// instruction.
	for _, n := range []int{MaxInstructions + 1, 65537} {
		prog := make([]bpf.RawInstruction, n)
		if _, err := Install(prog, FlagTSync); !errors.Is(err, unix.EINVAL) || !strings.Contains(err.Error(), "at most 4096") {
			t.Errorf("%d instructions: %v", n, err)
		}
	}
}

func TestInstallBadFlags(t *testing.T) {
	needAMD64(t)
	if childtest.Child("bad-flags") {
		prog := denyGetcwd(t, unix.SECCOMP_RET_USER_NOTIF)
		for _, c := range []struct {
			flags Flags
			hint  string
		}{
			{FlagTSync | FlagNewListener, "needs FLAG_TSYNC_ESRCH"},
			{FlagWaitKillableRecv, "needs FLAG_NEW_LISTENER"},
			{1 << 20, "does not support"},
		} {
			fd, err := Install(prog, c.flags)
			if fd != -1 || !errors.Is(err, unix.EINVAL) || !strings.Contains(err.Error(), c.hint) {
				fail("flags %v: fd %d, err %v; want EINVAL and %q", c.flags, fd, err, c.hint)
			}
		}
		checkAllThreads("Seccomp: 0")
		fmt.Println("ok")
		os.Exit(0)
	}
	out, err := childtest.Run(t, "bad-flags")
	if err != nil || !strings.Contains(out, "ok\n") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

// A thread with its own filter makes TSYNC fail, naming that thread.
func TestTSyncError(t *testing.T) {
	needAMD64(t)
	if childtest.Child("tsync-error") {
		runtime.LockOSThread()
		other := make(chan int)
		go func() {
			runtime.LockOSThread() // for good: this thread keeps its filter
			allow := []bpf.RawInstruction{{Op: 0x06, K: unix.SECCOMP_RET_ALLOW}}
			if _, err := Install(allow, 0); err != nil {
				fail("install on one thread: %v", err)
			}
			other <- unix.Gettid()
			select {}
		}()
		tid := <-other
		prog := denyGetcwd(t, unix.SECCOMP_RET_ERRNO|uint32(unix.EPERM))
		_, err := Install(prog, FlagTSync)
		var te *TSyncError
		if !errors.As(err, &te) || te.TID != tid {
			fail("err = %v, want *TSyncError{%d}", err, tid)
		}
		_, err = Install(prog, FlagTSync|FlagTSyncESRCH)
		if !errors.Is(err, unix.ESRCH) {
			fail("with TSYNC_ESRCH: err = %v, want ESRCH", err)
		}
		if _, err := getcwd(); err != nil {
			fail("filter installed despite the error: getcwd = %v", err)
		}
		if st := threadStatus()[unix.Gettid()]; !strings.Contains(st, "Seccomp: 0") {
			fail("calling thread: %s", st)
		}
		fmt.Printf("ok: %v\n", te)
		os.Exit(0)
	}
	out, err := childtest.Run(t, "tsync-error")
	if err != nil || !strings.Contains(out, "ok:") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

// The kernel caps the instructions of a filter chain at 32768, each earlier
// filter counting its length + 4: the eighth 4096-instruction filter fails.
func TestInstallChainTooLong(t *testing.T) {
	if childtest.Child("too-long") {
		prog := make([]bpf.RawInstruction, MaxInstructions)
		for i := range prog[:len(prog)-1] {
			prog[i] = bpf.RawInstruction{Op: 0x20, K: 0} // ld [0]
		}
		prog[len(prog)-1] = bpf.RawInstruction{Op: 0x06, K: unix.SECCOMP_RET_ALLOW}
		for i := 0; ; i++ {
			_, err := Install(prog, FlagTSync)
			if err == nil {
				continue
			}
			if i != 7 || !errors.Is(err, unix.ENOMEM) || !strings.Contains(err.Error(), "too long") {
				fail("filter %d: %v; want ENOMEM saying the program is too long at filter 7", i, err)
			}
			fmt.Printf("ok: %v\n", err)
			os.Exit(0)
		}
	}
	out, err := childtest.Run(t, "too-long")
	if err != nil || !strings.Contains(out, "ok:") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

// supervise answers notifications on fd with answer until the listener
// hangs up, sending each notification it handled on seen.
func supervise(fd int, answer func(*Notif) NotifResp, seen chan<- Notif) {
	for {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if _, err := unix.Poll(pfd, -1); err != nil {
			if err == unix.EINTR {
				continue
			}
			fail("poll: %v", err)
		}
		if pfd[0].Revents&unix.POLLHUP != 0 {
			return
		}
		var n Notif
		if err := NotifReceive(fd, &n); err != nil {
			if err == unix.ENOENT {
				continue
			}
			fail("recv: %v", err)
		}
		if !NotifIDValid(fd, n.ID) {
			fail("notification %d not valid before the answer", n.ID)
		}
		r := answer(&n)
		if err := NotifRespond(fd, &r); err != nil {
			if err == unix.ENOENT {
				continue // the call was interrupted; it comes back as a new notification
			}
			fail("send: %v", err)
		}
		if NotifIDValid(fd, n.ID) {
			fail("notification %d still valid after the answer", n.ID)
		}
		seen <- n
	}
}

func TestUserNotif(t *testing.T) {
	needAMD64(t)
	for _, mode := range []string{"deny", "continue"} {
		t.Run(mode, func(t *testing.T) {
			if childtest.Child("notif") {
				// The supervisor is a goroutine of the same process: its
				// poll and ioctl calls are not getcwd, so the filter lets
				// them through.
				runtime.LockOSThread()
				flags := FlagNewListener | FlagTSync | FlagTSyncESRCH
				if mode == "continue" {
					flags |= FlagWaitKillableRecv
				}
				fd, err := Install(denyGetcwd(t, unix.SECCOMP_RET_USER_NOTIF), flags)
				if err != nil {
					fail("install: %v", err)
				}
				if fd < 0 {
					fail("no listener fd")
				}
				seen := make(chan Notif, 10)
				go supervise(fd, func(n *Notif) NotifResp {
					if mode == "continue" {
						return NotifResp{ID: n.ID, Flags: NotifFlagContinue}
					}
					return NotifResp{ID: n.ID, Error: -int32(unix.EPERM)}
				}, seen)
				for i := range 3 {
					cwd, err := getcwd()
					switch mode {
					case "deny":
						if !errors.Is(err, unix.EPERM) {
							fail("call %d: getcwd = %q, %v; want EPERM", i, cwd, err)
						}
					case "continue":
						if err != nil || cwd != os.TempDir() {
							fail("call %d: getcwd = %q, %v; want %q", i, cwd, err, os.TempDir())
						}
					}
					n := <-seen
					d := n.Data
					if d.Nr != unix.SYS_GETCWD || d.Arch != unix.AUDIT_ARCH_X86_64 || d.Args[1] != 4096 || int(n.Pid) != unix.Gettid() || d.InstructionPointer == 0 {
						fail("notification %+v: want getcwd(buf, 4096) on x86_64 from thread %d", n, unix.Gettid())
					}
				}
				checkAllThreads("Seccomp: 2")
				fmt.Println("ok")
				os.Exit(0)
			}
			out, err := childtest.Run(t, "notif")
			if err != nil || !strings.Contains(out, "ok\n") {
				t.Fatalf("child: %v\n%s", err, out)
			}
		})
	}
}

func TestIoctlNumbers(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"SECCOMP_IOCTL_NOTIF_RECV", ioctlNotifRecv, 0xc0502100},
		{"SECCOMP_IOCTL_NOTIF_SEND", ioctlNotifSend, 0xc0182101},
		{"SECCOMP_IOCTL_NOTIF_ID_VALID", ioctlNotifIDValid, 0x40082102},
		{"unix.SECCOMP_IOCTL_NOTIF_RECV", ioctlNotifRecv, unix.SECCOMP_IOCTL_NOTIF_RECV},
		{"unix.SECCOMP_IOCTL_NOTIF_SEND", ioctlNotifSend, unix.SECCOMP_IOCTL_NOTIF_SEND},
	} {
		if c.got != c.want {
			t.Errorf("%s = %#x, want %#x", c.name, c.got, c.want)
		}
	}
}

func TestFeatures(t *testing.T) {
	for _, a := range []struct {
		name string
		val  uint32
	}{
		{"KILL_PROCESS", unix.SECCOMP_RET_KILL_PROCESS},
		{"KILL_THREAD", unix.SECCOMP_RET_KILL_THREAD},
		{"TRAP", unix.SECCOMP_RET_TRAP},
		{"ERRNO", unix.SECCOMP_RET_ERRNO},
		{"USER_NOTIF", unix.SECCOMP_RET_USER_NOTIF},
		{"TRACE", unix.SECCOMP_RET_TRACE},
		{"LOG", unix.SECCOMP_RET_LOG},
		{"ALLOW", unix.SECCOMP_RET_ALLOW},
	} {
		if !ActionAvailable(a.val) {
			t.Errorf("SECCOMP_RET_%s (%#x) not available", a.name, a.val)
		}
	}
	if ActionAvailable(0x12340000) {
		t.Error("made-up action 0x12340000 reported available")
	}
	n, r, d, err := NotifSizes()
	if err != nil {
		t.Fatal(err)
	}
	ours := [3]uintptr{unsafe.Sizeof(Notif{}), unsafe.Sizeof(NotifResp{}), unsafe.Sizeof(SeccompData{})}
	if [3]uintptr{uintptr(n), uintptr(r), uintptr(d)} != ours || ours != [3]uintptr{80, 24, 64} {
		t.Errorf("kernel sizes notif/resp/data %d/%d/%d, ours %v", n, r, d, ours)
	}
	if off := unsafe.Offsetof(Notif{}.Data); off != 16 {
		t.Errorf("offsetof(seccomp_notif.data) = %d, want 16", off)
	}
}

func TestFlags(t *testing.T) {
	for _, f := range flagNames {
		got, err := ParseFlag(f.name)
		if err != nil || got != f.f {
			t.Errorf("ParseFlag(%s) = %v, %v", f.name, got, err)
		}
		if names := f.f.Names(); len(names) != 1 || names[0] != f.name {
			t.Errorf("%#x.Names() = %v", uint(f.f), names)
		}
	}
	_, err := ParseFlag("SECCOMP_FILTER_FLAG_BOGUS")
	if err == nil || !strings.Contains(err.Error(), "SECCOMP_FILTER_FLAG_BOGUS") || !strings.Contains(err.Error(), "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") {
		t.Errorf("bad flag error: %v", err)
	}
	if got := (FlagTSync | FlagLog | 1<<9).String(); got != "SECCOMP_FILTER_FLAG_TSYNC|SECCOMP_FILTER_FLAG_LOG|0x200" {
		t.Errorf("String = %q", got)
	}
	if got := Flags(0).String(); got != "0" {
		t.Errorf("String(0) = %q", got)
	}
}

func TestInstallErrorHints(t *testing.T) {
	for _, c := range []struct {
		errno unix.Errno
		flags Flags
		want  string
	}{
		{unix.EACCES, 0, "no_new_privs or CAP_SYS_ADMIN"},
		{unix.EINVAL, 0, "rejected the program"},
		{unix.ENOMEM, 0, "too long"},
		{unix.E2BIG, 0, "too long"},
		{unix.EPERM, 0, "operation not permitted"},
	} {
		err := installError(c.errno, c.flags)
		if !errors.Is(err, c.errno) || !strings.HasPrefix(err.Error(), "seccomp: install filter: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v", c.errno, err)
		}
	}
}
