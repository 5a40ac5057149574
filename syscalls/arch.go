package syscalls

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/entitle-dev/entitle/internal/suggest"
)

// Arch is one system call ABI: its audit value, word size and table.
type Arch struct {
	name, goarch, oci string
	audit             uint32
	bits              int
	bigEndian         bool
	base              uint32
	table             []Syscall // sorted by number

	once   sync.Once
	byName map[string]uint32
	byNr   map[uint32]string
}

// Syscall is a named system call number.
type Syscall struct {
	Name string
	Nr   uint32
}

func (a *Arch) index() {
	a.once.Do(func() {
		a.byName = make(map[string]uint32, len(a.table))
		a.byNr = make(map[uint32]string, len(a.table))
		for _, s := range a.table {
			a.byName[s.Name] = s.Nr
			a.byNr[s.Nr] = s.Name
		}
	})
}

// Name is the canonical name: x86_64, x86, x32, aarch64, arm, riscv64,
// ppc64le, s390x, loongarch64.
func (a *Arch) Name() string { return a.name }

func (a *Arch) String() string { return a.name }

// AuditArch is the AUDIT_ARCH_* value the kernel puts in seccomp_data.arch.
// x86_64 and x32 share AUDIT_ARCH_X86_64.
func (a *Arch) AuditArch() uint32 { return a.audit }

// SyscallBase is added to every number of the ABI: 0x40000000
// (__X32_SYSCALL_BIT) for x32, 0 otherwise.
func (a *Arch) SyscallBase() uint32 { return a.base }

// Max is the highest number the table knows, as seccomp sees it.
func (a *Arch) Max() uint32 { return a.table[len(a.table)-1].Nr }

// Bits is the width of system call arguments: 32 on 32-bit ABIs, 64
// otherwise (x32 passes 64-bit registers).
func (a *Arch) Bits() int { return a.bits }

// BigEndian reports whether seccomp_data words are big-endian.
func (a *Arch) BigEndian() bool { return a.bigEndian }

// OCIName is the runtime-spec spelling, e.g. SCMP_ARCH_X86_64.
func (a *Arch) OCIName() string { return a.oci }

// GoArch is the GOARCH of the ABI ("" for x32).
func (a *Arch) GoArch() string { return a.goarch }

// Number returns the number of the named system call on a.
func (a *Arch) Number(name string) (uint32, bool) {
	a.index()
	n, ok := a.byName[name]
	return n, ok
}

// SyscallName returns the name of number nr on a.
func (a *Arch) SyscallName(nr uint32) (string, bool) {
	a.index()
	n, ok := a.byNr[nr]
	return n, ok
}

// Syscalls returns a's table, sorted by number. The slice must not be
// modified.
func (a *Arch) Syscalls() []Syscall { return a.table }

// All returns every architecture with a table.
func All() []*Arch { return all }

var aliases = map[string]string{
	"amd64": "x86_64", "x86-64": "x86_64", "386": "x86", "i386": "x86", "i686": "x86",
	"arm64": "aarch64", "loong64": "loongarch64",
	// uname -m and Debian architecture spellings.
	"armv7l": "arm", "armhf": "arm", "armel": "arm", "ppc64el": "ppc64le",
}

// Lookup finds an architecture by canonical name, GOARCH, common alias or
// OCI name (SCMP_ARCH_X86_64), ignoring case.
func Lookup(name string) (*Arch, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	n = strings.TrimPrefix(n, "scmp_arch_")
	if n == "x86_64" || n == "x86-64" {
		return X86_64, nil
	}
	if canon, ok := aliases[n]; ok {
		n = canon
	}
	for _, a := range all {
		if a.name == n {
			return a, nil
		}
	}
	names := make([]string, len(all))
	for i, a := range all {
		names[i] = a.name
	}
	return nil, fmt.Errorf("unknown architecture %q: use one of %s", name, strings.Join(names, ", "))
}

// Native returns the architecture this program runs on (by runtime.GOARCH).
// On a GOARCH without a table it returns X86_64, so filters built for it
// fail closed (the AUDIT_ARCH check never matches).
func Native() *Arch {
	for _, a := range all {
		if a.goarch == runtime.GOARCH {
			return a
		}
	}
	return X86_64
}

var (
	namesOnce sync.Once
	names     []string
	known     map[string]bool
)

func indexNames() {
	namesOnce.Do(func() {
		known = map[string]bool{}
		for _, a := range all {
			for _, s := range a.table {
				if !known[s.Name] {
					known[s.Name] = true
					names = append(names, s.Name)
				}
			}
		}
		sort.Strings(names)
	})
}

// Known reports whether name is a system call on at least one architecture.
// The native table answers most names without indexing every table.
func Known(name string) bool {
	if _, ok := Native().Number(name); ok {
		return true
	}
	indexNames()
	return known[name]
}

// Names returns every known system call name, sorted.
func Names() []string {
	indexNames()
	return names
}

// Nearest returns up to n known names closest to name by edit distance, for
// "did you mean" messages.
func Nearest(name string, n int) []string {
	return NearestOf(name, Names(), n)
}

// NearestOf returns up to n of candidates closest to name by edit distance
// (at most a third of the name's length, and at least 2, edits away).
func NearestOf(name string, candidates []string, n int) []string {
	return suggest.Nearest(name, candidates, n)
}

// OtherArches returns the OCI names of the architectures that have the
// system call name when none of entitle's tables knows it: calls private
// to an architecture (MIPS's syscall; 32-bit ARM's breakpoint, cacheflush,
// set_tls, usr26, usr32) and calls of architectures entitle has no table
// for (m68k, mips*, parisc*, ppc, s390, sh). It returns nil for names the
// tables know and for names no architecture has. The list comes from
// libseccomp's syscall table (zother.go).
func OtherArches(name string) []string { return otherArch[name] }

// KnownAnywhere reports whether name is a system call on some architecture
// the OCI runtime-spec names: in one of entitle's tables or in OtherArches.
// runc (through libseccomp) skips such names on architectures that lack
// them; a name unknown everywhere is a typo.
func KnownAnywhere(name string) bool { return Known(name) || len(otherArch[name]) > 0 }

// ForAudit returns the table a seccomp_data's arch and nr belong to: the
// architecture with that AUDIT_ARCH_* value, where x86_64 and x32 share
// one and x32's numbers have bit 30 (x32's SyscallBase) set. nil when no
// table has that audit arch.
func ForAudit(audit, nr uint32) *Arch {
	if audit == X86_64.AuditArch() {
		if nr&X32.SyscallBase() != 0 {
			return X32
		}
		return X86_64
	}
	for _, a := range all {
		if a.AuditArch() == audit {
			return a
		}
	}
	return nil
}
