//go:build linux

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = runIO(args, &o, &e)
	return code, o.String(), e.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCompileStats(t *testing.T) {
	code, out, errOut := runCLI(t, "compile", "--stats", "docker-default")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"x86_64:", "instructions", "mean", "max"} {
		if !strings.Contains(out, want) {
			t.Errorf("stats lack %q:\n%s", want, out)
		}
	}
}

func TestCompileRaw(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "f.bpf")
	code, _, errOut := runCLI(t, "compile", "--arch", "x86_64,x86,x32", "-o", out, "docker-default")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(out)
	if err != nil || len(b) == 0 || len(b)%8 != 0 {
		t.Fatalf("raw output of %d bytes: %v", len(b), err)
	}
	code, asm, _ := runCLI(t, "compile", "--format", "asm", "--arch", "x86_64", "docker-default")
	if code != 0 || !strings.Contains(asm, "ld [4]") || !strings.Contains(asm, "arch x86_64") {
		t.Fatalf("asm: %d\n%s", code, asm)
	}
}

func TestCompileBadInput(t *testing.T) {
	cases := []struct {
		name, profile string
		args          []string
		want          []string
	}{
		{"malformed json", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [`, nil, []string{"line"}},
		{"unknown syscall", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["getcdw"],"action":"SCMP_ACT_ALLOW"}]}`, nil, []string{`"getcdw"`, "getcwd"}},
		{"unknown arch", `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_PDP11"],"syscalls":[]}`, nil, []string{"SCMP_ARCH_PDP11"}},
		{"bad operator", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_ALMOST"}]}]}`, nil, []string{"SCMP_CMP_ALMOST"}},
		{"arg index out of range", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}]}`, nil, []string{"6"}},
		{"errno out of range", `{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":5000,"syscalls":[]}`, nil, []string{"5000"}},
		{"unknown action", `{"defaultAction":"SCMP_ACT_MAYBE","syscalls":[]}`, nil, []string{"SCMP_ACT_MAYBE"}},
		{"bad --arch", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[]}`, []string{"--arch", "vax"}, []string{"vax", "x86_64"}},
		{"bad --format", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[]}`, []string{"--format", "xml"}, []string{"xml"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, "p.json", c.profile)
			args := append(append([]string{"compile"}, c.args...), p)
			code, _, errOut := runCLI(t, args...)
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			for _, w := range c.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("error %q lacks %q", errOut, w)
				}
			}
		})
	}
	// --ignore-unknown skips unknown names, as runc does.
	p := writeFile(t, "p.json", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["getcdw","read"],"action":"SCMP_ACT_ALLOW"}]}`)
	if code, _, errOut := runCLI(t, "compile", "--ignore-unknown", "--stats", p); code != 0 {
		t.Errorf("--ignore-unknown: exit %d: %s", code, errOut)
	}
	if code, _, _ := runCLI(t, "compile", "/nonexistent/profile.json"); code != 1 {
		t.Errorf("missing file: exit %d", code)
	}
}
