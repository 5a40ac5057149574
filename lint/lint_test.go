package lint

import (
	"strings"
	"testing"

	"github.com/entitle-dev/entitle/syscalls"
)

var opts = Options{HostArch: syscalls.X86_64, Kernel: "6.18"}

func TestLintCrafted(t *testing.T) {
	const prof = `{
	"defaultAction": "SCMP_ACT_ERRNO",
	"defaultErrnoRet": 38,
	"architectures": ["SCMP_ARCH_X86_64"],
	"syscalls": [
		{"names": ["read", "write", "exit_group", "setns", "ptrace", "sycall_typo"], "action": "SCMP_ACT_ALLOW"},
		{"names": ["setns"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
		{"names": ["socket"], "action": "SCMP_ACT_ALLOW"},
		{"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "args": [{"index": 0, "value": 16, "op": "SCMP_CMP_EQ"}]},
		{"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_GE"}]},
		{"names": ["fcntl"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 3, "valueTwo": 5, "op": "SCMP_CMP_MASKED_EQ"}]},
		{"names": ["mmap"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 2, "value": 0, "op": "SCMP_CMP_LT"}]}
	]
}`
	rep, err := Lint([]byte(prof), opts)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range rep.Findings {
		got[f.Rule] += f.String() + "\n"
	}
	for rule, want := range map[string]string{
		"dead-rule":       "syscalls[1] (setns)",
		"unknown-name":    `"sycall_typo"`,
		"deny-64bit-int":  "syscalls[3].args[0]: denies socket",
		"always-true":     "syscalls[4].args[0]",
		"never-true":      "syscalls[6].args[0]",
		"masked-datum":    "syscalls[5].args[0]",
		"dangerous-grant": "ptrace: allowed: reads and writes other processes' memory and registers; entitle grants it with admin.debug",
		"architectures":   "x86_64 without x86 or x32",
	} {
		if !strings.Contains(got[rule], want) {
			t.Errorf("%s: want %q in\n%s", rule, want, got[rule])
		}
	}
	if rep.Max() != Error {
		t.Errorf("max severity %v", rep.Max())
	}
	if !strings.Contains(strings.Join(rep.Raw, " "), "ptrace") {
		t.Errorf("raw %v lacks ptrace", rep.Raw)
	}
	t.Logf("%s; raw: %v", rep.Summary(), rep.Raw)
}

func TestLintStrictJSON(t *testing.T) {
	rep, err := Lint([]byte(`{"defaultAction": "SCMP_ACT_ERRNO", "defaultAction": "SCMP_ACT_ALLOW"}`), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) == 0 || rep.Findings[0].Rule != "strict-json" || !strings.Contains(rep.Findings[0].Message, "duplicate") {
		t.Errorf("%v", rep.Findings)
	}
}
