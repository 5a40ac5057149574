package profile

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/entitle-dev/entitle/policy"
)

// ToOCI converts p into an OCI runtime-spec seccomp object that runc loads
// with exactly the meaning of p's policy, with p's flags and listener.
// Rules with the same action and conditions share one entry; the output is
// deterministic. A policy alone is written as &Profile{Policy: pol}.
//
// It fails, rather than writing a weaker profile, when p uses something
// OCI cannot express under runc's semantics: two conditions on the same
// argument in one rule (runc would OR them), 32-bit comparisons other than
// equality (and masked equality), trap with a value, a bad-architecture
// action other than kill-process or kill-thread (runc applies
// libseccomp's kill-thread), or a rule that repeats the default action and
// overrides a less restrictive rule (runc drops such rules). UnknownAction
// is not written: runc returns errno(ENOSYS) for numbers above the
// profile's highest and the default action for other unknown numbers.
func ToOCI(prof *Profile) (*specs.LinuxSeccomp, error) {
	if prof == nil || prof.Policy == nil {
		return nil, errors.New("nil policy")
	}
	p := prof.Policy
	if err := p.Validate(); err != nil {
		return nil, err
	}
	out := &specs.LinuxSeccomp{
		ListenerPath:     prof.ListenerPath,
		ListenerMetadata: prof.ListenerMetadata,
	}
	var err error
	if out.DefaultAction, out.DefaultErrnoRet, err = ociAction(p.DefaultAction); err != nil {
		return nil, fmt.Errorf("default action: %w", err)
	}
	if k := p.BadArch().Kind; k != policy.ActKillProcess && k != policy.ActKillThread {
		return nil, fmt.Errorf("bad-architecture action %s cannot be written to an OCI profile: runtimes kill calls from unlisted architectures (runc: kill-thread); use kill-process or kill-thread", p.BadArch())
	}
	for _, a := range p.Arches {
		out.Architectures = append(out.Architectures, specs.Arch(a.OCIName()))
	}
	if prof.Flags != nil {
		out.Flags = make([]specs.LinuxSeccompFlag, 0, len(prof.Flags))
		for _, f := range prof.Flags {
			if !knownFlag(f) {
				return nil, fmt.Errorf("unknown seccomp flag %q: use one of %s", f, strings.Join(knownFlags, ", "))
			}
			out.Flags = append(out.Flags, specs.LinuxSeccompFlag(f))
		}
	}

	skip, err := checkMergeable(p)
	if err != nil {
		return nil, err
	}

	type group struct {
		key   string
		call  specs.LinuxSyscall
		names map[string]bool
	}
	var groups []*group
	for i := range p.Rules {
		r := &p.Rules[i]
		if skip[i] {
			continue
		}
		if r.Action == p.DefaultAction {
			// runc drops this rule. That is harmless unless it would
			// beat another rule for the same call.
			for j := range p.Rules {
				o := &p.Rules[j]
				if o.Syscall != r.Syscall || o.Action == r.Action {
					continue
				}
				// r would win over o: o is less restrictive, or of the
				// same kind and listed after r.
				if policy.MoreRestrictive(r.Action, o.Action) || o.Action.Kind == r.Action.Kind && i < j {
					return nil, fmt.Errorf("rule %d (%s) repeats the default action and overrides rule %d (%s): runc drops rules whose action equals the default, so OCI cannot express this; change the rules so their conditions do not overlap", i+1, r, j+1, o)
				}
			}
			continue
		}
		call, err := ociCall(r)
		if err != nil {
			return nil, fmt.Errorf("rule %d (%s): %w", i+1, r, err)
		}
		key := callKey(call)
		// Join the last group with this key, unless that moves the rule
		// ahead of a rule for the same call whose action differs only in
		// its value: among those the first listed wins.
		target := -1
		for g := len(groups) - 1; g >= 0; g-- {
			if groups[g].key == key {
				target = g
				break
			}
		}
		for g := target + 1; target >= 0 && g < len(groups); g++ {
			gr := groups[g]
			if gr.names[r.Syscall] && gr.call.Action == call.Action && !equalErrno(gr.call.ErrnoRet, call.ErrnoRet) {
				target = -1
			}
		}
		if target < 0 {
			groups = append(groups, &group{key: key, call: call, names: map[string]bool{}})
			target = len(groups) - 1
		}
		groups[target].names[r.Syscall] = true
	}
	for _, g := range groups {
		for n := range g.names {
			g.call.Names = append(g.call.Names, n)
		}
		slices.Sort(g.call.Names)
		out.Syscalls = append(out.Syscalls, g.call)
	}
	return out, nil
}

func equalErrno(a, b *uint) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func callKey(c specs.LinuxSyscall) string {
	var b strings.Builder
	b.WriteString(string(c.Action))
	if c.ErrnoRet != nil {
		fmt.Fprintf(&b, "/%d", *c.ErrnoRet)
	}
	for _, a := range c.Args {
		fmt.Fprintf(&b, ";%d %s %d %d", a.Index, a.Op, a.Value, a.ValueTwo)
	}
	return b.String()
}

// ociAction writes a policy action as an OCI action and errnoRet.
func ociAction(a policy.Action) (specs.LinuxSeccompAction, *uint, error) {
	data := uint(a.Data)
	switch a.Kind {
	case policy.ActKillProcess:
		return specs.ActKillProcess, nil, nil
	case policy.ActKillThread:
		return specs.ActKillThread, nil, nil
	case policy.ActTrap:
		if a.Data != 0 {
			return "", nil, fmt.Errorf("%s cannot be written to an OCI profile: runtimes always trap with 0; use trap", a)
		}
		return specs.ActTrap, nil, nil
	case policy.ActErrno:
		return specs.ActErrno, &data, nil
	case policy.ActTrace:
		return specs.ActTrace, &data, nil
	case policy.ActNotify:
		return specs.ActNotify, nil, nil
	case policy.ActLog:
		return specs.ActLog, nil, nil
	case policy.ActAllow:
		return specs.ActAllow, nil, nil
	}
	return "", nil, fmt.Errorf("action %s has no OCI spelling", a)
}

// ociCall writes one rule (without its name) as an OCI entry whose
// conditions runc AND-s.
func ociCall(r *policy.Rule) (specs.LinuxSyscall, error) {
	var c specs.LinuxSyscall
	var err error
	if c.Action, c.ErrnoRet, err = ociAction(r.Action); err != nil {
		return c, err
	}
	var used [6]bool
	for _, cond := range r.Conds {
		if used[cond.Arg] {
			return c, fmt.Errorf("two conditions on argument %d: runc ORs conditions that share an argument, so OCI cannot express their AND; split the range into separate rules or use one condition", cond.Arg)
		}
		used[cond.Arg] = true
		a, err := ociArg(cond)
		if err != nil {
			return c, err
		}
		c.Args = append(c.Args, a)
	}
	slices.SortFunc(c.Args, func(a, b specs.LinuxSeccompArg) int { return int(a.Index) - int(b.Index) })
	return c, nil
}

func ociArg(c policy.Cond) (specs.LinuxSeccompArg, error) {
	a := specs.LinuxSeccompArg{Index: uint(c.Arg), Value: c.Value}
	if c.Width32 {
		switch c.Op {
		case policy.OpEQ:
			// arg.lo32 == v is exactly arg & 0xFFFFFFFF == v.lo32.
			a.Op, a.Value, a.ValueTwo = specs.OpMaskedEqual, 0xFFFFFFFF, c.Value&0xFFFFFFFF
			return a, nil
		case policy.OpMaskedEQ:
			m := c.Mask & 0xFFFFFFFF
			a.Op, a.Value, a.ValueTwo = specs.OpMaskedEqual, m, c.Value&m
			return a, nil
		}
		return a, fmt.Errorf("32-bit comparison %s cannot be written to an OCI profile: runtimes compare all 64 bits; compare the full 64-bit value instead", c)
	}
	if c.Op == policy.OpMaskedEQ {
		a.Op, a.Value, a.ValueTwo = specs.OpMaskedEqual, c.Mask, c.Value&c.Mask
		return a, nil
	}
	for oci, op := range plainOps {
		if op == c.Op {
			a.Op = oci
			return a, nil
		}
	}
	return a, fmt.Errorf("invalid operator %s", c.Op)
}

// ociJSON is specs.LinuxSeccomp with flags written whenever they are set:
// an empty list differs from none (runc then enables SPEC_ALLOW).
type ociJSON struct {
	DefaultAction    specs.LinuxSeccompAction `json:"defaultAction"`
	DefaultErrnoRet  *uint                    `json:"defaultErrnoRet,omitempty"`
	Architectures    []specs.Arch             `json:"architectures,omitempty"`
	Flags            []specs.LinuxSeccompFlag `json:"flags,omitzero"`
	ListenerPath     string                   `json:"listenerPath,omitempty"`
	ListenerMetadata string                   `json:"listenerMetadata,omitempty"`
	Syscalls         []specs.LinuxSyscall     `json:"syscalls,omitempty"`
}

// Marshal writes p as indented OCI JSON (ToOCI), with a trailing newline.
func Marshal(p *Profile) ([]byte, error) {
	s, err := ToOCI(p)
	if err != nil {
		return nil, err
	}
	return MarshalSpec(s)
}

// MarshalSpec writes s as indented OCI JSON, with a trailing newline, as
// Marshal does: flags are written whenever they are set, even empty.
func MarshalSpec(s *specs.LinuxSeccomp) ([]byte, error) {
	if s == nil {
		return nil, errors.New("nil seccomp profile")
	}
	b, err := json.MarshalIndent(ociJSON(*s), "", "\t")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// checkMergeable adapts p's rules to libseccomp's rule merging (see
// resolve): a rule without conditions decides its call for every argument
// under runc (the first one added, if there are several). It returns the
// rules that p never applies because such a rule beats them everywhere
// (they must not be written: written first, they would win), and refuses a
// policy where a rule with conditions beats the unconditional one for some
// arguments, which OCI cannot express next to it.
func checkMergeable(p *policy.Policy) (map[int]bool, error) {
	skip := map[int]bool{}
	winner := map[string]int{} // syscall -> its winning unconditional rule
	for i := range p.Rules {
		r := &p.Rules[i]
		if len(r.Conds) != 0 {
			continue
		}
		w, ok := winner[r.Syscall]
		if !ok || policy.MoreRestrictive(r.Action, p.Rules[w].Action) {
			winner[r.Syscall] = i
		}
	}
	for i := range p.Rules {
		r := &p.Rules[i]
		w, ok := winner[r.Syscall]
		if !ok || w == i {
			continue
		}
		u := &p.Rules[w]
		if r.Action != u.Action && len(r.Conds) != 0 && r.Action != p.DefaultAction &&
			(policy.MoreRestrictive(r.Action, u.Action) || r.Action.Kind == u.Action.Kind && i < w) {
			return nil, fmt.Errorf("rule %d (%s) overrides rule %d (%s) for some arguments, but runc's libseccomp lets a rule without conditions decide every call of %s: OCI cannot express this; give rule %d the complement of rule %d's conditions", i+1, r, w+1, u, u.Syscall, w+1, i+1)
		}
		skip[i] = true
	}
	return skip, nil
}
