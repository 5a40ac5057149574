package profile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/entitle-dev/entitle/internal/linux"
	"io"
	"os"
	"slices"
	"strings"

	mobyseccomp "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/syscalls"
)

// Options controls how a profile is resolved into a policy.
type Options struct {
	// IgnoreUnknown skips system call names that no syscall table knows
	// (what runc does) instead of failing.
	IgnoreUnknown bool
	// Arches overrides the profile's architectures (the CLI's --arch). Nil
	// uses the profile's.
	Arches []*syscalls.Arch
	// HostArch is the architecture the profile is resolved for: it selects
	// the Docker archMap entry, is compared with includes/excludes.arches,
	// and is the native architecture libseccomp adds to every filter. Nil
	// means syscalls.Native().
	HostArch *syscalls.Arch
	// Caps are the container's capabilities, compared with
	// includes/excludes.caps. Nil means Docker's default set
	// (DefaultCaps).
	Caps []string
	// Kernel is the kernel version "major.minor" compared with the
	// profile's includes/excludes.minKernel conditions. Empty means the
	// running kernel: Parse then reads its release (uname), but only when
	// it has a minKernel condition to decide (a profile without one never
	// touches the host), and fails off Linux. Set it to resolve a profile
	// for another machine or independently of this one.
	Kernel string
	// Lenient reads the profile as runc does: unknown and duplicate JSON
	// keys are ignored (the last duplicate wins), an errno of 0 is
	// accepted, and rules libseccomp refuses to merge keep the first one
	// instead of failing. Without it such profiles are errors, because
	// each of them makes the filter weaker than the profile reads.
	Lenient bool
	// RefuseOverlaps makes two rules of one call with different actions
	// whose conditions overlap on different arguments an error even when
	// Lenient. libseccomp decides such an overlap by the order its decision
	// tree tests arguments, sometimes for the less restrictive rule; Lenient
	// reading takes the more restrictive one, which a proof that a profile is
	// no looser than another (entitle check --subset) must not assume.
	RefuseOverlaps bool
	// Warn, when set, receives what Parse resolved the way libseccomp does
	// but the profile's author probably did not mean (rules that never
	// apply, contradictions, masked comparisons with bits outside the
	// mask). Nil discards them.
	Warn func(Warning)

	runcOrder bool // RuncRules: skip libseccomp's merging
}

// Warning is a finding about a profile that runtimes accept.
type Warning struct {
	Where   string // the rule's location, e.g. "syscalls[15] (setns)"
	Message string
}

func (w Warning) String() string { return w.Where + ": " + w.Message }

func (o *Options) warn(where, format string, args ...any) {
	if o.Warn != nil {
		o.Warn(Warning{Where: where, Message: fmt.Sprintf(format, args...)})
	}
}

// DefaultCaps is the capability set Docker gives a container by default.
var DefaultCaps = []string{
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_FSETID",
	"CAP_FOWNER",
	"CAP_MKNOD",
	"CAP_NET_RAW",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETFCAP",
	"CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT",
	"CAP_KILL",
	"CAP_AUDIT_WRITE",
}

func (o *Options) hostArch() *syscalls.Arch {
	if o.HostArch != nil {
		return o.HostArch
	}
	return syscalls.Native()
}

func (o *Options) caps() []string {
	if o.Caps == nil {
		return DefaultCaps
	}
	return o.Caps
}

// Profile is a seccomp profile as runtimes read it: the policy it decides
// and the fields of the OCI object that are not decisions, which the policy
// model (and the compiler) do not hold. Profiles read by Parse and written
// by Marshal keep every one of them, so a round trip loses nothing.
type Profile struct {
	// Policy is what the profile decides; it is embedded, so p.Rules and
	// p.Evaluate are the policy's.
	*policy.Policy
	// Flags are the seccomp(2) filter flags (SECCOMP_FILTER_FLAG_*) the
	// runtime loads the filter with. Nil means the profile has no "flags"
	// key (runc then adds SECCOMP_FILTER_FLAG_SPEC_ALLOW where the kernel
	// has it); an empty list is "flags": [], no flags at all.
	Flags []string
	// ListenerPath and ListenerMetadata are where runc sends the
	// user-notification listener and what it sends with it.
	ListenerPath     string
	ListenerMetadata string
}

// Parse reads a seccomp profile in either JSON format (OCI LinuxSeccomp or
// Docker/Podman) and resolves it into a validated policy, with the OCI
// fields that are not decisions beside it.
//
// Unless opts.Lenient is set, JSON that runc would read into a weaker
// filter than it says is an error naming the key's line and column:
// unknown keys ("arg" for "args"), keys in another letter case, duplicate
// keys, and an errno of 0.
func Parse(data []byte, opts Options) (*Profile, error) {
	if len(data) > MaxProfileSize {
		return nil, fmt.Errorf("profile is %d bytes, more than the %d a seccomp profile can sensibly be: is this the right file?", len(data), MaxProfileSize)
	}
	var s mobyseccomp.Seccomp
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, jsonError(data, err)
	}
	if !opts.Lenient {
		if err := checkStrict(data); err != nil {
			return nil, err
		}
	}
	return FromDocker(&s, opts)
}

// RuncRules parses a profile like Parse but returns, as the policy's
// rules, exactly the rules runc hands libseccomp, in runc's order, without
// libseccomp's merging of rules for the same system call (see Parse for
// that). Its Evaluate is therefore not what the runtime decides when rules
// of one call contradict each other; it is for tools that replay the
// profile into libseccomp, and for lint.
func RuncRules(data []byte, opts Options) (*Profile, error) {
	opts.runcOrder = true
	return Parse(data, opts)
}

// ParseFile reads and parses the profile at path (see Parse).
func ParseFile(path string, opts Options) (*Profile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxProfileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	p, err := Parse(data, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// jsonError turns a decoding error into one that says where the problem is.
func jsonError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := position(data, syn.Offset)
		return fmt.Errorf("malformed JSON at line %d, column %d: %v", line, col, syn)
	case errors.As(err, &typ):
		line, col := position(data, typ.Offset)
		where := "value"
		if typ.Field != "" {
			where = "field " + typ.Field
		}
		return fmt.Errorf("invalid JSON at line %d, column %d: %s holds a JSON %s, want %s", line, col, where, typ.Value, typ.Type)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return errors.New("empty profile: want a JSON object with at least a defaultAction")
	}
	return fmt.Errorf("invalid profile: %w", err)
}

// position converts a byte offset (json errors report the offset just past
// the bad byte) into a 1-based line and column.
func position(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off > 0 {
		off-- // point at the offending byte
	}
	line = 1 + bytes.Count(data[:off], []byte("\n"))
	col = int(off) - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}

// entry is one syscalls[] element that survived Docker's filtering, with its
// index in the profile for error messages.
type entry struct {
	index int
	call  *specs.LinuxSyscall
}

// FromOCI converts an OCI runtime-spec seccomp object into a profile with
// a validated policy.
func FromOCI(s *specs.LinuxSeccomp, opts Options) (*Profile, error) {
	if s == nil {
		return nil, errors.New("nil seccomp profile")
	}
	entries := make([]entry, len(s.Syscalls))
	for i := range s.Syscalls {
		entries[i] = entry{index: i, call: &s.Syscalls[i]}
	}
	return convert(s, s.Architectures, "architectures", entries, opts)
}

// convert applies runc's semantics to a resolved profile. arches and
// archField are the architectures and where they came from (for errors).
func convert(s *specs.LinuxSeccomp, arches []specs.Arch, archField string, entries []entry, opts Options) (*Profile, error) {
	if s.DefaultAction == "" {
		if len(entries) == 0 {
			return nil, errors.New(`profile has no defaultAction and no syscalls (runtimes treat this as "seccomp disabled", which is not a policy): set defaultAction, for example "SCMP_ACT_ERRNO"`)
		}
		return nil, errors.New(`profile has no defaultAction: set one, for example "SCMP_ACT_ERRNO"`)
	}
	def, err := parseAction(s.DefaultAction, s.DefaultErrnoRet, "defaultErrnoRet")
	if err != nil {
		return nil, fmt.Errorf("defaultAction: %w", err)
	}
	p := &policy.Policy{
		DefaultAction: def,
		// BadArchAction stays unset: kill-process. runc keeps libseccomp's
		// default, kill-thread, which leaves a multi-threaded process
		// running without the thread; entitle kills the process.
	}
	prof := &Profile{Policy: p, ListenerPath: s.ListenerPath, ListenerMetadata: s.ListenerMetadata}

	if p.Arches, err = resolveArches(arches, archField, opts); err != nil {
		return nil, err
	}

	if s.Flags != nil {
		prof.Flags = make([]string, 0, len(s.Flags))
		for i, f := range s.Flags {
			if !knownFlag(string(f)) {
				return nil, fmt.Errorf("unknown seccomp flag %q in flags[%d]: use one of %s", f, i, strings.Join(knownFlags, ", "))
			}
			prof.Flags = append(prof.Flags, string(f))
		}
	}

	var errs []error
	var origins []origin
	for _, e := range entries {
		rules, err := convertEntry(e, def, p.ArchList(), &opts)
		for _, r := range rules {
			_, isMux := muxNames[r.Syscall]
			origins = append(origins, origin{index: e.index, mux: isMux && !slices.Contains(e.call.Names, r.Syscall)})
		}
		if err != nil {
			errs = append(errs, err)
			if len(errs) == 10 {
				errs = append(errs, errors.New("too many errors"))
				break
			}
			continue
		}
		p.Rules = append(p.Rules, rules...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if !opts.runcOrder {
		if p.Rules, err = resolve(p.Rules, origins, &opts); err != nil {
			return nil, err
		}
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return prof, nil
}

// resolveArches maps SCMP_ARCH_* names to tables. Options.Arches overrides
// them; otherwise the host architecture is added, as libseccomp adds the
// native architecture to every filter.
func resolveArches(names []specs.Arch, field string, opts Options) ([]*syscalls.Arch, error) {
	if len(opts.Arches) > 0 {
		out := make([]*syscalls.Arch, 0, len(opts.Arches))
		for _, a := range opts.Arches {
			if a == nil {
				return nil, errors.New("Options.Arches holds a nil architecture")
			}
			if !containsArch(out, a) {
				out = append(out, a)
			}
		}
		return out, nil
	}
	if len(names) == 0 {
		if opts.HostArch != nil {
			return []*syscalls.Arch{opts.HostArch}, nil
		}
		return nil, nil
	}
	out := []*syscalls.Arch{opts.hostArch()}
	for i, n := range names {
		a, err := lookupArch(string(n))
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", field, i, err)
		}
		if !containsArch(out, a) {
			out = append(out, a)
		}
	}
	return out, nil
}

func containsArch(list []*syscalls.Arch, a *syscalls.Arch) bool {
	for _, b := range list {
		if b == a {
			return true
		}
	}
	return false
}

// convertEntry turns one syscalls[] element into policy rules.
func convertEntry(e entry, def policy.Action, arches []*syscalls.Arch, opts *Options) ([]policy.Rule, error) {
	where := fmt.Sprintf("syscalls[%d]", e.index)
	c := e.call
	if len(c.Names) == 0 {
		return nil, fmt.Errorf("%s has no names: list the system calls it applies to in \"names\"", where)
	}
	act, err := parseAction(c.Action, c.ErrnoRet, "errnoRet")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}

	// Conditions, and whether runc AND-s them or adds each as its own rule.
	var conds []policy.Cond
	var seen [6]bool
	split := false
	for j, a := range c.Args {
		cond, err := convertArg(a)
		if err != nil {
			return nil, fmt.Errorf("%s.args[%d]: %w", where, j, err)
		}
		if a.Op == specs.OpMaskedEqual && a.ValueTwo&^a.Value != 0 {
			opts.warn(fmt.Sprintf("%s.args[%d]", where, j), "SCMP_CMP_MASKED_EQ datum (valueTwo) %#x has bits %#x outside the mask (value) %#x; libseccomp ignores them and tests arg & %#x == %#x (are value and valueTwo swapped?)", a.ValueTwo, a.ValueTwo&^a.Value, a.Value, a.Value, a.ValueTwo&a.Value)
		}
		if seen[a.Index] {
			split = true
		}
		seen[a.Index] = true
		conds = append(conds, cond)
	}

	var names []string
	for _, n := range c.Names {
		if n == "" {
			return nil, fmt.Errorf("%s: empty system call name", where)
		}
		if !syscalls.Known(n) {
			// Known on an architecture entitle has no table for, or
			// private to one (MIPS's syscall, ARM's set_tls): runc skips
			// it on the others, and no table here has it.
			if syscalls.KnownAnywhere(n) || opts.IgnoreUnknown {
				continue
			}
			msg := fmt.Sprintf("unknown system call %q in %s: no architecture has it", n, where)
			if near := syscalls.Nearest(n, 3); len(near) > 0 {
				msg += "; did you mean " + strings.Join(near, ", ") + "?"
			}
			return nil, errors.New(msg + " (to skip such names as runc does: --ignore-unknown, Options.IgnoreUnknown)")
		}
		names = append(names, n)
	}

	// runc skips rules that repeat the default action.
	if act == def {
		return nil, nil
	}

	var alts [][]policy.Cond // alternatives (OR), each AND-ed
	switch {
	case len(conds) == 0:
		alts = [][]policy.Cond{nil}
	case split:
		for _, cond := range conds {
			alts = append(alts, []policy.Cond{cond})
		}
	default:
		alts = [][]policy.Cond{conds}
	}

	var rules []policy.Rule
	for _, n := range names {
		for _, cs := range alts {
			if m, ok := multiplexed[n]; ok && knownOnAny(arches, m.mux) {
				rules = append(rules, muxRule(m, act, cs))
			}
			rules = append(rules, policy.Rule{Syscall: n, Action: act, Conds: append([]policy.Cond(nil), cs...)})
		}
	}
	return rules, nil
}

// subcall is a call an old 32-bit ABI also reaches through a multiplexer:
// socketcall(sub, args) or ipc(sub, ...).
type subcall struct {
	mux string
	sub uint64
}

// multiplexed are the calls libseccomp rewrites on i386, ppc64 and s390x
// (the architectures with socketcall and ipc), with their subcall numbers
// (SYS_SOCKET..., SEMOP...; libseccomp's pseudo-syscall numbers modulo 100).
var multiplexed = map[string]subcall{
	"socket": {"socketcall", 1}, "bind": {"socketcall", 2}, "connect": {"socketcall", 3},
	"listen": {"socketcall", 4}, "accept": {"socketcall", 5}, "getsockname": {"socketcall", 6},
	"getpeername": {"socketcall", 7}, "socketpair": {"socketcall", 8}, "send": {"socketcall", 9},
	"recv": {"socketcall", 10}, "sendto": {"socketcall", 11}, "recvfrom": {"socketcall", 12},
	"shutdown": {"socketcall", 13}, "setsockopt": {"socketcall", 14}, "getsockopt": {"socketcall", 15},
	"sendmsg": {"socketcall", 16}, "recvmsg": {"socketcall", 17}, "accept4": {"socketcall", 18},
	"recvmmsg": {"socketcall", 19}, "sendmmsg": {"socketcall", 20},
	"semop": {"ipc", 1}, "semget": {"ipc", 2}, "semctl": {"ipc", 3}, "semtimedop": {"ipc", 4},
	"msgsnd": {"ipc", 11}, "msgrcv": {"ipc", 12}, "msgget": {"ipc", 13}, "msgctl": {"ipc", 14},
	"shmat": {"ipc", 21}, "shmdt": {"ipc", 22}, "shmget": {"ipc", 23}, "shmctl": {"ipc", 24},
}

// muxRule is the rule libseccomp adds, beside a rule for a multiplexed
// call, for its multiplexer (before it, in the same transaction): argument
// 0 is the subcall number, and the rule's other conditions stay on their
// argument indexes, which the multiplexer does not use as the call does
// (socketcall's argument 1 points to the call's arguments; its others are
// unused registers the caller sets). A profile that allows socket only
// for some families therefore allows socketcall(SYS_SOCKET, ...) for every
// family on these architectures, whenever the pointer and registers match.
func muxRule(m subcall, act policy.Action, conds []policy.Cond) policy.Rule {
	out := []policy.Cond{{Arg: 0, Op: policy.OpEQ, Value: m.sub}}
	for _, c := range conds {
		if c.Arg != 0 {
			out = append(out, c)
		}
	}
	return policy.Rule{Syscall: m.mux, Action: act, Conds: out}
}

// Subcall returns the multiplexed call that libseccomp's rewritten rules
// for mux ("socketcall" or "ipc") with subcall number sub come from
// ("socket" for socketcall 1).
func Subcall(mux string, sub uint64) (string, bool) {
	for name, m := range multiplexed {
		if m.mux == mux && m.sub == sub {
			return name, true
		}
	}
	return "", false
}

// muxNames are the multiplexers of multiplexed.
var muxNames = map[string]bool{"socketcall": true, "ipc": true}

func knownOnAny(arches []*syscalls.Arch, name string) bool {
	for _, a := range arches {
		if _, ok := a.Number(name); ok {
			return true
		}
	}
	return false
}

// convertArg converts one condition.
func convertArg(a specs.LinuxSeccompArg) (c policy.Cond, err error) {
	if a.Index > 5 {
		return c, fmt.Errorf("argument index %d is out of range: system calls have arguments 0 to 5", a.Index)
	}
	c.Arg = uint8(a.Index)
	c.Value = a.Value
	if op, ok := plainOps[a.Op]; ok {
		c.Op = op
		return c, nil
	}
	switch a.Op {
	case specs.OpMaskedEqual:
		// libseccomp: value is the mask, valueTwo the datum, and the
		// filter tests arg & mask == datum & mask: libseccomp masks the
		// datum itself (_db_node_mask_fixup), on every architecture, so
		// datum bits outside the mask are ignored, not "never equal".
		c.Op = policy.OpMaskedEQ
		c.Mask = a.Value
		c.Value = a.ValueTwo & a.Value
	case "":
		return c, fmt.Errorf("condition on argument %d has no op: use one of %s", a.Index, strings.Join(opNames, ", "))
	default:
		return c, fmt.Errorf("unknown op %q: use one of %s", a.Op, strings.Join(opNames, ", "))
	}
	return c, nil
}

// plainOps maps the OCI comparisons that take one value, both ways (see
// ociArg).
var plainOps = map[specs.LinuxSeccompOperator]policy.Op{
	specs.OpEqualTo:      policy.OpEQ,
	specs.OpNotEqual:     policy.OpNE,
	specs.OpLessThan:     policy.OpLT,
	specs.OpLessEqual:    policy.OpLE,
	specs.OpGreaterThan:  policy.OpGT,
	specs.OpGreaterEqual: policy.OpGE,
}

var opNames = []string{
	string(specs.OpEqualTo), string(specs.OpNotEqual), string(specs.OpLessThan),
	string(specs.OpLessEqual), string(specs.OpGreaterThan), string(specs.OpGreaterEqual),
	string(specs.OpMaskedEqual),
}

var actionNames = []string{
	string(specs.ActAllow), string(specs.ActErrno), string(specs.ActKillProcess),
	string(specs.ActKillThread), string(specs.ActKill), string(specs.ActTrap),
	string(specs.ActTrace), string(specs.ActLog), string(specs.ActNotify),
}

// parseAction maps an OCI action and its errnoRet to a policy action the
// way runc does.
func parseAction(a specs.LinuxSeccompAction, errnoRet *uint, field string) (policy.Action, error) {
	data := func() (uint16, error) {
		if errnoRet == nil {
			return linux.EPERM, nil
		}
		if *errnoRet > policy.MaxErrno {
			return 0, fmt.Errorf("%s %d is above %d, the largest errno the kernel returns", field, *errnoRet, policy.MaxErrno)
		}
		return uint16(*errnoRet), nil
	}
	switch a {
	case specs.ActKill, specs.ActKillThread:
		return policy.KillThread, nil
	case specs.ActKillProcess:
		return policy.KillProcess, nil
	case specs.ActTrap:
		return policy.Trap(0), nil
	case specs.ActErrno:
		n, err := data()
		return policy.Errno(n), err
	case specs.ActTrace:
		n, err := data()
		return policy.Trace(n), err
	case specs.ActAllow:
		return policy.Allow, nil
	case specs.ActLog:
		return policy.Log, nil
	case specs.ActNotify:
		return policy.Notify, nil
	case "":
		return policy.Action{}, fmt.Errorf("no action: use one of %s", strings.Join(actionNames, ", "))
	}
	return policy.Action{}, fmt.Errorf("unknown action %q: use one of %s", a, strings.Join(actionNames, ", "))
}

// knownFlags are the filter flags runc accepts (the runtime-spec's, plus
// TSYNC, which runc accepts and ignores).
var knownFlags = []string{
	"SECCOMP_FILTER_FLAG_TSYNC",
	string(specs.LinuxSeccompFlagLog),
	string(specs.LinuxSeccompFlagSpecAllow),
	string(specs.LinuxSeccompFlagWaitKillableRecv),
}

func knownFlag(f string) bool {
	for _, k := range knownFlags {
		if f == k {
			return true
		}
	}
	return false
}
