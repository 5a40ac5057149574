//go:build linux

package syscalls

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
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
		{X32, "clone3", 0x40000000 + 435}, {X32, "getdents64", 0x40000000 + 217},
		{X32, "rt_sigaction", 0x40000000 + 512}, {X32, "preadv2", 0x40000000 + 546},
		// added to x32 after the kernel 6.1 header, as x86_64 + 0x40000000
		{X32, "uretprobe", 0x40000000 + 335}, {X32, "cachestat", 0x40000000 + 451},
		{X32, "mseal", 0x40000000 + 462},
		{X86_64, "_sysctl", 156}, {X86_64, "newfstatat", 262}, {X86_64, "arch_prctl", 158},
		{X86, "_newselect", 142}, {X86, "socketcall", 102}, {X86, "fstatat64", 300},
		{AARCH64, "newfstatat", 79}, {ARM, "_llseek", 140}, {ARM, "arm_fadvise64_64", 270},
		{RISCV64, "riscv_flush_icache", 259}, {PPC64LE, "read", 3}, {LOONGARCH64, "read", 63},
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
	for _, c := range []struct {
		arch *Arch
		name string
	}{
		{X86_64, "chown32"}, {X86_64, "socketcall"}, {AARCH64, "open"}, {X32, "uselib"}, {X32, "arch_specific_syscall"},
		{ARM, "syscall_mask"}, {X86, "newfstatat"}, {X32, "map_shadow_stack"},
	} {
		if nr, ok := c.arch.Number(c.name); ok {
			t.Errorf("%s has %s = %#x", c.arch.Name(), c.name, nr)
		}
	}
}

func TestArchAttributes(t *testing.T) {
	cases := []struct {
		arch       *Arch
		name, oci  string
		audit      uint32
		base       uint32
		bits       int
		bigEndian  bool
		goarch     string
		minEntries int
	}{
		{X86_64, "x86_64", "SCMP_ARCH_X86_64", 0xC000003E, 0, 64, false, "amd64", 350},
		{X86, "x86", "SCMP_ARCH_X86", 0x40000003, 0, 32, false, "386", 420},
		{X32, "x32", "SCMP_ARCH_X32", 0xC000003E, 0x40000000, 64, false, "", 350},
		{AARCH64, "aarch64", "SCMP_ARCH_AARCH64", 0xC00000B7, 0, 64, false, "arm64", 300},
		{ARM, "arm", "SCMP_ARCH_ARM", 0x40000028, 0, 32, false, "arm", 400},
		{RISCV64, "riscv64", "SCMP_ARCH_RISCV64", 0xC00000F3, 0, 64, false, "riscv64", 300},
		{PPC64LE, "ppc64le", "SCMP_ARCH_PPC64LE", 0xC0000015, 0, 64, false, "ppc64le", 380},
		{S390X, "s390x", "SCMP_ARCH_S390X", 0x80000016, 0, 64, true, "s390x", 350},
		{LOONGARCH64, "loongarch64", "SCMP_ARCH_LOONGARCH64", 0xC0000102, 0, 64, false, "loong64", 300},
	}
	if len(cases) != len(All()) {
		t.Errorf("All() has %d arches, test knows %d", len(All()), len(cases))
	}
	for _, c := range cases {
		a := c.arch
		if a.Name() != c.name || a.OCIName() != c.oci || a.AuditArch() != c.audit || a.SyscallBase() != c.base ||
			a.Bits() != c.bits || a.BigEndian() != c.bigEndian || a.GoArch() != c.goarch || a.String() != c.name {
			t.Errorf("%s: got %s %s %#x base %#x %d-bit big-endian=%v goarch %q", c.name,
				a.Name(), a.OCIName(), a.AuditArch(), a.SyscallBase(), a.Bits(), a.BigEndian(), a.GoArch())
		}
		if n := len(a.Syscalls()); n < c.minEntries {
			t.Errorf("%s: only %d syscalls", c.name, n)
		}
		for _, s := range a.Syscalls() {
			if s.Nr < a.SyscallBase() {
				t.Errorf("%s: %s = %#x is below the ABI base", c.name, s.Name, s.Nr)
			}
		}
	}
	if X86_64.Max() < 450 || X32.Max() != 0x40000000+547 || X86.Max() < 450 {
		t.Errorf("Max: x86_64 %d, x32 %#x, x86 %d", X86_64.Max(), X32.Max(), X86.Max())
	}
}

// TestX32MatchesX86_64: outside the legacy x32 range 512-547, an x32
// system call has the x86_64 number plus 0x40000000, and the x86_64 ones
// added after the 6.1 header are all there.
func TestX32MatchesX86_64(t *testing.T) {
	for _, s := range X32.Syscalls() {
		nr := s.Nr - 0x40000000
		if nr >= 512 && nr <= 547 {
			if _, ok := X86_64.Number(s.Name); !ok {
				t.Errorf("x32-only %s has no x86_64 counterpart", s.Name)
			}
			continue
		}
		if got, ok := X86_64.SyscallName(nr); !ok || got != s.Name {
			t.Errorf("x32 %s = %#x, x86_64 %d is %q", s.Name, s.Nr, nr, got)
		}
	}
	for _, s := range X86_64.Syscalls() {
		if s.Nr > 450 && s.Name != "map_shadow_stack" { // "64" in syscall_64.tbl: x86_64 only
			if nr, ok := X32.Number(s.Name); !ok || nr != 0x40000000+s.Nr {
				t.Errorf("x32 lacks %s (x86_64 %d)", s.Name, s.Nr)
			}
		}
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
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Skipf("go list golang.org/x/sys: %v: skipping the full check", err)
	}
	if v, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", "golang.org/x/sys").Output(); err == nil &&
		strings.TrimSpace(string(v)) != XSysVersion {
		t.Errorf("tables come from x/sys %s, go.mod requires %s: run go generate ./syscalls", XSysVersion, strings.TrimSpace(string(v)))
	}
	re := regexp.MustCompile(`^\s*SYS_([A-Z0-9_]+)\s*=\s*(\d+)`)
	for _, a := range All() {
		if a.GoArch() == "" {
			continue
		}
		path := filepath.Join(strings.TrimSpace(string(out)), "unix", "zsysnum_linux_"+a.GoArch()+".go")
		f, err := os.Open(path)
		if err != nil {
			t.Errorf("%s: %v", a.Name(), err)
			continue
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
		"i686": X86, "x86-64": X86_64, " Amd64 ": X86_64, "scmp_arch_x32": X32, "armv7l": ARM, "ppc64el": PPC64LE,
		"riscv64": RISCV64, "SCMP_ARCH_RISCV64": RISCV64, "ppc64le": PPC64LE, "loong64": LOONGARCH64,
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
	if !Known("chown32") || !Known("socketcall") || !Known("read") || Known("getcdw") || Known("") {
		t.Error("Known is wrong")
	}
	names := Names()
	if !sort.StringsAreSorted(names) || len(names) < len(X86_64.Syscalls()) {
		t.Errorf("Names: %d names, sorted %v", len(names), sort.StringsAreSorted(names))
	}
	for i := 1; i < len(names); i++ {
		if names[i] == names[i-1] {
			t.Errorf("Names: %s twice", names[i])
		}
	}
	if got := Nearest("getcdw", 2); len(got) > 2 {
		t.Errorf("Nearest(getcdw, 2) = %v", got)
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

func TestOtherArches(t *testing.T) {
	for name, want := range map[string]string{
		"syscall": "SCMP_ARCH_MIPS", "breakpoint": "SCMP_ARCH_ARM", "cacheflush": "SCMP_ARCH_ARM",
		"set_tls": "SCMP_ARCH_ARM", "sysmips": "SCMP_ARCH_MIPS64",
	} {
		if Known(name) {
			t.Errorf("%s is in a table; OtherArches should not list it", name)
		}
		if !KnownAnywhere(name) || !slices.Contains(OtherArches(name), want) {
			t.Errorf("OtherArches(%q) = %v, want it to include %s", name, OtherArches(name), want)
		}
	}
	if !KnownAnywhere("read") || OtherArches("read") != nil {
		t.Error("read: known in the tables, not an other-arch name")
	}
	if KnownAnywhere("getcdw") {
		t.Error("getcdw is no system call anywhere")
	}
}

func TestForAudit(t *testing.T) {
	for _, c := range []struct {
		audit, nr uint32
		want      *Arch
	}{
		{X86_64.AuditArch(), 0, X86_64},
		{X86_64.AuditArch(), 0x40000000 | 1, X32},
		{X86.AuditArch(), 11, X86},
		{AARCH64.AuditArch(), 221, AARCH64},
		{0x12345678, 0, nil},
	} {
		if got := ForAudit(c.audit, c.nr); got != c.want {
			t.Errorf("ForAudit(%#x, %#x) = %v, want %v", c.audit, c.nr, got, c.want)
		}
	}
}
