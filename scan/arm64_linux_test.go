//go:build linux

package scan

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/entitle-dev/entitle/internal/testenv"
	"github.com/entitle-dev/entitle/syscalls"
)

// qemuLine is a system call in qemu-user's -strace output ("PID name(...").
var qemuLine = regexp.MustCompile(`(?m)^\d+ ([a-z_][a-z0-9_]*)\(`)

// qemuTrace runs an aarch64 program under qemu-aarch64 -strace (the
// machine is x86_64; qemu-user runs the program and logs its system calls)
// and returns the aarch64 system calls it made.
func qemuTrace(t *testing.T, dir, sysroot string, argv ...string) *traced {
	t.Helper()
	args := []string{"-strace"}
	if sysroot != "" {
		args = append(args, "-L", sysroot)
	}
	cmd := exec.Command("qemu-aarch64", append(args, argv...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &bytes.Buffer{}, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("qemu-aarch64 %v: %v\n%.2000s", argv, err, stderr.String())
	}
	tr := &traced{calls: map[string]bool{}}
	for _, m := range qemuLine.FindAllStringSubmatch(stderr.String(), -1) {
		if _, ok := syscalls.AARCH64.Number(m[1]); ok {
			tr.calls[m[1]] = true
		}
	}
	if len(tr.calls) < 5 {
		t.Fatalf("qemu-aarch64 -strace logged %d system calls:\n%.2000s", len(tr.calls), stderr.String())
	}
	return tr
}

func reportNames(r *Report) map[string]bool {
	out := map[string]bool{}
	for _, s := range r.Syscalls {
		out[s.Name] = true
	}
	return out
}

// TestARM64GoProgram scans the same Go program built for arm64 and for
// amd64: the system calls both architectures have must be the same, and
// the entitlements too. Under qemu-aarch64, every call the arm64 build
// makes must be in its static set (recall, as on x86_64 with strace).
func TestARM64GoProgram(t *testing.T) {
	dir := t.TempDir()
	sc := newTestScanner(t)
	arm := buildGo(t, dir, "go-arm64", goProgram, "CGO_ENABLED=0", "GOARCH=arm64")
	amd := buildGo(t, dir, "go-amd64", goProgram, "CGO_ENABLED=0", "GOARCH=amd64")
	ra, err := sc.Scan(arm)
	if err != nil {
		t.Fatal(err)
	}
	rx, err := sc.Scan(amd)
	if err != nil {
		t.Fatal(err)
	}
	if ra.Arch != "aarch64" || ra.Kind != "go" {
		t.Errorf("arm64 build: arch %q kind %q", ra.Arch, ra.Kind)
	}
	na, nx := reportNames(ra), reportNames(rx)
	var onlyArm, onlyAmd, mismatch []string
	for n := range na {
		if !nx[n] {
			onlyArm = append(onlyArm, n)
			if _, ok := syscalls.X86_64.Number(n); ok {
				mismatch = append(mismatch, n+" (arm64 only)")
			}
		}
	}
	for n := range nx {
		if !na[n] {
			onlyAmd = append(onlyAmd, n)
			if _, ok := syscalls.AARCH64.Number(n); ok {
				mismatch = append(mismatch, n+" (amd64 only)")
			}
		}
	}
	sort.Strings(onlyArm)
	sort.Strings(onlyAmd)
	sort.Strings(mismatch)
	t.Logf("arm64 %d system calls, amd64 %d; arm64 only %v, amd64 only %v", len(na), len(nx), onlyArm, onlyAmd)
	if len(mismatch) > 0 {
		t.Errorf("system calls both architectures have, found in one build only: %s", strings.Join(mismatch, ", "))
	}
	if !slices.Equal(ra.Entitlements, rx.Entitlements) {
		t.Errorf("entitlements differ:\narm64 %v\namd64 %v", ra.Entitlements, rx.Entitlements)
	}
	runtimeCalls := 0
	for _, s := range ra.Syscalls {
		if s.Runtime {
			runtimeCalls++
		}
	}
	if runtimeCalls < 10 {
		t.Errorf("only %d system calls labelled as the Go runtime's", runtimeCalls)
	}
	needTools(t, "qemu-aarch64")
	tr := qemuTrace(t, dir, "", arm, t.TempDir(), "/bin/true")
	checkRecall(t, "go-arm64", na, tr)
}

const cProgram = `#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static void on(int s) { (void)s; }

int main(void) {
	signal(SIGUSR1, on);
	raise(SIGUSR1);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd >= 0)
		close(fd);
	FILE *f = fopen("/etc/hostname", "r");
	if (f)
		fclose(f);
	printf("%ld\n", syscall(SYS_getpid));
	return 0;
}
`

// TestARM64CProgram builds a C program with Debian's aarch64 cross
// compiler, static and dynamic (its libraries from the cross sysroot),
// and checks the scan against qemu-aarch64 -strace and the arguments
// resolved through libc's wrappers.
func TestARM64CProgram(t *testing.T) {
	needTools(t, "aarch64-linux-gnu-gcc")
	const sysroot = "/usr/aarch64-linux-gnu"
	if _, err := os.Stat(filepath.Join(sysroot, "lib", "libc.so.6")); err != nil {
		testenv.Skipf(t, "no aarch64 C library in %s (.ci/run installs libc6-dev-arm64-cross)", sysroot)
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "prog.c")
	os.WriteFile(src, []byte(cProgram), 0o644)
	for _, c := range []struct {
		name  string
		flags []string
	}{
		{"static", []string{"-static"}},
		{"dynamic", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			bin := filepath.Join(dir, "prog-"+c.name)
			args := append([]string{"-O2", "-o", bin, src}, c.flags...)
			if out, err := exec.Command("aarch64-linux-gnu-gcc", args...).CombinedOutput(); err != nil {
				t.Fatalf("aarch64-linux-gnu-gcc: %v\n%s", err, out)
			}
			sc := New(Options{CacheDir: t.TempDir(), Root: sysroot})
			r, err := sc.Scan(bin)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range r.Limits {
				if l.Kind == "missing-library" {
					t.Errorf("%s", l.Detail)
				}
			}
			found := map[string]bool{}
			for _, s := range r.Syscalls {
				for _, st := range s.Sites {
					if st.Function != "main" {
						continue
					}
					// socket(AF_INET, SOCK_STREAM, 0) and syscall(SYS_getpid),
					// resolved at the call in main through libc's wrappers.
					if s.Name == "socket" && st.Args == "arg0=0x2 arg1=0x1 arg2=0x0" {
						found["socket"] = true
					}
					if s.Name == "getpid" && strings.Contains(st.Via, "syscall") {
						found["syscall"] = true
					}
				}
			}
			if !found["socket"] || !found["syscall"] {
				t.Errorf("main's socket(AF_INET, SOCK_STREAM, 0) and syscall(SYS_getpid) not resolved through libc (%v):\n%s", found, explainSites(r, "socket", "getpid"))
			}
			for _, e := range []string{"net.client", "fs.read"} {
				if !slices.Contains(r.Entitlements, e) {
					t.Errorf("entitlements %v lack %s", r.Entitlements, e)
				}
			}
			needTools(t, "qemu-aarch64")
			tr := qemuTrace(t, dir, sysroot, bin)
			checkRecall(t, "c-arm64-"+c.name, reportNames(r), tr)
		})
	}
}

func explainSites(r *Report, names ...string) string {
	var b strings.Builder
	for _, s := range r.Syscalls {
		if slices.Contains(names, s.Name) {
			for _, st := range s.Sites {
				fmt.Fprintf(&b, "  %s: %s via %q %s\n", s.Name, st.Function, st.Via, st.Args)
			}
		}
	}
	return b.String()
}
