//go:build linux

package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/entitle-dev/entitle/internal/testenv"
	"github.com/entitle-dev/entitle/profile"
	"github.com/entitle-dev/entitle/syscalls"
)

func TestProfileFormats(t *testing.T) {
	code, out, errOut := runCLI(t, "profile", "fs.read", "net.client")
	if code != 0 {
		t.Fatalf("oci: exit %d: %s", code, errOut)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	if m["defaultAction"] != "SCMP_ACT_ERRNO" || m["defaultErrnoRet"] != 1.0 {
		t.Errorf("default %v %v", m["defaultAction"], m["defaultErrnoRet"])
	}
	if _, err := profile.Parse([]byte(out), profile.Options{HostArch: syscalls.X86_64, Kernel: "6.18"}); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCLI(t, "profile", "--format", "k8s", "--name", "web", "net.server")
	if code != 0 || !strings.Contains(out, "kind: SeccompProfile") || !strings.Contains(out, "name: web") {
		t.Errorf("k8s: %d\n%.300s", code, out)
	}
	code, out, _ = runCLI(t, "profile", "--format", "systemd", "--violation", "kill", "fs.read")
	if code != 0 || !strings.Contains(out, "SystemCallFilter=") || strings.Contains(out, "\nSystemCallErrorNumber=") {
		t.Errorf("systemd: %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "profile", "--format", "asm", "fs.read")
	if code != 0 || !strings.Contains(out, "ld [4]") {
		t.Errorf("asm: %d", code)
	}
	p := filepath.Join(t.TempDir(), "f.bpf")
	if code, _, errOut := runCLI(t, "profile", "--format", "bpf", "-o", p, "fs.read"); code != 0 {
		t.Fatalf("bpf: %d %s", code, errOut)
	}
	if b, err := os.ReadFile(p); err != nil || len(b) == 0 || len(b)%8 != 0 {
		t.Errorf("bpf file: %d bytes, %v", len(b), err)
	}
	if code, out, _ := runCLI(t, "profile", "--deny-list", "--format", "systemd", "fs.read"); code != 0 || !strings.Contains(out, "SystemCallFilter=~") {
		t.Errorf("deny-list systemd: %d\n%s", code, out)
	}
}

func TestProfilePolicyFile(t *testing.T) {
	good := writeFile(t, "entitle.yaml", "entitlements: [fs.read, net.client]\nviolation: kill\n")
	code, out, errOut := runCLI(t, "profile", "--format", "systemd", "--policy", good)
	if code != 0 || !strings.Contains(out, "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6") || strings.Contains(out, "\nSystemCallErrorNumber=") {
		t.Errorf("policy file: %d %s\n%s", code, errOut, out)
	}
	if code, _, errOut := runCLI(t, "profile", "--violation", "errno", "--policy", good); code != 1 || !strings.Contains(errOut, "contradicts") {
		t.Errorf("contradictory --violation: %d %q", code, errOut)
	}
	typo := writeFile(t, "entitle.yaml", "entitlements: [fs.raed]\n")
	if code, out, errOut := runCLI(t, "profile", "--policy", typo); code != 1 || out != "" || !strings.Contains(errOut, "fs.read") {
		t.Errorf("typo: %d %q", code, errOut)
	}
}

func TestProfileBadInput(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown entitlement", []string{"profile", "fs.raed"}, "did you mean fs.read"},
		{"no entitlements", []string{"profile"}, "name the entitlements"},
		{"policy and names", []string{"profile", "--policy", "x.yaml", "fs.read"}, "not both"},
		{"missing policy file", []string{"profile", "--policy", "/nonexistent/entitle.yaml"}, "entitle.yaml"},
		{"bad format", []string{"profile", "--format", "xml", "fs.read"}, "xml"},
		{"bad arch", []string{"profile", "--arch", "vax", "fs.read"}, "vax"},
		{"unsupported arch", []string{"profile", "--arch", "s390x", "fs.read"}, "s390x"},
		{"bad violation", []string{"profile", "--violation", "maybe", "fs.read"}, "maybe"},
		{"log in systemd", []string{"profile", "--format", "systemd", "--violation", "log", "fs.read"}, "systemd"},
		{"k8s errno", []string{"profile", "--format", "k8s", "--violation", "errno(EACCES)", "fs.read"}, "defaultErrnoRet"},
		{"k8s name", []string{"profile", "--format", "k8s", "--name", "Bad_Name", "fs.read"}, "Bad_Name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, c.args...)
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			if out != "" {
				t.Errorf("wrote output on error: %.100s", out)
			}
			if !strings.Contains(errOut, c.want) {
				t.Errorf("error %q lacks %q", errOut, c.want)
			}
		})
	}
}

// TestSystemdAnalyzeVerify loads the drop-in with systemd-analyze verify on
// a unit that uses it, when systemd-analyze is installed. Names newer than
// the installed systemd's libseccomp are reported ("Failed to parse system
// call, ignoring") and skipped by systemd; anything else fails the test.
func TestSystemdAnalyzeVerify(t *testing.T) {
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		testenv.Skip(t, "systemd-analyze is not installed")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "entitle-test.service"), []byte("[Unit]\nDescription=entitle test\n[Service]\nExecStart=/bin/true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "entitle-test.service.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"fs.read", "net.client"}, {"--violation", "kill", "proc.spawn", "proc.exec", "mem.jit"}, {"--arch", "x86_64,x86", "net.server"}} {
		conf := filepath.Join(dir, "entitle-test.service.d", "entitle.conf")
		if code, _, errOut := runCLI(t, append([]string{"profile", "--format", "systemd", "-o", conf}, args...)...); code != 0 {
			t.Fatalf("%v: %s", args, errOut)
		}
		cmd := exec.Command(sa, "verify", "--man=no", "./entitle-test.service")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("%v: systemd-analyze verify: %v\n%s", args, err, out)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if line != "" && !strings.Contains(line, "Failed to parse system call, ignoring") {
				t.Errorf("%v: %s", args, line)
			}
		}
	}
}

func TestDoctorAndPresetCLI(t *testing.T) {
	code, out, errOut := runCLI(t, "doctor", "--json")
	if code != 0 || !strings.Contains(out, `"area": "landlock"`) {
		t.Fatalf("doctor --json: %d %s %s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "preset", "list")
	if code != 0 || !strings.Contains(out, "workspace-write") {
		t.Fatalf("preset list: %d %s", code, out)
	}
	code, out, _ = runCLI(t, "preset", "show", "workspace-net")
	if code != 0 || !strings.Contains(out, "extends: workspace-write") {
		t.Fatalf("preset show: %d %s", code, out)
	}
	code, _, errOut = runCLI(t, "preset", "show", "workspace-wirte")
	if code == 0 || !strings.Contains(errOut, "did you mean workspace-write") {
		t.Fatalf("preset show typo: %d %s", code, errOut)
	}
	// A preset's name without "show" is an error that says how to print it
	// (it printed the help and exited 0).
	code, _, errOut = runCLI(t, "preset", "workspace-write")
	if code == 0 || !strings.Contains(errOut, "entitle preset show workspace-write") {
		t.Fatalf("preset NAME: %d %s", code, errOut)
	}
}

// TestWriteOutputInPlace: -o onto a device (here a null device made in a
// temporary directory), or through a symbolic link, writes in place: the
// device stays a device (renaming over /dev/null as root replaced it with
// a regular file), the link stays a link, and an existing file keeps its
// mode.
func TestWriteOutputInPlace(t *testing.T) {
	dir := t.TempDir()
	if os.Geteuid() == 0 {
		dev := filepath.Join(dir, "null")
		if err := syscall.Mknod(dev, syscall.S_IFCHR|0o666, int(1<<8|3)); err != nil {
			t.Fatal(err)
		}
		if code, _, errOut := runCLI(t, "profile", "-o", dev, "fs.read"); code != 0 {
			t.Fatalf("profile -o %s: %s", dev, errOut)
		}
		if fi, err := os.Stat(dev); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
			t.Fatalf("%s is no longer a character device: %v %v", dev, fi.Mode(), err)
		}
	}
	real := filepath.Join(dir, "real.json")
	os.WriteFile(real, []byte("old"), 0o600)
	link := filepath.Join(dir, "link.json")
	os.Symlink(real, link)
	if code, _, errOut := runCLI(t, "profile", "-o", link, "fs.read"); code != 0 {
		t.Fatalf("profile -o link: %s", errOut)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v %v", fi.Mode(), err)
	}
	fi, err := os.Stat(real)
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() < 100 {
		t.Fatalf("the link's target: %v size %d, %v", fi.Mode(), fi.Size(), err)
	}
}
