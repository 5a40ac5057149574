//go:build linux

package scan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/entitle-dev/entitle/internal/testenv"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/profile"
	"github.com/entitle-dev/entitle/syscalls"
)

// trace runs cmd under strace -f and returns the system calls observed,
// the programs executed and the shared objects opened. With during set,
// the command runs in the background while during runs; then stop stops it.
type traced struct {
	calls map[string]bool
	execs []string
	sos   []string
}

var (
	straceLine   = regexp.MustCompile(`^\d+\s+(?:<\.\.\. )?([a-z_][a-z0-9_]*)(?:\(| resumed>)`)
	straceExec   = regexp.MustCompile(`^\d+\s+execve\("([^"]+)".*(?:\) = 0|<unfinished \.\.\.>)$`)
	straceOpenSO = regexp.MustCompile(`^\d+\s+openat\([^,]+, "([^"]+\.so(?:\.[0-9.]+)?)", [^)]*\) = \d+`)
	// What each process runs: a successful execve, and the children of
	// clone, fork and vfork, which run what their parent runs.
	straceExecDone = regexp.MustCompile(`^(\d+)\s+(?:execve\("([^"]+)".*|<\.\.\. execve resumed>.*)\)\s+= 0$`)
	straceExecTry  = regexp.MustCompile(`^(\d+)\s+execve\("([^"]+)"`)
	straceChild    = regexp.MustCompile(`^(\d+)\s+(?:<\.\.\. )?(?:clone3?|fork|vfork)(?:\(| resumed>).* = (\d+)$`)
	procSelfExe    = regexp.MustCompile(`^/proc/(?:self|thread-self|\d+)/exe$`)
	// An openat another process's line interrupted.
	straceOpenSOTry  = regexp.MustCompile(`^(\d+)\s+openat\([^,]+, "([^"]+\.so(?:\.[0-9.]+)?)", .*<unfinished \.\.\.>$`)
	straceOpenSODone = regexp.MustCompile(`^(\d+)\s+<\.\.\. openat resumed>.*\)\s+= \d+$`)
)

func parseStrace(t *testing.T, path string) *traced {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	// Which process started which: a child runs its parent's program
	// until it executes another (strace may print the child's first
	// calls before the parent's clone returns).
	parent := map[string]string{}
	for _, line := range lines {
		if m := straceChild.FindStringSubmatch(line); m != nil {
			parent[m[2]] = m[1]
		}
	}
	// runs: the program each pid runs; tried: the path its last execve
	// asked for. An exec of /proc/self/exe (busybox running an applet)
	// runs the process's own program, not the test's.
	runs, tried, opening := map[string]string{}, map[string]string{}, map[string]string{}
	program := func(pid string) string {
		for i := 0; pid != "" && i < 64; i++ {
			if p, ok := runs[pid]; ok {
				return p
			}
			pid = parent[pid]
		}
		return ""
	}
	tr := &traced{calls: map[string]bool{}}
	first := true
	for _, line := range lines {
		if m := straceLine.FindStringSubmatch(line); m != nil {
			name := m[1]
			if first && name == "execve" {
				// strace starting the program: its parent's call, made
				// before the program runs (entitle run allows the
				// command's own exec). Later execve calls count.
				first = false
			} else {
				first = false
				// Not restart_syscall (kernel-internal) nor syscall_NNN
				// (numbers strace does not know).
				if _, ok := syscalls.X86_64.Number(name); ok && name != "restart_syscall" && !strings.HasPrefix(name, "syscall_") {
					tr.calls[name] = true
				}
			}
		}
		if m := straceExecTry.FindStringSubmatch(line); m != nil {
			pid, e := m[1], m[2]
			if procSelfExe.MatchString(e) {
				of := pid
				if !strings.HasPrefix(e, "/proc/self/") && !strings.HasPrefix(e, "/proc/thread-self/") {
					of = strings.Split(e, "/")[2]
				}
				if e = program(of); e == "" {
					t.Fatalf("%s: exec of %s by a process whose program is not known:\n%s", path, m[2], line)
				}
			}
			tried[pid] = e
		}
		if m := straceExecDone.FindStringSubmatch(line); m != nil {
			runs[m[1]] = tried[m[1]]
		}
		if m := straceExec.FindStringSubmatch(line); m != nil {
			tr.execs = append(tr.execs, tried[strings.Fields(line)[0]])
		}
		if m := straceOpenSO.FindStringSubmatch(line); m != nil {
			tr.sos = append(tr.sos, m[1])
		}
		if m := straceOpenSOTry.FindStringSubmatch(line); m != nil {
			opening[m[1]] = m[2]
		}
		if m := straceOpenSODone.FindStringSubmatch(line); m != nil && opening[m[1]] != "" {
			tr.sos = append(tr.sos, opening[m[1]])
			delete(opening, m[1])
		}
	}
	return tr
}

// dockerAllowed counts the system calls Docker's default profile allows
// (with any arguments) on x86_64.
func dockerAllowed(t *testing.T) int {
	p, err := profile.DockerDefault(profile.Options{HostArch: syscalls.X86_64, Kernel: "6.1"})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, r := range p.Rules {
		if r.Action == policy.Allow {
			names[r.Syscall] = true
		}
	}
	return len(names)
}

func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.Skipf(t, "%s is not installed (.ci/run installs it)", tool)
		}
	}
}

// straceRun runs argv under strace -f to completion.
func straceRun(t *testing.T, dir string, argv ...string) *traced {
	t.Helper()
	return straceRunIO(t, dir, run{argv: argv, mayFail: true})
}

// A run is one command of a workload.
type run struct {
	argv   []string
	stdin  string   // a file read as standard input ("": none)
	input  string   // or these bytes, through a pipe
	stdout string   // a file standard output is written to ("": discarded)
	env    []string // added to the environment
	before func()   // called before the command starts
	narrow bool     // one of the original, narrow workload's runs
	// mayFail: the command's own failure (curl to a closed port, a
	// missing file) is part of the workload; otherwise it fails the test.
	mayFail bool
}

// straceRunIO runs r under strace -f to completion.
func straceRunIO(t *testing.T, dir string, r run) *traced {
	t.Helper()
	if r.before != nil {
		r.before()
	}
	argv := r.argv
	out := filepath.Join(dir, fmt.Sprintf("strace.%d", time.Now().UnixNano()))
	cmd := exec.Command("strace", append([]string{"-f", "-qq", "-o", out}, argv...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), r.env...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	switch {
	case r.stdin != "":
		f, err := os.Open(r.stdin)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cmd.Stdin = f
	case r.input != "":
		cmd.Stdin = strings.NewReader(r.input)
	}
	if r.stdout != "" {
		f, err := os.Create(r.stdout)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cmd.Stdout = f
	}
	if err := cmd.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok || !r.mayFail || !strings.HasPrefix(argv[0], "/") {
			t.Fatalf("%v: %v\n%s", argv, err, stderr.String())
		}
	}
	return parseStrace(t, out)
}

// add adds what u traced to tr.
func (tr *traced) add(u *traced) {
	for k := range u.calls {
		tr.calls[k] = true
	}
	tr.execs = append(tr.execs, u.execs...)
	tr.sos = append(tr.sos, u.sos...)
}

// straceServe starts argv under strace -f, calls during, then stop, and
// waits for the server to exit.
func straceServe(t *testing.T, dir string, argv []string, during func(), stop func(cmd *exec.Cmd)) *traced {
	t.Helper()
	out := filepath.Join(dir, fmt.Sprintf("strace.serve.%d", time.Now().UnixNano()))
	cmd := exec.Command("strace", append([]string{"-f", "-qq", "-o", out}, argv...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	during()
	stop(cmd)
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%v did not stop\n%s", argv, stderr.String())
	}
	return parseStrace(t, out)
}

// staticSet scans the program, every program the trace executed, and every
// shared object it loaded at run time (dlopen: the scanner reports it as a
// limit and says to scan those too), and returns the union of their calls.
func staticSet(t *testing.T, sc *Scanner, prog string, tr *traced) map[string]bool {
	t.Helper()
	set := map[string]bool{}
	loaded := map[string]bool{}
	scanned := map[string]bool{}
	do := func(p string) {
		if rp, err := filepath.EvalSymlinks(p); err == nil {
			p = rp
		}
		if scanned[p] {
			return
		}
		scanned[p] = true
		r, err := sc.Scan(p)
		if err != nil {
			t.Fatalf("scan %s: %v", p, err)
		}
		for _, s := range r.Syscalls {
			set[s.Name] = true
		}
		for _, l := range r.Libraries {
			if rl, err := filepath.EvalSymlinks(l); err == nil {
				l = rl
			}
			loaded[l] = true
		}
		for _, l := range r.Limits {
			if l.Kind == "missing-library" {
				t.Errorf("%s: %s", p, l.Detail)
			}
		}
	}
	do(prog)
	for _, e := range tr.execs {
		if _, err := os.Stat(e); err == nil {
			do(e)
		}
	}
	// Shared objects another loaded one needs come after it (they are
	// then among its libraries), whatever the order the trace opened
	// them in: libnss_systemd before the libcap it needs.
	needed := map[string]bool{}
	for _, so := range tr.sos {
		if m, err := openModule(so); err == nil {
			for _, n := range m.needed {
				needed[n] = true
			}
		}
	}
	for _, later := range []bool{false, true} {
		for _, so := range tr.sos {
			if needed[filepath.Base(so)] != later {
				continue
			}
			rp, err := filepath.EvalSymlinks(so)
			if err != nil {
				continue
			}
			if !loaded[rp] {
				do(rp)
			}
		}
	}
	if len(scanned) > 1 {
		t.Logf("scanned: %s", strings.Join(slices.Sorted(maps.Keys(scanned)), " "))
	}
	return set
}

func checkRecall(t *testing.T, name string, static map[string]bool, tr *traced) {
	t.Helper()
	var missing []string
	for c := range tr.calls {
		if !static[c] {
			missing = append(missing, c)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%s: traced system calls missing from the static set: %s", name, strings.Join(missing, " "))
	}
	var extra []string
	for c := range static {
		if !tr.calls[c] {
			extra = append(extra, c)
		}
	}
	sort.Strings(extra)
	t.Logf("static only: %s: %s", name, strings.Join(extra, " "))
	t.Logf("precision: %s: traced %d, static %d (%.1fx), docker-default %d (static is %.0f%% smaller)", name, len(tr.calls), len(static),
		float64(len(static))/float64(max(len(tr.calls), 1)), dockerAllowed(t), 100*(1-float64(len(static))/float64(dockerAllowed(t))))
}

// logOrigins sorts the calls of the program's own scan that the trace did
// not make by where they are made: by the program itself (at its own
// sites, or in a libc wrapper it imports), only by the loader, or deeper
// in the libraries. The first kind bounds what any analysis of libraries
// could remove: (traced + own) / traced is the best ratio it could reach.
func logOrigins(t *testing.T, sc *Scanner, name, prog string, tr *traced) {
	t.Helper()
	r, err := sc.Scan(prog)
	if err != nil {
		t.Fatal(err)
	}
	m, err := openModule(prog)
	if err != nil {
		t.Fatal(err)
	}
	// Whether the site is in a library function the program imports,
	// by address (the report names one alias: _exit or _Exit).
	mods := map[string]*module{}
	wrapper := func(st Site) bool {
		lm, ok := mods[st.Module]
		if !ok {
			lm, _ = openModule(st.Module)
			mods[st.Module] = lm
		}
		if lm == nil || st.Via != "" {
			return false
		}
		a, ok := lm.exports[st.Function]
		if !ok {
			return false
		}
		for _, n := range m.imports {
			if b, ok := lm.exports[n]; ok && b == a {
				return true
			}
		}
		return false
	}
	var own, loader, deeper []string
	for _, s := range r.Syscalls {
		if tr.calls[s.Name] {
			continue
		}
		isOwn, onlyLoader := false, s.MoreSites == 0
		for _, st := range s.Sites {
			isOwn = isOwn || st.Module == prog || wrapper(st)
			onlyLoader = onlyLoader && strings.Contains(filepath.Base(st.Module), "ld-linux")
		}
		switch {
		case isOwn:
			own = append(own, s.Name)
		case onlyLoader:
			loader = append(loader, s.Name)
		default:
			deeper = append(deeper, s.Name)
		}
	}
	t.Logf("origins: %s: traced %d; not traced: by the program %d (best possible %.1fx) [%s], by the loader only %d [%s], deeper in libraries %d [%s]",
		name, len(tr.calls), len(own), float64(len(tr.calls)+len(own))/float64(max(len(tr.calls), 1)), strings.Join(own, " "),
		len(loader), strings.Join(loader, " "), len(deeper), strings.Join(deeper, " "))
}

func newTestScanner(t *testing.T) *Scanner {
	return New(Options{CacheDir: t.TempDir()})
}

// debianProg finds the distribution's program (not a shim earlier in PATH).
func debianProg(t *testing.T, name string) string {
	t.Helper()
	for _, d := range []string{"/usr/bin", "/usr/sbin", "/bin", "/sbin"} {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	testenv.Skipf(t, "%s is not installed (.ci/run installs it)", name)
	return ""
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitDial(t *testing.T, network, addr string) net.Conn {
	t.Helper()
	for i := 0; i < 200; i++ {
		c, err := net.Dial(network, addr)
		if err == nil {
			return c
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("nothing listens on %s %s", network, addr)
	return nil
}

// TestLoaderExec: glibc's loader executes a program only when it is the
// command itself (ld.so STATIC-PROGRAM); a program it loads does not get
// execve from it, and one that calls exec* itself does.
func TestLoaderExec(t *testing.T) {
	needTools(t, "gcc")
	sc := newTestScanner(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "exec.c")
	os.WriteFile(src, []byte("#include <unistd.h>\nint main(int argc, char **argv) { if (argc > 1) execv(argv[1], argv + 1); return 0; }\n"), 0o644)
	withExec := filepath.Join(dir, "exec")
	if out, err := exec.Command("gcc", "-O2", "-o", withExec, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	for _, c := range []struct {
		prog string
		exec bool
	}{{debianProg(t, "cat"), false}, {withExec, true}} {
		r, err := sc.Scan(c.prog)
		if err != nil {
			t.Fatal(err)
		}
		got := reportNames(r)["execve"]
		if got != c.exec {
			t.Errorf("%s: execve found %v, want %v:\n%s", c.prog, got, c.exec, explainSites(r, "execve"))
		}
		if slices.Contains(r.Entitlements, "proc.exec") != c.exec {
			t.Errorf("%s: entitlements %v", c.prog, r.Entitlements)
		}
	}
}

// TestTakenWrapper: a wrapper whose number is its parameter, called
// through a pointer (held in data, or passed as an argument), can make any
// call: it is reported unresolved instead of being dropped as a wrapper
// whose callers give the number.
func TestTakenWrapper(t *testing.T) {
	needTools(t, "gcc")
	dir := t.TempDir()
	src := filepath.Join(dir, "taken.c")
	os.WriteFile(src, []byte(`#include <unistd.h>
#include <sys/syscall.h>
__attribute__((noinline)) long in_data(long nr) { return syscall(nr, 0); }
__attribute__((noinline)) long passed(long nr) { return syscall(nr, 1); }
long (*volatile table[])(long) = { in_data };
__attribute__((noinline)) long call(long (*f)(long), long nr) { return f(nr); }
int main(int argc, char **argv) { return (int)(table[0](argc) + call(passed, argc + 1)); }
`), 0o644)
	for _, flags := range [][]string{{"-O1"}, {"-O1", "-no-pie", "-fno-pie"}} {
		bin := filepath.Join(dir, "taken")
		if out, err := exec.Command("gcc", append(flags, "-o", bin, src)...).CombinedOutput(); err != nil {
			t.Fatalf("gcc: %v\n%s", err, out)
		}
		r, err := New(Options{CacheDir: "off"}).Scan(bin)
		if err != nil {
			t.Fatal(err)
		}
		found := map[string]bool{}
		for _, u := range r.Unresolved {
			if u.Syscall == "" {
				found[u.Function] = true
			}
		}
		if !found["in_data"] || !found["passed"] {
			t.Errorf("%v: wrappers called through pointers not reported unresolved: %+v", flags, r.Unresolved)
		}
	}
}

// TestScanDeterministic: two scans of the same program give the same
// report, names of functions with aliases included.
func TestScanDeterministic(t *testing.T) {
	prog := debianProg(t, "cat")
	var first []byte
	for i := 0; i < 3; i++ {
		r, err := New(Options{CacheDir: "off"}).Scan(prog)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = b
		} else if !bytes.Equal(b, first) {
			t.Fatalf("scan %d of %s differs from the first", i+1, prog)
		}
	}
}
