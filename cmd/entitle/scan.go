//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/export"
	"github.com/entitle-dev/entitle/policyfile"
	"github.com/entitle-dev/entitle/scan"
	"github.com/spf13/cobra"
)

// scanFlags are the options scan and check share.
type scanFlags struct {
	cacheDir string
	libPath  []string
	root     string
}

func (s *scanFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&s.cacheDir, "cache-dir", "", "library analysis cache `DIR` (default: $XDG_CACHE_HOME/entitle/scan; off disables it)")
	f.StringSliceVar(&s.libPath, "library-path", nil, "extra library `DIRS`, searched as LD_LIBRARY_PATH would be")
	f.StringVar(&s.root, "root", "", "sysroot `DIR` for absolute library paths and ld.so.cache")
}

func (s *scanFlags) scanAll(paths []string) ([]*scan.Report, error) {
	sc := scan.New(scan.Options{CacheDir: s.cacheDir, LibraryPath: s.libPath, Root: s.root})
	var out []*scan.Report
	for _, p := range paths {
		r, err := sc.Scan(p)
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", p, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func newScanCmd() *cobra.Command {
	var (
		sf      scanFlags
		format  string
		explain bool
		out     string
	)
	cmd := &cobra.Command{
		Use:   "scan [flags] BINARY...",
		Short: "Find the entitlements a binary can need, without running it",
		Long: `Analyse ELF binaries (x86_64, aarch64; Go, static and dynamic C programs)
and report the system calls they can make and the entitlements that cover them.

Every system call instruction is found by disassembly; its number (and the
arguments the catalog's rules compare: socket families, open flags, clone
flags, ioctl requests, mmap protections) is resolved by constant propagation
within the function, following wrappers whose number is a parameter to their
callers. Dynamic programs: libraries are found as the loader finds them and
analysed once (cached by build ID); only what the program imports, the
constructors and the loader count, and a function pointer in a library's
data only when code that counts refers to the data (installed debug symbols,
such as libc6-dbg, make that finer). Sites whose number or arguments are not
constant are listed as unresolved; dlopen and exec are listed as limits.

  text    entitlements, system calls, unresolved sites and limits
  policy  an entitle.yaml with the entitlements found (all binaries together)
  oci     an OCI/Docker seccomp profile of those entitlements
  json    the full reports: {"version":1,"binaries":[{path, arch, kind,
          entitlements, syscalls:[{name, entitlements, runtime, sites:[{module,
          function, address, via, args}]}], unresolved, limits, libraries}]}`,
		Example: `  entitle scan ./server
  entitle scan --explain /usr/bin/curl
  entitle scan --format policy -o entitle.yaml ./server
  entitle check --policy entitle.yaml ./server`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			reps, err := sf.scanAll(args)
			if err != nil {
				return err
			}
			var data []byte
			switch format {
			case "text":
				var b bytes.Buffer
				for _, r := range reps {
					writeScanText(&b, r, explain)
				}
				data = b.Bytes()
			case "json":
				data, err = json.MarshalIndent(struct {
					Version  int            `json:"version"`
					Binaries []*scan.Report `json:"binaries"`
				}{1, reps}, "", "  ")
				data = append(data, '\n')
			case "policy":
				f := &policyfile.File{Entitlements: unionEntitlements(reps)}
				var body []byte
				if body, err = f.Marshal(); err == nil {
					var b bytes.Buffer
					for _, r := range reps {
						fmt.Fprintf(&b, "# entitle scan %s: %d system calls, %d unresolved sites\n", r.Path, len(r.Syscalls), len(r.Unresolved))
					}
					b.Write(body)
					data = b.Bytes()
				}
			case "oci":
				p, perr := catalog.Build(catalog.Request{Entitlements: unionEntitlements(reps)})
				if perr != nil {
					return perr
				}
				data, _, err = export.MarshalOCI(p)
			default:
				return fmt.Errorf("unknown --format %q: use text, policy, oci or json", format)
			}
			if err != nil {
				return err
			}
			return writeOutput(cmd.OutOrStdout(), out, data)
		},
	}
	sf.add(cmd)
	f := cmd.Flags()
	f.StringVar(&format, "format", "text", "output format: text, policy, oci or json")
	f.BoolVar(&explain, "explain", false, "for each system call, the functions that can make it")
	f.StringVarP(&out, "output", "o", "", "write to `FILE` instead of standard output")
	return cmd
}

func unionEntitlements(reps []*scan.Report) []string {
	var names []string
	for _, r := range reps {
		names = append(names, r.Entitlements...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func writeScanText(w io.Writer, r *scan.Report, explain bool) {
	fmt.Fprintf(w, "%s: %s %s", r.Path, r.Arch, r.Kind)
	if len(r.Libraries) > 0 {
		fmt.Fprintf(w, ", %d libraries", len(r.Libraries))
	}
	fmt.Fprintln(w)
	ents := r.Entitlements
	if len(ents) == 0 {
		ents = []string{"(base only)"}
	}
	fmt.Fprintf(w, "  entitlements: %s\n", strings.Join(ents, " "))
	var names []string
	for _, s := range r.Syscalls {
		names = append(names, s.Name)
	}
	fmt.Fprintf(w, "  system calls (%d): %s\n", len(names), strings.Join(names, " "))
	if explain {
		for _, s := range r.Syscalls {
			need := "base"
			if len(s.Entitlements) > 0 {
				need = strings.Join(s.Entitlements, ",")
			}
			rt := ""
			if s.Runtime {
				rt = " (Go runtime)"
			}
			fmt.Fprintf(w, "  %s [%s]%s\n", s.Name, need, rt)
			for _, st := range s.Sites {
				via := ""
				if st.Via != "" {
					via = " via " + st.Via
				}
				args := ""
				if st.Args != "" {
					args = " " + st.Args
				}
				fmt.Fprintf(w, "      %s (%s %s)%s%s\n", st.Function, st.Module, st.Address, via, args)
			}
			if s.MoreSites > 0 {
				fmt.Fprintf(w, "      ... and %d more sites\n", s.MoreSites)
			}
		}
	}
	if n := len(r.Unresolved); n > 0 {
		fmt.Fprintf(w, "  unresolved (%d):\n", n)
		limit := n
		if !explain && limit > 10 {
			limit = 10
		}
		for _, u := range r.Unresolved[:limit] {
			fmt.Fprintf(w, "    %s (%s %s): %s\n", u.Function, u.Module, u.Address, u.Reason)
		}
		if limit < n {
			fmt.Fprintf(w, "    ... %d more (--explain lists them all)\n", n-limit)
		}
	}
	for _, l := range r.Limits {
		fmt.Fprintf(w, "  limit (%s): %s\n", l.Kind, l.Detail)
	}
	for _, wn := range r.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", wn)
	}
}
