package profile

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	mobyseccomp "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/entitle-dev/entitle/syscalls"
)

// DockerDefaultName is the name of the built-in Docker default profile.
const DockerDefaultName = "docker-default"

// Builtins returns the names of the built-in profiles Load accepts.
func Builtins() []string { return []string{DockerDefaultName} }

// DockerDefault returns Docker's default profile (the one vendored from
// github.com/moby/profiles/seccomp) resolved with opts. Names no syscall
// table knows are always skipped: the profile names calls of architectures
// entitle has no table for (riscv_hwprobe, spu_run, ...).
func DockerDefault(opts Options) (*Profile, error) {
	opts.IgnoreUnknown = true
	def, err := dockerDefault()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", DockerDefaultName, err)
	}
	p, err := FromDocker(def, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", DockerDefaultName, err)
	}
	return p, nil
}

// Load returns the built-in profile called nameOrPath, or parses the file
// at that path.
func Load(nameOrPath string, opts Options) (*Profile, error) {
	if nameOrPath == DockerDefaultName {
		return DockerDefault(opts)
	}
	p, err := ParseFile(nameOrPath, opts)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("profile %q not found: it is neither a file nor a built-in profile (built-ins: %s)", nameOrPath, strings.Join(Builtins(), ", "))
	}
	return p, err
}

// FromDocker resolves a Docker/Podman profile (archMap, includes, excludes)
// for opts.HostArch, opts.Caps and opts.Kernel the way moby does, and
// converts the result into a profile with a validated policy. s is not
// modified.
func FromDocker(s *mobyseccomp.Seccomp, opts Options) (*Profile, error) {
	if s == nil {
		return nil, errors.New("nil seccomp profile")
	}
	if len(s.Architectures) != 0 && len(s.ArchMap) != 0 {
		return nil, errors.New(`the profile has both "architectures" and "archMap": use one of them`)
	}
	if len(s.LinuxSeccomp.Syscalls) != 0 {
		return nil, errors.New("the Docker profile's embedded LinuxSeccomp.Syscalls must be empty: put the rules in Seccomp.Syscalls")
	}

	host := opts.hostArch()
	hostName := dockerArchName(host)
	arches, archField := s.Architectures, "architectures"
	for i, m := range s.ArchMap {
		if string(m.Arch) == host.OCIName() {
			arches = append([]specs.Arch{m.Arch}, m.SubArches...)
			archField = fmt.Sprintf("archMap[%d]", i)
			break
		}
	}

	caps := opts.caps()
	var kernel *mobyseccomp.KernelVersion
	if opts.Kernel != "" {
		k, err := parseKernel(opts.Kernel)
		if err != nil {
			return nil, err
		}
		kernel = k
	}
	kernelAtLeast := func(min *mobyseccomp.KernelVersion) (bool, error) {
		if kernel == nil {
			k, err := parseKernel(opts.Kernel)
			if err != nil {
				return false, err
			}
			kernel = k
		}
		return kernel.Kernel > min.Kernel || kernel.Kernel == min.Kernel && kernel.Major >= min.Major, nil
	}

	var entries []entry
	for i, call := range s.Syscalls {
		if call == nil {
			return nil, fmt.Errorf("syscalls[%d] is null: remove it or give it names and an action", i)
		}
		lc := call.LinuxSyscall
		//lint:ignore SA1019 old JSON profiles still use "name"; read it as runc does
		if name := call.Name; name != "" {
			if len(call.Names) != 0 {
				return nil, fmt.Errorf(`syscalls[%d] has both "name" and "names": use "names"`, i)
			}
			lc.Names = []string{name}
		}
		ok, err := dockerSelected(call, hostName, caps, kernelAtLeast)
		if err != nil {
			return nil, fmt.Errorf("syscalls[%d]: %w", i, err)
		}
		if ok {
			entries = append(entries, entry{index: i, call: &lc})
		}
	}
	return convert(&s.LinuxSeccomp, arches, archField, entries, opts)
}

// dockerSelected mirrors moby's setupSeccomp: excludes first (any match
// drops the entry), then includes (every condition must hold).
func dockerSelected(call *mobyseccomp.Syscall, arch string, caps []string, kernelAtLeast func(*mobyseccomp.KernelVersion) (bool, error)) (bool, error) {
	if ex := call.Excludes; ex != nil {
		if len(ex.Arches) > 0 && slices.Contains(ex.Arches, arch) {
			return false, nil
		}
		for _, c := range ex.Caps {
			if slices.Contains(caps, c) {
				return false, nil
			}
		}
		if ex.MinKernel != nil {
			ok, err := kernelAtLeast(ex.MinKernel)
			if err != nil || ok {
				return false, err
			}
		}
	}
	if in := call.Includes; in != nil {
		if len(in.Arches) > 0 && !slices.Contains(in.Arches, arch) {
			return false, nil
		}
		for _, c := range in.Caps {
			if !slices.Contains(caps, c) {
				return false, nil
			}
		}
		if in.MinKernel != nil {
			ok, err := kernelAtLeast(in.MinKernel)
			if err != nil || !ok {
				return false, err
			}
		}
	}
	return true, nil
}

// hostRelease returns the running kernel's release; tests replace it to
// see when it is asked.
var hostRelease = runningKernel

// parseKernel reads "major.minor" (anything after it, such as
// ".25-gentoo", is ignored, as moby ignores it). Empty means the running
// kernel.
func parseKernel(s string) (*mobyseccomp.KernelVersion, error) {
	what := "Options.Kernel"
	if s == "" {
		r, err := hostRelease()
		if err != nil {
			return nil, fmt.Errorf("reading the kernel version for minKernel: %w (set the kernel version explicitly)", err)
		}
		s = r
		what = "the running kernel's release"
	}
	var k mobyseccomp.KernelVersion
	if _, err := fmt.Sscanf(s, "%d.%d", &k.Kernel, &k.Major); err != nil {
		return nil, fmt.Errorf("%s %q is not a kernel version: want \"major.minor\", for example \"6.8\"", what, s)
	}
	return &k, nil
}

// dockerArchNames maps OCI architecture names to the libseccomp names moby
// compares with includes/excludes.arches.
var dockerArchNames = map[string]string{
	string(specs.ArchX86):         "x86",
	string(specs.ArchX86_64):      "amd64",
	string(specs.ArchX32):         "x32",
	string(specs.ArchARM):         "arm",
	string(specs.ArchAARCH64):     "arm64",
	string(specs.ArchLOONGARCH64): "loongarch64",
	string(specs.ArchMIPS64):      "mips64",
	string(specs.ArchMIPS64N32):   "mips64n32",
	string(specs.ArchMIPSEL64):    "mipsel64",
	string(specs.ArchMIPSEL64N32): "mips3l64n32",
	string(specs.ArchMIPS):        "mips",
	string(specs.ArchMIPSEL):      "mipsel",
	string(specs.ArchPPC):         "ppc",
	string(specs.ArchPPC64):       "ppc64",
	string(specs.ArchPPC64LE):     "ppc64le",
	string(specs.ArchRISCV64):     "riscv64",
	string(specs.ArchS390):        "s390",
	string(specs.ArchS390X):       "s390x",
}

// dockerArchName is a's spelling in includes/excludes.arches.
func dockerArchName(a *syscalls.Arch) string {
	if n, ok := dockerArchNames[a.OCIName()]; ok {
		return n
	}
	return a.Name()
}
