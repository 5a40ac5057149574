//go:build linux

package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/policy/render"
	"github.com/entitle-dev/entitle/syscalls"
	"github.com/spf13/cobra"
)

func newListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the entitlements and Karn's aliases",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 8, 2, ' ', 0)
			fmt.Fprintf(w, "ENTITLEMENT\tMEANING\n")
			fmt.Fprintf(w, "base\t%s\n", catalog.Base().Summary)
			for _, e := range catalog.All() {
				fmt.Fprintf(w, "%s\t%s\n", e.Name, e.Summary)
			}
			fmt.Fprintf(w, "\nKARN ALIAS\tEXPANDS TO\n")
			aliases := catalog.KarnAliases()
			for _, a := range slices.Sorted(maps.Keys(aliases)) {
				exp := strings.Join(aliases[a], " ")
				if exp == "" {
					exp = "(nothing: its calls are in the never set)"
				}
				fmt.Fprintf(w, "%s\t%s\n", a, exp)
			}
			return w.Flush()
		},
	}
}

// parseArches reads repeated or comma-separated --arch values; none means
// the native architecture.
func parseArches(vals []string) ([]*syscalls.Arch, error) {
	var out []*syscalls.Arch
	for _, v := range vals {
		for _, name := range strings.Split(v, ",") {
			if strings.TrimSpace(name) == "" {
				continue
			}
			a, err := syscalls.Lookup(strings.TrimSpace(name))
			if err != nil {
				return nil, fmt.Errorf("--arch: %w", err)
			}
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	if len(out) == 0 {
		out = []*syscalls.Arch{syscalls.Native()}
	}
	return out, nil
}

func newShowCmd() *cobra.Command {
	var archFlags []string
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show the system calls and argument rules of an entitlement (or base, never)",
		Long: `Show what an entitlement grants: for each architecture, the system calls it
allows with any arguments, and those it allows only with certain arguments.
NAME may be an entitlement, a Karn alias, "base" or "never".`,
		Example: `  entitle show net.client
  entitle show --arch x86_64,aarch64 base
  entitle show never`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			arches, err := parseArches(archFlags)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			name := strings.ToLower(strings.TrimSpace(args[0]))
			switch name {
			case "never":
				showNever(out, arches)
				return nil
			case "base":
				showEntitlement(out, catalog.Base(), arches)
				return nil
			}
			es, err := catalog.Lookup(name)
			if err != nil {
				return err
			}
			if len(es) != 1 || es[0].Name != name {
				var names []string
				for _, e := range es {
					names = append(names, e.Name)
				}
				if len(names) == 0 {
					fmt.Fprintf(out, "%s is a Karn alias for nothing: its calls are in the never set (entitle show never)\n", args[0])
					return nil
				}
				fmt.Fprintf(out, "%s is a Karn alias for %s\n\n", args[0], strings.Join(names, " "))
			}
			for i, e := range es {
				if i > 0 {
					fmt.Fprintln(out)
				}
				showEntitlement(out, e, arches)
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&archFlags, "arch", nil, "architectures to show, e.g. x86_64,aarch64 (default: native)")
	return cmd
}

func showEntitlement(out io.Writer, e *catalog.Entitlement, arches []*syscalls.Arch) {
	fmt.Fprintf(out, "%s: %s\n", e.Name, e.Summary)
	if e.Name == "base" {
		fmt.Fprintln(out, "\nbeyond seccomp: no file right (except executing the command itself), no TCP bind or connect,\n"+
			"signals and abstract Unix sockets stay inside the sandbox, other processes are out of\n"+
			"ptrace-class reach (/proc/PID/mem, ptrace, process_vm_*), no capability kept")
	} else {
		fmt.Fprintln(out, "\nbeyond seccomp (Landlock, capabilities; `go doc ./catalog Layers`):")
		l, _ := catalog.LayersOf([]string{e.Name})
		d := l.Describe()
		if len(d) == 0 {
			d = []string{"nothing: its calls reach no path, port, other process or capability the layers restrict"}
		}
		for _, line := range d {
			fmt.Fprintf(out, "  %s\n", line)
		}
	}
	for _, a := range arches {
		known := func(s string) bool { _, ok := a.Number(s); return ok }
		var allow, owns []string
		for _, s := range e.Allow {
			if known(s) {
				allow = append(allow, s)
			}
		}
		for _, s := range e.Owns {
			if known(s) {
				owns = append(owns, s)
			}
		}
		sort.Strings(allow)
		sort.Strings(owns)
		fmt.Fprintf(out, "\n[%s]\n", a.Name())
		fmt.Fprintf(out, "allowed with any arguments (%d):\n", len(allow))
		wrap(out, "  ", allow)
		var rules []policy.Rule
		for _, r := range e.Rules {
			if known(r.Syscall) && !slices.Contains(e.Allow, r.Syscall) {
				rules = append(rules, r)
			}
		}
		if len(rules) > 0 {
			fmt.Fprintf(out, "argument rules (%d; a call matching any allow rule is allowed):\n", len(rules))
			for _, r := range rules {
				what := "allow"
				if r.Action != policy.Allow {
					what = r.Action.String()
				}
				if what == "allow" {
					fmt.Fprintf(out, "  %s: %s\n", r.Syscall, render.Conds(r.Syscall, r.Conds))
				} else {
					when := ""
					if len(r.Conds) > 0 {
						when = " when " + render.Conds(r.Syscall, r.Conds)
					}
					fmt.Fprintf(out, "  %s: %s%s\n", r.Syscall, what, when)
				}
			}
		}
		fmt.Fprintf(out, "owns (%d; their home for explanations and deny-list mode):\n", len(owns))
		wrap(out, "  ", owns)
	}
}

func showNever(out io.Writer, arches []*syscalls.Arch) {
	fmt.Fprintln(out, "never: system calls no entitlement grants (Options.Extra can still allow them)")
	for _, a := range arches {
		fmt.Fprintf(out, "\n[%s]\n", a.Name())
		w := tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
		for _, s := range catalog.Never() {
			if _, ok := a.Number(s); ok {
				fmt.Fprintf(w, "  %s\t%s\n", s, catalog.NeverReason(s))
			}
		}
		w.Flush()
	}
}

// wrap prints words in lines of at most ~88 columns.
func wrap(out io.Writer, indent string, words []string) {
	if len(words) == 0 {
		fmt.Fprintf(out, "%s(none)\n", indent)
		return
	}
	line := indent
	for _, w := range words {
		if len(line) > len(indent) && len(line)+len(w)+1 > 88 {
			fmt.Fprintln(out, line)
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += w
	}
	fmt.Fprintln(out, line)
}

func newWhichCmd() *cobra.Command {
	var archFlags []string
	cmd := &cobra.Command{
		Use:   "which SYSCALL...",
		Short: "Show which entitlements grant a system call, and under which arguments",
		Example: `  entitle which socket clone
  entitle which --arch aarch64 openat`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			arches, err := parseArches(archFlags)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			var errs []error
			for i, s := range args {
				if !syscalls.Known(s) {
					msg := fmt.Sprintf("unknown system call %q", s)
					if near := syscalls.Nearest(s, 3); len(near) > 0 {
						msg += "; did you mean " + strings.Join(near, ", ") + "?"
					}
					errs = append(errs, errors.New(msg))
					continue
				}
				if i > 0 {
					fmt.Fprintln(out)
				}
				which(out, s, arches)
			}
			return errors.Join(errs...)
		},
	}
	cmd.Flags().StringSliceVar(&archFlags, "arch", nil, "architectures to consider, e.g. x86_64,aarch64 (default: native)")
	return cmd
}

func which(out io.Writer, s string, arches []*syscalls.Arch) {
	var on []string
	for _, a := range arches {
		if _, ok := a.Number(s); ok {
			on = append(on, a.Name())
		}
	}
	if len(on) == 0 {
		var names []string
		for _, a := range arches {
			names = append(names, a.Name())
		}
		fmt.Fprintf(out, "%s: not a system call on %s\n", s, strings.Join(names, ", "))
		return
	}
	if r := catalog.NeverReason(s); r != "" {
		fmt.Fprintf(out, "%s: never: %s\n", s, r)
		return
	}
	grants := catalog.Grantors(nil, s)
	if len(grants) == 0 {
		fmt.Fprintf(out, "%s: no entitlement grants it\n", s)
		return
	}
	fmt.Fprintf(out, "%s:\n", s)
	w := tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	for _, g := range grants {
		fmt.Fprintf(w, "  %s\t%s\n", g.Entitlement, render.Conds(s, g.Conds))
	}
	w.Flush()
	for _, e := range append([]*catalog.Entitlement{catalog.Base()}, catalog.All()...) {
		if slices.Contains(e.Owns, s) {
			fmt.Fprintf(out, "  (owned by %s)\n", e.Name)
		}
	}
}
