package seccomp

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"github.com/entitle-dev/entitle/internal/childtest"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// denyGetcwd returns: allow everything on x86_64 except getcwd (ret), kill
// on other arches.
func denyGetcwd(t testing.TB, ret uint32) []bpf.RawInstruction {
	prog, err := bpf.Assemble([]bpf.Instruction{
		bpf.LoadAbsolute{Off: 4, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0xC000003E, SkipFalse: 3},
		bpf.LoadAbsolute{Off: 0, Size: 4},
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

func getcwd() error {
	buf := make([]byte, 4096)
	_, err := unix.Getcwd(buf)
	return err
}

func seccompModes() (string, error) {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return "", err
	}
	var bad []string
	for _, tk := range tasks {
		st, err := os.ReadFile("/proc/self/task/" + tk.Name() + "/status")
		if err != nil {
			continue
		}
		if !strings.Contains(string(st), "Seccomp:\t2") || !strings.Contains(string(st), "NoNewPrivs:\t1") {
			bad = append(bad, tk.Name())
		}
	}
	if len(bad) > 0 {
		return "", fmt.Errorf("threads without filter or no_new_privs: %v", bad)
	}
	return fmt.Sprintf("%d threads filtered", len(tasks)), nil
}

func TestInstallTSync(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("hand-assembled filter is for x86_64")
	}
	if childtest.Child("tsync") {
		// A thread that exists before the filter is installed.
		before := make(chan error)
		start := make(chan struct{})
		go func() {
			runtime.LockOSThread()
			<-start
			before <- getcwd()
		}()
		if _, err := Install(denyGetcwd(t, unix.SECCOMP_RET_ERRNO|uint32(unix.EPERM)), FlagTSync); err != nil {
			fmt.Println("install:", err)
			os.Exit(1)
		}
		close(start)
		if err := <-before; !errors.Is(err, unix.EPERM) {
			fmt.Println("pre-existing thread: getcwd =", err)
			os.Exit(1)
		}
		if err := getcwd(); !errors.Is(err, unix.EPERM) {
			fmt.Println("main: getcwd =", err)
			os.Exit(1)
		}
		after := make(chan error)
		go func() { runtime.LockOSThread(); after <- getcwd() }()
		if err := <-after; !errors.Is(err, unix.EPERM) {
			fmt.Println("new thread: getcwd =", err)
			os.Exit(1)
		}
		if _, err := os.ReadFile("/proc/self/status"); err != nil {
			fmt.Println("other syscalls broken:", err)
			os.Exit(1)
		}
		msg, err := seccompModes()
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		fmt.Println("ok:", msg)
		os.Exit(0)
	}
	out, err := childtest.Run(t, "tsync")
	if err != nil || !strings.Contains(out, "ok:") {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if os.Getuid() == 0 {
		out, err := childtest.RunAs(t, 65534, 65534, "tsync")
		if err != nil || !strings.Contains(out, "ok:") {
			t.Fatalf("child as nobody: %v\n%s", err, out)
		}
	}
}

func TestInstallInvalid(t *testing.T) {
	if childtest.Child("invalid") {
		bad := []bpf.RawInstruction{{Op: 0x20, K: 3}, {Op: 0x06, K: unix.SECCOMP_RET_ALLOW}} // misaligned load
		_, err := Install(bad, FlagTSync)
		st, _ := os.ReadFile("/proc/self/status")
		fmt.Printf("err=%v seccomp0=%v\n", err, strings.Contains(string(st), "Seccomp:\t0"))
		_, err = Install(nil, 0)
		fmt.Printf("empty=%v\n", err)
		os.Exit(0)
	}
	out, _ := childtest.Run(t, "invalid")
	if !strings.Contains(out, "invalid argument") || !strings.Contains(out, "seccomp0=true") || !strings.Contains(out, "empty=seccomp: install filter: empty program") {
		t.Fatalf("unexpected: %s", out)
	}
}

func TestUserNotif(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("hand-assembled filter is for x86_64")
	}
	for _, mode := range []string{"deny", "continue"} {
		t.Run(mode, func(t *testing.T) {
			if childtest.Child("notif-" + mode) {
				fd, err := Install(denyGetcwd(t, unix.SECCOMP_RET_USER_NOTIF), FlagNewListener|FlagTSync|FlagTSyncESRCH)
				if err != nil {
					fmt.Println("install:", err)
					os.Exit(1)
				}
				seen := make(chan int32, 1)
				go func() {
					var n Notif
					if err := NotifReceive(fd, &n); err != nil {
						fmt.Println("recv:", err)
						os.Exit(1)
					}
					seen <- n.Data.Nr
					r := NotifResp{ID: n.ID, Error: -int32(unix.EPERM)}
					if mode == "continue" {
						r = NotifResp{ID: n.ID, Flags: NotifFlagContinue}
					}
					if !NotifIDValid(fd, n.ID) {
						fmt.Println("id not valid")
					}
					if err := NotifRespond(fd, &r); err != nil {
						fmt.Println("send:", err)
						os.Exit(1)
					}
				}()
				err = getcwd()
				fmt.Printf("nr=%d getcwd=%v\n", <-seen, err)
				os.Exit(0)
			}
			out, err := childtest.Run(t, "notif-"+mode, "ENTITLE_SUBTEST="+mode)
			want := "getcwd=operation not permitted"
			if mode == "continue" {
				want = "getcwd=<nil>"
			}
			if err != nil || !strings.Contains(out, fmt.Sprintf("nr=%d", unix.SYS_GETCWD)) || !strings.Contains(out, want) {
				t.Fatalf("%v\n%s", err, out)
			}
		})
	}
}

func TestFeatures(t *testing.T) {
	for _, a := range []uint32{unix.SECCOMP_RET_KILL_PROCESS, unix.SECCOMP_RET_KILL_THREAD, unix.SECCOMP_RET_TRAP, unix.SECCOMP_RET_ERRNO, unix.SECCOMP_RET_USER_NOTIF, unix.SECCOMP_RET_TRACE, unix.SECCOMP_RET_LOG, unix.SECCOMP_RET_ALLOW} {
		if !ActionAvailable(a) {
			t.Errorf("action %#x not available", a)
		}
	}
	n, r, d, err := NotifSizes()
	if err != nil {
		t.Fatal(err)
	}
	if int(n) != int(unsafe.Sizeof(Notif{})) || int(r) != int(unsafe.Sizeof(NotifResp{})) || int(d) != int(unsafe.Sizeof(SeccompData{})) {
		t.Errorf("kernel sizes %d/%d/%d, ours %d/%d/%d", n, r, d, unsafe.Sizeof(Notif{}), unsafe.Sizeof(NotifResp{}), unsafe.Sizeof(SeccompData{}))
	}
	for _, f := range flagNames {
		got, err := ParseFlag(f.name)
		if err != nil || got != f.f {
			t.Errorf("ParseFlag(%s) = %v, %v", f.name, got, err)
		}
	}
	if _, err := ParseFlag("SECCOMP_FILTER_FLAG_BOGUS"); err == nil || !strings.Contains(err.Error(), "SECCOMP_FILTER_FLAG_LOG") {
		t.Errorf("bad flag error: %v", err)
	}
}
