package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runcBundle builds an OCI bundle in a temporary directory: a busybox-static
// root file system and a config.json that runs sh -c script under the
// profile `entitle profile ents...` writes.
func runcBundle(t *testing.T, script string, ents ...string) string {
	t.Helper()
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("busybox-static is not installed (apt-get install busybox-static)")
	}
	if out, err := exec.Command("file", "-L", busybox).Output(); err == nil && !bytes.Contains(out, []byte("statically linked")) && !bytes.Contains(out, []byte("static-pie")) {
		t.Skipf("%s is not static: %s", busybox, out)
	}
	dir := t.TempDir()
	root := filepath.Join(dir, "rootfs")
	for _, d := range []string{"bin", "tmp", "proc", "sys", "dev", "etc", "mnt"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(busybox)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin/busybox"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"sh", "mkdir", "cat", "echo", "unshare", "mount", "true", "grep", "rm"} {
		if err := os.Symlink("busybox", filepath.Join(root, "bin", a)); err != nil {
			t.Fatal(err)
		}
	}
	code, prof, errOut := runCLI(t, append([]string{"profile"}, ents...)...)
	if code != 0 {
		t.Fatalf("entitle profile: %d %s", code, errOut)
	}
	var seccomp any
	if err := json.Unmarshal([]byte(prof), &seccomp); err != nil {
		t.Fatal(err)
	}
	config := map[string]any{
		"ociVersion": "1.0.2",
		"process": map[string]any{
			"terminal":        false,
			"user":            map[string]any{"uid": 0, "gid": 0},
			"args":            []string{"sh", "-c", script},
			"env":             []string{"PATH=/bin"},
			"cwd":             "/",
			"noNewPrivileges": true,
			"capabilities": map[string]any{
				"bounding":  []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"},
				"effective": []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"},
				"permitted": []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"},
			},
		},
		"root":     map[string]any{"path": "rootfs", "readonly": false},
		"hostname": "entitle",
		"mounts": []map[string]any{
			{"destination": "/proc", "type": "proc", "source": "proc"},
			{"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
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

func runRunc(t *testing.T, bundle string) (string, error) {
	t.Helper()
	runc, err := exec.LookPath("runc")
	if err != nil {
		t.Skip("runc is not installed (apt-get install runc)")
	}
	if os.Geteuid() != 0 {
		t.Skip("runc needs root here")
	}
	id := fmt.Sprintf("entitle-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	t.Cleanup(func() { exec.Command(runc, "delete", "-f", id).Run() })
	out, err := exec.CommandContext(ctx, runc, "run", "--bundle", bundle, id).CombinedOutput()
	return string(out), err
}

// TestRuncLoadsProfile runs busybox under runc with generated profiles:
// granted work succeeds, ungranted work fails with EPERM, and runc's own
// calls after it loads the filter (the exec fifo, execve) are covered.
func TestRuncLoadsProfile(t *testing.T) {
	script := `mkdir /tmp/x && echo hello > /tmp/x/f && cat /tmp/x/f; echo granted_rc=$?
unshare -U true; echo unshare_rc=$?
mount -t tmpfs t /mnt; echo mount_rc=$?
grep Seccomp: /proc/self/status`
	out, err := runRunc(t, runcBundle(t, script, "fs.read", "fs.write", "fs.create", "proc.spawn", "proc.exec"))
	if err != nil {
		t.Fatalf("runc: %v\n%s", err, out)
	}
	for _, want := range []string{"hello", "granted_rc=0", "unshare_rc=1", "Operation not permitted", "mount_rc=1", "Seccomp:\t2"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	// Without fs.create: mkdir is denied with EPERM; proc.exec is not
	// granted either, yet runc starts the container (runtime rules).
	script = `mkdir /tmp/y; echo mkdir_rc=$?; echo hello; grep Seccomp: /proc/self/status`
	out, err = runRunc(t, runcBundle(t, script, "fs.read", "fs.write", "proc.spawn"))
	if err != nil {
		t.Fatalf("runc: %v\n%s", err, out)
	}
	for _, want := range []string{"can't create directory '/tmp/y': Operation not permitted", "mkdir_rc=1", "hello", "Seccomp:\t2"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	// Base alone (no fs.write): runc's exec fifo open is still allowed.
	out, err = runRunc(t, runcBundle(t, `echo started`, "base"))
	if err != nil || !strings.Contains(out, "started") {
		t.Errorf("base only: %v\n%s", err, out)
	}
}
