//go:build linux && amd64

package scan_test

import (
	"fmt"
	"log"
	"slices"

	"github.com/entitle-dev/entitle/scan"
)

// Scan reads a program and its libraries and returns every system call
// they can make, where each is made, and the entitlements that cover
// them. What /bin/true can do depends on the C library installed, so
// this example prints only facts that hold on every x86_64 Debian.
func ExampleScanner_Scan() {
	sc := scan.New(scan.Options{CacheDir: "off"})
	r, err := sc.Scan("/bin/true")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Arch, r.Kind)
	i := slices.IndexFunc(r.Syscalls, func(s scan.Syscall) bool { return s.Name == "exit_group" })
	fmt.Println("exit_group:", i >= 0)
	fmt.Println("needs fs.read:", slices.Contains(r.Entitlements, "fs.read"))
	// Output:
	// x86_64 dynamic
	// exit_group: true
	// needs fs.read: true
}
