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

// TestLintMultiplexer: with x86 listed, an argument rule for socket is a
// socketcall rule under runc's libseccomp that tests socketcall's pointer
// (profile.Parse reads it so): an error; a rule for socketcall without
// conditions answers it, and then nothing is reported.
func TestLintMultiplexer(t *testing.T) {
	const head = `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"], "syscalls": [
		{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 1, "op": "SCMP_CMP_EQ"}]}`
	for _, tc := range []struct {
		prof string
		want bool
	}{
		{head + `]}`, true},
		{head + `, {"names": ["socketcall"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}`, false},
	} {
		rep, err := Lint([]byte(tc.prof), opts)
		if err != nil {
			t.Fatal(err)
		}
		var found []string
		for _, f := range rep.Findings {
			if f.Rule == "multiplexer" || f.Rule == "dead-rule" {
				found = append(found, f.String())
			}
		}
		if got := len(found) == 1 && strings.Contains(found[0], "socket has argument rules") && strings.Contains(found[0], "socketcall"); got != tc.want {
			t.Errorf("%s:\nfindings %q, want a multiplexer error: %v", tc.prof, found, tc.want)
		}
		if !tc.want && len(found) > 0 {
			t.Errorf("findings %q about libseccomp's own rules", found)
		}
	}
}
