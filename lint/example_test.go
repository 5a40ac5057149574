package lint_test

import (
	"fmt"
	"log"

	"github.com/entitle-dev/entitle/lint"
	"github.com/entitle-dev/entitle/syscalls"
)

// Lint reads a hand-written OCI seccomp profile and says what is wrong
// with it and what it amounts to in entitlements.
func ExampleLint() {
	const prof = `{
		"defaultAction": "SCMP_ACT_ERRNO",
		"architectures": ["SCMP_ARCH_X86_64"],
		"syscalls": [
			{"names": ["read", "write", "exit_group", "ptrace"], "action": "SCMP_ACT_ALLOW"},
			{"names": ["reed"], "action": "SCMP_ACT_ALLOW"}
		]
	}`
	rep, err := lint.Lint([]byte(prof), lint.Options{HostArch: syscalls.X86_64, Kernel: "6.8"})
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range rep.Findings {
		fmt.Println(f)
	}
	fmt.Println(rep.Max())
	// Output:
	// error: syscalls[1]: "reed" is a system call on no architecture; runc skips it; did you mean read, readv, recv? [unknown-name]
	// warning: ptrace: allowed: reads and writes other processes' memory and registers; entitle grants it with admin.debug [dangerous-grant]
	// info: profile: x86_64 without x86 or x32: calls from the missing ABI get the bad-architecture action (killed) [architectures]
	// error
}
