//go:build linux

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/supervise"
)

// The wording of entitle run, checked in this process: a supervise.Cmd
// rendered by runView as the command renders it (run.go).

type viewResult struct {
	*supervise.Report
	stdout string
	log    string   // the command's standard error and entitle's lines
	lines  []string // entitle's seccomp lines
}

// syncBuffer is a bytes.Buffer safe for the view and the copier of the
// command's stderr writing at once.
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

// viewRun runs args under base + allow in mode as entitle run does (events
// to the view; with a non-nil events writer, JSON lines too) and returns
// what it printed.
func viewRun(t *testing.T, mode supervise.Mode, allow []string, events *syncBuffer, args ...string) viewResult {
	t.Helper()
	p, err := supervise.Build(catalog.Request{Entitlements: allow})
	if err != nil {
		t.Fatal(err)
	}
	var out, log syncBuffer
	c := &supervise.Cmd{Path: args[0], Args: args, Policy: p, Entitlements: allow, Mode: mode, Stdout: &out, Stderr: &log}
	var ew io.Writer // nil unless events is set (a nil *syncBuffer is not)
	if events != nil {
		ew = events
	}
	v := newRunView(&log, ew, mode, false, false, p)
	c.Events, c.Every = v.event, v.every()
	if err := c.Run(); err != nil {
		t.Fatalf("Run(%q): %v", args, err)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return viewResult{c.Report, out.String(), log.String(), slices.Clone(v.lines)}
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
// explanation names exactly that entitlement, and the line the flag to add.
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
			needProgs(t, c.prog)
			if c.name == "curl" {
				url = loopbackServer(t)
			}
			r := viewRun(t, supervise.Explain, c.allow, nil, c.args(1)...)
			if r.Denied != 0 || r.ExitCode != 0 || !strings.Contains(r.stdout, c.want) {
				t.Fatalf("with %v: exit %d, %d denied, stdout %q, log:\n%s", c.allow, r.ExitCode, r.Denied, r.stdout, r.log)
			}
			less := slices.DeleteFunc(slices.Clone(c.allow), func(s string) bool { return s == c.missing })
			r = viewRun(t, supervise.Explain, less, nil, c.args(2)...)
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

// TestExplainLine checks one denial line and the summary exactly.
func TestExplainLine(t *testing.T) {
	needProgs(t, "mkdir")
	dir := t.TempDir()
	r := viewRun(t, supervise.Explain, []string{"fs.read"}, nil, "mkdir", "-m", "0755", dir+"/x")
	if r.ExitCode != 1 || len(r.lines) != 2 {
		t.Fatalf("exit %d, lines %q", r.ExitCode, r.lines)
	}
	// mkdir -m creates with 0755 ... (coreutils passes the mode to mkdir(2))
	want := fmt.Sprintf(`entitle: denied mkdir(%q, 0755) by pid `, dir+"/x")
	if !strings.HasPrefix(r.lines[0], want) || !strings.HasSuffix(r.lines[0], " (mkdir): needs fs.create — add --allow fs.create") {
		t.Fatalf("line %q, want %q...", r.lines[0], want)
	}
	if r.lines[1] != "entitle: 1 call denied; to allow them: --allow fs.read,fs.create" {
		t.Fatalf("summary %q", r.lines[1])
	}
	if _, err := os.Stat(dir + "/x"); err == nil {
		t.Fatal("the directory was created")
	}
}

// TestNotGrantableLine: TIOCSTI is never granted; the line says so.
func TestNotGrantableLine(t *testing.T) {
	needProgs(t, "/usr/bin/python3")
	r := viewRun(t, supervise.Explain, []string{"fs.read"}, nil, "/usr/bin/python3", "-c", `
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

// TestQuietLines: --quiet prints nothing of entitle's own.
func TestQuietLines(t *testing.T) {
	needProgs(t, "mkdir")
	dir := t.TempDir()
	r := viewRun(t, supervise.Quiet, []string{"fs.read"}, nil, "mkdir", dir+"/q")
	if r.ExitCode != 1 || r.Denied != 0 || len(r.lines) != 0 || !strings.Contains(r.log, "Operation not permitted") || strings.Contains(r.log, "entitle:") {
		t.Fatalf("exit %d, lines %q, log %q", r.ExitCode, r.lines, r.log)
	}
}

// TestProbeLines: harmless probes (glibc's nscd lookup in id, the NUMA
// query of ps) print nothing without --all.
func TestProbeLines(t *testing.T) {
	for _, args := range [][]string{{"id", "-un", "0"}, {"ps", "-o", "comm=", "-p", "1"}} {
		t.Run(args[0], func(t *testing.T) {
			needProgs(t, args[0])
			r := viewRun(t, supervise.Explain, []string{"fs.read"}, nil, args...)
			if r.ExitCode != 0 || r.Denied != 0 || r.Probes == 0 || len(r.lines) != 0 || strings.TrimSpace(r.stdout) == "" {
				t.Fatalf("exit %d, denied %d, probes %d, lines %q, out %q", r.ExitCode, r.Denied, r.Probes, r.lines, r.stdout)
			}
		})
	}
}

// TestEventsJSON: the --events stream has one denial per denied call,
// with the flag to add and the answer, and the summary last.
func TestEventsJSON(t *testing.T) {
	needProgs(t, "mkdir")
	dir := t.TempDir()
	var events syncBuffer
	r := viewRun(t, supervise.Explain, []string{"fs.read"}, &events, "mkdir", dir+"/x")
	var got []eventJSON
	sc := bufio.NewScanner(strings.NewReader(events.String()))
	for sc.Scan() {
		var e eventJSON
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("event %q: %v", sc.Text(), err)
		}
		got = append(got, e)
	}
	var denial, summary bool
	for i, e := range got {
		switch {
		case e.V != 1 || e.Time == "":
			t.Errorf("event without version or time: %+v", e)
		case e.Event == "denial" && e.Layer == "seccomp" && e.Syscall == "mkdir" && e.Comm == "mkdir" && e.Flag == "--allow fs.create" &&
			e.Action == "errno(EPERM)" && e.Reason == "needs fs.create" && slices.Equal(e.Entitlements, []string{"fs.create"}):
			denial = true
		case e.Event == "summary" && i == len(got)-1 && e.Exit != nil && *e.Exit == r.ExitCode && e.Denied == 1 &&
			slices.Equal(e.Allow, []string{"fs.read", "fs.create"}) && slices.Equal(e.Flags, []string{"--allow fs.read,fs.create"}):
			summary = true
		}
	}
	if !denial || !summary {
		t.Errorf("events:\n%s\nwant the mkdir denial and the summary", events.String())
	}
}

// TestRunExit: entitle run's statuses for the supervisor's failures
// (125: nothing ran, 126: cannot execute, 127: not found, 128+N: the init
// child was killed) and the wording of its refusals.
func TestRunExit(t *testing.T) {
	for _, c := range []struct {
		err  error
		code int
		text string
	}{
		{&supervise.Error{Kind: supervise.Setup, Err: errors.New("x")}, 125, "x"},
		{&supervise.Error{Kind: supervise.NotFound, Err: errors.New("x: command not found")}, 127, "x: command not found"},
		{&supervise.Error{Kind: supervise.CannotExec, Err: errors.New("x")}, 126, "x"},
		{&supervise.Error{Kind: supervise.Signaled, Signal: syscall.SIGKILL, Err: errors.New("killed")}, 137, "killed"},
		{errors.New("other"), 125, "other"},
		{&supervise.Error{Err: &supervise.NotDenyingError{Action: policy.Allow}}, 125, "the policy's default action is allow: nothing to explain (use --quiet)"},
		{&supervise.Error{Err: &supervise.LayersError{Missing: []string{"a", "b"}}}, 125, "--strict: this kernel cannot enforce: a; b; not running the command"},
		{&supervise.Error{Err: &supervise.PreserveError{N: 2000, FD: -1}}, 125, "--preserve-fds 2000: must be 0..1000"},
		{&supervise.Error{Err: &supervise.PreserveError{N: 5, FD: 4}}, 125, "--preserve-fds 5: descriptor 4 was not passed to entitle (open it in the shell, e.g. 4>FILE, or lower the count)"},
		{&supervise.Error{Err: &supervise.PreserveError{N: 5, FD: 4, Err: syscall.EMFILE}}, 125, "--preserve-fds 5: duplicate descriptor 4: too many open files"},
		{&supervise.Error{Kind: supervise.CannotExec, Err: &supervise.ExecMemoryError{Path: "/p", Stack: true}}, 126,
			"executable stack: /p is linked with an executable stack (PT_GNU_STACK RWE): the kernel would give it read-write-execute memory, which needs mem.jit — add --allow mem.jit, or relink it without -z execstack"},
		{&supervise.Error{Kind: supervise.CannotExec, Err: &supervise.ExecMemoryError{Path: "/p", ABI: "i386"}}, 126,
			"foreign-architecture program: /p is a 32-bit i386 program: its system calls are foreign-architecture calls, which entitle never allows (the filter would kill it at the first one); use a 64-bit build"},
	} {
		e := runExit(c.err)
		if e.code != c.code || e.err.Error() != c.text {
			t.Errorf("%v: %d %q, want %d %q", c.err, e.code, e.err, c.code, c.text)
		}
	}
}

// TestKillLine: the line for a command seccomp killed with SIGSYS (a
// foreign-architecture call), hedged for a status of 159, naming the
// policy's own kill rules when it has some.
func TestKillLine(t *testing.T) {
	errnoPolicy := &policy.Policy{DefaultAction: policy.Errno(1)}
	killPolicy := &policy.Policy{DefaultAction: policy.Errno(1), Rules: []policy.Rule{{Syscall: "mount", Action: policy.KillProcess}}}
	for _, c := range []struct {
		rep  supervise.Report
		p    *policy.Policy
		want string // prefix; "" for no line
		also bool
	}{
		{supervise.Report{ExitCode: 128 + 31, Signal: syscall.SIGSYS}, errnoPolicy, "entitle: the command was killed by SIGSYS: seccomp killed it for a system call of a foreign architecture", false},
		{supervise.Report{ExitCode: 128 + 31, Signal: syscall.SIGSYS}, killPolicy, "entitle: the command was killed by SIGSYS", true},
		{supervise.Report{ExitCode: 159}, errnoPolicy, "entitle: the command exited with status 159, which is how a shell reports a child killed by SIGSYS: probably a system call", false},
		{supervise.Report{ExitCode: 128 + 9, Signal: syscall.SIGKILL}, errnoPolicy, "", false},
		{supervise.Report{ExitCode: 1}, errnoPolicy, "", false},
	} {
		got := killLine(&c.rep, c.p)
		if c.want == "" && got != "" || !strings.HasPrefix(got, c.want) ||
			strings.HasSuffix(got, ", or a call the policy kills (its default or a rule is kill or trap)") != c.also {
			t.Errorf("%+v: %q", c.rep, got)
		}
	}
}
