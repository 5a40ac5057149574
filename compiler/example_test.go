package compiler_test

import (
	"fmt"

	"github.com/entitle-dev/entitle/compiler"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/syscalls"
)

// A policy that allows read and write on x86_64 and refuses everything
// else with EPERM compiles to a short program; Bytes gives the records the
// kernel loads and FromBytes reads them back.
func ExampleFromBytes() {
	p := &policy.Policy{
		DefaultAction: policy.Errno(1),
		Arches:        []*syscalls.Arch{syscalls.X86_64},
		Rules: []policy.Rule{
			{Syscall: "read", Action: policy.Allow},
			{Syscall: "write", Action: policy.Allow},
		},
	}
	prog, err := compiler.Compile(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	raw := prog.Bytes()
	back, err := compiler.FromBytes(raw)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(raw) == 8*len(prog.Insns), len(back) == len(prog.Insns), back[0] == prog.Insns[0])

	_, err = compiler.FromBytes(raw[:12]) // one and a half records
	fmt.Println(err)
	// Output:
	// true true true
	// filter of 12 bytes is not a whole number of 8-byte sock_filter records (truncated or not a filter)
}
