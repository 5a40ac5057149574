package syscalls

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestKnownNumbers(t *testing.T) {
	cases := []struct {
		arch *Arch
		name string
		nr   uint32
	}{
		{X86_64, "read", 0}, {X86_64, "getcwd", 79}, {X86_64, "socket", 41}, {X86_64, "clone3", 435},
		{X86_64, "faccessat2", 439}, {X86_64, "getuid", 102}, {X86_64, "ptrace", 101},
		{X86, "read", 3}, {X86, "socketcall", 102}, {X86, "socket", 359}, {X86, "restart_syscall", 0}, {X86, "_llseek", 140},
		{AARCH64, "openat", 56}, {AARCH64, "read", 63},
		{X32, "read", 0x40000000}, {X32, "execve", 0x40000000 + 520}, {X32, "ptrace", 0x40000000 + 521},
		{X32, "clone3", 0x40000000 + 435},
		{ARM, "read", 3}, {S390X, "read", 3}, {RISCV64, "read", 63},
	}
	for _, c := range cases {
		got, ok := c.arch.Number(c.name)
		if !ok || got != c.nr {
			t.Errorf("%s %s = %#x, %v; want %#x", c.arch.Name(), c.name, got, ok, c.nr)
		}
		if name, ok := c.arch.SyscallName(c.nr); !ok || name != c.name {
			t.Errorf("%s nr %#x = %q; want %q", c.arch.Name(), c.nr, name, c.name)
		}
	}
	if X86_64.Max() < 450 {
		t.Errorf("x86_64 max %d: table too old", X86_64.Max())
	}
	if _, ok := X86_64.Number("chown32"); ok {
		t.Error("chown32 is not an x86_64 syscall")
	}
	if nr, _ := X32.Number("rt_sigaction"); nr != 0x40000000+512 {
		t.Errorf("x32 rt_sigaction = %#x, want the x32-specific 512", nr)
	}
}

// TestAgainstXSys checks every table entry for the running GOARCH against
// the constants compiled into golang.org/x/sys/unix.
func TestAgainstXSys(t *testing.T) {
	native := Native()
	if native.GoArch() != runtime.GOARCH {
		t.Skipf("no table for GOARCH %s", runtime.GOARCH)
	}
	want := map[string]uintptr{
		"read": unix.SYS_READ, "write": unix.SYS_WRITE, "openat": unix.SYS_OPENAT, "close": unix.SYS_CLOSE,
		"mmap": unix.SYS_MMAP, "mprotect": unix.SYS_MPROTECT, "munmap": unix.SYS_MUNMAP, "brk": unix.SYS_BRK,
		"ioctl": unix.SYS_IOCTL, "socket": unix.SYS_SOCKET, "connect": unix.SYS_CONNECT, "accept4": unix.SYS_ACCEPT4,
		"bind": unix.SYS_BIND, "listen": unix.SYS_LISTEN, "clone": unix.SYS_CLONE, "clone3": unix.SYS_CLONE3,
		"execve": unix.SYS_EXECVE, "exit_group": unix.SYS_EXIT_GROUP, "futex": unix.SYS_FUTEX, "getpid": unix.SYS_GETPID,
		"gettid": unix.SYS_GETTID, "tgkill": unix.SYS_TGKILL, "kill": unix.SYS_KILL, "rt_sigaction": unix.SYS_RT_SIGACTION,
		"rt_sigprocmask": unix.SYS_RT_SIGPROCMASK, "rt_sigreturn": unix.SYS_RT_SIGRETURN, "sigaltstack": unix.SYS_SIGALTSTACK,
		"getcwd": unix.SYS_GETCWD, "mount": unix.SYS_MOUNT, "umount2": unix.SYS_UMOUNT2, "unshare": unix.SYS_UNSHARE,
		"setns": unix.SYS_SETNS, "ptrace": unix.SYS_PTRACE, "bpf": unix.SYS_BPF, "reboot": unix.SYS_REBOOT,
		"init_module": unix.SYS_INIT_MODULE, "seccomp": unix.SYS_SECCOMP, "prctl": unix.SYS_PRCTL, "getrandom": unix.SYS_GETRANDOM,
		"io_uring_setup": unix.SYS_IO_URING_SETUP, "pidfd_getfd": unix.SYS_PIDFD_GETFD, "faccessat2": unix.SYS_FACCESSAT2,
		"landlock_create_ruleset": unix.SYS_LANDLOCK_CREATE_RULESET, "epoll_pwait": unix.SYS_EPOLL_PWAIT,
	}
	for name, nr := range want {
		got, ok := native.Number(name)
		if !ok || uintptr(got) != nr {
			t.Errorf("%s: table says %d (%v), x/sys says %d", name, got, ok, nr)
		}
	}
	// Full check: re-read the x/sys source the tables were generated from.
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "golang.org/x/sys").Output()
	if err != nil {
		t.Fatalf("go list golang.org/x/sys: %v", err)
	}
	re := regexp.MustCompile(`^\s*SYS_([A-Z0-9_]+)\s*=\s*(\d+)`)
	for _, a := range All() {
		if a.GoArch() == "" {
			continue
		}
		path := filepath.Join(strings.TrimSpace(string(out)), "unix", "zsysnum_linux_"+a.GoArch()+".go")
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			m := re.FindStringSubmatch(sc.Text())
			if m == nil {
				continue
			}
			name := strings.ToLower(m[1])
			if name == "syscall_mask" || name == "arch_specific_syscall" {
				continue
			}
			v, _ := strconv.ParseUint(m[2], 10, 32)
			if got, ok := a.Number(name); !ok || uint64(got) != v {
				t.Errorf("%s %s: table %d, x/sys %d", a.Name(), name, got, v)
			}
			n++
		}
		f.Close()
		if n != len(a.Syscalls()) {
			t.Errorf("%s: table has %d entries, x/sys %d", a.Name(), len(a.Syscalls()), n)
		}
	}
}

func TestLookup(t *testing.T) {
	for in, want := range map[string]*Arch{
		"x86_64": X86_64, "amd64": X86_64, "SCMP_ARCH_X86_64": X86_64, "X86_64": X86_64,
		"x86": X86, "i386": X86, "386": X86, "SCMP_ARCH_X86": X86, "x32": X32, "SCMP_ARCH_X32": X32,
		"aarch64": AARCH64, "arm64": AARCH64, "SCMP_ARCH_AARCH64": AARCH64, "arm": ARM, "s390x": S390X,
	} {
		got, err := Lookup(in)
		if err != nil || got != want {
			t.Errorf("Lookup(%q) = %v, %v", in, got, err)
		}
	}
	_, err := Lookup("sparc")
	if err == nil || !strings.Contains(err.Error(), "x86_64") {
		t.Errorf("Lookup(sparc) error %v should list the known names", err)
	}
	for _, a := range All() {
		if got, _ := Lookup(a.OCIName()); got != a {
			t.Errorf("Lookup(%s) = %v", a.OCIName(), got)
		}
	}
}

func TestNearest(t *testing.T) {
	if got := Nearest("getcdw", 3); len(got) == 0 || got[0] != "getcwd" {
		t.Errorf("Nearest(getcdw) = %v", got)
	}
	if got := Nearest("opnat", 3); len(got) == 0 || got[0] != "openat" {
		t.Errorf("Nearest(opnat) = %v", got)
	}
	if got := Nearest("zzzzzzzzzzzz", 3); len(got) != 0 {
		t.Errorf("Nearest(zzz...) = %v", got)
	}
	if !Known("chown32") || Known("getcdw") {
		t.Error("Known is wrong")
	}
}

func TestTablesSorted(t *testing.T) {
	for _, a := range All() {
		s := a.Syscalls()
		for i := 1; i < len(s); i++ {
			if s[i].Nr <= s[i-1].Nr {
				t.Errorf("%s: %s (%d) after %s (%d)", a.Name(), s[i].Name, s[i].Nr, s[i-1].Name, s[i-1].Nr)
			}
		}
		if a.Max() != s[len(s)-1].Nr {
			t.Errorf("%s: Max", a.Name())
		}
	}
}
