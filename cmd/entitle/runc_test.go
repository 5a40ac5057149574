//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/entitle-dev/entitle/internal/testenv"
	"github.com/entitle-dev/entitle/profile"
	"github.com/entitle-dev/entitle/syscalls"
)

// dockerCaps is the capability set Docker and Podman give a container
// (profile.DefaultCaps): the runtimes drop the others after loading the
// filter when no-new-privileges is off.
var dockerCaps = profile.DefaultCaps

// container describes one container run: a busybox-static root file
// system running sh -c script as uid under the seccomp profile.
type container struct {
	script  string
	seccomp []byte // OCI JSON
	nnp     bool   // process.noNewPrivileges
	uid     int
	bins    []string // static programs copied into /bin of a root file system of its own
}

var (
	rootfsOnce sync.Once
	rootfsDir  string
	rootfsErr  string
)

// busyboxRootfs returns a root file system with a static busybox and the
// applets the tests use, built once per test binary.
func busyboxRootfs(t *testing.T) string {
	t.Helper()
	rootfsOnce.Do(func() {
		busybox, err := exec.LookPath("busybox")
		if err != nil {
			rootfsErr = "busybox-static is not installed (apt-get install busybox-static)"
			return
		}
		if out, err := exec.Command("file", "-L", busybox).Output(); err == nil && !bytes.Contains(out, []byte("statically linked")) && !bytes.Contains(out, []byte("static-pie")) {
			rootfsErr = fmt.Sprintf("%s is not static: %s", busybox, out)
			return
		}
		dir, err := os.MkdirTemp("", "entitle-rootfs-")
		if err != nil {
			rootfsErr = err.Error()
			return
		}
		root := filepath.Join(dir, "rootfs")
		for _, d := range []string{"bin", "tmp", "proc", "sys", "dev", "etc", "mnt"} {
			if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
				rootfsErr = err.Error()
				return
			}
		}
		os.Chmod(filepath.Join(root, "tmp"), 0o1777)
		data, err := os.ReadFile(busybox)
		if err == nil {
			err = os.WriteFile(filepath.Join(root, "bin/busybox"), data, 0o755)
		}
		for _, a := range []string{"sh", "mkdir", "cat", "echo", "unshare", "mount", "true", "grep", "rm", "id"} {
			if err == nil {
				err = os.Symlink("busybox", filepath.Join(root, "bin", a))
			}
		}
		if err != nil {
			rootfsErr = err.Error()
			return
		}
		rootfsDir = root
	})
	if rootfsErr != "" {
		testenv.Skip(t, rootfsErr)
	}
	return rootfsDir
}

// bundle writes an OCI bundle for c (config.json next to a link to the
// shared root file system) and returns its directory.
func (c container) bundle(t *testing.T) string {
	t.Helper()
	root := busyboxRootfs(t)
	if len(c.bins) > 0 {
		own := filepath.Join(t.TempDir(), "rootfs")
		if out, err := exec.Command("cp", "-a", root, own).CombinedOutput(); err != nil {
			t.Fatalf("cp -a %s %s: %v\n%s", root, own, err, out)
		}
		for _, b := range c.bins {
			data, err := os.ReadFile(b)
			if err == nil {
				err = os.WriteFile(filepath.Join(own, "bin", filepath.Base(b)), data, 0o755)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		root = own
	}
	var seccomp any
	if err := json.Unmarshal(c.seccomp, &seccomp); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	config := map[string]any{
		"ociVersion": "1.0.2",
		"process": map[string]any{
			"terminal":        false,
			"user":            map[string]any{"uid": c.uid, "gid": c.uid, "additionalGids": []int{10, 20}},
			"args":            []string{"sh", "-c", c.script},
			"env":             []string{"PATH=/bin"},
			"cwd":             "/",
			"noNewPrivileges": c.nnp,
			"capabilities": map[string]any{
				"bounding":  dockerCaps,
				"effective": dockerCaps,
				"permitted": dockerCaps,
			},
		},
		"root":     map[string]any{"path": root, "readonly": false},
		"hostname": "entitle",
		"mounts": []map[string]any{
			{"destination": "/proc", "type": "proc", "source": "proc"},
			{"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": []string{"nosuid", "mode=1777", "size=65536k"}},
		},
		"linux": map[string]any{
			"namespaces": []map[string]any{{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "network"}},
			"seccomp":    seccomp,
		},
	}
	b, err := json.MarshalIndent(config, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// needRoot skips unless the tests run as root with tool installed.
func needTool(t *testing.T, tool, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		testenv.Skipf(t, "%s is not installed (apt-get install %s)", tool, pkg)
	}
	if os.Geteuid() != 0 {
		testenv.Skipf(t, "%s needs root here", tool)
	}
	return path
}

// hybridCgroups reports whether the host mounts cgroup v1 controllers
// with a cgroup v2 hierarchy at /sys/fs/cgroup/unified (systemd's hybrid
// layout, this CI machine's). crun 1.8 refuses to start containers there
// ("cgroups in hybrid mode not supported"); crunCommand then runs it in a
// private mount namespace without the v2 hierarchy, which leaves the host
// untouched.
func hybridCgroups() bool {
	var root, unified unix.Statfs_t
	if unix.Statfs("/sys/fs/cgroup", &root) != nil || unix.Statfs("/sys/fs/cgroup/unified", &unified) != nil {
		return false
	}
	return root.Type != unix.CGROUP2_SUPER_MAGIC && unified.Type == unix.CGROUP2_SUPER_MAGIC
}

// privateMounts wraps argv so it runs in a private mount namespace, and
// without the cgroup v2 hierarchy on a hybrid host (see hybridCgroups).
func privateMounts(argv ...string) []string {
	script := `exec "$@"`
	if hybridCgroups() {
		script = `umount -l /sys/fs/cgroup/unified && exec "$@"`
	}
	return append([]string{"unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"}, argv...)
}

// runtimes are the container runtimes the tests drive: runc and crun with
// an OCI bundle, and Podman with --rootfs on each of them (no registry,
// no image, no network).
var runtimes = []string{"runc", "crun", "podman-runc", "podman-crun"}

// run runs c under runtime and returns its combined output.
func (c container) run(t *testing.T, runtime string) (string, error) {
	t.Helper()
	id := fmt.Sprintf("entitle-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var argv []string
	switch runtime {
	case "runc":
		runc := needTool(t, "runc", "runc")
		t.Cleanup(func() { exec.Command(runc, "delete", "-f", id).Run() })
		argv = []string{runc, "run", "--bundle", c.bundle(t), id}
	case "crun":
		crun := needTool(t, "crun", "crun")
		t.Cleanup(func() { exec.Command(crun, "delete", "-f", id).Run() })
		argv = privateMounts(crun, "--cgroup-manager=disabled", "run", "--bundle", c.bundle(t), id)
	case "podman-runc", "podman-crun":
		podman := needTool(t, "podman", "podman")
		oci := strings.TrimPrefix(runtime, "podman-")
		needTool(t, oci, oci)
		prof := filepath.Join(t.TempDir(), "seccomp.json")
		if err := os.WriteFile(prof, c.seccomp, 0o644); err != nil {
			t.Fatal(err)
		}
		// Podman refuses a run root path longer than 50 characters.
		state, err := os.MkdirTemp("", "ep-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(state) })
		// Podman raises RLIMIT_NOFILE and RLIMIT_NPROC by default, which
		// fails without CAP_SYS_RESOURCE (this CI machine has none):
		// lower them instead.
		argv = []string{podman, "--root", filepath.Join(state, "root"), "--runroot", filepath.Join(state, "run"),
			"--cgroup-manager=cgroupfs", "--events-backend=file", "--runtime", oci,
			"run", "--rm", "--network=none", "--name", id, "--tmpfs", "/tmp",
			"--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
			"--user", fmt.Sprint(c.uid), "--security-opt", "seccomp=" + prof}
		if c.nnp {
			argv = append(argv, "--security-opt=no-new-privileges")
		}
		argv = privateMounts(append(argv, "--rootfs", busyboxRootfs(t), "sh", "-c", c.script)...)
	default:
		t.Fatalf("unknown runtime %s", runtime)
	}
	out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
	if derr := testenv.DevNullIntact(); derr != nil {
		t.Errorf("after %s %q: %v", runtime, argv, derr)
	}
	return string(out), err
}

// entitleProfile returns what entitle profile writes for ents (with
// --no-new-privileges when nnp).
func entitleProfile(t *testing.T, nnp bool, ents ...string) []byte {
	t.Helper()
	args := []string{"profile"}
	if nnp {
		args = append(args, "--no-new-privileges")
	}
	code, prof, errOut := runCLI(t, append(args, ents...)...)
	if code != 0 {
		t.Fatalf("entitle profile %s: %d %s", strings.Join(ents, " "), code, errOut)
	}
	return []byte(prof)
}

// rewritten returns a runtime's default profile as entitle reads it (runc's
// semantics) and writes it back (profile.Marshal), for Docker's default
// capabilities on x86_64.
func rewritten(t *testing.T, nameOrPath string) []byte {
	t.Helper()
	if strings.HasPrefix(nameOrPath, "/") {
		if _, err := os.Stat(nameOrPath); err != nil {
			testenv.Skipf(t, "%s: %v (install golang-github-containers-common)", nameOrPath, err)
		}
	}
	p, err := profile.Load(nameOrPath, profile.Options{HostArch: syscalls.X86_64})
	if err != nil {
		t.Fatal(err)
	}
	b, err := profile.Marshal(p)
	if err != nil {
		t.Fatalf("writing %s back: %v", nameOrPath, err)
	}
	return b
}

func expect(t *testing.T, out string, err error, want ...string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

// TestRuncLoadsProfile runs busybox under runc with generated profiles:
// granted work succeeds, ungranted work fails with EPERM, and runc's own
// calls after it loads the filter (the exec fifo, execve) are covered.
func TestRuncLoadsProfile(t *testing.T) {
	// Without fs.create: mkdir is denied with EPERM; proc.exec is not
	// granted either, yet runc starts the container (runtime rules).
	c := container{script: `mkdir /tmp/y; echo mkdir_rc=$?; echo hello; grep Seccomp: /proc/self/status`,
		seccomp: entitleProfile(t, true, "fs.read", "fs.write", "proc.spawn"), nnp: true}
	out, err := c.run(t, "runc")
	expect(t, out, err, "can't create directory '/tmp/y': Operation not permitted", "mkdir_rc=1", "hello", "Seccomp:\t2")

	// Base alone (no fs.write): runc's exec fifo open is still allowed.
	c = container{script: `echo started`, seccomp: entitleProfile(t, true, "base"), nnp: true}
	out, err = c.run(t, "runc")
	expect(t, out, err, "started")
}

// TestRuntimesLoadProfiles runs busybox under runc, crun and Podman (on
// runc and on crun) with no-new-privileges off (the runtimes' default,
// entitle's default profile) and on (the profile written with
// --no-new-privileges): entitle's generated profiles for several
// entitlement sets, and Docker's and Podman's default profiles as entitle
// reads and writes them back. Granted work succeeds; what the profile
// denies fails with EPERM ("Operation not permitted"), whatever the
// arguments.
func TestRuntimesLoadProfiles(t *testing.T) {
	const work = `mkdir /tmp/x && echo hello > /tmp/x/f && cat /tmp/x/f; echo granted_rc=$?
unshare -U true; echo unshare_rc=$?
mount -t tmpfs t /mnt; echo mount_rc=$?
grep -E 'Seccomp:|NoNewPrivs:' /proc/self/status`
	// mount fails for lack of CAP_SYS_ADMIN whatever the profile; unshare
	// of a user namespace needs no capability, so only the profile
	// denies it (Podman's default allows it).
	workWant := []string{"hello", "granted_rc=0", "mount_rc=1", "Seccomp:\t2"}
	unshareDenied := []string{"unshare: unshare(0x10000000): Operation not permitted", "unshare_rc=1"}
	type profileCase struct {
		name   string
		script string
		want   []string
		json   func(nnp bool) []byte
	}
	cases := []profileCase{
		{"base", `echo started; echo x > /tmp/g; echo create_rc=$?`,
			[]string{"started", "can't create /tmp/g: Operation not permitted", "create_rc=1"},
			func(nnp bool) []byte { return entitleProfile(t, nnp, "base") }},
		{"fs+proc", work, append(workWant, unshareDenied...),
			func(nnp bool) []byte {
				return entitleProfile(t, nnp, "fs.read", "fs.write", "fs.create", "proc.spawn", "proc.exec")
			}},
		{"fs.read+proc", `grep -q Seccomp /proc/self/status; echo read_rc=$?; echo x > /tmp/g; echo create_rc=$?; mkdir /tmp/d; echo mkdir_rc=$?`,
			[]string{"read_rc=0", "can't create /tmp/g: Operation not permitted", "create_rc=1", "can't create directory '/tmp/d': Operation not permitted", "mkdir_rc=1"},
			func(nnp bool) []byte { return entitleProfile(t, nnp, "fs.read", "proc.spawn", "proc.exec") }},
		{"docker-default", work, append(workWant, unshareDenied...), func(bool) []byte { return rewritten(t, "docker-default") }},
		{"podman-default", work, append(workWant, "unshare_rc=0"), func(bool) []byte { return rewritten(t, "/usr/share/containers/seccomp.json") }},
	}
	for _, rt := range runtimes {
		for _, nnp := range []bool{false, true} {
			for _, pc := range cases {
				t.Run(fmt.Sprintf("%s/nnp=%v/%s", rt, nnp, pc.name), func(t *testing.T) {
					c := container{script: pc.script, seccomp: pc.json(nnp), nnp: nnp}
					out, err := c.run(t, rt)
					nnpLine := "NoNewPrivs:\t0"
					if nnp {
						nnpLine = "NoNewPrivs:\t1"
					}
					want := slices.Clone(pc.want)
					if pc.script == work {
						want = append(want, nnpLine)
					}
					expect(t, out, err, want...)
				})
			}
		}
	}
}

// TestRuntimesNonRootUser: as uid 1000 with extra groups, runc and crun
// switch user and fix the standard descriptors' owner after loading the
// filter (no-new-privileges off); the generated base profile allows
// exactly that.
func TestRuntimesNonRootUser(t *testing.T) {
	for _, rt := range []string{"runc", "crun"} {
		t.Run(rt, func(t *testing.T) {
			c := container{script: `echo started; echo x > /tmp/g; echo create_rc=$?`, seccomp: entitleProfile(t, false, "base"), uid: 1000}
			out, err := c.run(t, rt)
			expect(t, out, err, "started", "can't create /tmp/g: Operation not permitted")
		})
	}
}

// TestRuntimesMultiplexer: a profile written for x86_64 and x86 (i386)
// keeps socket's argument rules under runc and crun. libseccomp rewrites
// each rule for socket into one for i386's socketcall multiplexer with
// argument 0 set to SYS_SOCKET and the other conditions left on arguments
// 1 and 2, which socketcall does not use as socket's type and protocol (1
// is the pointer to them): without the rule export adds for the
// multiplexers, a program whose argument block's address has the low bits
// of SOCK_STREAM created AF_NETLINK and AF_PACKET sockets under a profile
// that grants only AF_INET and AF_INET6 (net.client). The direct call and
// the granted family keep working.
func TestRuntimesMultiplexer(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("i386 system calls exist on x86_64 only")
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		testenv.Skip(t, "gcc is not installed (.ci/run installs it)")
	}
	prog := filepath.Join(t.TempDir(), "socketcall")
	if out, err := exec.Command("gcc", "-O1", "-Wall", "-static", "-no-pie", "-o", prog, "testdata/socketcall.c").CombinedOutput(); err != nil {
		testenv.Skipf(t, "gcc -static: %v\n%s (install libc6-dev)", err, out)
	}
	code, prof, errOut := runCLI(t, "profile", "--arch", "x86_64,x86", "net.client", "fs.read", "proc.spawn", "proc.exec")
	if code != 0 {
		t.Fatalf("entitle profile: %d %s", code, errOut)
	}
	const (
		afUnix, afInet, afNetlink, afPacket = 1, 2, 16, 17
		sockStream, sockDgram, sockRaw      = 1, 2, 3
	)
	script := fmt.Sprintf(`echo netlink $(socketcall %d %d %d)
echo packet $(socketcall %d %d %d)
echo unix $(socketcall %d %d %d)
echo inet-aligned $(socketcall %d %d 0)
echo inet $(socketcall %d %d %d)
echo native-inet $(socketcall %d %d native)
echo native-netlink $(socketcall %d %d native)`,
		afNetlink, sockRaw, sockStream, afPacket, sockRaw, sockStream, afUnix, sockStream, sockStream,
		afInet, sockStream, afInet, sockStream, sockStream, afInet, sockStream, afNetlink, sockRaw)
	for _, rt := range []string{"runc", "crun"} {
		t.Run(rt, func(t *testing.T) {
			c := container{script: script, seccomp: []byte(prof), bins: []string{prog}}
			out, err := c.run(t, rt)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			got := map[string]string{}
			for _, line := range strings.Split(out, "\n") {
				if k, v, ok := strings.Cut(line, " "); ok {
					got[k] = v
				}
			}
			for _, fam := range []string{"netlink", "packet", "unix", "inet-aligned", "inet"} {
				if got[fam] != "errno 38" {
					t.Errorf("socketcall (%s): %q, want errno 38 (ENOSYS, as a kernel without the multiplexer)\n%s", fam, got[fam], out)
				}
			}
			if !strings.HasPrefix(got["native-inet"], "fd ") || got["native-netlink"] != "errno 1" {
				t.Errorf("the direct socket call: want AF_INET granted and AF_NETLINK refused (errno 1):\n%s", out)
			}
		})
	}
}
