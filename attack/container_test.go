//go:build linux

package attack

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mobyseccomp "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/entitle-dev/entitle/internal/testenv"
)

// TestInContainer (issues 9 and 11): entitle run as a container's
// entrypoint, under runc with Docker's default seccomp profile and
// capabilities, applies its own layers inside: path scoping, protected
// files, explained denials. The static entitle binary is copied into a
// busybox root file system.
func TestInContainer(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.Skip(t, "runc needs root")
	}
	runc, err := exec.LookPath("runc")
	if err != nil {
		testenv.Skip(t, "runc is not installed (.ci/run installs it)")
	}
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		testenv.Skip(t, "busybox-static is not installed (.ci/run installs it)")
	}
	dir := t.TempDir()
	root := filepath.Join(dir, "rootfs")
	for _, d := range []string{"bin", "tmp", "proc", "sys", "dev", "etc", "data", "secret"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyFile := func(from, to string) {
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(busybox, filepath.Join(root, "bin", "busybox"))
	copyFile(entitleBin(t), filepath.Join(root, "bin", "entitle"))
	for _, a := range []string{"sh", "cat", "echo", "touch", "ls"} {
		os.Symlink("busybox", filepath.Join(root, "bin", a))
	}
	os.WriteFile(filepath.Join(root, "data", "in"), []byte("inside\n"), 0o644)
	os.WriteFile(filepath.Join(root, "secret", "key"), []byte("KEY\n"), 0o600)
	os.WriteFile(filepath.Join(root, "etc", "passwd"), []byte("root:x:0:0::/root:/bin/sh\n"), 0o644)

	spec := &specs.Spec{
		Version: specs.Version,
		Process: &specs.Process{
			User: specs.User{UID: 0, GID: 0},
			Args: []string{"/bin/entitle", "run", "--read", "/data", "--write", "/tmp", "--exec", "/bin", "--allow", "proc.spawn", "--",
				"sh", "-c", `cat /data/in; echo out > /tmp/out && cat /tmp/out; cat /secret/key || echo key-refused; touch /data/new || echo create-refused`},
			Env:             []string{"PATH=/bin", "HOME=/tmp"},
			Cwd:             "/",
			NoNewPrivileges: false, // Docker's default
			Capabilities: &specs.LinuxCapabilities{
				Bounding:  dockerCaps,
				Effective: dockerCaps,
				Permitted: dockerCaps,
			},
		},
		Root:     &specs.Root{Path: "rootfs"},
		Hostname: "entitle-test",
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
		},
		Linux: &specs.Linux{
			Namespaces:  []specs.LinuxNamespace{{Type: "pid"}, {Type: "ipc"}, {Type: "uts"}, {Type: "mount"}},
			MaskedPaths: []string{"/proc/kcore", "/proc/keys"},
		},
	}
	sec, err := mobyseccomp.GetDefaultProfile(spec)
	if err != nil {
		t.Fatal(err)
	}
	spec.Linux.Seccomp = sec
	b, err := json.MarshalIndent(spec, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, runc, "--root", filepath.Join(dir, "state"), "run", "--bundle", dir, "entitle-in-container")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Run()
	got := out.String() + errb.String()
	t.Logf("container output:\n%s", got)
	for _, want := range []string{"inside\n", "out\n", "key-refused", "create-refused"} {
		if !strings.Contains(got, want) {
			t.Errorf("want %q in the container's output:\n%s", want, got)
		}
	}
	if strings.Contains(got, "KEY") {
		t.Errorf("the key outside the read paths was read:\n%s", got)
	}
}

// dockerCaps are Docker's default capabilities.
var dockerCaps = []string{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"}
