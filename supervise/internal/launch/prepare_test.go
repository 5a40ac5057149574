//go:build linux

package launch

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"testing"
	"unsafe"

	"github.com/entitle-dev/entitle/catalog"
	"github.com/entitle-dev/entitle/compiler"
	confinement "github.com/entitle-dev/entitle/confine"
	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/sim"
	"github.com/entitle-dev/entitle/syscalls"
	"golang.org/x/sys/unix"
)

// TestSplitFilter: the head compiled after the fork joined to the body
// compiled before it answers every call as the single program childFilter
// compiles from the whole policy: on every system call number of every
// architecture of the policy (and of one it does not name, and x32's),
// with arguments around the pid, the pinned pointers and random ones.
func TestSplitFilter(t *testing.T) {
	const pid, sock = 4242, 7
	lay := layout{Path: 0x1234_5000, Argv: 0x2345_6000, Env: 0x3456_7000, Handshake: 0x4567_8000}
	sets := [][]string{
		{}, {"fs.read"}, {"fs.read", "proc.signal"}, {"fs.read", "fs.write", "fs.create", "net.client"},
		{"proc.exec", "proc.spawn"}, {"net.server", "net.unix", "fs.read"},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	argSets := [][6]uint64{
		{}, {pid}, {pid, 9}, {pid, pid}, {pid | 1<<32}, {uint64(0xffffffff00000000) | pid}, {pid + 1}, {0, pid},
		{lay.Path, lay.Argv, lay.Env}, {lay.Path, lay.Argv, lay.Env + 8}, {lay.Path | 1<<40, lay.Argv, lay.Env},
		{sock, lay.Handshake, 0}, {sock, lay.Handshake, 1}, {sock + 1, lay.Handshake, 0},
		{selfPID}, {selfPID, 1},
	}
	for i := 0; i < 8; i++ {
		argSets = append(argSets, [6]uint64{rng.Uint64(), rng.Uint64() & 0xffff, rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64()})
	}
	for _, set := range sets {
		for _, notify := range []bool{false, true} {
			p, err := build(set)
			if err != nil {
				t.Fatal(err)
			}
			if notify {
				p.DefaultAction = policy.Notify
			}
			body, self, ok := splitPolicy(p)
			if !ok {
				t.Fatalf("%v: the policy of Build cannot be split", set)
			}
			if len(self) == 0 && len(set) < 2 {
				t.Fatalf("%v: no signal-to-self rules found", set) // proc.signal's own rules cover them
			}
			bodyProg, err := compileBody(body)
			if err != nil {
				t.Fatal(err)
			}
			split, err := splitFilter(p, self, bodyProg, pid, sock, lay)
			if err != nil {
				t.Fatal(err)
			}
			whole, err := childFilter(p, pid, sock, lay)
			if err != nil {
				t.Fatal(err)
			}
			a, b := loadSim(t, whole), loadSim(t, split)
			arches := append([]*syscalls.Arch{}, p.Arches...)
			arches = append(arches, syscalls.ARM)
			n := 0
			for _, arch := range arches {
				for nr := uint32(0); nr < 600; nr++ {
					nrs := []uint32{nr}
					if arch == syscalls.X86_64 {
						nrs = append(nrs, nr|syscalls.X32.SyscallBase())
					}
					for _, nr := range nrs {
						for _, args := range argSets {
							d := sim.Data{Nr: nr, Arch: arch.AuditArch(), Args: args}
							ra, _ := a.Run(d)
							rb, _ := b.Run(d)
							n++
							if ra != rb {
								name, _ := arch.SyscallName(nr)
								t.Fatalf("%v notify=%v: %s %s(%d) %x: whole %s, split %s", set, notify, arch.Name(), name, nr, args, sim.RetString(ra), sim.RetString(rb))
							}
						}
					}
				}
			}
			if testing.Verbose() {
				t.Logf("%v notify=%v: %d calls agree; %d+%d instructions (whole %d)", set, notify, n, len(split)/8-len(bodyProg), len(bodyProg), len(whole)/8)
			}
		}
	}
}

// TestSplitPolicyRefuses: a policy with a stricter rule for a
// signal-to-self call, or the placeholder elsewhere, is compiled whole.
func TestSplitPolicyRefuses(t *testing.T) {
	p, err := build([]string{"fs.read"})
	if err != nil {
		t.Fatal(err)
	}
	q := *p
	q.Rules = append(q.Rules[:len(q.Rules):len(q.Rules)], policy.Rule{Syscall: "kill", Action: policy.Errno(1), Conds: []policy.Cond{{Arg: 1, Op: policy.OpEQ, Value: 9}}})
	if _, _, ok := splitPolicy(&q); ok {
		t.Error("a deny rule for kill: split")
	}
	q = *p
	q.Rules = append(q.Rules[:len(q.Rules):len(q.Rules)], policy.Rule{Syscall: "getpriority", Action: policy.Allow, Conds: []policy.Cond{{Arg: 1, Op: policy.OpEQ, Value: selfPID}}})
	if _, _, ok := splitPolicy(&q); ok {
		t.Error("the placeholder in another rule: split")
	}
}

// build is the policy supervise.Build makes: the signal-to-self rules name
// the placeholder, base keeps this process's user and group.
func build(names []string) (*policy.Policy, error) {
	return catalog.Build(catalog.Request{Entitlements: names, SelfPID: selfPID,
		Identity: &catalog.Identity{UID: uint32(os.Getuid()), GID: uint32(os.Getgid())}})
}

func loadSim(t *testing.T, raw []byte) *sim.Program {
	t.Helper()
	insns, err := compiler.FromBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	p, err := sim.New(insns, binary.LittleEndian)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSelfContain: the message a self-contained child completes (its pid
// written at pidAt) is the filter the supervisor would have sent it
// (head.join), for every entitlement set of TestSplitFilter, with and
// without a ruleset.
func TestSelfContain(t *testing.T) {
	const pid, sock = 4242, 7
	lay := layout{Path: 0x1234_5000, Argv: 0x2345_6000, Env: 0x3456_7000, Handshake: 0x4567_8000}
	for _, set := range [][]string{{}, {"fs.read"}, {"fs.read", "proc.signal"}, {"proc.exec", "proc.spawn"}, {"fs.read", "fs.write"}} {
		p, err := build(set)
		if err != nil {
			t.Fatal(err)
		}
		body, self, ok := splitPolicy(p)
		if !ok {
			t.Fatalf("%v: cannot be split", set)
		}
		bodyProg, err := compileBody(body)
		if err != nil {
			t.Fatal(err)
		}
		h, err := newHead(p, self, sock, lay)
		if err != nil {
			t.Fatal(err)
		}
		want := h.join(pid, bodyProg)
		for _, rs := range []int{-1, 9} {
			s := &forkSpec{msg: make([]byte, initHeaderSize+maxInsns*8)}
			c := confinement.Config{}
			if len(set) > 0 {
				if c.Layers, err = catalog.LayersOf(set); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.selfContain(h, bodyProg, rs, 3, &c); err != nil {
				t.Fatal(err)
			}
			if !s.selfContained || s.vfork != haveVfork || s.rulesetFD != rs || (len(self) > 0) != (len(s.pidAt) > 0) {
				t.Fatalf("%v: spec %+v", set, s)
			}
			for _, at := range s.pidAt { // what the child does
				binary.NativeEndian.PutUint32(s.msg[at:], pid)
			}
			hdr := (*initHeader)(unsafe.Pointer(&s.msg[0]))
			got := s.msg[initHeaderSize : initHeaderSize+8*int(hdr.Insns)]
			if !bytes.Equal(got, want) {
				t.Fatalf("%v ruleset %d: the completed filter differs from join's", set, rs)
			}
			if (hdr.Ruleset == 1) != (rs >= 0) || rs >= 0 && hdr.RulesetFlags != 3 {
				t.Fatalf("%v ruleset %d: header %+v", set, rs, *hdr)
			}
			wantProc := rs >= 0 && c.ProcSelfRights() != 0 && confinement.ABI() > 0
			if (len(s.procPaths) > 0) != wantProc {
				t.Fatalf("%v ruleset %d: %d /proc rules, want them: %v", set, rs, len(s.procPaths), wantProc)
			}
		}
	}
}

// TestChildFilterPlaceholder: compiled whole for the child, the filter
// compares the signal-to-self calls with the child's pid, and leaves a
// value equal to the placeholder that another rule names as it is.
func TestChildFilterPlaceholder(t *testing.T) {
	const pid, sock = 4242, 7
	lay := layout{Path: 0x1234_5000, Argv: 0x2345_6000, Env: 0x3456_7000, Handshake: 0x4567_8000}
	p, err := build([]string{"fs.read"})
	if err != nil {
		t.Fatal(err)
	}
	p.Rules = append(p.Rules, policy.Rule{Syscall: "process_vm_writev", Action: policy.Allow, Conds: []policy.Cond{{Arg: 0, Op: policy.OpEQ, Value: selfPID}, {Arg: 1, Op: policy.OpEQ, Value: 99}}})
	raw, err := childFilter(p, pid, sock, lay)
	if err != nil {
		t.Fatal(err)
	}
	prog := loadSim(t, raw)
	arch := syscalls.Native()
	run := func(name string, args [6]uint64) uint32 {
		nr, ok := arch.Number(name)
		if !ok {
			t.Skipf("%s unknown on %s", name, arch.Name())
		}
		r, _ := prog.Run(sim.Data{Nr: nr, Arch: arch.AuditArch(), Args: args})
		return r
	}
	allow := uint32(unix.SECCOMP_RET_ALLOW)
	if got := run("kill", [6]uint64{pid, 0}); got != allow {
		t.Errorf("kill(own pid): %s", sim.RetString(got))
	}
	if got := run("kill", [6]uint64{selfPID, 0}); got == allow {
		t.Errorf("kill(placeholder) allowed")
	}
	if got := run("process_vm_writev", [6]uint64{selfPID, 99}); got != allow {
		t.Errorf("process_vm_writev(placeholder, 99), as the user wrote it: %s", sim.RetString(got))
	}
	if got := run("process_vm_writev", [6]uint64{pid, 99}); got == allow {
		t.Errorf("process_vm_writev(pid, 99) allowed: the user's value was rewritten")
	}
}
