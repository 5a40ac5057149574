//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

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
				// Their other mounts are limited alike (bind mounts).
				if a, err := confine.ProtectedAliases(opts.Protected); err == nil {
					opts.Protected = append(opts.Protected, a...)
				}
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
				return enc.Encode(explainJSON(rep))
			}
			for _, e := range rep.Explanations {
				line := e.String()
				if f := remedyFlag(e.Fix); f != "" {
					line += " — add " + f
				}
				fmt.Fprintln(out, line)
			}
			fmt.Fprintln(out, explainSummary(rep))
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().BoolVar(&unscoped, "unscoped", false, "the sandbox's file rights were not scoped to paths (no --read/--write/--exec/preset): explain Landlock's file denials accordingly")
	return cmd
}

// explainFlags are the flags that allow what a report's records refused:
// one --allow with every definite entitlement, then Landlock's paths,
// ports and protections to lift, in order of appearance.
func explainFlags(rep *auditlog.Report) []string {
	var flags []string
	if len(rep.Allow) > 0 {
		flags = append(flags, "--allow "+strings.Join(rep.Allow, ","))
	}
	for _, f := range rep.Fixes {
		flags = append(flags, remedyFlag(f))
	}
	return flags
}

// explainSummary is the closing line: how many records of how many
// kinds, and the flags that allow what can be allowed.
func explainSummary(rep *auditlog.Report) string {
	if rep.Records == 0 {
		return "no seccomp or Landlock denial records in the input (seccomp logs only filters' kill and log actions, or every action of a filter installed with SECCOMP_FILTER_FLAG_LOG; Landlock logs only while kernel audit is on)"
	}
	s := fmt.Sprintf("%d %s of %d %s", rep.Records, plural(rep.Records, "record", "records"),
		len(rep.Explanations), plural(len(rep.Explanations), "kind", "kinds"))
	if flags := explainFlags(rep); len(flags) > 0 {
		s += "; to allow them: " + strings.Join(flags, " ")
	}
	for _, e := range rep.Explanations {
		if len(e.Candidates) > 0 {
			s += "; some depend on the arguments (see above)"
			break
		}
	}
	return s
}

// explanationJSON is an explanation in `entitle explain --json`: the
// report's fields, and the flag that applies its remedy.
type explanationJSON struct {
	auditlog.Explanation
	Flag string `json:"flag,omitempty"`
}

// reportJSON is the report in `entitle explain --json`, with the flags of
// the summary line.
type reportJSON struct {
	Explanations []explanationJSON `json:"explanations"`
	Records      int               `json:"records"`
	Allow        []string          `json:"allow,omitempty"`
	Fixes        []confine.Remedy  `json:"fixes,omitempty"`
	Flags        []string          `json:"flags,omitempty"`
}

func explainJSON(rep *auditlog.Report) reportJSON {
	out := reportJSON{Explanations: []explanationJSON{}, Records: rep.Records, Allow: rep.Allow, Fixes: rep.Fixes, Flags: explainFlags(rep)}
	for _, e := range rep.Explanations {
		out.Explanations = append(out.Explanations, explanationJSON{e, remedyFlag(e.Fix)})
	}
	return out
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
