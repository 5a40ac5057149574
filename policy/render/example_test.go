package render_test

import (
	"fmt"

	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/policy/render"
)

// Cond names the argument and its constants the way the catalog's rules
// use them, so a person reading a denial or a diff need not decode
// numbers.
func ExampleCond() {
	fmt.Println(render.Cond("ioctl", policy.Cond{Arg: 1, Op: policy.OpEQ, Value: 0x5413, Width32: true}))
	fmt.Println(render.Cond("socket", policy.Cond{Arg: 0, Op: policy.OpEQ, Value: 10, Width32: true}))
	fmt.Println(render.Conds("mmap", []policy.Cond{{Arg: 2, Op: policy.OpMaskedEQ, Mask: 4, Value: 0}}))
	// Output:
	// request == TIOCGWINSZ (0x5413)
	// domain == AF_INET6 (0xa)
	// prot lacks PROT_EXEC
}
