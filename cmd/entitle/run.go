//go:build linux

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/confine"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/policyfile"
	"github.com/entitle-dev/entitle/profile"
	"github.com/entitle-dev/entitle/supervise"
	"github.com/spf13/cobra"
)

func newRunCmd() *cobra.Command {
	var (
		allow    []string
		polFile  string
		profPath string
		complain bool
		learn    bool
		quiet    bool
		output   string
		all      bool
		strict   bool
		preserve int
		pf       profileFlags
		paths    pathFlags
	)
	cmd := &cobra.Command{
		Use:   "run [--allow ENT,...] [--policy FILE] [--profile OCI.json] [--learn|--complain] [--quiet] [-o FILE] -- CMD [ARGS...]",
		Short: "Run a command under a filter and explain every denial",
		Long: `Run CMD confined by base plus the granted entitlements (--allow, or an
entitle.yaml given with --policy, or an OCI/Docker profile given with
--profile). Every system call outside the policy is denied and explained on
stderr: the call with its decoded arguments, the process, and the entitlement
that would allow it; a summary at exit gives the --allow list to use.

  --learn     let the command run and learn what it needs, but keep denying
              what a policy must never allow (the never-grantable calls,
              TIOCSTI, admin.*); with -o FILE write the learned policy: the
              smallest set of entitlements that allows every call seen, each
              with the call it is for, and raw rules (with a comment) for
              calls no entitlement grants, so the written policy runs
  --complain  the same, but deny nothing at all
  --quiet     enforce silently: denials fail in the kernel, no reports

Harmless probes (glibc's nscd lookup) are denied in every mode, as the C
library expects, and only reported with --all.

entitle waits for every process the command started, daemons included (it is
their subreaper), and keeps explaining their denials; run servers in the
foreground where they have the option (nginx -g 'daemon off;', postgres
instead of pg_ctl start) to get their exit status.

Exit status: the command's own, 128+N when it was killed by signal N, 125
when entitle itself failed (nothing ran), 126 when CMD cannot be executed,
127 when it is not found.`,
		Example: `  entitle run --allow fs.read -- ls /
  entitle run --allow fs.read -- mkdir /tmp/x     # explained denial: needs fs.create
  entitle run --learn -o entitle.yaml -- sh -c 'date > /tmp/now'
  entitle run --policy entitle.yaml -- sh -c 'date > /tmp/now'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			fail := func(err error) error { return &exitError{exitInternal, err} }
			if (complain || learn) && quiet || complain && learn {
				return fail(errors.New("--learn, --complain and --quiet exclude each other"))
			}
			if output != "" && !complain && !learn {
				return fail(errors.New("-o needs --learn or --complain (it writes the learned policy)"))
			}
			if profPath != "" && (polFile != "" || len(allow) > 0 || paths.sandbox != "") {
				return fail(errors.New("--profile cannot be combined with --allow, --policy or --sandbox"))
			}
			creq, file, req, err := runRequest(allow, polFile, &paths)
			if err != nil {
				return fail(err)
			}
			names := creq.Names()
			if paths.explain {
				return explainPolicy(c.OutOrStdout(), names, req)
			}
			sc := &supervise.Cmd{Path: args[0], Args: args, Entitlements: names,
				PreserveFDs: preserve, Request: req, Strict: strict, Subreaper: true}
			var events io.Writer
			if paths.events != "" {
				ef, err := os.OpenFile(paths.events, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o644)
				if err != nil {
					return fail(fmt.Errorf("--events: %w", err))
				}
				defer ef.Close()
				events = ef
			}
			switch {
			case learn:
				sc.Mode = supervise.Learn
			case complain:
				sc.Mode = supervise.Complain
			case quiet:
				sc.Mode = supervise.Quiet
			}
			if profPath != "" {
				var opts profile.Options
				var prof *profile.Profile
				if opts, err = pf.options(c.ErrOrStderr()); err == nil {
					if prof, err = profile.Load(profPath, opts); err == nil {
						sc.Policy = prof.Policy
					}
				}
				if err == nil {
					// An OCI profile defines only the seccomp layer; a
					// Landlock domain still keeps other processes out of
					// reach.
					l := catalog.AllLayers()
					l.Mount = allowsMount(sc.Policy)
					sc.Layers = &l
				}
			} else {
				sc.Policy, err = supervise.Build(creq)
			}
			if err != nil {
				return fail(err)
			}
			view := newRunView(c.ErrOrStderr(), events, sc.Mode, profPath != "", all, sc.Policy)
			view.file = polFile != "" || paths.sandbox != ""
			sc.Events, sc.Every = view.event, view.every()
			sc.Signals = early
			if err := sc.Run(); err != nil {
				return runExit(err)
			}
			rep := sc.Report
			if output != "" {
				if err := writeWidened(output, rep, file, profPath != ""); err != nil {
					return fail(err)
				}
				fmt.Fprintf(c.ErrOrStderr(), "entitle: wrote %s\n", output)
			}
			if rep.ExitCode != 0 {
				// The command's own status, passed through silently.
				return &exitError{code: rep.ExitCode}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.SetInterspersed(false) // flags after CMD are CMD's
	f.StringSliceVar(&allow, "allow", nil, "entitlements to grant (comma-separated or repeated)")
	f.StringVar(&polFile, "policy", "", "entitle.yaml policy file")
	f.StringVar(&profPath, "profile", "", "OCI/Docker seccomp profile (JSON) or docker-default")
	f.BoolVar(&learn, "learn", false, "learn what the command needs (keeps denying never-grantable calls and admin.*)")
	f.BoolVar(&complain, "complain", false, "deny nothing, report what would be denied")
	f.BoolVar(&quiet, "quiet", false, "enforce silently: denials fail in the kernel, no reports")
	f.StringVarP(&output, "output", "o", "", "with --learn or --complain: write the learned policy (entitle.yaml, or an OCI profile if it ends in .json)")
	f.BoolVar(&all, "all", false, "report every denial, not only the first of each kind")
	f.BoolVar(&strict, "strict", false, "refuse to run when the kernel cannot enforce every layer (Landlock rights, scopes)")
	f.IntVar(&preserve, "preserve-fds", 0, "pass descriptors 3..3+N-1 to the command (all others beyond 0-2 are closed)")
	pf.register(f, false) // --ignore-unknown, --lenient: as for compile
	paths.register(f)
	return cmd
}

// runRequest is the policy request of entitle run's flags: the
// entitlements of the policy file (--policy or --sandbox, extends resolved)
// and of --allow, the file's violation, mode and rules, and the scope of
// the paths and ports of the file and the flags. It also returns the file
// and the resolved paths and ports.
func runRequest(allow []string, polFile string, paths *pathFlags) (catalog.Request, *policyfile.File, *confine.Request, error) {
	var names []string
	for _, a := range allow {
		for _, n := range strings.Split(a, ",") {
			if n = strings.TrimSpace(n); n != "" {
				names = append(names, n)
			}
		}
	}
	for _, n := range names {
		if _, err := catalog.Lookup(n); err != nil {
			return catalog.Request{}, nil, nil, fmt.Errorf("--allow: %w", err)
		}
	}
	file, err := paths.file(polFile)
	if err != nil {
		return catalog.Request{}, nil, nil, err
	}
	req, err := paths.request(file)
	if err != nil {
		return catalog.Request{}, nil, nil, err
	}
	creq := catalog.Request{Entitlements: names, Scope: req.Scope()}
	if file != nil {
		creq = file.Request(creq) // the file's entitlements first, then --allow's
	}
	return creq, file, req, nil
}

// writeWidened writes the policy granted plus what a learn or complain run
// needed: the minimal set of entitlements, each with the call it is for,
// and raw rules for calls no entitlement grants.
func writeWidened(path string, rep *supervise.Report, file *policyfile.File, fromProfile bool) error {
	if fromProfile {
		return errors.New("-o with --profile is not supported: use --allow or --policy")
	}
	names := rep.Allow
	var rules, extra []policy.Rule
	var ruleComments []string
	if file != nil {
		rules = append(rules, file.Rules...)
		ruleComments = make([]string, len(file.Rules))
	}
	for _, r := range rep.Rules {
		extra = append(extra, r.Rule)
		rules = append(rules, r.Rule)
		ruleComments = append(ruleComments, r.Comment)
	}
	var data []byte
	var err error
	if strings.HasSuffix(path, ".json") {
		req := catalog.Request{Entitlements: names, Extra: extra}
		if file != nil {
			req.Mode, req.Violation, req.Extra = file.Mode, file.Violation, rules
		}
		p, perr := catalog.Build(req)
		if perr != nil {
			return perr
		}
		data, err = profile.Marshal(&profile.Profile{Policy: p})
	} else {
		out := &policyfile.File{Entitlements: names, Rules: rules, RuleComments: ruleComments, Comments: map[string]string{}}
		if file != nil {
			out.Violation, out.Mode = file.Violation, file.Mode
		}
		for _, l := range rep.Learned {
			c := "learned: " + l.Reason
			if l.Calls > 1 {
				c += fmt.Sprintf(" (and %d more)", l.Calls-1)
			}
			out.Comments[l.Name] = c
		}
		data, err = out.Marshal()
	}
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// allowsMount reports whether p may allow a call that changes mounts.
func allowsMount(p *policy.Policy) bool {
	if p.DefaultAction.Kind == policy.ActAllow {
		return true
	}
	for _, r := range p.Rules {
		switch r.Syscall {
		case "mount", "umount", "umount2", "move_mount", "fsmount", "pivot_root", "mount_setattr", "open_tree":
			if r.Action.Kind == policy.ActAllow {
				return true
			}
		}
	}
	return false
}
