//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const driftV1 = `package main

import (
	"fmt"
	"os"
)

func main() {
	b, err := os.ReadFile("/etc/hostname")
	fmt.Println(len(b), err == nil)
}
`

// driftV2 is the next release: it gained running another program.
const driftV2 = `package main

import (
	"fmt"
	"os"
	"os/exec"
)

func main() {
	b, err := os.ReadFile("/etc/hostname")
	fmt.Println(len(b), err == nil)
	exec.Command("/bin/true").Run()
}
`

func buildGoProg(t *testing.T, dir, name, src string) string {
	t.Helper()
	pkg := filepath.Join(dir, name+"-src")
	os.MkdirAll(pkg, 0o755)
	os.WriteFile(filepath.Join(pkg, "go.mod"), []byte("module "+name+"\n\ngo 1.22\n"), 0o644)
	os.WriteFile(filepath.Join(pkg, "main.go"), []byte(src), 0o644)
	bin := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = pkg
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func scanCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := runIO(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCheckDrift(t *testing.T) {
	dir := t.TempDir()
	cache := "--cache-dir=" + t.TempDir()
	v1 := buildGoProg(t, dir, "app", driftV1)
	pol := filepath.Join(dir, "entitle.yaml")
	if code, _, stderr := scanCLI("scan", cache, "--format", "policy", "-o", pol, v1); code != 0 {
		t.Fatalf("scan: %d %s", code, stderr)
	}
	if code, out, stderr := scanCLI("check", cache, "--policy", pol, v1); code != 0 {
		t.Fatalf("check of the unchanged binary: status %d\n%s%s", code, out, stderr)
	}
	v2 := buildGoProg(t, dir, "app2", driftV2)
	code, out, stderr := scanCLI("check", cache, "--policy", pol, v2)
	if code != 1 || !strings.Contains(out, "proc.exec") || !strings.Contains(out, "execve needs proc.exec") {
		t.Fatalf("check of the rebuilt binary: status %d, want 1 naming proc.exec\n%s%s", code, out, stderr)
	}
	code, out, _ = scanCLI("check", cache, "--json", "--policy", pol, v2)
	var res struct {
		OK       bool
		Binaries []struct {
			New []struct {
				Syscall      string
				Entitlements []string
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 1 || res.OK || len(res.Binaries) != 1 {
		t.Fatalf("check --json: %d %v\n%s", code, err, out)
	}
	found := false
	for _, n := range res.Binaries[0].New {
		if n.Syscall == "execve" && strings.Join(n.Entitlements, ",") == "proc.exec" {
			found = true
		}
	}
	if !found {
		t.Errorf("check --json does not name execve/proc.exec: %s", out)
	}
	if code, _, stderr := scanCLI("check", v1); code != 1 || !strings.Contains(stderr, "--policy") {
		t.Errorf("check without --policy: %d %q", code, stderr)
	}
}

func TestScanJSON(t *testing.T) {
	code, out, stderr := scanCLI("scan", "--cache-dir=off", "--format", "json", "/bin/cat")
	if code != 0 {
		t.Fatalf("%d %s", code, stderr)
	}
	var doc struct {
		Version  int
		Binaries []map[string]json.RawMessage
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Version != 1 || len(doc.Binaries) != 1 {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, k := range []string{"path", "arch", "kind", "syscalls", "entitlements", "unresolved", "limits"} {
		if _, ok := doc.Binaries[0][k]; !ok {
			t.Errorf("json lacks %q", k)
		}
	}
	var calls []struct {
		Name  string
		Sites []struct{ Module, Function string }
	}
	json.Unmarshal(doc.Binaries[0]["syscalls"], &calls)
	if len(calls) < 10 || calls[0].Name == "" || len(calls[0].Sites) == 0 || calls[0].Sites[0].Function == "" {
		t.Errorf("syscalls without names or sites: %.300s", doc.Binaries[0]["syscalls"])
	}
	if code, _, stderr := scanCLI("scan", "--format", "xml", "/bin/cat"); code != 1 || !strings.Contains(stderr, "use text, policy, oci or json") {
		t.Errorf("bad format: %d %q", code, stderr)
	}
	if code, _, stderr := scanCLI("scan", "/etc/passwd"); code != 1 || !strings.Contains(stderr, "not a valid ELF") {
		t.Errorf("not ELF: %d %q", code, stderr)
	}
}

// TestScanPolicyRuns: the policy entitle scan writes runs the program's
// workloads under entitle run with no denial.
func TestScanPolicyRuns(t *testing.T) {
	needProgs(t, "cat", "ls", "sqlite3")
	dir := t.TempDir()
	cache := "--cache-dir=" + t.TempDir()
	app := buildGoProg(t, dir, "app", driftV1)
	for _, c := range [][]string{
		{"/bin/cat", "/etc/passwd"},
		{"/bin/ls", "-la", "/etc"},
		{"/usr/bin/sqlite3", filepath.Join(dir, "t.db"), "create table t(a); insert into t values(1); select * from t;"},
		{app},
	} {
		pol := filepath.Join(dir, filepath.Base(c[0])+".yaml")
		if code, _, stderr := scanCLI("scan", cache, "--format", "policy", "-o", pol, c[0]); code != 0 {
			t.Fatalf("scan %s: %s", c[0], stderr)
		}
		code, _, stderr := entitle(t, append([]string{"run", "--policy", pol, "--"}, c...)...)
		if code != 0 || strings.Contains(stderr, "denied") {
			p, _ := os.ReadFile(pol)
			t.Errorf("%v under its scanned policy: status %d\n%s\npolicy:\n%s", c, code, stderr, p)
		}
	}
}
