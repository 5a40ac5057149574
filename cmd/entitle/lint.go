//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	mobyseccomp "github.com/moby/profiles/seccomp"
	"github.com/spf13/cobra"

	"github.com/entitle-dev/entitle/lint"
	"github.com/entitle-dev/entitle/profile"
)

func newLintCmd() *cobra.Command {
	var (
		pf      profileFlags
		jsonOut bool
	)
	cmd := &cobra.Command{
		Use:   "lint [--json] PROFILE|docker-default",
		Short: "Find dead, contradictory, bypassable and dangerous rules in a container profile",
		Long: `Read an OCI/Docker/Podman seccomp profile as runc + libseccomp read it and
report, each with a severity and the rule's location: rules that never apply or
contradict each other (libseccomp keeps the first), rules libseccomp refuses,
names no architecture knows, deny rules that compare an int argument on 64 bits
(bypassable with high bits set), conditions always or never true, masked
comparisons whose datum has bits outside the mask, architecture coverage,
dangerous grants with the entitlement each belongs to, and the profile
expressed in entitlements ("≈ base + fs.read + ... plus N raw rules").

Exit status: 2 with an error, 1 with a warning, 0 otherwise.`,
		Example: `  entitle lint /usr/share/containers/seccomp.json
  entitle lint --json docker-default`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := pf.options(nil)
			if err != nil {
				return err
			}
			var data []byte
			if args[0] == profile.DockerDefaultName {
				data, err = json.Marshal(mobyseccomp.DefaultProfile())
			} else {
				data, err = os.ReadFile(args[0])
			}
			if err != nil {
				return err
			}
			rep, err := lint.Lint(data, opts)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			w := cmd.OutOrStdout()
			if jsonOut {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else {
				printLint(w, args[0], rep)
			}
			switch rep.Max() {
			case lint.Error:
				if len(rep.Findings) > 0 {
					return &exitError{code: 2}
				}
			case lint.Warning:
				return &exitError{code: 1}
			}
			return nil
		},
	}
	pf.register(cmd.Flags(), true)
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the report as JSON")
	return cmd
}

func printLint(w io.Writer, name string, rep *lint.Report) {
	count := map[lint.Severity]int{}
	for _, f := range rep.Findings {
		fmt.Fprintln(w, f)
		count[f.Severity]++
	}
	fmt.Fprintf(w, "%s: %d errors, %d warnings, %d notes\n", name, count[lint.Error], count[lint.Warning], count[lint.Info])
	fmt.Fprintf(w, "%s\n", rep.Summary())
	if len(rep.Raw) > 0 {
		raw := rep.Raw
		more := ""
		if len(raw) > 40 {
			more = fmt.Sprintf(" ... and %d more (--json lists all)", len(raw)-40)
			raw = raw[:40]
		}
		fmt.Fprintf(w, "raw rules: %s%s\n", strings.Join(raw, " "), more)
	}
}
