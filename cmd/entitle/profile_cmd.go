//go:build linux

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/compiler"
	"github.com/entitle-dev/entitle/export"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/policyfile"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

func newProfileCmd() *cobra.Command {
	var (
		archFlags  []string
		format     string
		violation  string
		out        string
		policyFile string
		name       string
		denyList   bool
		nnp        bool
	)
	cmd := &cobra.Command{
		Use:   "profile [flags] ENTITLEMENT...|--policy FILE",
		Short: "Write a seccomp profile for container runtimes, Kubernetes or systemd",
		Long: `Write the policy of base plus the named entitlements in a format another tool
loads. The policy is built for a container (the sandboxed pid is not known, so
base allows tgkill/tkill to any thread and kill only with proc.spawn or
proc.signal).

  oci      OCI runtime-spec / Docker / Podman JSON: default action ERRNO
           (EPERM), so a denied call fails with EPERM whatever its arguments;
           every known call is named, so runc answers ENOSYS only for calls
           newer than the table. It allows what runtimes call after loading
           the filter: execve of the program, runc's exec fifo, and, unless
           --no-new-privileges, the privilege drop (prctl PR_CAPBSET_DROP,
           capset, setgroups, setuid/setgid, setresuid/setresgid, ...).
  k8s      Security Profiles Operator SeccompProfile YAML (v1beta1). It has no
           defaultErrnoRet, so its default is EPERM.
  systemd  a unit drop-in: SystemCallFilter= by name (argument rules are
           listed in comments; see the output), SystemCallArchitectures=,
           SystemCallErrorNumber=, NoNewPrivileges=yes.
  bpf      the raw seccomp program (struct sock_filter records).
  asm      its disassembly.`,
		Example: `  entitle profile fs.read fs.write net.client > seccomp.json
  docker run --security-opt seccomp=seccomp.json ...
  entitle profile --format k8s --name web net.server fs.read
  entitle profile --format systemd --violation kill net.server fs.read
  entitle profile --format bpf -o filter.bpf fs.read`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if policyFile != "" && len(args) > 0 {
				return fmt.Errorf("give entitlements either as arguments or with --policy FILE, not both (got %s and --policy %s)", strings.Join(args, " "), policyFile)
			}
			if policyFile == "" && len(args) == 0 {
				return errors.New("name the entitlements (entitle list shows them), or give --policy FILE; use base for nothing beyond base")
			}
			arches, err := parseArches(archFlags)
			if err != nil {
				return err
			}
			opts := catalog.Request{Arches: arches} // for a container: no pid, no identity
			if denyList {
				opts.Mode = catalog.DenyList
			}
			if violation != "" {
				a, err := parseViolation(violation)
				if err != nil {
					return err
				}
				opts.Violation = a
			}
			var (
				p     *policy.Policy
				names []string
			)
			if policyFile != "" {
				f, err := policyfile.Load(policyFile)
				if err != nil {
					return err
				}
				if violation != "" && f.Violation.IsSet() && f.Violation != opts.Violation {
					return fmt.Errorf("--violation %s contradicts the policy file's violation %s", violation, f.Violation)
				}
				if denyList && f.Mode != catalog.DenyList {
					return fmt.Errorf("--deny-list contradicts the policy file's mode (%s)", f.Mode)
				}
				names = f.Entitlements
				if p, err = f.Policy(opts); err != nil {
					return fmt.Errorf("%s: %w", policyFile, err)
				}
			} else {
				for _, a := range args {
					for _, n := range strings.Split(a, ",") {
						if n = strings.TrimSpace(n); n != "" && n != "base" {
							names = append(names, n)
						}
					}
				}
				opts.Entitlements = names
				if p, err = catalog.Build(opts); err != nil {
					return err
				}
			}
			title := "entitle profile " + strings.Join(append([]string{"base"}, names...), " ")
			var data []byte
			switch format {
			case "oci", "json", "docker", "podman":
				data, _, err = export.MarshalOCIWith(p, export.Options{NoNewPrivileges: nnp})
			case "k8s", "spo":
				if name == "" {
					name = "entitle-" + strings.NewReplacer(".", "-", "_", "-").Replace(strings.Join(names, "-"))
					if len(names) == 0 {
						name = "entitle-base"
					}
				}
				var sp *export.SPOProfile
				if sp, err = export.SPOWith(p, name, export.Options{NoNewPrivileges: nnp}); err == nil {
					sp.Metadata.Annotations = map[string]string{"entitle.dev/entitlements": strings.Join(append([]string{"base"}, names...), " ")}
					data, err = export.MarshalSPO(sp)
				}
			case "systemd":
				var d *export.DropIn
				if d, err = export.Systemd(p, title); err == nil {
					data = d.Text
					if !denyList { // Karn's deny-list mode restricts system calls only
						var l catalog.Layers
						if l, err = catalog.LayersOf(names); err == nil {
							data = append(data, "# The layers beyond seccomp (Landlock and capabilities under entitle run):\n"+
								strings.Join(export.SystemdLayers(l), "\n")+"\n"...)
						}
					}
				}
			case "bpf", "raw", "asm":
				var prog *compiler.Program
				if prog, err = compiler.Compile(p); err == nil {
					if format == "asm" {
						data = []byte(prog.Asm())
					} else {
						data = prog.Bytes()
						if out == "" && isTerminal(cmd.OutOrStdout()) {
							return errors.New("refusing to write a binary BPF program to a terminal: use -o FILE or redirect the output")
						}
					}
				}
			default:
				return fmt.Errorf("unknown --format %q: use oci, k8s, systemd, bpf or asm", format)
			}
			if err != nil {
				return err
			}
			return writeOutput(cmd.OutOrStdout(), out, data)
		},
	}
	f := cmd.Flags()
	f.StringVar(&format, "format", "oci", "output format: oci, k8s, systemd, bpf or asm")
	f.StringSliceVar(&archFlags, "arch", nil, "architectures, e.g. x86_64,aarch64 (default: native)")
	f.StringVar(&violation, "violation", "", "action for denied calls: errno (EPERM, the default), errno(EACCES), kill or log")
	f.StringVarP(&out, "output", "o", "", "write to `FILE` instead of standard output")
	f.StringVar(&policyFile, "policy", "", "read entitlements, extra rules and the violation action from an entitle.yaml `FILE`")
	f.StringVar(&name, "name", "", "metadata.name of the k8s SeccompProfile (default: entitle-<entitlements>)")
	f.BoolVar(&nnp, "no-new-privileges", false, "oci, k8s: only for containers started with no-new-privileges (--security-opt no-new-privileges, allowPrivilegeEscalation: false): leave out the calls runtimes make to drop privileges after loading the filter")
	f.BoolVar(&denyList, "deny-list", false, "Karn's weaker default-allow mode: deny only what the entitlements not granted own (no argument rules)")
	return cmd
}

// parseViolation reads --violation: errno, errno(N|NAME), kill, log
// (catalog.Build refuses the actions a violation cannot be).
func parseViolation(s string) (policy.Action, error) {
	a, err := policy.ParseAction(s)
	if err != nil {
		return a, fmt.Errorf("--violation: %w", err)
	}
	if err := catalog.CheckViolation(a, catalog.AllowList); err != nil {
		return a, fmt.Errorf("--%w", err)
	}
	return a, nil
}

// A regular file is replaced atomically (a temporary file renamed over it,
// through symbolic links, keeping its mode); anything else — /dev/null, a
// FIFO, a terminal — is written in place: renaming over /dev/null as root
// would replace the device with a regular file.
func writeOutput(stdout io.Writer, path string, data []byte) error {
	if path == "" || path == "-" {
		_, err := stdout.Write(data)
		return err
	}
	mode := os.FileMode(0o644)
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
		fi, err := os.Stat(path)
		if err != nil {
			return fmt.Errorf("cannot write %s: %w", path, err)
		}
		if !fi.Mode().IsRegular() {
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
			if err != nil {
				return fmt.Errorf("cannot write %s: %w", path, err)
			}
			if _, err := f.Write(data); err != nil {
				f.Close()
				return fmt.Errorf("cannot write %s: %w", path, err)
			}
			return f.Close()
		}
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".entitle-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
