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

func ExampleLookup() {
	a, err := syscalls.Lookup("arm64")
	if err != nil {
		panic(err)
	}
	nr, _ := a.Number("openat")
	fmt.Println(a.Name(), a.OCIName(), fmt.Sprintf("%#x", a.AuditArch()), nr)
	// Output: aarch64 SCMP_ARCH_AARCH64 0xc00000b7 56
}

func ExampleNearest() {
	fmt.Println(syscalls.Nearest("getcdw", 1))
	// Output: [getcwd]
}
