//go:build linux

package main

import (
	"fmt"
	"syscall"

	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/supervise"
	"github.com/entitle-dev/entitle/syscalls"
)

// killLine says why the command of a run died of SIGSYS, or returns "". The filter
// kills the process (SECCOMP_RET_KILL_PROCESS, signal SIGSYS) for a system
// call of an architecture the policy does not list — i386 calls made with
// `int $0x80` from a 64-bit program, x32 calls (numbers with bit 30 set) —
// and for calls that the policy's own kill or trap rules match. The kernel
// decides this without the supervisor, which never sees the call: the
// bad-arch action must stay a kill in the filter, since a foreign-
// architecture call let through would be checked against the wrong table.
// So the explanation comes from how the command died. A shell reports a
// child killed by SIGSYS as status 159 (128+31); that is explained too,
// hedged, since a program may exit 159 on its own.
func killLine(rep *supervise.Report, p *policy.Policy) string {
	foreign := "a system call of a foreign architecture (i386 through int $0x80, or an x32 call), which entitle never allows: no entitlement grants it; build the program for " + nativeName()
	also := ""
	if p != nil && policyKills(p) {
		also = ", or a call the policy kills (its default or a rule is kill or trap)"
	}
	switch {
	case rep.Signal == syscall.SIGSYS:
		return fmt.Sprintf("entitle: the command was killed by SIGSYS: seccomp killed it for %s%s", foreign, also)
	case rep.Signal == 0 && rep.ExitCode == 128+int(syscall.SIGSYS):
		return fmt.Sprintf("entitle: the command exited with status 159, which is how a shell reports a child killed by SIGSYS: probably %s%s", foreign, also)
	}
	return ""
}

// policyKills reports whether p kills (or traps, which kills a program
// without a SIGSYS handler) for anything other than a foreign
// architecture.
func policyKills(p *policy.Policy) bool {
	kills := func(a policy.Action) bool {
		return a.Kind == policy.ActKillProcess || a.Kind == policy.ActKillThread || a.Kind == policy.ActTrap
	}
	if kills(p.DefaultAction) || kills(p.UnknownAction) {
		return true
	}
	for _, r := range p.Rules {
		if kills(r.Action) {
			return true
		}
	}
	return false
}

func nativeName() string { return syscalls.Native().Name() }
