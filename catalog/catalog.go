package catalog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/entitle-dev/entitle/internal/linux"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/entitle-dev/entitle/internal/suggest"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/syscalls"
)

// Entitlement is a named permission: a set of system calls, some of them
// only with certain arguments.
type Entitlement struct {
	Name    string        // "net.client"
	Summary string        // one line, for `entitle list`
	Owns    []string      // syscalls whose home is this entitlement (each syscall has exactly one home, or is in Never)
	Allow   []string      // syscalls granted unconditionally (usually = Owns; may include syscalls owned elsewhere)
	Rules   []policy.Rule // argument-restricted grants, Action policy.Allow (may be on syscalls owned elsewhere)
}

// clone returns a deep copy, so callers cannot change the catalog.
func (e *Entitlement) clone() *Entitlement {
	c := *e
	c.Owns = slices.Clone(e.Owns)
	c.Allow = slices.Clone(e.Allow)
	c.Rules = make([]policy.Rule, len(e.Rules))
	for i, r := range e.Rules {
		r.Conds = slices.Clone(r.Conds)
		c.Rules[i] = r
	}
	return &c
}

var (
	loadOnce sync.Once
	theBase  *Entitlement   // V1's base
	bases    []*Entitlement // base of each version, index Version-1
	theList  []*Entitlement // sorted by name
	byName   map[string]*Entitlement
)

// Preload builds the catalog's tables now instead of at the first lookup
// (about 0.1 ms): a program that is about to build a policy can call it in
// a goroutine early, beside its other start-up work (entitle run does).
func Preload() { load() }

func load() {
	loadOnce.Do(func() {
		theBase = newBase()
		for v := V1; v <= Latest; v++ {
			b := theBase.clone()
			b.Rules = append(b.Rules, baseAdded(v)...)
			bases = append(bases, b)
		}
		theList = newEntitlements()
		sort.Slice(theList, func(i, j int) bool { return theList[i].Name < theList[j].Name })
		byName = map[string]*Entitlement{}
		for _, e := range theList {
			byName[e.Name] = e
		}
	})
}

// Base returns the always-on entitlement "base": what any process and the Go
// runtime need. Its signal rules compare the first argument with OwnPID,
// which Build replaces with Request.SelfPID.
func Base() *Entitlement {
	load()
	return baseOf(Latest).clone()
}

// baseOf is base in version v (resolved: not the zero Version).
func baseOf(v Version) *Entitlement {
	load()
	return bases[v-V1]
}

// Never returns, sorted, the system calls no entitlement grants: obsolete,
// unimplemented, or impossible to restrict safely. NeverReason says why.
func Never() []string {
	out := make([]string, 0, len(never))
	for n := range never {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// NeverReason returns why a system call is in Never, or "" if it is not.
func NeverReason(name string) string { return never[name] }

// All returns the entitlements sorted by name, without Base.
func All() []*Entitlement {
	load()
	out := make([]*Entitlement, len(theList))
	for i, e := range theList {
		out[i] = e.clone()
	}
	return out
}

// karnAliases maps Karn's entitlement names to ours.
var karnAliases = map[string][]string{
	"network_connection":  {"net.client", "net.server"},
	"outbound_connection": {"net.client"},
	"inbound_connection":  {"net.server"},
	"exec":                {"proc.exec", "proc.spawn"},
	"chown":               {"fs.chown"},
	"special_files":       {"fs.special"},
	"mount":               {"admin.mount"},
	"rootfs":              {"admin.mount"},
	"namespaces":          {"admin.namespaces"},
	"tracing":             {"admin.debug"},
	"modules":             {"admin.kernel"},
	"load_new_kernel":     {"admin.kernel"},
	"kernel_memory":       {"proc.resources"},
	"kernel_io":           {"admin.kernel"},
	"kernel_keyring":      {"admin.kernel"},
	"swap_memory":         {"admin.kernel"},
	"reboot":              {"admin.kernel"},
	"resource_quota":      {"proc.resources"},
	"set_time":            {"time.set"},
	// Karn's "obsolete" grants sysfs, _sysctl, ustat, nfsservctl, vm86,
	// vm86old, uselib (all in Never here) and personality (admin.debug,
	// too broad to imply). It is accepted and grants nothing.
	"obsolete": {},
}

// KarnAliases returns Karn's entitlement names with the names they expand
// to. "obsolete" expands to nothing: see the package documentation.
func KarnAliases() map[string][]string {
	out := make(map[string][]string, len(karnAliases))
	for k, v := range karnAliases {
		out[k] = slices.Clone(v)
	}
	return out
}

// Lookup returns the entitlements a name stands for: one entitlement, or
// what a Karn alias expands to (possibly several, possibly none for
// "obsolete"). Unknown names give an error suggesting the nearest names.
func Lookup(name string) ([]*Entitlement, error) {
	load()
	key := strings.ToLower(strings.TrimSpace(name))
	if e, ok := byName[key]; ok {
		return []*Entitlement{e.clone()}, nil
	}
	if exp, ok := karnAliases[strings.ReplaceAll(key, "-", "_")]; ok {
		out := []*Entitlement{}
		for _, n := range exp {
			out = append(out, byName[n].clone())
		}
		return out, nil
	}
	msg := fmt.Sprintf("unknown entitlement %q", name)
	if near := nearestNames(key, 3); len(near) > 0 {
		msg += "; did you mean " + strings.Join(near, ", ") + "?"
	} else {
		var all []string
		for _, e := range theList {
			all = append(all, e.Name)
		}
		msg += "; the entitlements are " + strings.Join(all, ", ")
	}
	return nil, errors.New(msg)
}

// nearestNames returns up to n entitlement names and aliases close to key:
// the closest by edit distance (ties included), or, when none is close,
// the names that start with key's first component ("net" → net.*).
func nearestNames(key string, n int) []string {
	var names []string
	for _, e := range theList {
		names = append(names, e.Name)
	}
	for a := range karnAliases {
		names = append(names, a)
	}
	sort.Strings(names)
	best, out := -1, []string(nil)
	for _, name := range names {
		d := suggest.Distance(key, name)
		if d > max(2, len(name)/3) {
			continue
		}
		switch {
		case best < 0 || d < best:
			best, out = d, []string{name}
		case d == best:
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		prefix := strings.SplitN(key, ".", 2)[0] + "."
		for _, name := range names {
			if len(prefix) > 1 && strings.HasPrefix(name, prefix) {
				out = append(out, name)
			}
		}
		n = max(n, len(out))
	}
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// Mode selects how Policy builds a policy.
type Mode int

const (
	// AllowList: default deny (Violation); base and the granted
	// entitlements are allowed, with their argument rules.
	AllowList Mode = iota
	// DenyList is Karn's weaker default-allow mode: everything is allowed
	// except the calls owned by entitlements that are not granted, and the
	// Never set with the never-grantable ioctl requests (NeverIoctl:
	// TIOCSTI, TIOCLINUX). It has no other argument rules — a call any
	// granted entitlement (base included) grants in any way stays allowed
	// with any arguments — but one: the Internet sockets that Landlock's
	// TCP rules cannot see and no granted entitlement grants are refused
	// (denyInetSockets), since they would reach any host and port.
	DenyList
)

func (m Mode) String() string {
	switch m {
	case AllowList:
		return "allow-list"
	case DenyList:
		return "deny-list"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Identity is a process's user and group id.
type Identity struct{ UID, GID uint32 }

// supported reports whether a's constants (socket types, open flags,
// MAP_ANONYMOUS, ioctl numbers, clone argument order) are the ones the
// catalog's argument rules use: the asm-generic family.
func supported(a *syscalls.Arch) bool {
	switch a {
	case syscalls.X86_64, syscalls.X32, syscalls.X86, syscalls.AARCH64, syscalls.ARM, syscalls.RISCV64:
		return true
	}
	return strings.HasPrefix(a.Name(), "loong")
}

const eperm = 1

// identityRules allow the set*id calls whose every id argument is -1
// ("unchanged") or the current id: they change nothing.
func identityRules(id Identity) []policy.Rule {
	const unchanged = 0xFFFFFFFF
	var out []policy.Rule
	for _, c := range []struct {
		calls []string
		n     int
		id    uint32
	}{
		{s("setuid", "setuid32", "setfsuid", "setfsuid32"), 1, id.UID},
		{s("setgid", "setgid32", "setfsgid", "setfsgid32"), 1, id.GID},
		{s("setreuid", "setreuid32"), 2, id.UID},
		{s("setregid", "setregid32"), 2, id.GID},
		{s("setresuid", "setresuid32"), 3, id.UID},
		{s("setresgid", "setresgid32"), 3, id.GID},
	} {
		values := []uint64{uint64(c.id)}
		if c.n > 1 {
			values = append(values, unchanged)
		}
		for combo := 0; combo < 1<<c.n; combo++ {
			if c.n == 1 && combo > 0 {
				break
			}
			var conds []policy.Cond
			for a := 0; a < c.n; a++ {
				v := values[0]
				if combo&(1<<a) != 0 {
					v = values[1]
				}
				conds = append(conds, eq32(uint8(a), v))
			}
			for _, sys := range c.calls {
				out = append(out, policy.Rule{Syscall: sys, Action: policy.Allow, Conds: slices.Clone(conds)})
			}
		}
	}
	return out
}

// grantSet is the union of what a set of entitlements grants.
type grantSet struct {
	uncond    map[string]bool
	order     []string      // unconditional calls in first-seen order
	rules     []policy.Rule // conditional allow rules, deduplicated
	fallbacks []policy.Rule // base's non-allow rules (clone3/openat2 → ENOSYS)
}

func collect(es []*Entitlement, selfPID int, portScoped bool) *grantSet {
	g := &grantSet{uncond: map[string]bool{}}
	addU := func(s string) {
		if !g.uncond[s] {
			g.uncond[s] = true
			g.order = append(g.order, s)
		}
	}
	seenRule := map[string]bool{}
	for _, e := range es {
		for _, s := range e.Allow {
			addU(s)
		}
		for _, r := range e.Rules {
			if portScoped && (e.Name == "net.client" || e.Name == "net.server") && isUDPSocket(r) {
				continue
			}
			r.Conds = slices.Clone(r.Conds)
			if e.Name == "base" && slices.Contains(selfSignalCalls, r.Syscall) && isSelfRule(r) {
				if selfPID == 0 {
					if slices.Contains(containerSignalCalls, r.Syscall) {
						addU(r.Syscall)
					}
					continue
				}
				r.Conds[0].Value = uint64(selfPID)
			}
			if r.Action != policy.Allow {
				g.fallbacks = append(g.fallbacks, r)
				continue
			}
			if len(r.Conds) == 0 {
				addU(r.Syscall)
				continue
			}
			k := ruleKey(r)
			if !seenRule[k] {
				seenRule[k] = true
				g.rules = append(g.rules, r)
			}
		}
	}
	return g
}

// ruleKey identifies an allow rule as its String does (two rules with the
// same key are the same rule), without formatting text: Build runs at every
// entitle run.
func ruleKey(r policy.Rule) string {
	b := make([]byte, 0, len(r.Syscall)+1+len(r.Conds)*19)
	b = append(b, r.Syscall...)
	b = append(b, 0)
	for _, c := range r.Conds {
		w := byte(0)
		if c.Width32 {
			w = 1
		}
		b = append(b, c.Arg, w, byte(c.Op))
		if c.Op == policy.OpMaskedEQ {
			b = binary.LittleEndian.AppendUint64(b, c.Mask)
			b = binary.LittleEndian.AppendUint64(b, c.Value&c.Mask)
		} else {
			b = binary.LittleEndian.AppendUint64(b, c.Value)
		}
	}
	return string(b)
}

// isUDPSocket reports whether r allows socket(AF_INET or AF_INET6,
// SOCK_DGRAM, ...).
func isUDPSocket(r policy.Rule) bool {
	if r.Syscall != "socket" {
		return false
	}
	inet, dgram := false, false
	for _, c := range r.Conds {
		switch {
		case c.Arg == 0 && (c.Value == linux.AF_INET || c.Value == linux.AF_INET6):
			inet = true
		case c.Arg == 1 && c.Value == linux.SOCK_DGRAM:
			dgram = true
		}
	}
	return inet && dgram
}

func isSelfRule(r policy.Rule) bool {
	return len(r.Conds) == 1 && r.Conds[0].Arg == 0 && r.Conds[0].Value == OwnPID
}

// grants reports whether the set grants s in any way.
func (g *grantSet) grants(s string) bool {
	if g.uncond[s] {
		return true
	}
	for _, r := range g.rules {
		if r.Syscall == s {
			return true
		}
	}
	return false
}

func (g *grantSet) allowRules(exists func(string) bool) []policy.Rule {
	var out []policy.Rule
	for _, s := range g.order {
		if exists(s) {
			out = append(out, policy.Rule{Syscall: s, Action: policy.Allow})
		}
	}
	for _, r := range g.rules {
		if !g.uncond[r.Syscall] && exists(r.Syscall) {
			out = append(out, r)
		}
	}
	for _, r := range g.fallbacks {
		if !g.grants(r.Syscall) && exists(r.Syscall) {
			out = append(out, r)
		}
	}
	return out
}

func (g *grantSet) denyRules(granted []*Entitlement, violation policy.Action, exists func(string) bool, portScoped bool) []policy.Rule {
	fb := map[string]policy.Action{}
	for _, r := range g.fallbacks {
		fb[r.Syscall] = r.Action
	}
	isGranted := map[*Entitlement]bool{}
	for _, e := range granted {
		isGranted[e] = true
	}
	var deny []string
	for _, e := range theList {
		if isGranted[e] {
			continue
		}
		for _, s := range e.Owns {
			if !grantsAny(granted, s) {
				deny = append(deny, s)
			}
		}
	}
	deny = append(deny, Never()...)
	sort.Strings(deny)
	deny = slices.Compact(deny)
	var out []policy.Rule
	for _, s := range deny {
		if !exists(s) {
			continue
		}
		act := violation
		if a, ok := fb[s]; ok {
			act = a
		}
		out = append(out, policy.Rule{Syscall: s, Action: act})
	}
	// Another process's resource limits: no entitlement sets them (see
	// proc.resources), and deny-list mode would allow prlimit64 with any
	// arguments because base reads limits with it: a lowered RLIMIT_CPU
	// or RLIMIT_FSIZE signals a process outside the sandbox.
	if exists("prlimit64") && !slices.Contains(deny, "prlimit64") {
		out = append(out, policy.Rule{Syscall: "prlimit64", Action: violation, Conds: []policy.Cond{
			{Arg: 0, Op: policy.OpNE, Value: 0}, {Arg: 2, Op: policy.OpNE, Value: 0}}})
	}
	if exists("socket") && !slices.Contains(deny, "socket") {
		out = append(out, denyInetSockets(granted, violation, portScoped)...)
	}
	// The never-grantable ioctl requests are part of Never too: TIOCSTI
	// would let the command type into the terminal of the shell that
	// started it, an escape from any sandbox (where dev.tty.legacy_tiocsti
	// is 1, as on Debian 12's kernels). The request is an unsigned int.
	if exists("ioctl") && !slices.Contains(deny, "ioctl") {
		for _, req := range slices.Sorted(maps.Keys(neverIoctls)) {
			out = append(out, policy.Rule{Syscall: "ioctl", Action: violation,
				Conds: []policy.Cond{{Arg: 1, Op: policy.OpEQ, Value: req, Width32: true}}})
		}
	}
	return out
}

// grantsAny reports whether any of es grants s in any way, whatever the
// arguments (and whatever Request.SelfPID).
func grantsAny(es []*Entitlement, s string) bool {
	for _, e := range es {
		if slices.Contains(e.Allow, s) {
			return true
		}
		for _, r := range e.Rules {
			if r.Syscall == s && r.Action == policy.Allow {
				return true
			}
		}
	}
	return false
}

// Grant is one way an entitlement grants a system call.
type Grant struct {
	Entitlement string
	Conds       []policy.Cond // nil: unconditionally
}

// Grantors returns the entitlements that grant syscall name on arch (nil:
// any architecture), with the argument conditions under which each grants
// it (nil conds = unconditional). Base is reported as "base"; its signal
// rules carry OwnPID ("the process's own pid"). An entitlement that grants
// a call unconditionally is listed once, without its conditional rules.
func Grantors(arch *syscalls.Arch, name string) []Grant {
	load()
	if arch != nil {
		if _, ok := arch.Number(name); !ok {
			return nil
		}
	}
	var out []Grant
	for _, e := range append([]*Entitlement{baseOf(Latest)}, theList...) {
		if slices.Contains(e.Allow, name) {
			out = append(out, Grant{Entitlement: e.Name})
			continue
		}
		for _, r := range e.Rules {
			if r.Syscall == name && r.Action == policy.Allow {
				out = append(out, Grant{Entitlement: e.Name, Conds: slices.Clone(r.Conds)})
			}
		}
	}
	return out
}

// Explain returns the smallest set of entitlement names that would allow
// this concrete call (syscall name and argument values) on arch (nil:
// native): one name when one suffices — rules are alternatives, so one
// always does. It prefers the entitlement that owns the call, then the one
// that grants least. It returns an empty, non-nil slice when base already
// allows the call, and nil when no entitlement can (Never, an unknown call,
// or arguments nothing grants, such as ioctl TIOCSTI).
func Explain(arch *syscalls.Arch, name string, args [6]uint64) []string {
	load()
	if arch == nil {
		arch = syscalls.Native()
	}
	if _, ok := arch.Number(name); !ok {
		return nil
	}
	if _, ok := never[name]; ok {
		return nil
	}
	bits := arch.Bits()
	allows := func(e *Entitlement) bool {
		if slices.Contains(e.Allow, name) {
			return true
		}
		for i := range e.Rules {
			r := &e.Rules[i]
			if r.Syscall == name && r.Action == policy.Allow && r.Matches(args, bits) {
				return true
			}
		}
		return false
	}
	if allows(baseOf(Latest)) {
		return []string{}
	}
	var best *Entitlement
	for _, e := range theList {
		if !allows(e) {
			continue
		}
		switch {
		case best == nil:
			best = e
		case slices.Contains(e.Owns, name) && !slices.Contains(best.Owns, name):
			best = e
		case slices.Contains(e.Owns, name) == slices.Contains(best.Owns, name) && size(e) < size(best):
			best = e
		}
	}
	if best == nil {
		return nil
	}
	return []string{best.Name}
}

func size(e *Entitlement) int { return len(e.Allow) + len(e.Rules) }

// denyInetSockets are deny-list mode's refusals of the Internet sockets
// that Landlock's TCP port rules do not see and that no granted
// entitlement grants. socket is allowed there with any arguments once an
// entitlement grants it in any way (net.unix grants AF_UNIX sockets), and
// the network layer is then Landlock's, which hooks only TCP bind and
// connect: Multipath TCP (a TCP connection to a server without MPTCP),
// SCTP, UDP-Lite, DCCP, RDS and SCTP's SOCK_SEQPACKET reached any host
// and port past "no net.client", net.dns's port 53 and ports.connect, and
// so did UDP. So:
//
//   - without net.client, net.server, net.dns and net.raw (the
//     entitlements that grant Internet sockets), AF_INET and AF_INET6
//     sockets are refused;
//   - with one of them but not net.raw (whose raw sockets send any
//     packet by design), the sockets no entitlement grants are refused:
//     IPPROTO_MPTCP, IPPROTO_SCTP and IPPROTO_UDPLITE, and the types
//     SOCK_RDM, SOCK_SEQPACKET and SOCK_DCCP; and while port rules are in
//     force, UDP (SOCK_DGRAM) unless net.dns, as in the allow-list.
func denyInetSockets(granted []*Entitlement, violation policy.Action, portScoped bool) []policy.Rule {
	has := map[string]bool{}
	for _, e := range granted {
		has[e.Name] = true
	}
	var out []policy.Rule
	for _, fam := range []uint64{linux.AF_INET, linux.AF_INET6} {
		deny := func(c ...policy.Cond) {
			out = append(out, policy.Rule{Syscall: "socket", Action: violation, Conds: append([]policy.Cond{eq32(0, fam)}, c...)})
		}
		switch {
		case !has["net.client"] && !has["net.server"] && !has["net.dns"] && !has["net.raw"]:
			deny()
		case has["net.raw"]:
		default:
			for _, proto := range []uint64{linux.IPPROTO_MPTCP, linux.IPPROTO_SCTP, linux.IPPROTO_UDPLITE} {
				deny(eq32(2, proto))
			}
			for _, typ := range []uint64{linux.SOCK_RDM, linux.SOCK_SEQPACKET, linux.SOCK_DCCP} {
				deny(mask32(1, linux.SOCK_TYPE_MASK, typ))
			}
			if portScoped && !has["net.dns"] {
				deny(mask32(1, linux.SOCK_TYPE_MASK, linux.SOCK_DGRAM))
			}
		}
	}
	return out
}
