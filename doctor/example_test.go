//go:build linux

package doctor_test

import (
	"fmt"

	"github.com/entitle-dev/entitle/doctor"
)

// Check reports what this machine's kernel offers a sandbox, one finding
// per area, each with what it means for the user. Its results depend on
// the machine (print f.Status and f.What to see them), so this example
// shows only the areas every machine gets a finding for.
func ExampleCheck() {
	for _, f := range doctor.Check() {
		switch f.Area {
		case "kernel", "seccomp", "landlock":
			fmt.Println(f.Area)
		}
	}
	// Output:
	// kernel
	// seccomp
	// landlock
}
