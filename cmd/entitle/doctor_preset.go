//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/entitle-dev/entitle/doctor"
	"github.com/entitle-dev/entitle/policyfile"
	"github.com/spf13/cobra"
)

func newDoctorCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "doctor [--json]",
		Short: "Say what this kernel and user can enforce, and what it means",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			fs := doctor.Check()
			if asJSON {
				enc := json.NewEncoder(c.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(fs)
			}
			for _, f := range fs {
				fmt.Fprintf(c.OutOrStdout(), "%-8s %-12s %s\n", f.Status, f.Area, f.What)
				if f.Meaning != "" {
					fmt.Fprintf(c.OutOrStdout(), "%-8s %-12s → %s\n", "", "", f.Meaning)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the findings as JSON")
	return cmd
}

func newPresetCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "preset list | show NAME",
		Short: "List or print the built-in sandboxes (entitle run --sandbox NAME)",
		Long: `The presets are entitle.yaml files: print one, copy it and extend it
(extends: NAME) in your own policy file.`,
		// Without a subcommand: the help; with an unknown word, an error
		// that points to the subcommand meant (cobra prints the help and
		// exits 0 for a command that has subcommands and no Run).
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unknown command %q for \"entitle preset\": to print a preset, use: entitle preset show %s", args[0], args[0])
			}
			return nil
		},
		RunE: func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the presets",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			for _, n := range policyfile.Presets() {
				src, _ := policyfile.PresetSource(n)
				first, _, _ := strings.Cut(string(src), "\n")
				fmt.Fprintf(c.OutOrStdout(), "%-16s %s\n", n, strings.TrimPrefix(strings.TrimPrefix(first, "# "), n+": "))
			}
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "show NAME",
		Short: "Print a preset's entitle.yaml",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			src, err := policyfile.PresetSource(args[0])
			if err != nil {
				return err
			}
			_, err = c.OutOrStdout().Write(src)
			return err
		},
	})
	return cmd
}
