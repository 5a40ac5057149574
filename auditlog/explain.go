package auditlog

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/confine"
	"github.com/entitle-dev/entitle/internal/quote"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/syscalls"
)

// Explanation is one kind of denial found in the log (the same call by
// the same program with the same outcome, or the same Landlock refusal),
// with how many records had it and what would allow it.
type Explanation struct {
	// Layer is "seccomp" or "landlock".
	Layer string `json:"layer"`
	// Count is the number of records of this kind.
	Count int `json:"count"`
	// PIDs are the distinct processes, in order of appearance (at most
	// MaxPIDs).
	PIDs []int `json:"pids,omitempty"`
	// Comm and Exe name the program, when the records do.
	Comm string `json:"comm,omitempty"`
	Exe  string `json:"exe,omitempty"`

	// Seccomp: the architecture and the system call ("syscall_N" when
	// the tables do not know the number), and the filter's action
	// ("errno(EPERM)", "kill-process", "log": the call ran and was only
	// logged, ...).
	Arch    string `json:"arch,omitempty"`
	Syscall string `json:"syscall,omitempty"`
	Action  string `json:"action,omitempty"`

	// Landlock: the refused rights ("fs.read_file", "net.bind_tcp", ...),
	// and the path or the address and port.
	Access []string `json:"access,omitempty"`
	Path   string   `json:"path,omitempty"`
	Addr   string   `json:"addr,omitempty"`
	Port   int      `json:"port,omitempty"`

	// What is the refused action in words: the system call, or Landlock's
	// "read_file on \"/etc/hostname\"".
	What string `json:"what"`
	// Entitlements would allow the call: one name when the record says
	// enough; empty when base allows it (the policy was not the catalog's).
	Entitlements []string `json:"entitlements,omitempty"`
	// Candidates, when the entitlement depends on the call's arguments
	// (which a seccomp record does not carry), are the entitlements that
	// grant the call with some arguments: `entitle which SYSCALL` shows
	// which, and `entitle run` names the one.
	Candidates []string `json:"candidates,omitempty"`
	// Fix is what would allow it (kind NoRemedy when nothing does or
	// when it depends on the arguments): an entitlement for a seccomp
	// record, a path, port, entitlement or lifted protection for a
	// Landlock one.
	Fix confine.Remedy `json:"fix,omitzero"`
	// Reason says why it was refused and what would allow it.
	Reason string `json:"reason"`
	// Grantable is false for what no entitlement, path or port can allow.
	Grantable bool `json:"grantable"`
}

// MaxPIDs bounds Explanation.PIDs.
const MaxPIDs = 16

// Options tell how Landlock's file denials are explained: the log does
// not say how the sandbox was set up.
type Options struct {
	// Unscoped says the sandbox's file rights were not scoped to paths
	// (no --read, --write, --exec or preset): a refused file is then
	// outside what the entitlements reach, not outside the read paths.
	Unscoped bool
	// Protected are the protected paths (confine.DefaultProtected): a
	// refused path under one is explained by its protection (Unprotect).
	Protected []confine.Protected
}

// Report is what a log held: the explanations in order of first
// appearance.
type Report struct {
	Explanations []Explanation `json:"explanations"`
	// Records is the number of seccomp and Landlock access records read.
	Records int `json:"records"`
	// Allow is the union of the definite entitlements, Fixes every
	// definite Landlock remedy other than an entitlement (paths, ports,
	// protections to lift), in order of appearance.
	Allow []string         `json:"allow,omitempty"`
	Fixes []confine.Remedy `json:"fixes,omitempty"`
}

// Collector gathers records, as Read does for a whole log; use it to
// explain records as they arrive (see Follow).
type Collector struct {
	opts  Options
	recs  []Record
	procs map[string]procInfo // by stamp (SYSCALL records) and "domain:ID" (Landlock domains)
}

type procInfo struct {
	pid       int
	comm, exe string
}

// NewCollector returns an empty collector.
func NewCollector(opts Options) *Collector {
	return &Collector{opts: opts, procs: map[string]procInfo{}}
}

// Add takes one record; records of other types are ignored unless they
// name the process of a Landlock denial (SYSCALL, LANDLOCK_DOMAIN).
func (c *Collector) Add(r Record) {
	switch r.Type {
	case TypeSeccomp, TypeLandlockAccess:
		c.recs = append(c.recs, r)
	case TypeSyscall:
		c.procs[r.Stamp] = procOf(r)
	case TypeLandlockDomain:
		if r.Fields["status"] == "allocated" && r.Fields["domain"] != "" {
			c.procs["domain:"+r.Fields["domain"]] = procOf(r)
		}
	}
}

// AddLine parses line and adds its record, if any.
func (c *Collector) AddLine(line string) {
	if r, ok := ParseLine(line); ok {
		c.Add(r)
	}
}

func procOf(r Record) procInfo {
	return procInfo{pid: r.PID(), comm: r.Fields["comm"], exe: r.Fields["exe"]}
}

// Report explains the records added so far, one Explanation per kind.
func (c *Collector) Report() *Report {
	rep := &Report{}
	index := map[string]int{}
	for _, r := range c.recs {
		var e Explanation
		var key string
		switch r.Type {
		case TypeSeccomp:
			e = ExplainSeccomp(r)
			e.PIDs = pidList(r.PID())
			e.Comm, e.Exe = r.Fields["comm"], r.Fields["exe"]
			key = strings.Join([]string{"seccomp", e.Arch, e.Syscall, e.Action, e.Comm, e.Exe}, "\x00")
		case TypeLandlockAccess:
			e = ExplainLandlock(r, c.opts)
			p, ok := c.procs[r.Stamp]
			if !ok {
				p = c.procs["domain:"+r.Fields["domain"]]
			}
			e.PIDs = pidList(p.pid)
			e.Comm, e.Exe = p.comm, p.exe
			key = strings.Join([]string{"landlock", e.What, fmt.Sprint(e.Fix), e.Comm, e.Exe}, "\x00")
		}
		rep.Records++
		if i, ok := index[key]; ok {
			x := &rep.Explanations[i]
			x.Count++
			if len(e.PIDs) > 0 && !slices.Contains(x.PIDs, e.PIDs[0]) && len(x.PIDs) < MaxPIDs {
				x.PIDs = append(x.PIDs, e.PIDs[0])
			}
			continue
		}
		e.Count = 1
		index[key] = len(rep.Explanations)
		rep.Explanations = append(rep.Explanations, e)
		ents := e.Entitlements
		if e.Layer == "landlock" && e.Fix.Kind == confine.AddEntitlement {
			ents = []string{e.Fix.Entitlement}
		}
		for _, n := range ents {
			if !slices.Contains(rep.Allow, n) {
				rep.Allow = append(rep.Allow, n)
			}
		}
		if e.Layer == "landlock" && e.Fix.Kind != confine.NoRemedy && e.Fix.Kind != confine.AddEntitlement && !slices.Contains(rep.Fixes, e.Fix) {
			rep.Fixes = append(rep.Fixes, e.Fix)
		}
	}
	return rep
}

func pidList(pid int) []int {
	if pid <= 0 {
		return nil
	}
	return []int{pid}
}

// Read explains every seccomp and Landlock record in a log (lines of
// dmesg, journalctl -k, /dev/kmsg, audit.log or ausearch output; other
// lines are skipped).
func Read(r io.Reader, opts Options) (*Report, error) {
	c := NewCollector(opts)
	err := ReadInto(c, r)
	return c.Report(), err
}

// ReadInto adds the records of a log to c (for several logs in one
// report).
func ReadInto(c *Collector, r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		c.AddLine(sc.Text())
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read the log: %w", err)
	}
	return nil
}

// ExplainSeccomp explains a seccomp record (type 1326). The record has the
// architecture, the system call number and the filter's action, not the
// arguments: when the entitlement depends on them (openat: fs.read,
// fs.write or fs.create by its flags), Candidates lists the entitlements
// that grant the call with some arguments and Entitlements stays empty.
func ExplainSeccomp(r Record) Explanation {
	e := Explanation{Layer: "seccomp", Grantable: true}
	arch, nr, name := syscallOf(r.Fields["arch"], r.Fields["syscall"])
	if arch != nil {
		e.Arch = arch.Name()
	} else {
		e.Arch = r.Fields["arch"]
	}
	e.Syscall = name
	e.What = name
	e.Action = actionOf(r.Fields)
	switch {
	case arch == nil:
		e.Reason = fmt.Sprintf("architecture %q is not one entitle has tables for", r.Fields["arch"])
		e.Grantable = false
		return e
	case nr < 0:
		e.Reason = fmt.Sprintf("system call %q is not known on %s", r.Fields["syscall"], arch.Name())
		e.Grantable = false
		return e
	case strings.HasPrefix(name, "syscall_"):
		e.Reason = fmt.Sprintf("system call number %d is not in the %s table (a newer kernel's call?)", nr, arch.Name())
		e.Grantable = false
		return e
	case e.Action == policy.KillProcess.String() && (r.Fields["compat"] == "1" || arch == syscalls.X32) && arch != syscalls.Native():
		// i386 (compat) or x32 calls on a 64-bit kernel: entitle's filters
		// are built for the native ABI and kill any other.
		e.Reason = fmt.Sprintf("not grantable (a system call of a foreign architecture, %s: entitle's filters kill those whatever the entitlements; build the program for %s)", arch.Name(), syscalls.Native().Name())
		e.Grantable = false
		return e
	}
	if reason := catalog.NeverReason(name); reason != "" {
		e.Reason = "not grantable (" + reason + ")"
		e.Grantable = false
		return e
	}
	ents, cands := grantors(arch, name)
	switch {
	case ents == nil && cands == nil:
		e.Reason = "not grantable (no entitlement grants " + name + ")"
		e.Grantable = false
	case ents != nil && len(ents) == 0:
		e.Entitlements = []string{}
		e.Reason = "allowed by base: the policy that logged it is not entitle's catalog (or is narrower than base)"
	case len(ents) > 0:
		e.Entitlements = ents
		e.Reason = "needs " + ents[0]
		e.Fix = confine.Remedy{Kind: confine.AddEntitlement, Entitlement: ents[0]}
	default:
		e.Candidates = cands
		e.Reason = fmt.Sprintf("needs %s depending on its arguments, which the record does not carry (`entitle which %s` shows which arguments each allows; `entitle run` names the one)",
			orList(cands), name)
	}
	return e
}

// grantors returns the entitlement that allows every call of name (ents,
// one name; empty when base does), or, when that depends on the
// arguments, the candidates. Both nil: nothing grants it.
func grantors(arch *syscalls.Arch, name string) (ents, cands []string) {
	var uncond, cond []string
	baseCond := false
	for _, g := range catalog.Grantors(arch, name) {
		switch {
		case g.Entitlement == "base" && g.Conds == nil:
			return []string{}, nil
		case g.Entitlement == "base":
			// A logged call did not match base's rules (signals to self,
			// reading a limit, ...): not a candidate.
			baseCond = true
		case g.Conds == nil:
			if !slices.Contains(uncond, g.Entitlement) {
				uncond = append(uncond, g.Entitlement)
			}
		default:
			if !slices.Contains(cond, g.Entitlement) {
				cond = append(cond, g.Entitlement)
			}
		}
	}
	cond = slices.DeleteFunc(cond, func(n string) bool { return slices.Contains(uncond, n) })
	switch {
	case len(uncond) == 0 && len(cond) == 0:
		return nil, nil
	case len(cond) == 0 && !baseCond:
		// No grant depends on the arguments: the catalog's own choice
		// (the owner, then the narrowest) holds for any.
		if got := catalog.Explain(arch, name, [6]uint64{}); len(got) > 0 {
			return got, nil
		}
		return []string{preferred(name, uncond)}, nil
	case len(cond) == 0:
		return []string{preferred(name, uncond)}, nil
	}
	all := append(slices.Clone(uncond), cond...)
	owner := owner(name)
	slices.SortStableFunc(all, func(a, b string) int {
		switch {
		case a == owner && b != owner:
			return -1
		case b == owner && a != owner:
			return 1
		}
		return strings.Compare(a, b)
	})
	return nil, all
}

// preferred is the owner of name among names, else the narrowest.
func preferred(name string, names []string) string {
	if o := owner(name); slices.Contains(names, o) {
		return o
	}
	best, bestSize := names[0], -1
	for _, e := range catalog.All() {
		if slices.Contains(names, e.Name) {
			if s := len(e.Allow) + len(e.Rules); bestSize < 0 || s < bestSize {
				best, bestSize = e.Name, s
			}
		}
	}
	return best
}

func owner(name string) string {
	for _, e := range catalog.All() {
		if slices.Contains(e.Owns, name) {
			return e.Name
		}
	}
	return ""
}

func orList(names []string) string {
	switch len(names) {
	case 1:
		return names[0]
	case 2:
		return names[0] + " or " + names[1]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// syscallOf decodes a record's arch and syscall fields: hexadecimal
// AUDIT_ARCH value and number (the kernel's), or names (ausearch -i). nr
// is -1 when the call is unknown; name is "syscall_N" for a number the
// table lacks.
func syscallOf(archField, sysField string) (arch *syscalls.Arch, nr int64, name string) {
	var audit uint32
	if v, err := strconv.ParseUint(archField, 16, 32); err == nil {
		audit = uint32(v)
	} else if a, err := syscalls.Lookup(archField); err == nil {
		audit = a.AuditArch()
		arch = a
	}
	if v, err := strconv.ParseUint(sysField, 10, 32); err == nil {
		if arch == nil || arch.AuditArch() == syscalls.X86_64.AuditArch() {
			arch = syscalls.ForAudit(audit, uint32(v))
		}
		name = fmt.Sprintf("syscall_%d", v)
		if arch != nil {
			if n, ok := arch.SyscallName(uint32(v)); ok {
				name = n
			}
		}
		return arch, int64(v), name
	}
	if arch == nil {
		arch = syscalls.ForAudit(audit, 0)
	}
	if arch == nil {
		return nil, -1, sysField
	}
	n, ok := arch.Number(sysField)
	if !ok {
		return arch, -1, sysField
	}
	return arch, int64(n), sysField
}

// actionOf decodes the filter's action: code=0x50001 (the kernel's
// SECCOMP_RET_* value) or ausearch -i's names ("errno", "kill", ...).
func actionOf(f map[string]string) string {
	code := f["code"]
	if v, err := strconv.ParseUint(strings.TrimPrefix(code, "0x"), 16, 32); err == nil {
		return policy.FromRet(uint32(v)).String()
	}
	switch code {
	case "kill", "kill-thread", "kill_thread":
		return policy.KillThread.String()
	case "kill-process", "kill_process":
		return policy.KillProcess.String()
	case "errno":
		if v, err := strconv.ParseUint(strings.TrimPrefix(f["ret"], "0x"), 16, 16); err == nil && v > 0 {
			return policy.Errno(uint16(v)).String()
		}
	}
	if name, data, ok := strings.Cut(strings.TrimSuffix(code, ")"), "("); ok && name == "errno" {
		// "errno(0x1)"
		if v, err := strconv.ParseUint(strings.TrimPrefix(data, "0x"), 16, 16); err == nil && v > 0 {
			return policy.Errno(uint16(v)).String()
		}
	}
	if a, err := policy.ParseAction(code); err == nil {
		return a.String()
	}
	return code
}

// ExplainLandlock explains a Landlock access record (type 1423) as
// `entitle run` does when it follows the audit log itself.
func ExplainLandlock(r Record, opts Options) Explanation {
	d := confine.ParseDenial(r.Fields)
	what, why, fix := confine.ExplainDenial(d, !opts.Unscoped, opts.Protected)
	return Explanation{Layer: "landlock", Access: d.Blockers, Path: d.Path, Addr: d.Addr, Port: d.Port,
		What: what, Reason: why, Fix: fix, Grantable: fix.Kind != confine.NoRemedy, Action: "refused"}
}

// String is the explanation's line, without the remedy (Fix), which the
// caller words (`entitle explain` adds "— add --allow fs.create"):
//
//	2× seccomp errno(EPERM): mkdir by pid 41 (mkdir): needs fs.create
//	1× Landlock refused read_file on "/etc/shadow" by pid 42 (cat): outside the read paths
func (e Explanation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d× ", e.Count)
	if e.Layer == "landlock" {
		b.WriteString("Landlock refused ")
	} else {
		if e.Action == policy.Log.String() {
			b.WriteString("seccomp log (the call ran): ")
		} else {
			fmt.Fprintf(&b, "seccomp %s: ", e.Action)
		}
	}
	b.WriteString(e.What)
	if e.Layer == "seccomp" && e.Arch != "" && e.Arch != syscalls.Native().Name() {
		fmt.Fprintf(&b, " (%s)", e.Arch)
	}
	if by := e.by(); by != "" {
		b.WriteString(" by " + by)
	}
	b.WriteString(": " + e.Reason)
	return b.String()
}

func (e Explanation) by() string {
	var who string
	switch n := len(e.PIDs); {
	case n == 1:
		who = "pid " + strconv.Itoa(e.PIDs[0])
	case n > 1:
		var s []string
		for _, p := range e.PIDs[:min(n, 3)] {
			s = append(s, strconv.Itoa(p))
		}
		who = "pids " + strings.Join(s, ", ")
		if n > 3 {
			who += ", ..."
		}
	}
	name := e.Comm
	if name == "" && e.Exe != "" {
		name = e.Exe
	}
	if name == "" {
		return who
	}
	if who == "" {
		return quoteName(name)
	}
	return who + " (" + quoteName(name) + ")"
}

// quoteName prints a name the logged program controls (quote.Name).
func quoteName(s string) string { return quote.Name(s) }
