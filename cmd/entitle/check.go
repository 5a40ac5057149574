//go:build linux

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/entitle-dev/entitle/policyfile"
	"github.com/entitle-dev/entitle/scan"
	"github.com/spf13/cobra"
)

func newCheckCmd() *cobra.Command {
	var (
		sf         scanFlags
		policyPath string
		jsonOut    bool
		subset     string
		of         operandFlags
	)
	cmd := &cobra.Command{
		Use:   "check --policy entitle.yaml [--json] BINARY... | check --subset BASELINE [--json] PROFILE",
		Short: "Fail when a binary can do more than its committed policy allows, or a profile more than a baseline",
		Long: `With --policy: scan the binaries (as entitle scan does) and compare what they
can do with a committed policy: exit status 0 when the policy covers them, 1
naming each new system call and the entitlements it needs — the release drift
check for CI.

With --subset BASELINE: prove PROFILE no looser than BASELINE (profiles,
entitle.yaml files or entitlement lists): exit 0, or 1 with the
counterexamples — every architecture, number and argument region PROFILE lets
run and BASELINE does not.`,
		Example: `  entitle scan --format policy -o entitle.yaml ./server   # once, reviewed and committed
  entitle check --policy entitle.yaml ./server             # in CI, on every build
  entitle check --subset docker-default ./my-profile.json  # within the node's baseline?`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if subset != "" {
				if policyPath != "" || len(args) != 1 {
					return errors.New("--subset takes one PROFILE and excludes --policy")
				}
				return runCheckSubset(cmd, &of, subset, args[0], jsonOut)
			}
			if policyPath == "" {
				return errors.New("give the committed policy with --policy entitle.yaml")
			}
			return checkPolicyDrift(cmd.OutOrStdout(), &sf, policyPath, args, jsonOut)
		},
	}
	sf.add(cmd)
	f := cmd.Flags()
	f.StringVar(&policyPath, "policy", "", "the committed entitle.yaml `FILE` to compare with")
	f.BoolVar(&jsonOut, "json", false, "print the result as JSON")
	f.StringVar(&subset, "subset", "", "prove PROFILE no looser than `BASELINE`")
	of.register(cmd)
	return cmd
}

// checkPolicyDrift is entitle check's policy mode: scan the binaries and
// report what each can do beyond the policy file. It returns an exitError
// with status 1 when something is beyond it.
func checkPolicyDrift(w io.Writer, sf *scanFlags, policyPath string, bins []string, jsonOut bool) error {
	f, err := policyfile.Load(policyPath)
	if err != nil {
		return err
	}
	reps, err := sf.scanAll(bins)
	if err != nil {
		return err
	}
	type binResult struct {
		Path       string      `json:"path"`
		New        []scan.Need `json:"new"`
		Unresolved int         `json:"unresolved"`
	}
	var results []binResult
	drift := false
	for _, r := range reps {
		needs, err := r.Beyond(f)
		if err != nil {
			return fmt.Errorf("%s: %w", policyPath, err)
		}
		if needs == nil {
			needs = []scan.Need{}
		}
		drift = drift || len(needs) > 0
		results = append(results, binResult{Path: r.Path, New: needs, Unresolved: len(r.Unresolved)})
	}
	if jsonOut {
		data, err := json.MarshalIndent(struct {
			OK       bool        `json:"ok"`
			Policy   string      `json:"policy"`
			Binaries []binResult `json:"binaries"`
		}{!drift, policyPath, results}, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s\n", data)
	} else {
		for _, b := range results {
			if len(b.New) == 0 {
				fmt.Fprintf(w, "%s: covered by %s\n", b.Path, policyPath)
				continue
			}
			var all []string
			for _, n := range b.New {
				all = append(all, n.Entitlements...)
			}
			fmt.Fprintf(w, "%s: can do more than %s allows:\n", b.Path, policyPath)
			for _, n := range b.New {
				where := ""
				if len(n.Sites) > 0 {
					where = " (in " + n.Sites[0].Function + ")"
				}
				fmt.Fprintf(w, "  %s needs %s%s\n", n.Syscall, strings.Join(n.Entitlements, ","), where)
			}
			fmt.Fprintf(w, "  to accept: add %s to %s's entitlements\n", strings.Join(uniqStrings(all), ", "), policyPath)
		}
	}
	if drift {
		return &exitError{code: 1}
	}
	return nil
}

func uniqStrings(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
