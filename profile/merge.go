package profile

import (
	"fmt"

	"github.com/entitle-dev/entitle/policy"
)

// origin is where a policy rule came from in the profile.
type origin struct {
	index int  // syscalls[index]
	mux   bool // libseccomp's multiplexer rule for a call syscalls[index] names (muxRule)
}

// resolve applies libseccomp's rule merging to rules, which are in the
// order runc adds them, so that the policy's own semantics (the most
// restrictive matching rule wins) decide every call as the filter runc
// loads does. libseccomp (2.5 and 2.6, checked against its programs by the
// differential tests) merges the rules of one system call as follows:
//
//   - a rule without conditions, once added, decides the call for all
//     arguments: every later rule of that call is dropped;
//   - a rule without conditions added after rules with conditions
//     replaces them all;
//   - a rule whose conditions extend those of an earlier rule with a
//     different action (the earlier one is a prefix of it, in argument
//     order) is dropped: the shorter, earlier rule decides;
//   - a rule with the same conditions as an earlier one, or a prefix of
//     them, but another action is refused (EEXIST): runc and crun fail to
//     start the container. That is an error here, unless opts.Lenient,
//     which keeps the earlier rule.
//
// Rules with different actions whose conditions merely overlap (on
// different arguments, or ranges on one) are kept: where both match,
// libseccomp's answer depends on the order in which its decision tree
// tests arguments, entitle's is the more restrictive action; a warning
// names both rules, and the differential tests list the case.
func resolve(rules []policy.Rule, origins []origin, opts *Options) ([]policy.Rule, error) {
	where := func(i int) string {
		if origins[i].mux {
			return fmt.Sprintf("syscalls[%d] (%s, as libseccomp rewrites it for %s)", origins[i].index, rules[i].Syscall, rules[i].Syscall)
		}
		return fmt.Sprintf("syscalls[%d] (%s)", origins[i].index, rules[i].Syscall)
	}
	// Findings about libseccomp's own multiplexer rules are not the
	// profile's: a rule without conditions for the multiplexer replacing
	// them is what a profile should have.
	warn := func(about int, where, format string, args ...any) {
		if !origins[about].mux {
			opts.warn(where, format, args...)
		}
	}
	drop := make([]bool, len(rules))
	bySyscall := map[string][]int{} // kept rules so far, in order
	var overlaps [][2]int           // rules whose conditions overlap, with different actions
	for i, r := range rules {
		kept := bySyscall[r.Syscall]
		// An earlier rule without conditions decides everything.
		if len(kept) > 0 && len(rules[kept[0]].Conds) == 0 {
			k := kept[0]
			drop[i] = true
			if rules[k].Action != r.Action {
				warn(i, where(i), "never applies (%v): %s, earlier and without conditions, already decides %s for every argument; libseccomp keeps the first such rule, so runc loads %s with %v",
					r.Action, where(k), r.Syscall, r.Syscall, rules[k].Action)
			}
			continue
		}
		if len(r.Conds) == 0 {
			for _, k := range kept {
				drop[k] = true
				if rules[k].Action != r.Action {
					warn(k, where(k), "never applies: %s, later and without conditions, replaces the earlier conditional rules of %s in libseccomp (%v for every argument)", where(i), r.Syscall, r.Action)
				}
			}
			bySyscall[r.Syscall] = []int{i}
			continue
		}
		for _, k := range kept {
			if rules[k].Action == r.Action {
				continue
			}
			kc, rc := condsByArg(rules[k].Conds), condsByArg(r.Conds)
			switch {
			case prefix(kc, rc) && len(rules[k].Conds) < len(r.Conds):
				drop[i] = true
				warn(i, where(i), "never applies where it differs: %s, earlier, tests a prefix of its conditions with another action (%v), and libseccomp keeps the shorter rule", where(k), rules[k].Action)
			case prefix(rc, kc):
				if !opts.Lenient {
					return nil, fmt.Errorf("%s: %v with the same conditions as %s (or a prefix of them), which has action %v: libseccomp refuses the second rule (file exists), so runc and crun fail to start the container; remove one of the rules (or read leniently, --lenient, to keep the first)",
						where(i), r, where(k), rules[k].Action)
				}
				drop[i] = true
				warn(i, where(i), "dropped: same conditions as %s with another action; libseccomp refuses it (runc fails), --lenient keeps the first", where(k))
			case overlap(kc, rc):
				overlaps = append(overlaps, [2]int{i, k})
			}
			if drop[i] {
				break
			}
		}
		if !drop[i] {
			bySyscall[r.Syscall] = append(bySyscall[r.Syscall], i)
		}
	}
	// Overlaps between rules that both stay (a later rule without
	// conditions replaces them).
	for _, o := range overlaps {
		i, k := o[0], o[1]
		if drop[i] || drop[k] {
			continue
		}
		if !opts.Lenient || opts.RefuseOverlaps {
			return nil, fmt.Errorf("%s: %v contradicts %s (%v): their conditions overlap (both can match the same call), and libseccomp decides the overlap by the order its decision tree tests arguments, which can let the less restrictive rule win (with errno on argument 0 and allow on argument 1, libseccomp allows a call that matches both); entitle cannot tell what runc loads, so it does not guess: make the two rules' conditions disjoint (or read leniently, --lenient, to take the more restrictive action, as entitle compile then does)",
				where(i), rules[i], where(k), rules[k])
		}
		warn(i, where(i), "contradicts %s: both can match the same call (%v vs %v); libseccomp's answer then depends on the order its decision tree tests arguments, entitle applies the more restrictive action", where(k), rules[i].Action, rules[k].Action)
	}
	out := rules[:0:0]
	for i, r := range rules {
		if !drop[i] {
			out = append(out, r)
		}
	}
	return out, nil
}

// condsByArg indexes conditions by argument (runc's rules have at most one
// per argument); absent arguments are nil.
func condsByArg(cs []policy.Cond) [6]*policy.Cond {
	var out [6]*policy.Cond
	for i := range cs {
		c := cs[i]
		out[c.Arg] = &c
	}
	return out
}

// prefix reports whether a's conditions are, in argument order, the first
// conditions of b (libseccomp's chains test arguments in index order).
func prefix(a, b [6]*policy.Cond) bool {
	for i := 0; i < 6; i++ {
		if a[i] == nil {
			// the rest of a must be empty
			for j := i; j < 6; j++ {
				if a[j] != nil {
					return false
				}
			}
			return true
		}
		if b[i] == nil || !sameCond(*a[i], *b[i]) {
			return false
		}
	}
	return true
}

func sameCond(a, b policy.Cond) bool {
	if a.Op != b.Op || a.Width32 != b.Width32 {
		return false
	}
	if a.Op == policy.OpMaskedEQ {
		return a.Mask == b.Mask && a.Value&a.Mask == b.Value&b.Mask
	}
	return a.Value == b.Value
}

// overlap reports whether some argument vector can satisfy both rules: on
// every argument both constrain, some value satisfies both conditions
// (policy.Cond.Overlaps, exact). runc's conditions compare 64 bits.
func overlap(a, b [6]*policy.Cond) bool {
	for i := 0; i < 6; i++ {
		if a[i] != nil && b[i] != nil && !a[i].Overlaps(*b[i], 64) {
			return false
		}
	}
	return true
}
