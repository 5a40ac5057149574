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

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/supervise"
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

// subcommands are entitle's commands, with their constructors.
var subcommands = []struct {
	name string
	make func() *cobra.Command
}{
	{"compile", newCompileCmd},
	// Catalog commands (catalog_cmds.go), profile generation (profile_cmd.go)
	// and run (run.go).
	{"list", newListCmd}, {"show", newShowCmd}, {"which", newWhichCmd},
	{"profile", newProfileCmd},
	{"run", newRunCmd},
	{"scan", newScanCmd}, {"check", newCheckCmd}, // scan.go, check.go
	{"doctor", newDoctorCmd}, {"preset", newPresetCmd}, // doctor_preset.go
	{"diff", newDiffCmd}, {"lint", newLintCmd}, // diff.go (check --subset: check_subset.go), lint.go
	{"explain", newExplainCmd}, {"man", newManCmd}, // explain.go, man.go
}

// newRoot returns the command tree for the command line args. When args
// start with the name of a subcommand, the tree has only that one (and
// cobra's help): the root's flags, the completion command and the other
// commands cannot be reached from there, and building them (and
// completion's commands, and --version's build information) costs every
// start of `entitle run` ~0.18 ms. `entitle man`, which documents the
// whole tree, gets all of it. TestRootOfOneCommand checks that both
// trees print the same.
func newRoot(args []string) *cobra.Command {
	only := ""
	if len(args) > 0 && args[0] != "man" {
		for _, s := range subcommands {
			if args[0] == s.name {
				only = s.name
			}
		}
	}
	root := &cobra.Command{
		Use:           "entitle",
		Short:         "Seccomp sandboxing that is easier to use than to turn off",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	if only == "" {
		root.Version = version() // --version (version.go)
		root.SetVersionTemplate("entitle {{.Version}}\n")
	} else {
		root.CompletionOptions.DisableDefaultCmd = true
	}
	for _, s := range subcommands {
		if only == "" || s.name == only {
			root.AddCommand(s.make())
		}
	}
	addCompletions(root) // complete.go
	return root
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "run" {
		early = supervise.Forward()
		go catalog.Preload() // while the flags are parsed
	}
	os.Exit(run(os.Args[1:]))
}

// early is, for `entitle run`, the subscription to the signals to forward,
// started at the beginning of main (supervise.Forward) so that it is made
// while the flags are parsed and the policy is built: each subscription is
// a round trip to the runtime's signal thread, and made later they
// competed with the ruleset and the filter for the two cores, up to a
// millisecond of every run. Tests that call runIO leave it nil (Start then
// subscribes its own).
var early *supervise.Signals

func run(args []string) int { return runIO(args, os.Stdout, os.Stderr) }

// runIO runs the command line args with the given output streams and
// returns the exit status: 0, the command's own status, or 1 for errors.
func runIO(args []string, stdout, stderr io.Writer) int {
	return runRoot(newRoot(args), args, stdout, stderr)
}

func runRoot(root *cobra.Command, args []string, stdout, stderr io.Writer) int {
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
