//go:build linux

package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/entitle-dev/entitle/policy/region"
)

// runCheckSubset proves profile no looser than baseline: every call
// profile lets run (allow, log, or handed to a tracer or supervisor),
// baseline lets run too, for every architecture, number and argument
// region. Both are profiles, entitle.yaml files or entitlements, as for
// diff. It prints the result and returns an exitError with status 1 and
// the counterexamples printed when profile is looser.
//
// The operands are read with of (--arch, --ignore-unknown, --lenient,
// --no-new-privileges).
func runCheckSubset(cmd *cobra.Command, of *operandFlags, baseline, profile string, jsonOut bool) error {
	base, err := of.load(baseline, cmd.ErrOrStderr())
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	// The profile is read as no looser than runc loads it: an overlap
	// libseccomp may decide for the less restrictive rule is an error,
	// even with --lenient (which reads it as the more restrictive).
	po := *of
	po.refuseOverlaps = true
	p, err := po.load(profile, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	cex, err := region.Looser(base, p)
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	if len(cex) == 0 {
		if jsonOut {
			return printDiffs(w, nil, baseline, profile, true)
		}
		fmt.Fprintf(w, "%s is within %s: every call it lets run, the baseline lets run\n", profile, baseline)
		return nil
	}
	if !jsonOut {
		fmt.Fprintf(w, "%s is not within %s: %d sets of calls it lets run that the baseline does not\n", profile, baseline, len(cex))
	}
	if err := printDiffs(w, cex, baseline, profile, jsonOut); err != nil {
		return err
	}
	return &exitError{code: 1}
}
