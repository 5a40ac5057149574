//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/export"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/policy/region"
	"github.com/entitle-dev/entitle/policyfile"
	"github.com/entitle-dev/entitle/profile"
)

// operand is one side of diff or check --subset: an OCI/Docker profile
// (a .json file or docker-default), an entitle.yaml file, or entitlements
// ("net.server,fs.read"). Entitlements and entitle.yaml files are taken in
// the form entitle profile writes for containers (export.ForContainer), so
// they compare with the profiles runtimes load.
type operandFlags struct {
	pf  profileFlags
	nnp bool
	// refuseOverlaps refuses a profile whose overlapping rules libseccomp
	// may decide either way, even with --lenient (the operand check
	// --subset proves no looser).
	refuseOverlaps bool
}

func (of *operandFlags) register(cmd *cobra.Command) {
	of.pf.register(cmd.Flags(), true)
	cmd.Flags().BoolVar(&of.nnp, "no-new-privileges", false, "take entitlements and entitle.yaml files as entitle profile --no-new-privileges writes them")
}

func (of *operandFlags) load(arg string, warn io.Writer) (*policy.Policy, error) {
	opts, err := of.pf.options(warn)
	if err != nil {
		return nil, err
	}
	opts.RefuseOverlaps = of.refuseOverlaps
	isFile := false
	if st, err := os.Stat(arg); err == nil && !st.IsDir() {
		isFile = true
	}
	ext := strings.ToLower(filepath.Ext(arg))
	switch {
	case arg == profile.DockerDefaultName || isFile && ext != ".yaml" && ext != ".yml":
		p, err := profile.Load(arg, opts)
		if err != nil {
			return nil, err
		}
		return p.Policy, nil
	case isFile:
		f, err := policyfile.Load(arg)
		if err != nil {
			return nil, err
		}
		p, err := f.Policy(catalog.Request{Arches: opts.Arches})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", arg, err)
		}
		return of.container(p)
	case strings.ContainsAny(arg, "/") || ext == ".json" || ext == ".yaml" || ext == ".yml":
		return nil, fmt.Errorf("%s: no such file (give a profile .json, docker-default, an entitle.yaml file, or entitlements such as net.server,fs.read)", arg)
	}
	var names []string
	for _, n := range strings.Split(arg, ",") {
		if n = strings.TrimSpace(n); n != "" && n != "base" {
			names = append(names, n)
		}
	}
	p, err := catalog.Build(catalog.Request{Entitlements: names, Arches: opts.Arches})
	if err != nil {
		return nil, fmt.Errorf("%q is neither a file nor a list of entitlements: %w", arg, err)
	}
	return of.container(p)
}

func (of *operandFlags) container(p *policy.Policy) (*policy.Policy, error) {
	c, err := export.ForContainerWith(p, export.Options{NoNewPrivileges: of.nnp})
	if err != nil {
		return nil, err
	}
	return c.Policy, nil
}

func newDiffCmd() *cobra.Command {
	var (
		of      operandFlags
		jsonOut bool
	)
	cmd := &cobra.Command{
		Use:   "diff A B",
		Short: "Show exactly where two profiles, entitlement sets or entitle.yaml files decide differently",
		Long: `Compare two policies over every system call number of every architecture
either decides and every region of argument values their rules distinguish,
and print the calls they decide differently, as system calls and argument
conditions. A and B are each an OCI/Docker/Podman profile (.json, or
docker-default), an entitle.yaml file, or entitlements (net.server,fs.read),
taken as entitle profile writes them for containers. Exit status 0 when they
decide every call alike, 1 when they differ.`,
		Example: `  entitle diff docker-default /usr/share/containers/seccomp.json
  entitle diff net.server,fs.read docker-default
  entitle diff --json old.json new.json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := of.load(args[0], cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			b, err := of.load(args[1], cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			diffs, err := region.Compare(a, b)
			if err != nil {
				return err
			}
			if err := printDiffs(cmd.OutOrStdout(), diffs, args[0], args[1], jsonOut); err != nil {
				return err
			}
			if len(diffs) > 0 {
				return &exitError{code: 1}
			}
			return nil
		},
	}
	of.register(cmd)
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the differences as JSON")
	return cmd
}

// diffJSON is one difference in --json output.
type diffJSON struct {
	Arch      string `json:"arch"`
	Syscall   string `json:"syscall"`
	Nr        uint32 `json:"nr"`
	Args      string `json:"args"`
	A         string `json:"a"`
	B         string `json:"b"`
	HighHalf  bool   `json:"high_half_only,omitempty"`
	Condition []struct {
		Index int    `json:"index"`
		Mask  uint64 `json:"mask"`
		Value uint64 `json:"value"`
	} `json:"conditions,omitempty"`
}

// printDiffs prints diffs grouped by architecture and action pair: one
// line per system call with its argument regions (at most a few, then a
// count), differences only in the high half of an argument summarized.
func printDiffs(w io.Writer, diffs []region.Difference, nameA, nameB string, jsonOut bool) error {
	if jsonOut {
		out := make([]diffJSON, 0, len(diffs))
		for _, d := range diffs {
			j := diffJSON{Arch: d.Arch.Name(), Syscall: d.Syscall, Nr: d.Nr, Args: d.Region.String(), A: d.A.String(), B: d.B.String(), HighHalf: d.HighHalf()}
			if d.Syscall == "" {
				j.Syscall = "(numbers not in the table)"
			}
			for i, f := range d.Region {
				if f.Mask != 0 {
					j.Condition = append(j.Condition, struct {
						Index int    `json:"index"`
						Mask  uint64 `json:"mask"`
						Value uint64 `json:"value"`
					}{i, f.Mask, f.Value})
				}
			}
			out = append(out, j)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(diffs) == 0 {
		fmt.Fprintf(w, "%s and %s decide every call alike\n", nameA, nameB)
		return nil
	}
	type group struct {
		arch, a, b string
	}
	type entry struct {
		regions []string
		high    int
	}
	groups := map[group]map[string]*entry{}
	var order []group
	for _, d := range diffs {
		g := group{d.Arch.Name(), d.A.String(), d.B.String()}
		if groups[g] == nil {
			groups[g] = map[string]*entry{}
			order = append(order, g)
		}
		name := d.Syscall
		if name == "" {
			name = "(numbers not in the table)"
		}
		e := groups[g][name]
		if e == nil {
			e = &entry{}
			groups[g][name] = e
		}
		if d.HighHalf() {
			e.high++
		} else if !d.Region.Any() {
			e.regions = append(e.regions, d.Region.String())
		} else {
			e.regions = append(e.regions, "")
		}
	}
	fmt.Fprintf(w, "A = %s\nB = %s\n", nameA, nameB)
	for _, g := range order {
		var names []string
		for n := range groups[g] {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintf(w, "\n%s: A %s, B %s (%d calls):\n", g.arch, g.a, g.b, len(names))
		var whole []string
		for _, n := range names {
			e := groups[g][n]
			if len(e.regions) == 1 && e.regions[0] == "" && e.high == 0 {
				whole = append(whole, n)
				continue
			}
			var parts []string
			for i, r := range e.regions {
				if i == 4 {
					parts = append(parts, fmt.Sprintf("and %d more", len(e.regions)-4))
					break
				}
				if r == "" {
					r = "any arguments"
				}
				parts = append(parts, r)
			}
			if e.high > 0 {
				parts = append(parts, fmt.Sprintf("%d regions with high bits set in a 32-bit argument (one side compares 64 bits, the other the low 32 the kernel reads)", e.high))
			}
			fmt.Fprintf(w, "  %s: %s\n", n, strings.Join(parts, "; "))
		}
		if len(whole) > 0 {
			fmt.Fprintf(w, "  any arguments: %s\n", strings.Join(whole, " "))
		}
	}
	return nil
}
