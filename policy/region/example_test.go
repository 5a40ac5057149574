package region_test

import (
	"fmt"
	"log"

	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/policy/region"
	"github.com/entitle-dev/entitle/syscalls"
)

// Looser answers "does the new policy let anything run that the reviewed
// one did not?" with the calls themselves, not a textual diff: here the
// new policy adds AF_INET6 (10) sockets to the AF_INET (2) ones the
// reviewed policy allowed.
func ExampleLooser() {
	x86 := []*syscalls.Arch{syscalls.X86_64}
	reviewed := &policy.Policy{
		DefaultAction: policy.Errno(1),
		Arches:        x86,
		Rules: []policy.Rule{
			{Syscall: "read", Action: policy.Allow},
			{Syscall: "socket", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpEQ, Value: 2, Width32: true}}},
		},
	}
	updated := &policy.Policy{
		DefaultAction: policy.Errno(1),
		Arches:        x86,
		Rules: []policy.Rule{
			{Syscall: "read", Action: policy.Allow},
			{Syscall: "socket", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpEQ, Value: 2, Width32: true}}},
			{Syscall: "socket", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpEQ, Value: 10, Width32: true}}},
		},
	}
	diffs, err := region.Looser(reviewed, updated)
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range diffs {
		fmt.Println(d)
	}
	// The reverse holds: everything the reviewed policy runs, the update runs.
	back, _ := region.Looser(updated, reviewed)
	fmt.Println(len(back), "calls looser the other way")
	// Output:
	// x86_64 socket [a0 & 0xffffffff == 0xa]: errno(EPERM) vs allow
	// 0 calls looser the other way
}
