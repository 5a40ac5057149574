//go:build linux

package supervise

import (
	"bytes"
	"errors"
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
	confinement "github.com/entitle-dev/entitle/confine"
	"github.com/entitle-dev/entitle/internal/testenv"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/supervise/internal/launch"
	"github.com/entitle-dev/entitle/syscalls"
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
	stdout, log string // the command's standard output and error
	events      []Event
}

// denials returns the run's seccomp denials.
func (r result) denials() []*Denial {
	var out []*Denial
	for _, e := range r.events {
		if d, ok := e.(*Denial); ok && d.Layer == Seccomp {
			out = append(out, d)
		}
	}
	return out
}

// confine runs args under base + allow in mode, with every event, and
// returns the report.
func confine(t testing.TB, mode Mode, allow []string, args ...string) result {
	t.Helper()
	p, err := Build(catalog.Request{Entitlements: allow})
	if err != nil {
		t.Fatal(err)
	}
	var out, log syncBuffer
	var ev events
	c := &Cmd{Path: args[0], Args: args, Policy: p, Entitlements: allow, Mode: mode, Stdout: &out, Stderr: &log,
		Events: ev.add, Every: true}
	if err := c.Run(); err != nil {
		t.Fatalf("Run(%q): %v", args, err)
	}
	return result{c.Report, out.String(), log.String(), ev.all()}
}

// events collects a run's events.
type events struct {
	mu sync.Mutex
	e  []Event
}

func (ev *events) add(e Event) {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	ev.e = append(ev.e, e)
}

func (ev *events) all() []Event {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	return slices.Clone(ev.e)
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

// TestExplainDenial: one denial, as its typed event says it: the call
// decoded, the entitlement that would allow it, the answer, and the
// summary after it. (cmd/entitle's TestExplainLine checks its line.)
func TestExplainDenial(t *testing.T) {
	need(t, "mkdir")
	dir := t.TempDir()
	r := confine(t, Explain, []string{"fs.read"}, "mkdir", "-m", "0755", dir+"/x")
	ds := r.denials()
	if r.ExitCode != 1 || r.Denied != 1 || len(ds) != 1 {
		t.Fatalf("exit %d, denied %d, denials %+v", r.ExitCode, r.Denied, ds)
	}
	d := ds[0]
	// mkdir -m creates with 0755 ... (coreutils passes the mode to mkdir(2))
	if d.Syscall != "mkdir" || d.Call != fmt.Sprintf(`mkdir(%q, 0755)`, dir+"/x") || d.Comm != "mkdir" || d.PID == 0 ||
		d.Arch != syscalls.Native() || d.Args[1] != 0o755 || d.Repeat {
		t.Errorf("denial %+v", d)
	}
	if !slices.Equal(d.Entitlements, []string{"fs.create"}) || d.Reason != "" || d.Action != policy.Errno(1) {
		t.Errorf("explanation %+v", d)
	}
	if !slices.Equal(r.Needed, []string{"fs.create"}) || len(r.Learned) != 1 || !strings.HasPrefix(r.Learned[0].Reason, "mkdir(") {
		t.Errorf("needed %v, learned %+v", r.Needed, r.Learned)
	}
	if s, ok := r.events[len(r.events)-1].(*Summary); !ok || s.Report != r.Report || s.When().IsZero() {
		t.Errorf("last event %#v, want the summary", r.events[len(r.events)-1])
	}
	if _, err := os.Stat(dir + "/x"); err == nil {
		t.Fatal("the directory was created")
	}
}

// TestRepeat: a denial that repeats an earlier one (same call, same
// explanation) is sent only with Every, marked Repeat; both runs count it.
func TestRepeat(t *testing.T) {
	need(t, "sh", "mkdir")
	dir := t.TempDir()
	allow := []string{"fs.read", "proc.spawn", "proc.exec"}
	p, _ := Build(catalog.Request{Entitlements: allow})
	for _, every := range []bool{false, true} {
		var ev events
		c := &Cmd{Path: "sh", Args: []string{"sh", "-c", "mkdir " + dir + "/a; mkdir " + dir + "/a; true"}, Policy: p, Entitlements: allow,
			Stderr: io.Discard, Events: ev.add, Every: every}
		if err := c.Run(); err != nil {
			t.Fatal(err)
		}
		var sent, repeats int
		for _, e := range ev.all() {
			if d, ok := e.(*Denial); ok && d.Syscall == "mkdir" {
				sent++
				if d.Repeat {
					repeats++
				}
			}
		}
		if want := map[bool]int{false: 1, true: 2}[every]; c.Report.Denied != 2 || sent != want || repeats != want-1 {
			t.Errorf("every=%v: denied %d, sent %d (%d repeats), want 2, %d", every, c.Report.Denied, sent, repeats, want)
		}
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
	for _, d := range r.denials() {
		if d.Action != policy.Allow {
			t.Errorf("complain mode answered %s with %v", d.Call, d.Action)
		}
	}
	want := []string{"fs.create", "fs.read", "proc.exec", "proc.spawn"}
	if !slices.Equal(r.Needed, want) {
		t.Fatalf("needed %v, want %v", r.Needed, want)
	}
	os.RemoveAll(dir + "/d")
	r2 := confine(t, Explain, r.Needed, "sh", "-c", script)
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
	if !slices.ContainsFunc(r.denials(), func(d *Denial) bool { return strings.HasPrefix(d.Call, `execve("/usr/bin/python3", `) }) {
		t.Fatalf("denials %+v", r.denials())
	}
}

// TestNotGrantable: TIOCSTI is never granted; the denial says why.
func TestNotGrantable(t *testing.T) {
	need(t, "/usr/bin/python3")
	r := confine(t, Explain, []string{"fs.read"}, "/usr/bin/python3", "-c", `
import fcntl, termios, os
try:
    fcntl.ioctl(0, termios.TIOCSTI, b"x")
except OSError as e:
    print("errno", e.errno)
`)
	var sti *Denial
	for _, d := range r.denials() {
		if strings.HasPrefix(d.Call, "ioctl(0, TIOCSTI, 0x") {
			sti = d
		}
	}
	if sti == nil || sti.Entitlements != nil || sti.Reason == "" || sti.RawRule || len(r.Ungrantable) != 1 {
		t.Fatalf("denial %+v, ungrantable %q", sti, r.Ungrantable)
	}
}

// TestQuiet: no supervisor, no events but the summary; the kernel
// answers.
func TestQuiet(t *testing.T) {
	need(t, "mkdir")
	dir := t.TempDir()
	r := confine(t, Quiet, []string{"fs.read"}, "mkdir", dir+"/q")
	if r.ExitCode != 1 || r.Denied != 0 || len(r.events) != 1 || !strings.Contains(r.log, "Operation not permitted") {
		t.Fatalf("exit %d, events %+v, log %q", r.ExitCode, r.events, r.log)
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
	const exited = ErrorKind(-1)
	for _, c := range []struct {
		args []string
		kind ErrorKind
		code int
		err  string
	}{
		{[]string{"sh", "-c", "exit 0"}, exited, 0, ""},
		{[]string{"sh", "-c", "exit 3"}, exited, 3, ""},
		{[]string{"sh", "-c", "kill -TERM $$"}, exited, 128 + 15, ""},
		{[]string{"no-such-command-xyz"}, NotFound, 0, "no-such-command-xyz: command not found"},
		{[]string{dir + "/missing"}, NotFound, 0, "command not found"},
		{[]string{noexec}, CannotExec, 0, "permission denied"},
		{[]string{dir}, CannotExec, 0, "is a directory"},
		{[]string{garbage}, CannotExec, 0, "exec format error"},
	} {
		p, _ := Build(catalog.Request{Entitlements: []string{"fs.read"}})
		var log syncBuffer
		cmd := &Cmd{Path: c.args[0], Args: c.args, Policy: p, Entitlements: []string{"fs.read"}, Stderr: &log}
		err := cmd.Run()
		kind, code := exited, -1
		if err != nil {
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("%q: %T %v", c.args, err, err)
			}
			kind = e.Kind
			if !strings.Contains(e.Error(), c.err) {
				t.Errorf("%q: error %q, want %q", c.args, e.Error(), c.err)
			}
		} else {
			code = cmd.Report.ExitCode
			if c.code == 128+15 && cmd.Report.Signal != 15 {
				t.Errorf("%q: signal %v, want SIGTERM", c.args, cmd.Report.Signal)
			}
		}
		if kind != c.kind || kind == exited && code != c.code {
			t.Errorf("%q: kind %d, exit %d, want %d, %d (%v, log %q)", c.args, kind, code, c.kind, c.code, err, log.String())
		}
	}
}

// TestFailClosed: when the filter cannot be compiled or installed the
// command does not run: a Setup error.
func TestFailClosed(t *testing.T) {
	need(t, "touch")
	dir := t.TempDir()
	p, _ := Build(catalog.Request{Entitlements: []string{"fs.read", "fs.create"}})
	p.Rules = append(p.Rules, policy.Rule{Syscall: "no_such_call", Action: policy.Allow})
	err := Command(p, "touch", dir+"/ran").Run()
	if e, ok := err.(*Error); !ok || e.Kind != Setup {
		t.Fatalf("err %v", err)
	}
	if _, err := os.Stat(dir + "/ran"); err == nil {
		t.Fatal("the command ran without its filter")
	}
}

// TestRefusals: what Start refuses before anything runs, as typed errors:
// a policy that does not deny (outside Quiet), descriptors to preserve
// that were not passed.
func TestRefusals(t *testing.T) {
	need(t, "true")
	allowAll := &policy.Policy{DefaultAction: policy.Allow}
	var nd *NotDenyingError
	if err := Command(allowAll, "true").Run(); !errors.As(err, &nd) || nd.Action != policy.Allow || err.(*Error).Kind != Setup {
		t.Errorf("allow-all policy in Explain mode: %v", err)
	}
	p, _ := Build(catalog.Request{Entitlements: []string{"fs.read"}})
	var pe *PreserveError
	c := Command(p, "true")
	c.PreserveFDs = 1000000
	if err := c.Run(); !errors.As(err, &pe) || pe.FD != -1 {
		t.Errorf("PreserveFDs 1000000: %v", err)
	}
	c = Command(p, "true")
	c.PreserveFDs = 900 // far above what this process has open
	if err := c.Run(); !errors.As(err, &pe) || pe.FD < 3 || pe.Err != nil {
		t.Errorf("PreserveFDs 900: %v", err)
	}
	c = Command(p, "true")
	if err := c.Wait(); err == nil {
		t.Error("Wait before Start: no error")
	}
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err == nil {
		t.Error("a second Start: no error")
	}
}

// TestEvents: the sink gets one denial per denied call and the summary
// last, stamped with the time.
func TestEvents(t *testing.T) {
	need(t, "mkdir")
	dir := t.TempDir()
	p, _ := Build(catalog.Request{Entitlements: []string{"fs.read"}})
	var got events
	c := Command(p, "mkdir", dir+"/x")
	c.Entitlements, c.Stderr, c.Events = []string{"fs.read"}, io.Discard, got.add
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	var denial, summary bool
	for _, e := range got.all() {
		switch e := e.(type) {
		case *Denial:
			denial = denial || e.Layer == Seccomp && e.Syscall == "mkdir" && slices.Equal(e.Entitlements, []string{"fs.create"}) && e.Action == policy.Errno(1) && !e.When().IsZero()
		case *Summary:
			summary = e.Report == c.Report && e.Report.Denied == 1
		}
	}
	if !denial || !summary {
		t.Errorf("events %+v: want the mkdir denial and the summary", got.all())
	}
	if !slices.Equal(c.Report.Allow, []string{"fs.read", "fs.create"}) {
		t.Errorf("Report.Allow = %v, want what was granted, then what was needed", c.Report.Allow)
	}
}

// TestDevNull: a shell's `> /dev/null` (O_CREAT|O_WRONLY|O_TRUNC, which
// is fs.create's) and git's O_RDWR open of /dev/null are answered in
// explain mode with a /dev/null descriptor the supervisor opened: not a
// denial, a probe. Any other path stays denied, and Quiet (no supervisor)
// denies it.
func TestDevNull(t *testing.T) {
	need(t, "sh")
	r := confine(t, Explain, []string{"fs.read"}, "sh", "-c", "echo x > /dev/null && exec 3<>/dev/null && echo ok")
	if r.ExitCode != 0 || r.Denied != 0 || len(r.denials()) != 0 || r.Probes < 2 || strings.Contains(r.log, "denied") {
		t.Fatalf("explain: %+v\n%s", r.Report, r.log)
	}
	for _, e := range r.events {
		if p, ok := e.(*Probe); ok && (!p.DevNull || !strings.Contains(p.Call, `"/dev/null"`)) {
			t.Errorf("probe %+v", p)
		}
	}
	dir := t.TempDir()
	r = confine(t, Explain, []string{"fs.read"}, "sh", "-c", "echo x > "+dir+"/f")
	if r.ExitCode == 0 || r.Denied != 1 {
		t.Fatalf("another path: %+v\n%s", r.Report, r.log)
	}
	r = confine(t, Quiet, []string{"fs.read"}, "sh", "-c", "echo x > /dev/null")
	if r.ExitCode == 0 {
		t.Fatalf("quiet: %+v", r.Report)
	}
}

// TestInitChild: what the forked init child does before execve, besides
// the filter: the working directory (a missing one stops the run with a
// Setup error naming the step, before the command runs), standard streams
// that are not files (copied through pipes; one pipe when stdout and
// stderr are the same writer, so that the order of the writes is kept)
// and the standard input.
func TestInitChild(t *testing.T) {
	need(t, "sh")
	p, _ := Build(catalog.Request{Entitlements: []string{"fs.read"}})
	dir := t.TempDir()
	c := Command(p, "sh", "-c", "exit 0")
	c.Entitlements, c.Dir, c.Stderr = []string{"fs.read"}, dir+"/missing", io.Discard
	if err := c.Run(); err == nil || err.(*Error).Kind != Setup || !strings.Contains(err.Error(), "change to the working directory") {
		t.Errorf("missing Dir: %v", err)
	}

	var out syncBuffer
	c = Command(p, "sh", "-c", `pwd; read x; echo $x; echo 2 >&2; echo 3`)
	c.Entitlements, c.Dir = []string{"fs.read"}, dir
	c.Stdin, c.Stdout, c.Stderr = strings.NewReader("1\n"), &out, &out
	if err := c.Run(); err != nil || c.Report.ExitCode != 0 {
		t.Fatalf("run: %v %+v", err, c.Report)
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
			c := Command(p, "sh", "-c", fmt.Sprintf("exit %d", i))
			c.Entitlements, c.Mode, c.Stderr = []string{"fs.read"}, mode, io.Discard
			if err := c.Run(); err != nil || c.Report.ExitCode != i {
				errs <- fmt.Sprintf("run %d: %v %+v", i, err, c.Report)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestUnsplitPolicy: a policy whose signal-to-self calls have a stricter
// rule cannot be split (launch.SplitPolicy): its filter is compiled whole
// for the child's pid after the fork and sent to the child, which waits;
// the command runs under it, in each mode, with its Landlock ruleset, and
// the stricter rule holds. The ordinary path, which the other tests take,
// is the self-contained child.
func TestUnsplitPolicy(t *testing.T) {
	need(t, "/bin/sh")
	allow := []string{"fs.read", "fs.write", "fs.create", "proc.spawn", "proc.exec"}
	p, err := Build(catalog.Request{Entitlements: allow})
	if err != nil {
		t.Fatal(err)
	}
	p.Rules = append(p.Rules, policy.Rule{Syscall: "kill", Action: policy.Errno(1), Conds: []policy.Cond{{Arg: 1, Op: policy.OpEQ, Value: 0}}})
	if _, _, ok := launch.SplitPolicy(p); ok {
		t.Fatal("the test policy can be split")
	}
	for _, mode := range []Mode{Explain, Quiet} {
		var out, log syncBuffer
		// kill -0 $$ is kill(pid, 0): the stricter rule refuses it; the
		// command's own comm is writable (its /proc rules).
		args := []string{"/bin/sh", "-c", `echo renamed > /proc/self/comm && read c < /proc/self/comm && echo $c; kill -0 $$ && echo signalled || echo refused`}
		c := &Cmd{Path: args[0], Args: args, Policy: p, Entitlements: allow, Mode: mode, Stdout: &out, Stderr: &log}
		if err := c.Run(); err != nil {
			t.Fatalf("mode %v: %v", mode, err)
		}
		if c.Report.ExitCode != 0 || out.String() != "renamed\nrefused\n" {
			t.Fatalf("mode %v: exit %d, out %q, log %q", mode, c.Report.ExitCode, out.String(), log.String())
		}
	}
}

// TestLandlockFix: a Landlock denial's event carries what would allow it
// as a value (the path to add for reading), for the caller to word.
func TestLandlockFix(t *testing.T) {
	need(t, "cat")
	testenv.EnableAudit(t)
	in, out := t.TempDir(), t.TempDir()
	secret := filepath.Join(out, "secret")
	if err := os.WriteFile(secret, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	req := &confinement.Request{Read: []string{in}}
	p, err := Build(catalog.Request{Scope: req.Scope()})
	if err != nil {
		t.Fatal(err)
	}
	var got events
	c := Command(p, "cat", secret)
	c.Request, c.Dir, c.Stderr, c.Events = req, in, io.Discard, got.add
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	if c.Report.ExitCode == 0 {
		t.Fatal("cat read a file outside the read paths")
	}
	want := confinement.Remedy{Kind: confinement.AddRead, Path: secret}
	for _, e := range got.all() {
		if d, ok := e.(*Denial); ok && d.Layer == Landlock && d.Path == secret {
			if d.Fix != want {
				t.Errorf("Fix = %+v, want %+v", d.Fix, want)
			}
			return
		}
	}
	t.Errorf("no Landlock denial of %s in %+v", secret, got.all())
}
