package profile

import (
	"fmt"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/entitle-dev/entitle/syscalls"
)

// ociArches are the architecture names of the runtime-spec.
var ociArches = []specs.Arch{
	specs.ArchX86, specs.ArchX86_64, specs.ArchX32, specs.ArchARM, specs.ArchAARCH64,
	specs.ArchMIPS, specs.ArchMIPS64, specs.ArchMIPS64N32, specs.ArchMIPSEL,
	specs.ArchMIPSEL64, specs.ArchMIPSEL64N32, specs.ArchPPC, specs.ArchPPC64,
	specs.ArchPPC64LE, specs.ArchS390, specs.ArchS390X, specs.ArchPARISC,
	specs.ArchPARISC64, specs.ArchRISCV64, specs.ArchLOONGARCH64, specs.ArchM68K,
	specs.ArchSH, specs.ArchSHEB,
}

// findArch returns the table for an SCMP_ARCH_* name, or nil.
func findArch(name string) *syscalls.Arch {
	if !strings.HasPrefix(name, "SCMP_ARCH_") {
		return nil
	}
	for _, n := range []string{name, strings.ToLower(strings.TrimPrefix(name, "SCMP_ARCH_"))} {
		if a, err := syscalls.Lookup(n); err == nil && a != nil && a.OCIName() == name {
			return a
		}
	}
	return nil
}

// supportedArches lists the SCMP_ARCH_* names entitle has tables for.
func supportedArches() []string {
	var out []string
	for _, n := range ociArches {
		if findArch(string(n)) != nil {
			out = append(out, string(n))
		}
	}
	return out
}

// lookupArch maps an SCMP_ARCH_* name to its syscall table.
func lookupArch(name string) (*syscalls.Arch, error) {
	if a := findArch(name); a != nil {
		return a, nil
	}
	known := strings.Join(supportedArches(), ", ")
	for _, n := range ociArches {
		if string(n) == name {
			return nil, fmt.Errorf("architecture %s is not supported: there is no system call table for it; use one of %s, or choose the architectures explicitly", name, known)
		}
	}
	return nil, fmt.Errorf("unknown architecture %q: use one of %s", name, known)
}
