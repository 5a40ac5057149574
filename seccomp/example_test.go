//go:build linux

package seccomp_test

import (
	"fmt"
	"os"

	"github.com/entitle-dev/entitle/seccomp"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Install a filter that makes getcwd fail with EPERM on every thread of an
// x86_64 process and kills the process on any other ABI. The example is
// compiled but not run (it has no Output comment): it would confine the
// test process for good.
func ExampleInstall() {
	prog, err := bpf.Assemble([]bpf.Instruction{
		bpf.LoadAbsolute{Off: 4, Size: 4}, // seccomp_data.arch
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.AUDIT_ARCH_X86_64, SkipFalse: 3},
		bpf.LoadAbsolute{Off: 0, Size: 4}, // seccomp_data.nr
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.SYS_GETCWD, SkipFalse: 1},
		bpf.RetConstant{Val: unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)},
		bpf.RetConstant{Val: unix.SECCOMP_RET_ALLOW},
		bpf.RetConstant{Val: unix.SECCOMP_RET_KILL_PROCESS},
	})
	if err != nil {
		panic(err)
	}
	if _, err := seccomp.Install(prog, seccomp.FlagTSync|seccomp.FlagSpecAllow); err != nil {
		// Fail closed: do not go on unconfined.
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	_, err = unix.Getcwd(make([]byte, 4096))
	fmt.Println(err) // operation not permitted
}

func ExampleParseFlag() {
	f, err := seccomp.ParseFlag("SECCOMP_FILTER_FLAG_LOG")
	fmt.Println(f|seccomp.FlagTSync, err)
	_, err = seccomp.ParseFlag("LOG")
	fmt.Println(err != nil)
	// Output:
	// SECCOMP_FILTER_FLAG_TSYNC|SECCOMP_FILTER_FLAG_LOG <nil>
	// true
}
