//go:build linux

package scan

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/entitle-dev/entitle/internal/testenv"
	"github.com/entitle-dev/entitle/syscalls"
)

// goProgram is a test program: files, a loopback HTTP round trip, and
// (with an argument) running another program.
const goProgram = `package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
)

func main() {
	b, _ := os.ReadFile("/etc/hostname")
	os.WriteFile(os.Args[1]+"/out.txt", b, 0o644)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err == nil {
		go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hi") }))
		if resp, err := http.Get("http://" + ln.Addr().String()); err == nil {
			resp.Body.Close()
		}
	}
	if len(os.Args) > 2 {
		exec.Command(os.Args[2]).Run()
	}
}
`

const cgoProgram = `package main

/*
#include <stdio.h>
#include <unistd.h>
#include <sys/socket.h>
static int probe(void) {
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd >= 0) close(fd);
	FILE *f = fopen("/etc/hostname", "r");
	if (f) fclose(f);
	return (int)getpid();
}
*/
import "C"

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println(C.probe() > 0)
	os.WriteFile(os.Args[1]+"/out.txt", []byte("x"), 0o644)
}
`

func goTool(t *testing.T) string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "go" // not in PATH: exec reports it
}

// buildGo builds src as a main package into dir and returns the binary.
func buildGo(t *testing.T, dir, name, src string, env ...string) string {
	t.Helper()
	pkg := filepath.Join(dir, name+"-src")
	os.MkdirAll(pkg, 0o755)
	os.WriteFile(filepath.Join(pkg, "go.mod"), []byte("module "+name+"\n\ngo 1.22\n"), 0o644)
	os.WriteFile(filepath.Join(pkg, "main.go"), []byte(src), 0o644)
	bin := filepath.Join(dir, name)
	cmd := exec.Command(goTool(t), "build", "-o", bin, ".")
	cmd.Dir = pkg
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", name, err, out)
	}
	return bin
}

func TestRecallGoPrograms(t *testing.T) {
	needTools(t, "strace")
	dir := t.TempDir()
	sc := newTestScanner(t)
	cases := []struct {
		name string
		src  string
		env  []string
		args []string
	}{
		{"go-static", goProgram, []string{"CGO_ENABLED=0"}, []string{"/bin/true"}},
		{"go-stripped", goProgram, []string{"CGO_ENABLED=0", "GOFLAGS=-ldflags=-s -w"}, nil},
		{"cgo", cgoProgram, []string{"CGO_ENABLED=1"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "cgo" {
				needTools(t, "gcc")
			}
			bin := buildGo(t, dir, c.name, c.src, c.env...)
			tr := straceRun(t, dir, append([]string{bin, t.TempDir()}, c.args...)...)
			checkRecall(t, c.name, staticSet(t, sc, bin, tr), tr)
			r, err := sc.Scan(bin)
			if err != nil {
				t.Fatal(err)
			}
			if r.Kind != "go" {
				t.Errorf("kind %q, want go", r.Kind)
			}
			var runtimeCalls int
			for _, s := range r.Syscalls {
				if s.Runtime {
					runtimeCalls++
				}
			}
			if runtimeCalls < 10 {
				t.Errorf("only %d system calls labelled as the Go runtime's", runtimeCalls)
			}
			// The runtime signals its own threads: tgkill(getpid(), tid,
			// sig), getpid's result followed through runtime.getpid's
			// return slot (signalM) and syscall's rawSyscallNoError
			// (forkAndExecInChild1 kills itself): no entitlement.
			for _, s := range r.Syscalls {
				if s.Name == "tgkill" && len(s.Entitlements) > 0 {
					t.Errorf("tgkill needs %v; sites:\n%s", s.Entitlements, explainSites(r, "tgkill"))
				}
			}
			want := []string{"fs.read", "net.client", "net.server"}
			if c.name == "cgo" {
				want = []string{"fs.read", "net.unix"}
			}
			for _, e := range want {
				if !slices.Contains(r.Entitlements, e) {
					t.Errorf("entitlements %v lack %s", r.Entitlements, e)
				}
			}
			if c.name == "cgo" {
				// socket(AF_UNIX, SOCK_STREAM, 0) in C, through libc's
				// wrapper: the arguments are resolved at the call site.
				found := false
				for _, s := range r.Syscalls {
					for _, st := range s.Sites {
						if s.Name == "socket" && strings.Contains(st.Function, "probe") && st.Via == "socket" && st.Args == "arg0=0x1 arg1=0x1 arg2=0x0" {
							found = true
						}
					}
				}
				if !found {
					t.Errorf("socket(AF_UNIX, SOCK_STREAM, 0) in probe not resolved through libc's socket wrapper")
				}
			}
		})
	}
}

// globalsProgram makes system calls whose numbers are package variables:
// one no code writes (and x/sys's fcntl64Syscall, likewise), one that
// main may change.
const globalsProgram = `package main

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

var fixedNr uintptr = syscall.SYS_GETPPID

var changedNr uintptr = syscall.SYS_GETPID

func main() {
	syscall.RawSyscall(fixedNr, 0, 0, 0)
	if len(os.Args) > 5 {
		changedNr = syscall.SYS_SETSID
	}
	syscall.RawSyscall(changedNr, 0, 0, 0)
	unix.FcntlInt(os.Stdin.Fd(), unix.F_GETFL, 0)
}
`

// TestGoReadOnlyGlobals: a load from a Go global that no instruction
// writes gives its initial value; one that code writes stays unknown.
// Both architectures: rip-relative references on x86_64, Go's adrp pairs
// on aarch64.
func TestGoReadOnlyGlobals(t *testing.T) {
	dir := t.TempDir()
	pkg := filepath.Join(dir, "globals-src")
	os.MkdirAll(pkg, 0o755)
	// x/sys at the version this module uses, from the module cache.
	sum, err := os.ReadFile("../go.sum")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(sum), "\n") {
		if strings.HasPrefix(l, "golang.org/x/sys "+syscalls.XSysVersion) {
			lines = append(lines, l)
		}
	}
	os.WriteFile(filepath.Join(pkg, "go.mod"), []byte("module globals\n\ngo 1.22\n\nrequire golang.org/x/sys "+syscalls.XSysVersion+"\n"), 0o644)
	os.WriteFile(filepath.Join(pkg, "go.sum"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	os.WriteFile(filepath.Join(pkg, "main.go"), []byte(globalsProgram), 0o644)
	for _, goarch := range []string{"amd64", "arm64"} {
		t.Run(goarch, func(t *testing.T) {
			bin := filepath.Join(dir, "globals-"+goarch)
			cmd := exec.Command(goTool(t), "build", "-o", bin, ".")
			cmd.Dir = pkg
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod", "GOPROXY=off", "GOARCH="+goarch)
			if out, err := cmd.CombinedOutput(); err != nil {
				testenv.Skipf(t, "go build with golang.org/x/sys from the module cache (go mod download fills it): %v\n%s", err, out)
			}
			r, err := newTestScanner(t).Scan(bin)
			if err != nil {
				t.Fatal(err)
			}
			main := map[string]string{}
			for _, s := range r.Syscalls {
				for _, st := range s.Sites {
					if st.Function == "main.main" {
						main[s.Name] = st.Args
					}
				}
			}
			if _, ok := main["getppid"]; !ok {
				t.Errorf("RawSyscall(fixedNr) in main not resolved to getppid: main's calls %v", main)
			}
			if args, ok := main["fcntl"]; !ok || args != "arg1=0x3" {
				t.Errorf("unix.FcntlInt(fd, F_GETFL) in main not resolved through fcntl64Syscall: main's calls %v", main)
			}
			if _, ok := main["getpid"]; ok {
				t.Errorf("changedNr, which main writes, was taken as its initial value")
			}
			unresolved := false
			for _, u := range r.Unresolved {
				if u.Function == "main.main" && u.Syscall == "" {
					unresolved = true
				}
			}
			if !unresolved {
				t.Errorf("RawSyscall(changedNr) in main not reported unresolved: %+v", r.Unresolved)
			}
		})
	}
}
