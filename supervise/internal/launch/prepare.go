//go:build linux

package launch

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"unsafe"

	"github.com/entitle-dev/entitle/compiler"
	confinement "github.com/entitle-dev/entitle/confine"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/syscalls"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// childFilter compiles p for the init child pid: the signals-to-self rules
// compare with pid, and execve and the handshake's sendmsg (on descriptor
// sock) are allowed only with the exact pointers of lay. It returns the raw
// sock_filter records.
func childFilter(p *policy.Policy, pid, sock int, lay layout) ([]byte, error) {
	q := *p
	q.Rules = make([]policy.Rule, len(p.Rules), len(p.Rules)+2)
	for i, r := range p.Rules {
		r.Conds = slices.Clone(r.Conds)
		// Only the signal-to-self rules name the placeholder (catalog
		// Build puts it in base's); a value the user wrote elsewhere stays
		// as written.
		if slices.Contains(selfSignalCalls, r.Syscall) {
			for j := range r.Conds {
				if c := &r.Conds[j]; c.Arg == 0 && c.Op == policy.OpEQ && c.Value == selfPID {
					c.Value = uint64(pid)
				}
			}
		}
		q.Rules[i] = r
	}
	execArgs := [6]uint64{lay.Path, lay.Argv, lay.Env}
	sendArgs := [6]uint64{uint64(sock), lay.Handshake, 0}
	q.Rules = append(q.Rules, pinnedRules(execArgs, sendArgs)...)
	if err := handshakeAllowed(&q, execArgs, sendArgs); err != nil {
		return nil, err
	}
	prog, err := compiler.Compile(&q)
	if err != nil {
		return nil, fmt.Errorf("compile the filter: %w", err)
	}
	return prog.Bytes(), nil
}

// pinnedRules allow execve and the handshake's sendmsg with exactly these
// arguments.
func pinnedRules(execArgs, sendArgs [6]uint64) []policy.Rule {
	return []policy.Rule{
		{Syscall: "execve", Action: policy.Allow, Conds: []policy.Cond{
			{Arg: 0, Op: policy.OpEQ, Value: execArgs[0]},
			{Arg: 1, Op: policy.OpEQ, Value: execArgs[1]},
			{Arg: 2, Op: policy.OpEQ, Value: execArgs[2]},
		}},
		{Syscall: "sendmsg", Action: policy.Allow, Conds: []policy.Cond{
			{Arg: 0, Op: policy.OpEQ, Value: sendArgs[0]},
			{Arg: 1, Op: policy.OpEQ, Value: sendArgs[1]},
			{Arg: 2, Op: policy.OpEQ, Value: sendArgs[2]},
		}},
	}
}

func appendInsn(out []byte, in bpf.RawInstruction) []byte {
	out = binary.NativeEndian.AppendUint16(out, in.Op)
	out = append(out, in.Jt, in.Jf)
	return binary.NativeEndian.AppendUint32(out, in.K)
}

// handshakeAllowed checks, with the policy's own evaluator, that the
// filter lets the init child's pinned execve and sendmsg through: a policy
// that denies them with an explicit rule (the most restrictive rule wins)
// would leave the command unable to start.
func handshakeAllowed(p *policy.Policy, execArgs, sendArgs [6]uint64) error {
	native := syscalls.Native()
	for _, c := range []struct {
		name string
		args [6]uint64
	}{{"execve", execArgs}, {"sendmsg", sendArgs}} {
		nr, ok := native.Number(c.name)
		if !ok {
			continue
		}
		if a := p.Evaluate(native.AuditArch(), nr, c.args); a.Kind != policy.ActAllow {
			return fmt.Errorf("the policy answers %s with %v by an explicit rule, and entitle needs one %s to start the command: remove that rule", c.name, a, c.name)
		}
	}
	return nil
}

// The child's filter in two parts, both compiled before the fork, while
// the rest is prepared:
//
//   - the head: the signal-to-self rules, compared with a stand-in for the
//     child's pid (newHead), and the pinned execve and sendmsg, each
//     allowed; every other call jumps to the body. The child writes its pid
//     over the stand-in (selfContain, fork.go);
//   - the body: the policy without its signal-to-self rules.
//
// The two answer every call as childFilter's single program does: a call
// the head allows matches an allow rule of the full policy, which has no
// other rule for these system calls that could answer it more strictly
// (split refuses such a policy: then the caller compiles childFilter after
// the fork); a call the head passes on matches none of the head's rules,
// so the body, which lacks only those, answers it as the full policy would.
// TestSplitFilter checks this against childFilter on the simulator.

// headFallthrough is the head's default action, a return value no rule of
// the head produces: each such return becomes a jump to the body.
var headFallthrough = policy.Trace(0x7e57)

// splitPolicy returns the body policy and the signal-to-self rules of p
// (with the selfPID placeholder), or ok false when p cannot be split: a
// rule other than an allow rule for those system calls, or the placeholder
// in any other rule.
func splitPolicy(p *policy.Policy) (body *policy.Policy, self []policy.Rule, ok bool) {
	q := *p
	q.Rules = make([]policy.Rule, 0, len(p.Rules))
	for _, r := range p.Rules {
		isSelf := r.Action == policy.Allow && slices.Contains(selfSignalCalls, r.Syscall) &&
			len(r.Conds) == 1 && r.Conds[0].Arg == 0 && r.Conds[0].Op == policy.OpEQ && r.Conds[0].Value == selfPID
		if isSelf {
			self = append(self, r)
			continue
		}
		if slices.Contains(selfSignalCalls, r.Syscall) && r.Action != policy.Allow {
			return nil, nil, false
		}
		for _, c := range r.Conds {
			if c.Value == selfPID {
				return nil, nil, false
			}
		}
		q.Rules = append(q.Rules, r)
	}
	return &q, self, true
}

// selfSignalCalls are the calls of the catalog's signal-to-self rules.
var selfSignalCalls = []string{"kill", "tgkill", "tkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"}

// compileBody compiles a body policy from splitPolicy.
func compileBody(body *policy.Policy) ([]bpf.RawInstruction, error) {
	prog, err := compiler.Compile(body)
	if err != nil {
		return nil, fmt.Errorf("compile the filter: %w", err)
	}
	return prog.Insns, nil
}

// splitFilter joins the head for pid, sock and lay to body (from
// compileBody of splitPolicy(p)) and returns the raw sock_filter records.
func splitFilter(p *policy.Policy, self []policy.Rule, body []bpf.RawInstruction, pid, sock int, lay layout) ([]byte, error) {
	h, err := newHead(p, self, sock, lay)
	if err != nil {
		return nil, err
	}
	return h.join(pid, body), nil
}

// head is the head of a split filter compiled before the fork, with a
// stand-in for the child's pid that join replaces.
type head struct {
	insns []bpf.RawInstruction
	pidAt []int // the instructions that compare with the stand-in
}

// pidStandIns are values no pid takes (pids are below 2^22) to compile
// the head with; the first that no other instruction of the head uses as
// its constant is taken.
var pidStandIns = []uint32{0xfffffff5, 0xffffffe5, 0xffffffd5, 0xffffffc5}

// newHead compiles the head for sock and lay, and the stand-in for the
// pid. The signal-to-self rules are one 64-bit equality each on the first
// argument, which the compiler lowers to a test of the high word (0, for
// the stand-in as for any pid) and a JEQ of the low word: join writes the
// pid into those JEQs only. A head where the stand-in shows up anywhere
// else is compiled again with the next one.
func newHead(p *policy.Policy, self []policy.Rule, sock int, lay layout) (*head, error) {
	execArgs := [6]uint64{lay.Path, lay.Argv, lay.Env}
	sendArgs := [6]uint64{uint64(sock), lay.Handshake, 0}
	full := *p
	full.Rules = append(slices.Clone(p.Rules), pinnedRules(execArgs, sendArgs)...)
	if err := handshakeAllowed(&full, execArgs, sendArgs); err != nil {
		return nil, err
	}
	for _, stand := range pidStandIns {
		h := policy.Policy{Arches: p.Arches, DefaultAction: headFallthrough}
		for _, r := range self {
			r.Conds = []policy.Cond{r.Conds[0]}
			r.Conds[0].Value = uint64(stand)
			h.Rules = append(h.Rules, r)
		}
		h.Rules = append(h.Rules, pinnedRules(execArgs, sendArgs)...)
		prog, err := compiler.Compile(&h)
		if err != nil {
			return nil, fmt.Errorf("compile the filter's head: %w", err)
		}
		hd := &head{insns: prog.Insns}
		clash := false
		for i, in := range prog.Insns {
			if in.K != stand {
				continue
			}
			if in.Op != unix.BPF_JMP|unix.BPF_JEQ|unix.BPF_K {
				clash = true
				break
			}
			hd.pidAt = append(hd.pidAt, i)
		}
		if !clash && (len(self) == 0) == (len(hd.pidAt) == 0) {
			return hd, nil
		}
	}
	return nil, errors.New("compile the filter's head: every stand-in for the pid is taken")
}

// join returns the head with pid in place of the stand-in, followed by
// body, as raw sock_filter records.
func (h *head) join(pid int, body []bpf.RawInstruction) []byte {
	fall := headFallthrough.Ret()
	out := make([]byte, 0, 8*(len(h.insns)+len(body)))
	at := h.pidAt
	for i, in := range h.insns {
		switch {
		case len(at) > 0 && at[0] == i:
			in.K = uint32(pid)
			at = at[1:]
		case in.Op == unix.BPF_RET|unix.BPF_K && in.K == fall:
			// ja to the body's first instruction
			in = bpf.RawInstruction{Op: unix.BPF_JMP | unix.BPF_JA, K: uint32(len(h.insns) - i - 1)}
		}
		out = appendInsn(out, in)
	}
	for _, in := range body {
		out = appendInsn(out, in)
	}
	return out
}

// selfContain prepares s for a child that completes its filter and
// ruleset itself (forkSpec.selfContained): the message with the head
// joined to body, the pid to be written at the head's JEQs, the ruleset
// rs (with its flags; -1: none) and the child's own /proc entries to add
// to it. The child then shares this address space until execve where
// the architecture allows (haveVfork).
func (s *forkSpec) selfContain(h *head, body []bpf.RawInstruction, rs int, rsFlags uint32, lc *confinement.Config) error {
	prog := h.join(0, body)
	if len(prog)/8 > maxInsns {
		return fmt.Errorf("the filter has %d instructions, more than the kernel's %d", len(prog)/8, maxInsns)
	}
	hdr := initHeader{Insns: uint32(len(prog) / 8)}
	s.rulesetFD = -1
	if rs >= 0 {
		hdr.Ruleset, hdr.RulesetFlags = 1, rsFlags
		s.rulesetFD = rs
		paths, rights := lc.ProcSelfPaths()
		for _, p := range paths {
			b, err := unix.BytePtrFromString(p)
			if err != nil {
				return err
			}
			s.procPaths = append(s.procPaths, b)
		}
		s.procAttr = &procRuleAttr{access: rights}
	}
	copy(s.msg, unsafe.Slice((*byte)(unsafe.Pointer(&hdr)), initHeaderSize))
	copy(s.msg[initHeaderSize:], prog)
	s.pidAt = s.pidAt[:0]
	for _, i := range h.pidAt {
		s.pidAt = append(s.pidAt, initHeaderSize+8*i+4) // sock_filter's k
	}
	s.selfContained, s.vfork = true, haveVfork
	return nil
}
