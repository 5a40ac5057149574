//go:build linux

package attack

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// victim starts a process outside the sandbox (a sleep) and returns its
// pid; it is killed when the test ends.
func victim(t *testing.T) *exec.Cmd {
	t.Helper()
	v := exec.Command("sleep", "300")
	if err := v.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Process.Kill(); v.Wait() })
	return v
}

// lines turns "NAME result" lines into a map.
func lines(out string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if i := strings.LastIndexByte(l, ' '); i > 0 {
			m[l[:i]] = l[i+1:]
		}
	}
	return m
}

// expect checks the result of each named attempt: want "ok" for the
// legitimate ones, "denied" for any errno.
func expect(t *testing.T, r result, want map[string]string) {
	t.Helper()
	got := lines(r.stdout)
	for name, w := range want {
		g, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s: no result\n%s", name, r)
		case w == "denied" && g == "ok":
			t.Errorf("%s: the attack succeeded\n%s", name, r)
		case w == "ok" && g != "ok":
			t.Errorf("%s: the legitimate use failed with %s\n%s", name, g, r)
		case w != "ok" && w != "denied" && g != w:
			t.Errorf("%s: %s, want %s\n%s", name, g, w, r)
		}
	}
}

// TestAttackReachProcesses (issue 7, item 1): a program granted fs.read,
// fs.write and proc.spawn cannot read or write the memory, registers or
// environment of the unconfined supervisor (its parent) or of any other
// process outside the sandbox, nor ptrace them, nor take their
// descriptors; its own children stay inspectable.
func TestAttackReachProcesses(t *testing.T) {
	prog := cprog(t, "reach")
	v := victim(t)
	allow := []string{"--allow", "fs.read,fs.write,proc.spawn"}
	each(t, func(t *testing.T, u user, m mode) {
		r := run(t, u, m, scratch(t), allow, prog, "procs", strconv.Itoa(v.Process.Pid))
		want := map[string]string{"child-stat": "ok", "child-environ": "ok", "self-environ": "ok"}
		for _, who := range []string{"parent", "victim"} {
			for _, a := range []string{"mem-rdwr", "mem-rdonly", "syscall", "environ", "maps", "process_vm_readv", "ptrace-attach", "pidfd_getfd"} {
				want[who+"-"+a] = "denied"
			}
		}
		expect(t, r, want)
	})
}

// TestAttackSignals (issue 7, item 2): proc.spawn signals the command's own
// children, never a process outside the sandbox — not the supervisor, not
// an unrelated process, not through a pidfd or sigqueue.
func TestAttackSignals(t *testing.T) {
	prog := cprog(t, "reach")
	v := victim(t)
	allow := []string{"--allow", "fs.read,proc.spawn"}
	each(t, func(t *testing.T, u user, m mode) {
		r := run(t, u, m, scratch(t), allow, prog, "signals", strconv.Itoa(v.Process.Pid))
		expect(t, r, map[string]string{
			"kill-victim": "denied", "kill-parent": "denied", "pidfd-victim": "denied", "sigqueue-victim": "denied",
			"kill-child": "ok", "child-got-it": "ok", "kill-self": "ok",
		})
		if v.ProcessState != nil {
			t.Fatal("the victim died")
		}
	})
	// With proc.signal the same signal reaches the victim (as root, or as
	// its owner): the grant is what opens it.
	if os.Geteuid() == 0 {
		r := run(t, user{name: "root"}, quiet, scratch(t), []string{"--allow", "fs.read,proc.spawn,proc.signal"}, prog, "signals", strconv.Itoa(v.Process.Pid))
		expect(t, r, map[string]string{"kill-victim": "ok"})
	}
}

// TestAttackInheritedDescriptors (issue 7, item 5): a descriptor entitle
// inherited beyond 0–2 (here 7, open for appending on a file the command
// may not write) does not reach the command; --preserve-fds passes it on
// purpose.
func TestAttackInheritedDescriptors(t *testing.T) {
	prog := cprog(t, "reach")
	each(t, func(t *testing.T, u user, m mode) {
		dir := scratch(t)
		target := filepath.Join(dir, "target")
		if err := os.WriteFile(target, []byte("original\n"), 0o666); err != nil {
			t.Fatal(err)
		}
		os.Chmod(target, 0o666)
		runFD := func(flags ...string) result {
			f, err := os.OpenFile(target, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			args := append(append(append([]string{"run", "--allow", "fs.read"}, flags...), m.flags...), "--", prog, "fd", "7")
			cmd := exec.CommandContext(ctx, entitleBin(t), args...)
			cmd.Dir = dir
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: u.cred}
			// ExtraFiles[i] is descriptor 3+i: the file is descriptor 7.
			cmd.ExtraFiles = []*os.File{nil, nil, nil, nil, f}
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			cmd.Run()
			return result{code: cmd.ProcessState.ExitCode(), stdout: out.String(), stderr: errb.String()}
		}
		r := runFD()
		expect(t, r, map[string]string{"fd-write": "EBADF"})
		if b, _ := os.ReadFile(target); string(b) != "original\n" {
			t.Fatalf("the inherited descriptor wrote %q\n%s", b, r)
		}
		// Descriptors 3..7 kept on purpose: 3..6 were not passed to
		// entitle, so --preserve-fds 5 is refused with a clear error ...
		r = runFD("--preserve-fds", "5")
		if r.code != 125 || !strings.Contains(r.stderr, "descriptor 3 was not passed to entitle") {
			t.Fatalf("--preserve-fds over closed descriptors: %s", r)
		}
	})
	// ... and with descriptor 3 open, --preserve-fds 1 passes exactly it.
	dir := scratch(t)
	target := filepath.Join(dir, "target")
	os.WriteFile(target, nil, 0o666)
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(entitleBin(t), "run", "--allow", "fs.read", "--preserve-fds", "1", "--", prog, "fd", "3")
	cmd.ExtraFiles = []*os.File{f}
	out, _ := cmd.CombinedOutput()
	if b, _ := os.ReadFile(target); string(b) != "pwned\n" {
		t.Fatalf("--preserve-fds 1 did not pass descriptor 3: file %q, output %s", b, out)
	}
}

// TestAttackPrivilegedFiles (issue 7, item 6): as root, fs.write does not
// reach kernel administration through pseudo-files (/proc/sys,
// /proc/sysrq-trigger, /dev/kmsg), fs.read does not read raw memory or
// devices, and fs.attr cannot give a file capabilities; writing ordinary
// files, chmod and user xattrs still work. As nobody the same attempts
// fail by permission.
func TestAttackPrivilegedFiles(t *testing.T) {
	prog := cprog(t, "reach")
	each(t, func(t *testing.T, u user, m mode) {
		dir := scratch(t)
		own := filepath.Join(dir, "own")
		if err := os.WriteFile(own, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if u.cred != nil {
			if err := os.Chown(own, int(u.cred.Uid), int(u.cred.Gid)); err != nil {
				t.Fatal(err)
			}
		}
		r := run(t, u, m, dir, []string{"--allow", "fs.read,fs.write"}, prog, "write",
			"/proc/sys/vm/drop_caches", "1", "/proc/sysrq-trigger", "h", "/dev/kmsg", "entitle-attack-test", own, "legit")
		expect(t, r, map[string]string{
			"write /proc/sys/vm/drop_caches": "denied", "write /proc/sysrq-trigger": "denied",
			"write /dev/kmsg": "denied", "write " + own: "ok",
		})
		r = run(t, u, m, dir, []string{"--allow", "fs.read"}, prog, "read", "/dev/mem", "/proc/kcore", "/dev/kmsg", "/etc/hostname", "/proc/self/status")
		expect(t, r, map[string]string{
			"read /dev/mem": "denied", "read /proc/kcore": "denied", "read /dev/kmsg": "denied",
			"read /etc/hostname": "ok", "read /proc/self/status": "ok",
		})
		r = run(t, u, m, dir, []string{"--allow", "fs.read,fs.attr"}, prog, "xattr", own)
		expect(t, r, map[string]string{"setxattr-security.capability": "denied", "setxattr-user": "ok", "chmod": "ok"})
	})
	// admin.kernel is what reaches the pseudo-files: as root it reads
	// /dev/kmsg.
	if os.Geteuid() == 0 {
		r := run(t, user{name: "root"}, quiet, scratch(t), []string{"--allow", "fs.read,admin.kernel"}, prog, "read", "/dev/kmsg")
		expect(t, r, map[string]string{"read /dev/kmsg": "ok"})
	}
}

// TestAttackProfileHandshake (issue 7, item 9): `entitle run --profile P`
// with a profile that lacks what the handshake uses (sendmsg) starts the
// command instead of hanging; a profile that denies execve with an
// explicit rule fails fast with 125 and says why.
func TestAttackProfileHandshake(t *testing.T) {
	dir := scratch(t)
	out, err := exec.Command(entitleBin(t), "profile", "--format", "oci", "fs.read").Output()
	if err != nil {
		t.Fatal(err)
	}
	var prof map[string]any
	if err := json.Unmarshal(out, &prof); err != nil {
		t.Fatal(err)
	}
	// without returns the profile's rules without the named calls.
	without := func(drop ...string) []any {
		var kept []any
		for _, s := range prof["syscalls"].([]any) {
			rule := s.(map[string]any)
			var names []any
			for _, n := range rule["names"].([]any) {
				if !slices.Contains(drop, n.(string)) {
					names = append(names, n)
				}
			}
			if len(names) > 0 {
				r := maps.Clone(rule)
				r["names"] = names
				kept = append(kept, r)
			}
		}
		return kept
	}
	write := func(name string, rules []any) string {
		p := maps.Clone(prof)
		p["syscalls"] = rules
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	noSendmsg := write("nosendmsg.json", without("sendmsg"))
	denyExec := write("denyexec.json", append(without("execve"),
		map[string]any{"names": []string{"execve"}, "action": "SCMP_ACT_ERRNO", "errnoRet": 13}))
	for _, u := range users(t) {
		for _, m := range modes {
			r := run(t, u, m, dir, []string{"--profile", noSendmsg}, "true")
			if r.code != 0 {
				t.Errorf("%s/%s: a profile without sendmsg: %s", u.name, m.name, r)
			}
			r = run(t, u, m, dir, []string{"--profile", denyExec}, "true")
			if r.code != 125 || !strings.Contains(r.stderr, "execve") {
				t.Errorf("%s/%s: a profile denying execve: %s", u.name, m.name, r)
			}
		}
	}
}

// TestAttackSelfMem: fs.write reaches the command's own /proc settings
// (comm) but not its /proc/self/mem, through which it could write its own
// code pages without mem.jit.
func TestAttackSelfMem(t *testing.T) {
	needPython(t)
	script := `
import os
def t(name, f):
    try:
        f(); print(name, "ok")
    except OSError:
        print(name, "fail")
def comm():
    fd = os.open("/proc/self/comm", os.O_WRONLY); os.write(fd, b"renamed"); os.close(fd)
t("comm", comm)
t("mem", lambda: os.close(os.open("/proc/self/mem", os.O_RDWR)))
`
	each(t, func(t *testing.T, u user, m mode) {
		r := run(t, u, m, scratch(t), []string{"--allow", "fs.read,fs.write"}, "/usr/bin/python3", "-c", script)
		expect(t, r, map[string]string{"comm": "ok", "mem": "denied"})
	})
}

// TestAttackSharedMemory: /dev/shm (and /dev/mqueue) hold the POSIX shared
// memory, semaphores and message queues of every process of the user —
// PostgreSQL's dynamic shared memory, Python's multiprocessing, podman's
// locks. They were granted with every file right the entitlements give,
// beneath no path, so under --sandbox read-only (fs.write) a command read
// and overwrote another process's shared memory, and under
// workspace-write it also removed it and created files outside the write
// paths. Only ipc.sysv, which reaches the same processes' SysV objects,
// reaches them now; with it a command's own POSIX shared memory and named
// semaphores work. (The explanation is confine's TestExplainDenialDevices.)
func TestAttackSharedMemory(t *testing.T) {
	prog := cprog(t, "shm")
	each(t, func(t *testing.T, u user, m mode) {
		dir := scratch(t)
		victimPath := "/dev/shm/entitle-attack-victim-" + strconv.Itoa(os.Getpid()) + "-" + u.name + "-" + m.name
		if err := os.WriteFile(victimPath, []byte("secret"), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Remove(victimPath) })
		if u.cred != nil {
			os.Chown(victimPath, int(u.cred.Uid), int(u.cred.Gid))
		}
		newPath := victimPath + "-new"
		attacks := []string{"read:" + victimPath, "write:" + victimPath, "unlink:" + victimPath, "create:" + newPath}
		for _, flags := range [][]string{
			{"--sandbox", "read-only"},
			{"--sandbox", "workspace-write"},
			{"--allow", "fs.read,fs.write,fs.create"},
		} {
			r := run(t, u, m, dir, flags, append([]string{prog}, attacks...)...)
			expect(t, r, map[string]string{"read": "denied", "write": "denied", "unlink": "denied", "create": "denied"})
			if b, err := os.ReadFile(victimPath); err != nil || string(b) != "secret" {
				t.Fatalf("%q: the other process's shared memory changed: %q, %v\n%s", flags, b, err, r)
			}
			if _, err := os.Stat(newPath); err == nil {
				t.Errorf("%q: created %s outside the write paths", flags, newPath)
				os.Remove(newPath)
			}
		}
		// Legitimate use: ipc.sysv with the file rights.
		for _, flags := range [][]string{
			{"--sandbox", "workspace-write", "--allow", "ipc.sysv"},
			{"--allow", "fs.read,fs.write,fs.create,ipc.sysv"},
		} {
			r := run(t, u, m, dir, flags, prog, "posix", "sem")
			expect(t, r, map[string]string{"posix": "ok", "sem": "ok"})
		}
	})
}

// TestAttackOtherProcessLimits: with proc.resources, prlimit64 set the
// resource limits of any process of the same user (the kernel asks for
// the same user, not ptrace access, and Landlock does not hook it), and a
// lowered RLIMIT_CPU or RLIMIT_FSIZE is a signal — SIGXCPU, SIGKILL,
// SIGXFSZ — to a process outside the sandbox, past the Landlock signal
// scope (a hard RLIMIT_CPU of one second killed the user's running
// editor, or entitle itself). proc.resources now sets only the process's
// own limits (pid 0, as setrlimit and glibc's wrappers do).
func TestAttackOtherProcessLimits(t *testing.T) {
	needPython(t)
	for _, u := range users(t) {
		for _, m := range modes {
			t.Run(u.name+"/"+m.name, func(t *testing.T) {
				v := exec.Command("sleep", "300")
				v.SysProcAttr = &syscall.SysProcAttr{Credential: u.cred}
				if err := v.Start(); err != nil {
					t.Fatal(err)
				}
				defer func() { v.Process.Kill(); v.Wait() }()
				pid := strconv.Itoa(v.Process.Pid)
				script := `
import resource
def t(name, f):
    try:
        f(); print(name, "ok")
    except OSError as e:
        print(name, "fail")
t("cpu-other", lambda: resource.prlimit(` + pid + `, resource.RLIMIT_CPU, (1, 1)))
t("fsize-other", lambda: resource.prlimit(` + pid + `, resource.RLIMIT_FSIZE, (0, 0)))
t("read-other", lambda: resource.prlimit(` + pid + `, resource.RLIMIT_CPU))
t("cpu-self", lambda: resource.prlimit(0, resource.RLIMIT_CPU, (100, 100)))
t("fsize-self", lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 30, 1 << 30)))
`
				r := run(t, u, m, scratch(t), []string{"--allow", "fs.read,proc.resources"}, "/usr/bin/python3", "-c", script)
				expect(t, r, map[string]string{"cpu-other": "denied", "fsize-other": "denied", "read-other": "ok", "cpu-self": "ok", "fsize-self": "ok"})
				if m.name == "quiet" {
					// Deny-list mode (which explains nothing) allowed
					// prlimit64 with any arguments even without
					// proc.resources: base reads limits with it.
					for _, ents := range []string{"fs.read, proc.exec", "fs.read, proc.exec, proc.resources"} {
						f := filepath.Join(scratch(t), "entitle.yaml")
						if err := os.WriteFile(f, []byte("mode: denylist\nentitlements: ["+ents+"]\n"), 0o644); err != nil {
							t.Fatal(err)
						}
						r := run(t, u, m, scratch(t), []string{"--policy", f}, "/usr/bin/python3", "-c", script)
						expect(t, r, map[string]string{"cpu-other": "denied", "fsize-other": "denied", "read-other": "ok", "cpu-self": "ok", "fsize-self": "ok"})
					}
				}
				b, err := os.ReadFile("/proc/" + pid + "/limits")
				if err != nil {
					t.Fatal(err)
				}
				for _, l := range strings.Split(string(b), "\n") {
					if strings.HasPrefix(l, "Max cpu time") && !strings.Contains(l, "unlimited") || strings.HasPrefix(l, "Max file size") && !strings.Contains(l, "unlimited") {
						t.Errorf("the victim's limits changed: %s", l)
					}
				}
			})
		}
	}
}

// TestAttackLearnMode: --learn lets the calls it learns run but keeps
// denying what only admin.* grants. It applied no layer beyond seccomp,
// so the same things were reached another way: sethostname was denied
// while writing /proc/sys/kernel/hostname worked (as root, so would
// core_pattern: a program the kernel runs as root, outside any sandbox),
// root kept every capability, and another process's environment was
// readable (ptrace-class access, admin.debug's). Learn mode now enforces
// the layers of every entitlement but admin.*; what it learns still
// runs and is learned.
func TestAttackLearnMode(t *testing.T) {
	learn := mode{"learn", []string{"--learn"}}
	for _, u := range users(t) {
		t.Run(u.name, func(t *testing.T) {
			v := exec.Command("sleep", "300")
			v.SysProcAttr = &syscall.SysProcAttr{Credential: u.cred}
			v.Env = []string{"ENTITLE_VICTIM_SECRET=1"}
			if err := v.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { v.Process.Kill(); v.Wait() }()
			r := shell(t, u, learn, scratch(t), nil, `
try hostname-file sh -c 'h=$(cat /proc/sys/kernel/hostname) && printf "%s\n" "$h" > /proc/sys/kernel/hostname'
try environ-other cat /proc/`+strconv.Itoa(v.Process.Pid)+`/environ
try cap-sys-admin sh -c 'test $(( 0x$(sed -n "s/^CapEff:[[:space:]]*//p" /proc/self/status) >> 21 & 1 )) = 1'
try read-file cat /etc/hostname
try signal-self kill -0 $$
`)
			expect(t, r, map[string]string{"hostname-file": "denied", "environ-other": "denied", "cap-sys-admin": "denied",
				"read-file": "ok", "signal-self": "ok"})
			if r.code != 0 || !strings.Contains(r.stderr, "to allow them: --allow") || !strings.Contains(r.stderr, "fs.read") {
				t.Errorf("learn mode learned nothing\n%s", r)
			}
		})
	}
}
