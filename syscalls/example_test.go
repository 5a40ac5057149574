package syscalls_test

import (
	"fmt"

	"github.com/entitle-dev/entitle/syscalls"
)

func ExampleArch_Number() {
	nr, _ := syscalls.X86_64.Number("getcwd")
	x32, _ := syscalls.X32.Number("execve")
	fmt.Println(nr, fmt.Sprintf("%#x", x32))
	// Output: 79 0x40000208
}
