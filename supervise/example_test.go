//go:build linux

package supervise_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/supervise"
)

// A command that may read files but not create them: mkdir is denied,
// and its Denial names the entitlement that would allow it.
func ExampleCmd() {
	p, err := supervise.Build(catalog.Request{Entitlements: []string{"fs.read"}})
	if err != nil {
		panic(err)
	}
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	cmd := supervise.Command(p, "mkdir", filepath.Join(dir, "x"))
	cmd.Entitlements = []string{"fs.read"}
	cmd.Stderr = io.Discard // mkdir's own complaint
	cmd.Events = func(e supervise.Event) {
		if d, ok := e.(*supervise.Denial); ok {
			fmt.Printf("%s by %s: needs %v, answered %v\n", d.Syscall, d.Comm, d.Entitlements, d.Action)
		}
	}
	if err := cmd.Run(); err != nil {
		fmt.Println(err) // the command never ran
		return
	}
	fmt.Println("exit status", cmd.Report.ExitCode, "needed", cmd.Report.Needed)
	// Output:
	// mkdir by mkdir: needs [fs.create], answered errno(EPERM)
	// exit status 1 needed [fs.create]
}
