package seccomp_test

import (
	"fmt"

	"github.com/entitle-dev/entitle/seccomp"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Install a filter that makes getcwd fail with EPERM on every thread. The
// example is compiled but not run: it would confine the test process.
func ExampleInstall() {
	prog, _ := bpf.Assemble([]bpf.Instruction{
		bpf.LoadAbsolute{Off: 4, Size: 4}, // arch
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0xC000003E, SkipFalse: 3},
		bpf.LoadAbsolute{Off: 0, Size: 4}, // nr
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.SYS_GETCWD, SkipFalse: 1},
		bpf.RetConstant{Val: unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)},
		bpf.RetConstant{Val: unix.SECCOMP_RET_ALLOW},
		bpf.RetConstant{Val: unix.SECCOMP_RET_KILL_PROCESS},
	})
	if _, err := seccomp.Install(prog, seccomp.FlagTSync); err != nil {
		fmt.Println(err) // fail closed: do not continue unconfined
		return
	}
}
