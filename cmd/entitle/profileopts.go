//go:build linux

package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/entitle-dev/entitle/profile"
	"github.com/entitle-dev/entitle/syscalls"
)

// profileFlags are the options for reading an OCI/Docker profile, shared by
// every command that reads one (compile, run --profile, lint, diff, check
// --subset).
type profileFlags struct {
	arches        []string
	ignoreUnknown bool
	lenient       bool
}

// register adds the flags; withArch also adds --arch.
func (pf *profileFlags) register(f *pflag.FlagSet, withArch bool) {
	if withArch {
		f.StringSliceVar(&pf.arches, "arch", nil, "architectures to compile for, e.g. x86_64,x86,x32 (default: the profile's)")
	}
	f.BoolVar(&pf.ignoreUnknown, "ignore-unknown", false, "skip syscall names no architecture knows, as runc does, instead of failing")
	f.BoolVar(&pf.lenient, "lenient", false, "read the profile as runc does: ignore unknown and duplicate JSON keys, accept errno 0, keep the first of two rules libseccomp refuses to merge")
}

// options builds profile.Options; warnings go to w as "entitle: warning:"
// lines (nil discards them).
func (pf *profileFlags) options(w io.Writer) (profile.Options, error) {
	opts := profile.Options{IgnoreUnknown: pf.ignoreUnknown, Lenient: pf.lenient}
	for _, a := range pf.arches {
		for _, name := range strings.Split(a, ",") {
			arch, err := syscalls.Lookup(strings.TrimSpace(name))
			if err != nil {
				return opts, fmt.Errorf("--arch: %w", err)
			}
			opts.Arches = append(opts.Arches, arch)
		}
	}
	if w != nil {
		opts.Warn = func(wr profile.Warning) { fmt.Fprintf(w, "entitle: warning: %s\n", wr) }
	}
	return opts, nil
}
