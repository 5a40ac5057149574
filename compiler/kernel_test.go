//go:build linux

package compiler

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/entitle-dev/entitle/internal/childtest"
	"github.com/entitle-dev/entitle/internal/rawsys"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/profile"
	"github.com/entitle-dev/entitle/seccomp"
	"github.com/entitle-dev/entitle/syscalls"
	"golang.org/x/sys/unix"
)

// kernelPolicy allows everything the Go runtime and the test need, with
// argument rules and denials to check on the real kernel.
func kernelPolicy() *policy.Policy {
	x64 := []*syscalls.Arch{syscalls.X86_64}
	return pol(policy.Allow, x64,
		argRule("getcwd", policy.Errno(uint16(unix.EACCES))),
		// socket(AF_INET6, ...) denied, AF_INET allowed (32-bit domain argument).
		policy.Rule{Syscall: "socket", Action: policy.Errno(uint16(unix.EAFNOSUPPORT)), Conds: []policy.Cond{{Arg: 0, Op: policy.OpEQ, Value: unix.AF_INET6, Width32: true}}},
		// personality: only the query 0xffffffff passes.
		argRule("personality", policy.Errno(uint16(unix.EPERM)), cond(0, policy.OpNE, 0xffffffff)),
		// unshare without CLONE_NEWUSER only.
		argRule("unshare", policy.Errno(uint16(unix.EPERM)), masked(0, unix.CLONE_NEWUSER, unix.CLONE_NEWUSER)),
		// fchmodat: 64-bit compare on the mode: high half must be zero.
		argRule("fchmodat", policy.Errno(uint16(unix.EPERM)), cond(2, policy.OpGT, 0o7777)),
		argRule("uname", policy.KillProcess),
	)
}

func installOrExit(p *policy.Policy) {
	prog, err := Compile(p)
	if err != nil {
		fmt.Println("compile:", err)
		os.Exit(3)
	}
	if _, err := seccomp.Install(prog.Insns, seccomp.FlagTSync); err != nil {
		fmt.Println("install:", err)
		os.Exit(3)
	}
}

func report(name string, got, want error) string {
	ok := errors.Is(got, want) || (want == nil && got == nil)
	return fmt.Sprintf("%s: got %v want %v ok=%v\n", name, got, want, ok)
}

func socketErr(domain int) error {
	fd, err := unix.Socket(domain, unix.SOCK_STREAM, 0)
	if err == nil {
		unix.Close(fd)
	}
	return err
}

func TestKernelArgumentRules(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("policy written for x86_64")
	}
	if childtest.Child("args") {
		installOrExit(kernelPolicy())
		var b strings.Builder
		buf := make([]byte, 4096)
		_, err := unix.Getcwd(buf)
		b.WriteString(report("getcwd denied", err, unix.EACCES))
		b.WriteString(report("socket AF_INET allowed", socketErr(unix.AF_INET), nil))
		b.WriteString(report("socket AF_UNIX allowed", socketErr(unix.AF_UNIX), nil))
		b.WriteString(report("socket AF_INET6 denied", socketErr(unix.AF_INET6), unix.EAFNOSUPPORT))
		// Sign-extended int in the high half: the kernel only reads the low
		// 32 bits of domain, so does the Width32 rule.
		_, _, e := unix.RawSyscall(unix.SYS_SOCKET, 0xFFFFFFFF00000000|unix.AF_INET6, unix.SOCK_STREAM, 0)
		b.WriteString(report("socket AF_INET6 with high garbage denied", errnoErr(e), unix.EAFNOSUPPORT))
		_, _, e = unix.RawSyscall(unix.SYS_PERSONALITY, 0xffffffff, 0, 0)
		b.WriteString(report("personality query allowed", errnoErr(e), nil))
		_, _, e = unix.RawSyscall(unix.SYS_PERSONALITY, 0, 0, 0)
		b.WriteString(report("personality set denied", errnoErr(e), unix.EPERM))
		// 64-bit: 0x1_0000_0000|PER_LINUX is not 0xffffffff.
		_, _, e = unix.RawSyscall(unix.SYS_PERSONALITY, 0x1FFFFFFFF, 0, 0)
		b.WriteString(report("personality high half checked", errnoErr(e), unix.EPERM))
		b.WriteString(report("unshare(CLONE_NEWUSER) denied", unix.Unshare(unix.CLONE_NEWUSER), unix.EPERM))
		f, _ := os.CreateTemp("", "mode")
		f.Close()
		defer os.Remove(f.Name())
		b.WriteString(report("fchmodat 0644 allowed", unix.Fchmodat(unix.AT_FDCWD, f.Name(), 0o644, 0), nil))
		_, _, e = unix.Syscall6(unix.SYS_FCHMODAT, uintptr(0xFFFFFFFFFFFFFF9C), uintptr(unsafe.Pointer(unsafePtr(f.Name()))), 0x1_0000_0644, 0, 0, 0)
		b.WriteString(report("fchmodat mode with high half denied", errnoErr(e), unix.EPERM))
		_, _, e = unix.RawSyscall(1000, 0, 0, 0)
		b.WriteString(report("unknown number 1000 -> ENOSYS", errnoErr(e), unix.ENOSYS))
		fmt.Print(b.String())
		os.Exit(0)
	}
	out, err := childtest.Run(t, "args")
	if err != nil {
		t.Fatalf("child failed: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.Contains(line, "ok=false") {
			t.Error(line)
		}
	}
	if strings.Count(out, "ok=true") != 12 {
		t.Errorf("expected 12 checks:\n%s", out)
	}
}

func errnoErr(e syscall.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

func unsafePtr(s string) *byte {
	p, _ := unix.BytePtrFromString(s)
	return p
}

// TestKernelKill checks the kill-process action and the bad-arch paths
// (i386 through int $0x80, x32 numbers) on the real kernel: the child must
// die of SIGSYS.
func TestKernelKill(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("policy written for x86_64")
	}
	cases := map[string]func(){
		"kill-uname": func() { var u unix.Utsname; unix.Uname(&u) },
		"i386-getpid": func() {
			i386, _ := syscalls.X86.Number("getpid")
			rawsys.Int80(i386, 0, 0, 0)
		},
		"x32-getpid": func() {
			nr, _ := syscalls.X32.Number("getpid")
			unix.RawSyscall(uintptr(nr), 0, 0, 0)
		},
	}
	for name, fn := range cases {
		if childtest.Child(name) {
			installOrExit(kernelPolicy())
			fn()
			fmt.Println("survived")
			os.Exit(0)
		}
	}
	for name := range cases {
		t.Run(name, func(t *testing.T) {
			out, err := childtest.Run(t, name)
			var ee interface{ Sys() any }
			if !errors.As(err, &ee) {
				t.Fatalf("child was not killed: %v\n%s", err, out)
			}
			ws, ok := ee.Sys().(syscall.WaitStatus)
			if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGSYS {
				t.Fatalf("child ended with %v, want SIGSYS\n%s", err, out)
			}
		})
	}
}

// TestKernelDockerDefault loads Docker's default profile, compiled by
// entitle, under a Go program and checks allowed and denied calls.
func TestKernelDockerDefault(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("x86_64 profile")
	}
	if childtest.Child("docker") {
		p, err := profile.DockerDefault(profile.Options{})
		if err != nil {
			fmt.Println(err)
			os.Exit(3)
		}
		installOrExit(p.Policy)
		var b strings.Builder
		buf := make([]byte, 4096)
		_, err = unix.Getcwd(buf)
		b.WriteString(report("getcwd allowed", err, nil))
		b.WriteString(report("socket AF_INET allowed", socketErr(unix.AF_INET), nil))
		b.WriteString(report("socket AF_VSOCK denied", socketErr(unix.AF_VSOCK), unix.EPERM))
		b.WriteString(report("unshare(CLONE_NEWUSER) denied", unix.Unshare(unix.CLONE_NEWUSER), unix.EPERM))
		_, _, e := unix.RawSyscall(unix.SYS_CLONE3, 0, 0, 0)
		b.WriteString(report("clone3 -> ENOSYS", errnoErr(e), unix.ENOSYS))
		_, _, e = unix.RawSyscall(unix.SYS_REBOOT, 0, 0, 0)
		b.WriteString(report("reboot denied", errnoErr(e), unix.EPERM))
		_, _, e = unix.RawSyscall(999, 0, 0, 0)
		b.WriteString(report("unknown 999 -> ENOSYS", errnoErr(e), unix.ENOSYS))
		// A thread via clone (Go runtime) still works.
		done := make(chan bool)
		go func() { runtime.LockOSThread(); done <- true }()
		<-done
		fmt.Print(b.String())
		os.Exit(0)
	}
	out, err := childtest.Run(t, "docker")
	if err != nil {
		t.Fatalf("child failed: %v\n%s", err, out)
	}
	if strings.Contains(out, "ok=false") || strings.Count(out, "ok=true") != 7 {
		t.Fatalf("unexpected:\n%s", out)
	}
}
