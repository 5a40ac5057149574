//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/entitle-dev/entitle/auditlog"
	"github.com/entitle-dev/entitle/confine"
	"github.com/spf13/cobra"
)

func newExplainCmd() *cobra.Command {
	var asJSON, unscoped bool
	cmd := &cobra.Command{
		Use:   "explain [LOG...]",
		Short: "Explain the kernel's seccomp and Landlock denial records (dmesg, journalctl -k, ausearch)",
		Long: `Read kernel log or audit log lines (from the files named, or standard input) and
explain every seccomp record (type=1326 / SECCOMP) and Landlock denial record
(type=1423 / LANDLOCK_ACCESS): the call, what the filter did, and the
entitlement or flag that would allow it. One line per kind of record, with its
count, then a summary with the flags to add.

A seccomp record has no arguments: when the entitlement depends on them (openat
by its flags, socket by its family, ioctl by its request) the candidates are
listed; ` + "`entitle which SYSCALL`" + ` shows which arguments each allows, and
` + "`entitle run`" + `, which sees the arguments, names the one.

The kernel logs seccomp's kill and log actions (entitle.Policy OnViolation Kill
or Log) and every action of filters installed with SECCOMP_FILTER_FLAG_LOG, not
plain errno denials. Landlock logs its denials only while kernel audit is on
(auditctl -e 1).`,
		Example: `  dmesg | entitle explain
  journalctl -k --since today | entitle explain
  ausearch -m seccomp,1423 | entitle explain --json
  entitle explain /var/log/audit/audit.log`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := auditlog.Options{Unscoped: unscoped}
			if home, err := os.UserHomeDir(); err == nil {
				opts.Protected = confine.DefaultProtected(home, nil)
			}
			c := auditlog.NewCollector(opts)
			if len(args) == 0 {
				args = []string{"-"}
			}
			for _, name := range args {
				if err := collect(c, name, cmd.InOrStdin()); err != nil {
					return err
				}
			}
			rep := c.Report()
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			for _, e := range rep.Explanations {
				fmt.Fprintln(out, e.String())
			}
			fmt.Fprintln(out, rep.Summary())
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().BoolVar(&unscoped, "unscoped", false, "the sandbox's file rights were not scoped to paths (no --read/--write/--exec/preset): explain Landlock's file denials accordingly")
	return cmd
}

// collect adds the records of one log ("-": stdin).
func collect(c *auditlog.Collector, name string, stdin io.Reader) error {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("explain: %w", err)
		}
		defer f.Close()
		r = f
	}
	if err := auditlog.ReadInto(c, r); err != nil {
		return fmt.Errorf("explain %s: %w", name, err)
	}
	return nil
}
