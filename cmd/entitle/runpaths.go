//go:build linux

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/confine"
	"github.com/entitle-dev/entitle/policyfile"
	"github.com/spf13/pflag"
)

// pathFlags are `entitle run`'s path and port flags and presets.
type pathFlags struct {
	read, write, exec []string
	bind, connect     []string
	sandbox           string
	ignoreMissing     bool
	unprotect         []string
	protectWorkspace  bool
	explain           bool
	events            string
}

func (p *pathFlags) register(f *pflag.FlagSet) {
	f.StringArrayVar(&p.read, "read", nil, "scope reading to `PATH` (repeatable; implies fs.read); nothing else is readable but what programs need to start")
	f.StringArrayVar(&p.write, "write", nil, "let `PATH` be written, created in and read (repeatable; implies fs.read, fs.write, fs.create)")
	f.StringArrayVar(&p.exec, "exec", nil, "let programs under `PATH` be executed (repeatable; implies proc.exec)")
	f.StringSliceVar(&p.bind, "bind", nil, "TCP `PORT`s bind may use (implies net.server)")
	f.StringSliceVar(&p.connect, "connect", nil, "TCP `PORT`s connect may reach (implies net.client)")
	f.StringVar(&p.sandbox, "sandbox", "", "a preset: "+strings.Join(policyfile.Presets(), ", ")+" (entitle preset show NAME)")
	f.BoolVar(&p.ignoreMissing, "ignore-missing", false, "skip paths that do not exist instead of refusing to run")
	f.StringArrayVar(&p.unprotect, "unprotect", nil, "lift the default protection of `PATH` (SSH keys, credentials, .env, .git/hooks, shell rc files)")
	f.BoolVar(&p.protectWorkspace, "protect-workspace", false, "also protect .env, .git/hooks and .git/config in the --read/--write trees (their top directories then accept no new entries)")
	f.StringVar(&p.events, "events", "", "write one JSON object per denial (both layers) and a summary to `FILE` (schema: go doc -cmd -u ./cmd/entitle eventJSON)")
	f.BoolVar(&p.explain, "explain-policy", false, "print the entitlements, paths, ports and protected paths, and exit")
}

// file returns the policy file to use: --policy FILE, --sandbox NAME, or
// nil; extends resolved.
func (p *pathFlags) file(polFile string) (*policyfile.File, error) {
	switch {
	case polFile != "" && p.sandbox != "":
		return nil, fmt.Errorf("--sandbox %s and --policy %s exclude each other: write `extends: %s` in the policy file", p.sandbox, polFile, p.sandbox)
	case p.sandbox != "":
		return policyfile.Preset(p.sandbox)
	case polFile != "":
		f, err := policyfile.Load(polFile)
		if err != nil {
			return nil, err
		}
		return f.Resolve(filepath.Dir(polFile))
	}
	return nil, nil
}

// request merges the file's paths and ports with the flags, resolved.
func (p *pathFlags) request(file *policyfile.File) (*confine.Request, error) {
	r := &confine.Request{IgnoreMissing: p.ignoreMissing, Optional: map[string]bool{}, ProtectWorkspace: p.protectWorkspace}
	var errs []error
	expand := func(list []string, flag string) []string {
		var out []string
		for _, s := range list {
			_, opt := policyfile.Optional(s)
			abs, err := policyfile.ExpandPath(s)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", flag, err))
				continue
			}
			if opt {
				r.Optional[abs] = true
			}
			out = append(out, abs)
		}
		return out
	}
	ports := func(list []string, flag string) []uint16 {
		var out []uint16
		for _, s := range list {
			n, err := policyfile.ParsePort(s)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", flag, err))
				continue
			}
			out = append(out, n)
		}
		return out
	}
	var f policyfile.File
	if file != nil {
		f = *file
	}
	r.Read = expand(append(f.Read, p.read...), "--read")
	r.Write = expand(append(f.Write, p.write...), "--write")
	r.Exec = expand(append(f.Exec, p.exec...), "--exec")
	r.Bind = append(f.Bind, ports(p.bind, "--bind")...)
	r.Connect = append(f.Connect, ports(p.connect, "--connect")...)
	r.Unprotect = expand(p.unprotect, "--unprotect")
	return r, errors.Join(errs...)
}

// explainPolicy prints what a run would enforce, for --explain-policy.
func explainPolicy(w io.Writer, names []string, req *confine.Request) error {
	layers, err := catalog.LayersOf(names)
	if err != nil {
		return err
	}
	paths, protected, err := req.Apply(&layers)
	if err != nil {
		return err
	}
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	fmt.Fprintf(w, "entitlements: base %s\n", strings.Join(slices.Compact(sorted), " "))
	for _, l := range layers.Describe() {
		if req.Scoped() && strings.HasPrefix(l, "landlock fs:") {
			continue // scoped to the paths below
		}
		fmt.Fprintf(w, "  %s\n", l)
	}
	if req.Scoped() {
		fmt.Fprintln(w, "file rights only beneath (and the command, its interpreters, /dev/null and the terminal):")
		for _, p := range paths {
			r := p.Rights & layers.FS
			if fi, err := os.Stat(p.Path); err == nil && !fi.IsDir() {
				r &= confine.RightsFile
			}
			fmt.Fprintf(w, "  %-40s %s\n", p.Path, catalog.FSRights(r))
		}
	}
	if len(protected) > 0 {
		fmt.Fprintln(w, "protected (wins over the grants above; --unprotect PATH lifts it):")
		for _, p := range protected {
			keep := "no access"
			if p.Keep != 0 {
				keep = "read only"
			}
			fmt.Fprintf(w, "  %-40s %s (%s)\n", p.Path, keep, p.Why)
		}
	}
	return nil
}
