//go:build linux

package run

import (
	"fmt"
	"slices"

	"github.com/entitle-dev/entitle/compiler"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/syscalls"
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
		for j := range r.Conds {
			if c := &r.Conds[j]; c.Arg == 0 && c.Value == selfPID {
				c.Value = uint64(pid)
			}
		}
		q.Rules[i] = r
	}
	execArgs := [6]uint64{lay.Path, lay.Argv, lay.Env}
	sendArgs := [6]uint64{uint64(sock), lay.Handshake, 0}
	q.Rules = append(q.Rules,
		policy.Rule{Syscall: "execve", Action: policy.Allow, Conds: []policy.Cond{
			{Arg: 0, Op: policy.OpEQ, Value: execArgs[0]},
			{Arg: 1, Op: policy.OpEQ, Value: execArgs[1]},
			{Arg: 2, Op: policy.OpEQ, Value: execArgs[2]},
		}},
		policy.Rule{Syscall: "sendmsg", Action: policy.Allow, Conds: []policy.Cond{
			{Arg: 0, Op: policy.OpEQ, Value: sendArgs[0]},
			{Arg: 1, Op: policy.OpEQ, Value: sendArgs[1]},
			{Arg: 2, Op: policy.OpEQ, Value: sendArgs[2]},
		}},
	)
	if err := handshakeAllowed(&q, execArgs, sendArgs); err != nil {
		return nil, err
	}
	prog, err := compiler.Compile(&q)
	if err != nil {
		return nil, fmt.Errorf("compile the filter: %w", err)
	}
	return prog.Bytes(), nil
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
