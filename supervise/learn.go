//go:build linux

package supervise

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/supervise/internal/decode"
	"github.com/entitle-dev/entitle/syscalls"
	"golang.org/x/sys/unix"
)

// Learned is one entitlement of the minimal set that covers what a run
// needed, with the reason: the first call it was needed for.
type Learned struct {
	Name   string
	Reason string // "listen(3<TCP>, 511) by pid 12 (nginx)"
	Calls  int    // how many distinct calls it covers
}

// RawRule is a call no entitlement grants, written as a raw rule with the
// argument conditions that select it, so that a learned policy runs.
type RawRule struct {
	Rule    policy.Rule
	Comment string
}

// observation is one distinct call a run needed, with the entitlements
// that would allow it, the preferred first.
type observation struct {
	name  string
	what  string // the decoded call and the process
	cands []string
}

var (
	sizesOnce sync.Once
	entSize   map[string]int // how much an entitlement grants: narrower is smaller
)

func entitlementSize(name string) int {
	sizesOnce.Do(func() {
		entSize = map[string]int{}
		for _, e := range catalog.All() {
			entSize[e.Name] = len(e.Allow) + len(e.Rules)
		}
	})
	return entSize[name]
}

// sockCalls take a socket descriptor as their first argument.
var sockCalls = map[string]bool{
	"connect": true, "bind": true, "listen": true, "accept": true, "accept4": true,
	"sendto": true, "sendmsg": true, "sendmmsg": true, "setsockopt": true, "getsockopt": true,
	"ioctl": true, "shutdown": true, "recvfrom": true, "recvmsg": true,
}

// callSocket is what a call's socket is: for socket(2) its arguments,
// for calls on a descriptor what the descriptor really is.
func callSocket(pid int, name string, args [6]uint64) (decode.Socket, bool) {
	if name == "socket" {
		return decode.Socket{Family: int(int32(args[0])), Type: int(args[1] & 0xF), Proto: int(int32(args[2]))}, true
	}
	if sockCalls[name] {
		return decode.FDSocket(pid, args[0])
	}
	return decode.Socket{}, false
}

// semantic returns the entitlements meant for this use of a socket,
// preferred first, or nil when the socket says nothing. For TCP and UDP
// sockets the call decides: listen and accept are net.server's; connect
// to port 53 is net.dns's (name lookups) and any other connect
// net.client's; bind is net.server's (or net.client's: a local address);
// socket itself is decided by what follows it.
func semantic(name string, si decode.Socket, port int) []string {
	switch {
	case si.Inet():
		dgram := si.Type == unix.SOCK_DGRAM
		switch name {
		case "socket", "setsockopt", "getsockopt":
			if dgram {
				return []string{"net.client", "net.dns", "net.server"}
			}
			return []string{"net.client", "net.server", "net.dns"}
		case "connect":
			if port == 53 || port == 0 {
				return []string{"net.dns", "net.client"}
			}
			return []string{"net.client"}
		case "bind":
			return []string{"net.server", "net.client"}
		case "listen", "accept", "accept4":
			return []string{"net.server"}
		case "sendto", "sendmsg", "sendmmsg":
			if port == 53 {
				return []string{"net.dns", "net.client", "net.server"}
			}
			return []string{"net.client", "net.server", "net.dns"}
		case "ioctl":
			return []string{"net.client", "net.server"}
		}
	case si.Family == unix.AF_UNIX:
		return []string{"net.unix"}
	case si.Family == unix.AF_NETLINK:
		return []string{"net.netlink"}
	case si.Family == unix.AF_PACKET, si.Family == unix.AF_INET || si.Family == unix.AF_INET6:
		return []string{"net.raw"}
	}
	return nil
}

// candidates returns the entitlements that would allow the call, the
// preferred first: those meant for the call's socket (see semantic) when
// the call is on one, else catalog.Explain's choice and then the narrowest.
// nil: nothing grants it; empty: base does.
func candidates(arch *syscalls.Arch, name string, args [6]uint64, si *decode.Socket, port int) []string {
	first := catalog.Explain(arch, name, args)
	if len(first) == 0 {
		return first
	}
	var all []string
	for _, g := range catalog.Grantors(arch, name) {
		if g.Entitlement == "base" || slices.Contains(all, g.Entitlement) {
			continue
		}
		r := policy.Rule{Syscall: name, Action: policy.Allow, Conds: g.Conds}
		if r.Matches(args, arch.Bits()) {
			all = append(all, g.Entitlement)
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		if (all[i] == first[0]) != (all[j] == first[0]) {
			return all[i] == first[0]
		}
		return entitlementSize(all[i]) < entitlementSize(all[j])
	})
	if si != nil {
		var sem []string
		for _, e := range semantic(name, *si, port) {
			if slices.Contains(all, e) {
				sem = append(sem, e)
			}
		}
		if len(sem) > 0 {
			return sem
		}
	}
	return all
}

// minimalCover returns a smallest set of entitlements that allows every
// observed call: the fewest entitlements, then the most preferred (each
// call's candidates are in order of preference), then the narrowest.
func minimalCover(obs []observation) []Learned {
	var universe []string
	var need []observation
	for _, o := range obs {
		if len(o.cands) == 0 {
			continue
		}
		need = append(need, o)
		for _, c := range o.cands {
			if !slices.Contains(universe, c) {
				universe = append(universe, c)
			}
		}
	}
	if len(need) == 0 {
		return nil
	}
	sort.Strings(universe)
	// cost of a choice: (rank sum, size sum); covers is nil when some call
	// is not covered.
	score := func(set []string) (ok bool, rank, size int) {
		for _, o := range need {
			r := -1
			for i, c := range o.cands {
				if slices.Contains(set, c) {
					r = i
					break
				}
			}
			if r < 0 {
				return false, 0, 0
			}
			rank += r
		}
		for _, e := range set {
			size += entitlementSize(e)
		}
		return true, rank, size
	}
	var best []string
	if len(universe) <= 20 {
		bestRank, bestSize := 0, 0
		for k := 1; k <= len(universe) && best == nil; k++ {
			combos(len(universe), k, func(idx []int) {
				set := make([]string, k)
				for i, j := range idx {
					set[i] = universe[j]
				}
				ok, r, sz := score(set)
				if ok && (best == nil || r < bestRank || r == bestRank && sz < bestSize) {
					best, bestRank, bestSize = set, r, sz
				}
			})
		}
	} else {
		// Greedy: the entitlement that covers most of what is left, the
		// narrowest among equals.
		left := need
		for len(left) > 0 {
			counts := map[string]int{}
			for _, o := range left {
				for _, c := range o.cands {
					counts[c]++
				}
			}
			pick := ""
			for _, e := range universe {
				if counts[e] > counts[pick] || counts[e] == counts[pick] && counts[e] > 0 && entitlementSize(e) < entitlementSize(pick) {
					pick = e
				}
			}
			best = append(best, pick)
			var rest []observation
			for _, o := range left {
				if !slices.Contains(o.cands, pick) {
					rest = append(rest, o)
				}
			}
			left = rest
		}
	}
	out := make([]Learned, 0, len(best))
	for _, e := range best {
		l := Learned{Name: e}
		for _, o := range need {
			for _, c := range o.cands {
				if slices.Contains(best, c) {
					if c == e {
						l.Calls++
						if l.Reason == "" {
							l.Reason = o.what
						}
					}
					break
				}
			}
		}
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// combos calls f with every k-subset of 0..n-1, in lexicographic order.
func combos(n, k int, f func([]int)) {
	idx := make([]int, k)
	for i := range idx {
		idx[i] = i
	}
	for {
		f(idx)
		i := k - 1
		for i >= 0 && idx[i] == n-k+i {
			i--
		}
		if i < 0 {
			return
		}
		idx[i]++
		for j := i + 1; j < k; j++ {
			idx[j] = idx[j-1] + 1
		}
	}
}

// selectors are the arguments that say what a multiplexed call does; a
// raw rule for an ungrantable call compares them (and nothing else).
var selectors = map[string][]policy.Cond{
	"ioctl":         {{Arg: 1, Op: policy.OpEQ, Width32: true}},
	"fcntl":         {{Arg: 1, Op: policy.OpEQ, Width32: true}},
	"fcntl64":       {{Arg: 1, Op: policy.OpEQ, Width32: true}},
	"prctl":         {{Arg: 0, Op: policy.OpEQ, Width32: true}},
	"socket":        {{Arg: 0, Op: policy.OpEQ, Width32: true}, {Arg: 1, Op: policy.OpMaskedEQ, Mask: 0xF, Width32: true}, {Arg: 2, Op: policy.OpEQ, Width32: true}},
	"setsockopt":    {{Arg: 1, Op: policy.OpEQ, Width32: true}, {Arg: 2, Op: policy.OpEQ, Width32: true}},
	"personality":   {{Arg: 0, Op: policy.OpEQ, Width32: true}},
	"clone":         {{Arg: 0, Op: policy.OpEQ}},
	"unshare":       {{Arg: 0, Op: policy.OpEQ}},
	"mmap":          {{Arg: 2, Op: policy.OpEQ}, {Arg: 3, Op: policy.OpEQ}},
	"mprotect":      {{Arg: 2, Op: policy.OpEQ}},
	"pkey_mprotect": {{Arg: 2, Op: policy.OpEQ}},
	"prlimit64":     {{Arg: 1, Op: policy.OpEQ, Width32: true}},
	"setrlimit":     {{Arg: 0, Op: policy.OpEQ, Width32: true}},
}

// rawRule writes an allow rule for a call no entitlement grants, comparing
// the arguments that select what it does.
func rawRule(name string, args [6]uint64, what, why string) RawRule {
	r := policy.Rule{Syscall: name, Action: policy.Allow}
	for _, c := range selectors[name] {
		c.Value = args[c.Arg]
		if c.Op == policy.OpMaskedEQ {
			c.Value &= c.Mask
		}
		if c.Width32 {
			c.Value &= 0xFFFFFFFF
		}
		r.Conds = append(r.Conds, c)
	}
	comment := what + ": " + why
	if len(r.Conds) == 0 {
		comment += " (any arguments)"
	}
	return RawRule{Rule: r, Comment: comment}
}

// neverWritten returns why a learned policy must not allow this call,
// whatever the program did: the never-grantable set (and ioctls such as
// TIOCSTI), and what only admin.* entitlements grant. Learn mode keeps
// denying these.
func neverWritten(name string, args [6]uint64, cands []string) string {
	if r := catalog.NeverReason(name); r != "" {
		return r
	}
	if name == "ioctl" {
		if r := catalog.NeverIoctl(args[1]); r != "" {
			return r
		}
	}
	if len(cands) > 0 {
		for _, c := range cands {
			if !strings.HasPrefix(c, "admin.") {
				return ""
			}
		}
		return "only " + strings.Join(cands, " or ") + " allows it (administration: learn mode does not grant it)"
	}
	return ""
}

// describe is how a learned reason names a call: the call and who made it.
func describe(call string, pid int, comm string) string {
	return fmt.Sprintf("%s by pid %d (%s)", call, pid, comm)
}
