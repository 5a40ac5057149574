//go:build linux

package main

import (
	"fmt"
	"io"
	"os"

	"github.com/entitle-dev/entitle/compiler"
	"github.com/entitle-dev/entitle/profile"
	"github.com/entitle-dev/entitle/sim"
	"github.com/spf13/cobra"
)

func newCompileCmd() *cobra.Command {
	var (
		pf     profileFlags
		out    string
		format string
		stats  bool
	)
	cmd := &cobra.Command{
		Use:   "compile [flags] PROFILE|docker-default",
		Short: "Compile an OCI or Docker seccomp profile to a BPF program",
		Long: `Compile an OCI runtime-spec or Docker/Podman seccomp profile (or the built-in
docker-default) into a seccomp BPF program.

The program is written as raw struct sock_filter records (8 bytes each, native
byte order: the bytes libseccomp's seccomp_export_bpf writes) to -o FILE or to
standard output; --format asm prints a readable disassembly instead, and
--stats prints the program's length and the instructions it executes per
system call.`,
		Example: `  entitle compile --stats docker-default
  entitle compile --arch x86_64,x86,x32 -o filter.bpf profile.json
  entitle compile --format asm docker-default | less`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := pf.options(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			p, err := profile.Load(args[0], opts)
			if err != nil {
				return err
			}
			prog, err := compiler.Compile(p.Policy)
			if err != nil {
				return fmt.Errorf("compile %s: %w", args[0], err)
			}
			w := cmd.OutOrStdout()
			if out != "" {
				f, err := os.Create(out)
				if err != nil {
					return fmt.Errorf("cannot write the program: %w", err)
				}
				defer f.Close()
				w = f
			}
			if stats {
				for _, a := range prog.Policy.ArchList() {
					st, err := sim.Measure(prog.Insns, a)
					if err != nil {
						return err
					}
					fmt.Fprintln(cmd.OutOrStdout(), st)
				}
				if out == "" {
					return nil
				}
			}
			switch format {
			case "raw", "bpf":
				_, err = w.Write(prog.Bytes())
			case "asm":
				_, err = io.WriteString(w, prog.Asm())
			default:
				return fmt.Errorf("unknown --format %q: use raw or asm", format)
			}
			return err
		},
	}
	pf.register(cmd.Flags(), true)
	cmd.Flags().StringVarP(&out, "output", "o", "", "write the program to `FILE` instead of standard output")
	cmd.Flags().StringVar(&format, "format", "raw", "output format: raw (struct sock_filter records) or asm")
	cmd.Flags().BoolVar(&stats, "stats", false, "print program length and executed instructions per syscall (mean, max)")
	return cmd
}
