//go:build linux

// Command entitle compiles, inspects and applies seccomp policies built from
// named entitlements. See the README for a tour.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// exitError carries a specific exit status out of a command. With a nil
// err the status is passed through without a message (entitle run's
// command failed on its own).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "entitle",
		Short:         "Seccomp sandboxing that is easier to use than to turn off",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(), // --version (version.go)
	}
	root.SetVersionTemplate("entitle {{.Version}}\n")
	root.AddCommand(newCompileCmd())
	// Catalog commands (catalog_cmds.go), profile generation (profile_cmd.go)
	// and run (run.go).
	root.AddCommand(newListCmd(), newShowCmd(), newWhichCmd())
	root.AddCommand(newProfileCmd())
	root.AddCommand(newRunCmd())
	root.AddCommand(newScanCmd(), newCheckCmd())    // scan.go, check.go
	root.AddCommand(newDoctorCmd(), newPresetCmd()) // doctor_preset.go
	root.AddCommand(newDiffCmd(), newLintCmd())     // diff.go (check --subset: check_subset.go), lint.go
	root.AddCommand(newExplainCmd(), newManCmd())   // explain.go, man.go
	addCompletions(root)                            // complete.go
	return root
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int { return runIO(args, os.Stdout, os.Stderr) }

// runIO runs the command line args with the given output streams and
// returns the exit status: 0, the command's own status, or 1 for errors.
func runIO(args []string, stdout, stderr io.Writer) int {
	root := newRoot()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.Execute(); err != nil {
		var ee *exitError
		if errors.As(err, &ee) && ee.err == nil {
			return ee.code
		}
		fmt.Fprintf(stderr, "entitle: %v\n", err)
		if ee != nil {
			return ee.code
		}
		return 1
	}
	return 0
}
