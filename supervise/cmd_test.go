//go:build linux

package supervise

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/internal/testenv"
	"github.com/entitle-dev/entitle/policy"
)

// need skips the test unless the kernel tests can run and the programs
// exist.
func need(t testing.TB, progs ...string) {
	t.Helper()
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc")
	}
	for _, p := range progs {
		if _, err := exec.LookPath(p); err != nil {
			testenv.Skipf(t, "%s not installed", p)
		}
	}
}

type result struct {
	*Report
	stdout, log string
}

// confine runs args under base + allow in mode and returns the report.
func confine(t testing.TB, mode Mode, allow []string, args ...string) result {
	t.Helper()
	p, err := Build(catalog.Request{Entitlements: allow})
	if err != nil {
		t.Fatal(err)
	}
	var out, log syncBuffer
	rep, err := Run(Config{Policy: p, Entitlements: allow, Mode: mode, Args: args, Stdout: &out, Stderr: &log, Log: &log})
	if err != nil {
		t.Fatalf("Run(%q): %v", args, err)
	}
	return result{rep, out.String(), log.String()}
}

// syncBuffer is a bytes.Buffer safe for the supervisor and the copier of
// the command's stderr writing at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func loopbackServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from %s\n", r.URL.Path)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/x"
}

// TestPrograms runs real Debian programs with the entitlements they need
// (no denial, expected output), then with one of them missing: the
// explanation names exactly that entitlement.
func TestPrograms(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "src", "a.txt"), []byte("hello\n"), 0o644)
	url := ""
	cases := []struct {
		name    string
		prog    string
		args    func(run int) []string
		allow   []string
		missing string
		want    string // in stdout
	}{
		{"ls", "ls", func(int) []string { return []string{"ls", dir + "/src"} }, []string{"fs.read"}, "fs.read", "a.txt"},
		{"sh", "sh", func(i int) []string {
			return []string{"sh", "-c", fmt.Sprintf("echo hi > %s/sh%d && cat %s/sh%d", dir, i, dir, i)}
		}, []string{"fs.read", "fs.create", "proc.spawn", "proc.exec"}, "proc.exec", "hi"},
		{"python3", "/usr/bin/python3", func(i int) []string {
			return []string{"/usr/bin/python3", "-c", fmt.Sprintf("import os; os.mkdir(%q); print(os.listdir(%q))", fmt.Sprintf("%s/py%d", dir, i), dir+"/src")}
		}, []string{"fs.read", "fs.create"}, "fs.create", "a.txt"},
		{"tar", "tar", func(i int) []string {
			return []string{"tar", "cvf", fmt.Sprintf("%s/t%d.tar", dir, i), "-C", dir, "src"}
		}, []string{"fs.read", "fs.create", "net.unix"}, "fs.create", "src/a.txt"},
		{"curl", "curl", func(int) []string { return []string{"curl", "-sS", url} }, []string{"fs.read", "net.client", "net.unix"}, "net.client", "hello from /x"},
		{"sqlite3", "sqlite3", func(i int) []string {
			return []string{"sqlite3", fmt.Sprintf("%s/db%d", dir, i), "create table t(x); insert into t values(42); select x*2 from t;"}
		}, []string{"fs.read", "fs.write", "fs.create", "fs.lock", "fs.chown", "net.unix"}, "fs.lock", "84"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			need(t, c.prog)
			if c.name == "curl" {
				url = loopbackServer(t)
			}
			r := confine(t, Explain, c.allow, c.args(1)...)
			if r.Denied != 0 || r.ExitCode != 0 || !strings.Contains(r.stdout, c.want) {
				t.Fatalf("with %v: exit %d, %d denied, stdout %q, log:\n%s", c.allow, r.ExitCode, r.Denied, r.stdout, r.log)
			}
			less := slices.DeleteFunc(slices.Clone(c.allow), func(s string) bool { return s == c.missing })
			r = confine(t, Explain, less, c.args(2)...)
			if r.Denied == 0 || !slices.Equal(r.Needed, []string{c.missing}) {
				t.Fatalf("without %s: needed %v (want exactly [%s]), log:\n%s", c.missing, r.Needed, c.missing, r.log)
			}
			if !strings.Contains(r.log, "needs "+c.missing+" — add --allow "+c.missing) || !strings.Contains(r.log, "to allow them: --allow ") {
				t.Fatalf("explanation does not name %s:\n%s", c.missing, r.log)
			}
			t.Logf("without %s:\n%s", c.missing, r.log)
		})
	}
}

// TestExplainLine checks one denial line exactly.
func TestExplainLine(t *testing.T) {
	need(t, "mkdir")
	dir := t.TempDir()
	r := confine(t, Explain, []string{"fs.read"}, "mkdir", "-m", "0755", dir+"/x")
	if r.ExitCode != 1 || len(r.Lines) != 2 {
		t.Fatalf("exit %d, lines %q", r.ExitCode, r.Lines)
	}
	// mkdir -m creates with 0755 ... (coreutils passes the mode to mkdir(2))
	want := fmt.Sprintf(`entitle: denied mkdir(%q, 0755) by pid `, dir+"/x")
	if !strings.HasPrefix(r.Lines[0], want) || !strings.HasSuffix(r.Lines[0], " (mkdir): needs fs.create — add --allow fs.create") {
		t.Fatalf("line %q, want %q...", r.Lines[0], want)
	}
	if r.Lines[1] != "entitle: 1 call denied; to allow them: --allow fs.read,fs.create" {
		t.Fatalf("summary %q", r.Lines[1])
	}
	if _, err := os.Stat(dir + "/x"); err == nil {
		t.Fatal("the directory was created")
	}
}

// TestComplainThenPolicy: complain mode lets everything run and reports
// what was needed; the widened policy then runs the command without a
// denial.
func TestComplainThenPolicy(t *testing.T) {
	need(t, "sh", "cat", "ls")
	dir := t.TempDir()
	script := fmt.Sprintf("mkdir %s/d && cat /etc/hostname > %s/d/h && ls %s/d", dir, dir, dir)
	r := confine(t, Complain, nil, "sh", "-c", script)
	if r.ExitCode != 0 || r.Denied == 0 || !strings.Contains(r.stdout, "h") {
		t.Fatalf("complain: exit %d, denied %d, out %q, log:\n%s", r.ExitCode, r.Denied, r.stdout, r.log)
	}
	want := []string{"fs.create", "fs.read", "proc.exec", "proc.spawn"}
	if !slices.Equal(r.Needed, want) {
		t.Fatalf("needed %v, want %v", r.Needed, want)
	}
	os.RemoveAll(dir + "/d")
	r2 := confine(t, Explain, Union(nil, r.Needed), "sh", "-c", script)
	if r2.ExitCode != 0 || r2.Denied != 0 {
		t.Fatalf("widened policy: exit %d, denied %d, log:\n%s", r2.ExitCode, r2.Denied, r2.log)
	}
}

// TestOnlyFirstExec: without proc.exec the command itself starts, but it
// cannot execute anything else, not even itself again.
func TestOnlyFirstExec(t *testing.T) {
	need(t, "/usr/bin/python3")
	r := confine(t, Explain, []string{"fs.read"}, "/usr/bin/python3", "-c", `
import os
try:
    os.execv("/usr/bin/python3", ["python3", "-c", "print('escaped')"])
except PermissionError as e:
    print("denied", e.errno)
`)
	if !strings.Contains(r.stdout, "denied 1") || !slices.Equal(r.Needed, []string{"proc.exec"}) {
		t.Fatalf("out %q, needed %v, log:\n%s", r.stdout, r.Needed, r.log)
	}
	if !strings.Contains(r.log, `execve("/usr/bin/python3", `) {
		t.Fatalf("log:\n%s", r.log)
	}
}

// TestNotGrantable: TIOCSTI is never granted; the line says so.
func TestNotGrantable(t *testing.T) {
	need(t, "/usr/bin/python3")
	r := confine(t, Explain, []string{"fs.read"}, "/usr/bin/python3", "-c", `
import fcntl, termios, os
try:
    fcntl.ioctl(0, termios.TIOCSTI, b"x")
except OSError as e:
    print("errno", e.errno)
`)
	if !strings.Contains(r.log, "ioctl(0, TIOCSTI, 0x") || !strings.Contains(r.log, "not grantable (") || len(r.Ungrantable) != 1 {
		t.Fatalf("log:\n%s", r.log)
	}
}

func TestQuiet(t *testing.T) {
	need(t, "mkdir")
	dir := t.TempDir()
	r := confine(t, Quiet, []string{"fs.read"}, "mkdir", dir+"/q")
	if r.ExitCode != 1 || r.Denied != 0 || len(r.Lines) != 0 || !strings.Contains(r.log, "Operation not permitted") || strings.Contains(r.log, "entitle:") {
		t.Fatalf("exit %d, lines %q, log %q", r.ExitCode, r.Lines, r.log)
	}
	r = confine(t, Quiet, []string{"fs.read", "fs.create"}, "mkdir", dir+"/q")
	if r.ExitCode != 0 {
		t.Fatalf("exit %d, log %q", r.ExitCode, r.log)
	}
}

func TestExitCodes(t *testing.T) {
	need(t, "sh")
	dir := t.TempDir()
	noexec := filepath.Join(dir, "noexec")
	os.WriteFile(noexec, []byte("#!/bin/sh\n"), 0o644)
	garbage := filepath.Join(dir, "garbage")
	os.WriteFile(garbage, []byte("\x7fELF garbage"), 0o755)
	for _, c := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"sh", "-c", "exit 0"}, 0, ""},
		{[]string{"sh", "-c", "exit 3"}, 3, ""},
		{[]string{"sh", "-c", "kill -TERM $$"}, 128 + 15, ""},
		{[]string{"no-such-command-xyz"}, ExitNotFound, "command not found"},
		{[]string{dir + "/missing"}, ExitNotFound, "command not found"},
		{[]string{noexec}, ExitCannotExec, "permission denied"},
		{[]string{dir}, ExitCannotExec, "is a directory"},
		{[]string{garbage}, ExitCannotExec, "exec format error"},
	} {
		p, _ := Build(catalog.Request{Entitlements: []string{"fs.read"}})
		var log syncBuffer
		rep, err := Run(Config{Policy: p, Entitlements: []string{"fs.read"}, Args: c.args, Log: &log, Stderr: &log})
		code := -1
		if err != nil {
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("%q: %T %v", c.args, err, err)
			}
			code = e.Code
			if !strings.Contains(e.Error(), c.err) {
				t.Errorf("%q: error %q, want %q", c.args, e.Error(), c.err)
			}
		} else {
			code = rep.ExitCode
		}
		if code != c.code {
			t.Errorf("%q: exit %d, want %d (%v, log %q)", c.args, code, c.code, err, log.String())
		}
	}
}

// TestFailClosed: when the filter cannot be compiled or installed the
// command does not run and the status is 125.
func TestFailClosed(t *testing.T) {
	need(t, "touch")
	dir := t.TempDir()
	p, _ := Build(catalog.Request{Entitlements: []string{"fs.read", "fs.create"}})
	p.Rules = append(p.Rules, policy.Rule{Syscall: "no_such_call", Action: policy.Allow})
	_, err := Run(Config{Policy: p, Entitlements: []string{"fs.read", "fs.create"}, Args: []string{"touch", dir + "/ran"}})
	if e, ok := err.(*Error); !ok || e.Code != ExitInternal {
		t.Fatalf("err %v", err)
	}
	if _, err := os.Stat(dir + "/ran"); err == nil {
		t.Fatal("the command ran without its filter")
	}
}

// TestOnEvent: the typed event sink gets one denial per denied call and a
// summary, as the JSON stream does.
func TestOnEvent(t *testing.T) {
	need(t, "mkdir")
	dir := t.TempDir()
	p, _ := Build(catalog.Request{Entitlements: []string{"fs.read"}})
	var mu sync.Mutex
	var got []Event
	rep, err := Run(Config{Policy: p, Entitlements: []string{"fs.read"}, Args: []string{"mkdir", dir + "/x"},
		Log: io.Discard, Stderr: io.Discard, OnEvent: func(e Event) { mu.Lock(); got = append(got, e); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	var denial, summary bool
	for _, e := range got {
		switch {
		case e.Event == "denial" && e.Layer == "seccomp" && e.Syscall == "mkdir" && e.Flag == "--allow fs.create" && e.Action == "errno(EPERM)":
			denial = true
		case e.Event == "summary" && e.Exit != nil && *e.Exit == rep.ExitCode && e.Denied == 1:
			summary = true
		}
	}
	if !denial || !summary {
		t.Errorf("events %+v: want the mkdir denial and the summary", got)
	}
}

// TestDevNull: a shell's `> /dev/null` (O_CREAT|O_WRONLY|O_TRUNC, which
// is fs.create's) and git's O_RDWR open of /dev/null are answered in
// explain mode with a /dev/null descriptor the supervisor opened: not a
// denial, not reported. Any other path stays denied, and --quiet (no
// supervisor) denies it.
func TestDevNull(t *testing.T) {
	need(t, "sh")
	p, _ := Build(catalog.Request{Entitlements: []string{"fs.read"}})
	var log syncBuffer
	rep, err := Run(Config{Policy: p, Entitlements: []string{"fs.read"}, Args: []string{"sh", "-c", "echo x > /dev/null && exec 3<>/dev/null && echo ok"},
		Log: &log, Stderr: &log})
	if err != nil || rep.ExitCode != 0 || rep.Denied != 0 || strings.Contains(log.String(), "denied") {
		t.Fatalf("explain: %v %+v\n%s", err, rep, log.String())
	}
	dir := t.TempDir()
	rep, err = Run(Config{Policy: p, Entitlements: []string{"fs.read"}, Args: []string{"sh", "-c", "echo x > " + dir + "/f"}, Log: &log, Stderr: &log})
	if err != nil || rep.ExitCode == 0 || rep.Denied != 1 {
		t.Fatalf("another path: %v %+v\n%s", err, rep, log.String())
	}
	rep, err = Run(Config{Policy: p, Entitlements: []string{"fs.read"}, Mode: Quiet, Args: []string{"sh", "-c", "echo x > /dev/null"}, Log: &log, Stderr: &log})
	if err != nil || rep.ExitCode == 0 {
		t.Fatalf("quiet: %v %+v", err, rep)
	}
}

// TestInitChild: what the forked init child does before execve, besides
// the filter: the working directory (a missing one stops the run at 125,
// naming the step, before the command runs), standard streams that are not
// files (copied through pipes; one pipe when stdout and stderr are the same
// writer, so that the order of the writes is kept) and the standard input.
func TestInitChild(t *testing.T) {
	need(t, "sh")
	p, _ := Build(catalog.Request{Entitlements: []string{"fs.read"}})
	dir := t.TempDir()
	_, err := Run(Config{Policy: p, Entitlements: []string{"fs.read"}, Dir: dir + "/missing",
		Args: []string{"sh", "-c", "exit 0"}, Log: io.Discard, Stderr: io.Discard})
	if e, ok := err.(*Error); !ok || e.Code != ExitInternal || !strings.Contains(e.Error(), "change to the working directory") {
		t.Errorf("missing Dir: %v", err)
	}

	var out syncBuffer
	rep, err := Run(Config{Policy: p, Entitlements: []string{"fs.read"}, Dir: dir,
		Args:  []string{"sh", "-c", `pwd; read x; echo $x; echo 2 >&2; echo 3`},
		Stdin: strings.NewReader("1\n"), Stdout: &out, Stderr: &out, Log: io.Discard})
	if err != nil || rep.ExitCode != 0 {
		t.Fatalf("run: %v %+v", err, rep)
	}
	if want := dir + "\n1\n2\n3\n"; out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
}

// TestConcurrentRuns: library callers may run commands from several
// goroutines at once (no Subreaper); each gets its own filter and status.
func TestConcurrentRuns(t *testing.T) {
	need(t, "sh")
	p, _ := Build(catalog.Request{Entitlements: []string{"fs.read"}})
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			mode := Explain
			if i%2 == 0 {
				mode = Quiet
			}
			rep, err := Run(Config{Policy: p, Entitlements: []string{"fs.read"}, Mode: mode,
				Args: []string{"sh", "-c", fmt.Sprintf("exit %d", i)}, Log: io.Discard, Stderr: io.Discard})
			if err != nil || rep.ExitCode != i {
				errs <- fmt.Sprintf("run %d: %v %+v", i, err, rep)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
