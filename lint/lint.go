// Package lint finds what is wrong or risky in an OCI/Docker/Podman seccomp
// profile, read as runc + libseccomp read it: rules that never apply or
// contradict each other, names no architecture knows, deny rules an int
// argument's high bits bypass, conditions that are always or never true,
// masked comparisons with datum bits outside the mask, architecture
// coverage, dangerous grants (with the entitlement each belongs to), and
// the profile expressed in entitlements.
package lint

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	mobyseccomp "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/policy/region"
	"github.com/entitle-dev/entitle/profile"
	"github.com/entitle-dev/entitle/syscalls"
)

// Severity orders findings.
type Severity int

// Severities, from least to most severe.
const (
	Info Severity = iota
	Warning
	Error
)

func (s Severity) String() string {
	return [...]string{"info", "warning", "error"}[s]
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Finding is one result.
type Finding struct {
	Severity Severity `json:"severity"`
	Rule     string   `json:"rule"`  // which check: "dead-rule", "unknown-name", ...
	Where    string   `json:"where"` // "syscalls[15] (setns)", or "" for the whole profile
	Message  string   `json:"message"`
}

func (f Finding) String() string {
	w := f.Where
	if w == "" {
		w = "profile"
	}
	return fmt.Sprintf("%s: %s: %s [%s]", f.Severity, w, f.Message, f.Rule)
}

// Report is the result of Lint.
type Report struct {
	Findings []Finding `json:"findings"`
	// Entitlements are base and the entitlements whose calls the profile
	// lets run entirely; BaseExcept the base calls it does not; Raw the
	// calls it lets run that those entitlements do not grant, with the
	// argument region or the number of regions: "≈ base + fs.read + ...
	// plus Raw". Differences only in the high half of an int argument
	// are ignored.
	Entitlements []string `json:"entitlements"`
	BaseExcept   []string `json:"base_except,omitempty"`
	Raw          []string `json:"raw"`
}

// Max returns the highest severity among the findings (Info when none).
func (r *Report) Max() Severity {
	m := Info
	for _, f := range r.Findings {
		m = max(m, f.Severity)
	}
	return m
}

// Summary is the profile in entitlements, one line.
func (r *Report) Summary() string {
	s := "≈ " + strings.Join(r.Entitlements, " + ")
	if len(r.Entitlements) == 0 {
		s = "≈ (no entitlement entirely)"
	}
	if len(r.BaseExcept) > 0 {
		s += " (base without " + strings.Join(r.BaseExcept, " ") + ")"
	}
	if len(r.Raw) > 0 {
		s += fmt.Sprintf(" plus %d calls beyond them", len(r.Raw))
	}
	return s
}

// Options are the reading options (HostArch, Caps, Kernel, Arches); the
// lint reads leniently itself and reports what strict reading refuses.
type Options = profile.Options

// Dangerous are the calls whose grant lint reports, with why.
var Dangerous = map[string]string{
	"ptrace":            "reads and writes other processes' memory and registers",
	"process_vm_readv":  "reads other processes' memory",
	"process_vm_writev": "writes other processes' memory",
	"bpf":               "loads eBPF programs (a large kernel attack surface)",
	"perf_event_open":   "kernel and hardware performance events (frequent kernel exploits)",
	"userfaultfd":       "pauses kernel accesses to user memory (a classic exploit primitive)",
	"io_uring_setup":    "io_uring: its submissions bypass seccomp",
	"io_uring_enter":    "io_uring: its submissions bypass seccomp",
	"io_uring_register": "io_uring: its submissions bypass seccomp",
	"keyctl":            "kernel keyrings (not namespaced)",
	"add_key":           "kernel keyrings (not namespaced)",
	"request_key":       "kernel keyrings (not namespaced)",
	"kexec_load":        "replaces the running kernel",
	"kexec_file_load":   "replaces the running kernel",
	"init_module":       "loads kernel modules",
	"finit_module":      "loads kernel modules",
	"open_by_handle_at": "opens files by handle, past mount and chroot boundaries",
	"pidfd_getfd":       "takes descriptors from other processes",
	"unshare":           "new namespaces (user namespaces expose more kernel surface)",
	"setns":             "joins other namespaces",
	"mount":             "mounts file systems",
	"pivot_root":        "changes the root file system",
	"umount2":           "unmounts file systems",
	"fsopen":            "mount API",
	"move_mount":        "mount API",
}

// int32Args are arguments the kernel declares int or unsigned int, for
// the calls whose argument rules profiles commonly have: the kernel reads
// their low 32 bits only.
var int32Args = map[string][]int{
	"socket": {0, 1, 2}, "socketpair": {0, 1, 2}, "personality": {0}, "ioctl": {1},
	"fcntl": {1}, "prctl": {0}, "setsockopt": {1, 2}, "getsockopt": {1, 2},
	"openat": {0, 2}, "open": {1}, "mmap": {2, 3}, "mprotect": {2}, "kill": {0, 1},
	"tgkill": {0, 1, 2}, "tkill": {0, 1}, "unshare": {0}, "setns": {1}, "clone3": {},
	"faccessat": {0, 2}, "faccessat2": {0, 2, 3}, "newfstatat": {0, 3}, "statx": {0, 2},
	"sync_file_range": {3}, "fadvise64": {0, 3}, "madvise": {2}, "flock": {0, 1},
}

// Lint reads the profile in data and returns its findings.
func Lint(data []byte, opts Options) (*Report, error) {
	r := &Report{}
	add := func(sev Severity, rule, where, format string, args ...any) {
		r.Findings = append(r.Findings, Finding{sev, rule, where, fmt.Sprintf(format, args...)})
	}

	// What strict reading refuses (unknown keys, duplicates, errno 0).
	strict := opts
	strict.IgnoreUnknown = true
	strict.Warn = nil
	if _, err := profile.Parse(data, strict); err != nil {
		add(Error, "strict-json", "", "%v", err)
	}

	var raw mobyseccomp.Seccomp
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	for i, c := range raw.Syscalls {
		where := fmt.Sprintf("syscalls[%d]", i)
		names := c.Names
		//lint:ignore SA1019 old JSON profiles still use "name"; profile reads it too
		if n := c.Name; n != "" {
			names = append([]string{n}, names...)
		}
		for _, n := range names {
			if !syscalls.KnownAnywhere(n) {
				msg := fmt.Sprintf("%q is a system call on no architecture; runc skips it", n)
				if near := syscalls.Nearest(n, 3); len(near) > 0 {
					msg += "; did you mean " + strings.Join(near, ", ") + "?"
				}
				add(Error, "unknown-name", where, "%s", msg)
			}
		}
		deny := c.Action != specs.ActAllow && c.Action != specs.ActLog
		seen := map[uint]int{}
		for j, a := range c.Args {
			aw := fmt.Sprintf("%s.args[%d]", where, j)
			seen[a.Index]++
			lintArg(add, aw, names, a, deny)
		}
		for idx, n := range seen {
			if n > 1 {
				add(Info, "or-conditions", where, "%d conditions on argument %d: runc ORs them (each becomes its own rule), it does not AND them", n, idx)
			}
		}
	}

	lenient := opts
	lenient.Lenient = true
	lenient.IgnoreUnknown = true
	lenient.Warn = func(w profile.Warning) {
		rule, sev := "dead-rule", Warning
		switch {
		case strings.Contains(w.Message, "SCMP_CMP_MASKED_EQ datum"):
			rule = "masked-datum"
		case strings.Contains(w.Message, "libseccomp refuses"):
			rule, sev = "conflict", Error
		case strings.Contains(w.Message, "contradicts"):
			rule = "overlap"
		}
		add(sev, rule, w.Where, "%s", w.Message)
	}
	prof, err := profile.Parse(data, lenient)
	if err != nil {
		return nil, err
	}
	p := prof.Policy

	lintArches(add, &raw, p)
	lintGrants(add, p)
	if err := express(r, p); err != nil {
		return nil, err
	}
	sort.SliceStable(r.Findings, func(i, j int) bool { return r.Findings[i].Severity > r.Findings[j].Severity })
	return r, nil
}

// lintArg checks one condition: always or never true, and, in deny rules,
// 64-bit comparisons of int arguments.
func lintArg(add func(Severity, string, string, string, ...any), where string, names []string, a specs.LinuxSeccompArg, deny bool) {
	const max = ^uint64(0)
	switch {
	case a.Op == specs.OpMaskedEqual && a.Value == 0:
		add(Warning, "always-true", where, "SCMP_CMP_MASKED_EQ with mask 0 matches every value")
	case a.Op == specs.OpGreaterEqual && a.Value == 0, a.Op == specs.OpLessEqual && a.Value == max:
		add(Warning, "always-true", where, "%s %#x matches every value", a.Op, a.Value)
	case a.Op == specs.OpLessThan && a.Value == 0, a.Op == specs.OpGreaterThan && a.Value == max:
		add(Warning, "never-true", where, "%s %#x matches no value: the rule never applies", a.Op, a.Value)
	}
	if !deny {
		return
	}
	full32 := a.Op == specs.OpMaskedEqual && a.Value>>32 == 0
	if full32 {
		return
	}
	for _, n := range names {
		if slices.Contains(int32Args[n], int(a.Index)) && (a.Op != specs.OpMaskedEqual || a.Value>>32 != 0) {
			add(Error, "deny-64bit-int", where, "denies %s by comparing argument %d (an int: the kernel reads its low 32 bits) on 64 bits: a caller with high bits set gets past it; compare with SCMP_CMP_MASKED_EQ and mask 0xffffffff", n, a.Index)
			return
		}
	}
}

// lintArches reports architecture coverage.
func lintArches(add func(Severity, string, string, string, ...any), raw *mobyseccomp.Seccomp, p *policy.Policy) {
	listed := map[string]bool{}
	for _, a := range p.ArchList() {
		listed[a.Name()] = true
	}
	if len(raw.Architectures) == 0 && len(raw.ArchMap) == 0 {
		add(Info, "architectures", "", "no architectures: runc's libseccomp filters the native one only and kills calls from others (32-bit programs on x86_64)")
	}
	if listed["x86_64"] && (!listed["x86"] || !listed["x32"]) {
		add(Info, "architectures", "", "x86_64 without x86 or x32: calls from the missing ABI get the bad-architecture action (killed)")
	}
	if p.DefaultAction.Kind == policy.ActAllow && listed["x86"] {
		add(Warning, "architectures", "", "default allow with x86 listed: i386's socketcall and ipc multiplexers reach socket and IPC calls a deny list names individually")
	}
	// libseccomp's rewriting of argument rules into multiplexer rules
	// (profile.Parse reads them): conditions beyond the subcall test the
	// multiplexer's pointer and unused registers, which the caller sets.
	seen := map[string]bool{}
	for _, r := range p.Rules {
		if len(r.Conds) < 2 || !region.Runs(r.Action) || r.Conds[0].Arg != 0 || r.Conds[0].Op != policy.OpEQ {
			continue
		}
		call, ok := profile.Subcall(r.Syscall, r.Conds[0].Value)
		if !ok || seen[call] {
			continue
		}
		seen[call] = true
		add(Error, "multiplexer", "", "%s has argument rules and an architecture with %s is listed: libseccomp turns each into a %s rule whose other conditions test %s's pointer and unused registers, which the caller sets, so %s runs through %s with any arguments; answer %s with a rule without conditions (entitle profile writes ENOSYS)", call, r.Syscall, r.Syscall, r.Syscall, call, r.Syscall, r.Syscall)
	}
}

// lintGrants reports dangerous calls the profile lets run.
func lintGrants(add func(Severity, string, string, string, ...any), p *policy.Policy) {
	owners := map[string]string{}
	for _, e := range append([]*catalog.Entitlement{catalog.Base()}, catalog.All()...) {
		for _, s := range e.Owns {
			owners[s] = e.Name
		}
	}
	for _, s := range catalog.Never() {
		owners[s] = "never"
	}
	var names []string
	for n := range Dangerous {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		cond := ""
		runs := false
		if p.DefaultAction.Kind == policy.ActAllow {
			runs = true
		}
		for _, r := range p.Rules {
			if r.Syscall == n && region.Runs(r.Action) {
				runs = true
				if len(r.Conds) > 0 {
					cond = " (with some arguments)"
				}
			}
		}
		if !runs {
			continue
		}
		ent := owners[n]
		if ent == "" {
			ent = "no entitlement"
		}
		add(Warning, "dangerous-grant", n, "allowed%s: %s; entitle grants it with %s", cond, Dangerous[n], ent)
	}
}

// express writes the profile in entitlements: those whose every call the
// profile lets run (beyond what base needs), and the calls it lets run
// that they do not grant.
func express(r *Report, p *policy.Policy) error {
	native := syscalls.Native()
	pol := func(names []string) (*policy.Policy, error) {
		return catalog.Build(catalog.Request{Entitlements: names, Arches: []*syscalls.Arch{native}})
	}
	base, err := pol(nil)
	if err != nil {
		return err
	}
	baseCex, err := region.Looser(p, base)
	if err != nil {
		return err
	}
	// Differences only in the high half of an int argument (one side
	// compares 64 bits, entitle the low 32) do not count: see
	// region.Difference.HighHalf.
	baseMiss := map[string]bool{}
	for _, c := range baseCex {
		if !c.HighHalf() {
			baseMiss[c.Syscall] = true
		}
	}
	r.Entitlements = append(r.Entitlements, "base")
	for s := range baseMiss {
		r.BaseExcept = append(r.BaseExcept, s)
	}
	sort.Strings(r.BaseExcept)
	chosen := []string{}
	for _, e := range catalog.All() {
		q, err := pol([]string{e.Name})
		if err != nil {
			return err
		}
		cex, err := region.Looser(p, q)
		if err != nil {
			return err
		}
		within := true
		for _, c := range cex {
			if !baseMiss[c.Syscall] && !c.HighHalf() {
				within = false
				break
			}
		}
		if within {
			chosen = append(chosen, e.Name)
		}
	}
	r.Entitlements = append(r.Entitlements, chosen...)
	union, err := pol(chosen)
	if err != nil {
		return err
	}
	// Compare on the native architecture only: entitlements are written
	// for it.
	pn := *p
	pn.Arches = []*syscalls.Arch{native}
	extra, err := region.Looser(union, &pn)
	if err != nil {
		return err
	}
	parts := map[string]int{}
	var order []string
	for _, d := range extra {
		if d.HighHalf() {
			continue
		}
		if _, ok := parts[d.Syscall]; !ok {
			order = append(order, d.Syscall)
		}
		if !d.Region.Any() {
			parts[d.Syscall]++
		}
	}
	for _, s := range order {
		switch n := parts[s]; n {
		case 0:
			r.Raw = append(r.Raw, s)
		case 1:
			for _, d := range extra {
				if d.Syscall == s && !d.HighHalf() {
					r.Raw = append(r.Raw, s+"("+d.Region.String()+")")
					break
				}
			}
		default:
			r.Raw = append(r.Raw, fmt.Sprintf("%s(%d argument regions)", s, n))
		}
	}
	return nil
}
