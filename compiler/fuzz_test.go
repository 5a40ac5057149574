package compiler

import (
	"encoding/binary"
	"testing"

	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/sim"
	"github.com/entitle-dev/entitle/syscalls"
)

// bytesource turns fuzzer input into choices; it yields zeros when empty.
type bytesource struct{ b []byte }

func (s *bytesource) u8() uint8 {
	if len(s.b) == 0 {
		return 0
	}
	v := s.b[0]
	s.b = s.b[1:]
	return v
}

func (s *bytesource) u32() uint32 {
	return uint32(s.u8()) | uint32(s.u8())<<8 | uint32(s.u8())<<16 | uint32(s.u8())<<24
}

func (s *bytesource) u64() uint64 { return uint64(s.u32()) | uint64(s.u32())<<32 }

var interesting = []uint64{
	0, 1, 2, 3, 5, 0x7F, 0x80, 0xFF, 0x100, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF,
	1 << 32, 1<<32 + 1, 1<<32 - 1, 0xFFFFFFFF00000000, 0xFFFFFFFFFFFFFF9C, 0xFFFFFF9C,
	^uint64(0), ^uint64(0) - 1, 0x8000000000000000, 0x7FFFFFFFFFFFFFFF, 0x7E020000, 0x50F00,
}

var fuzzNames = []string{"read", "write", "openat", "clone", "socket", "ioctl", "mmap", "futex", "kill", "getuid", "ptrace", "chown32", "socketcall", "mprotect", "close"}

var fuzzArchSets = [][]*syscalls.Arch{
	{syscalls.X86_64},
	{syscalls.X86_64, syscalls.X86},
	{syscalls.X86_64, syscalls.X86, syscalls.X32},
	{syscalls.X86_64, syscalls.X32},
	{syscalls.X32},
	{syscalls.X86},
	{syscalls.AARCH64},
	{syscalls.AARCH64, syscalls.ARM},
	{syscalls.S390X},
	{syscalls.RISCV64, syscalls.X86_64},
}

func (s *bytesource) value() uint64 {
	switch s.u8() % 4 {
	case 0:
		return s.u64()
	case 1:
		return interesting[int(s.u8())%len(interesting)] + uint64(int8(s.u8()%3)-1)
	default:
		return interesting[int(s.u8())%len(interesting)]
	}
}

func (s *bytesource) action() policy.Action {
	kinds := []policy.Action{policy.Allow, policy.Allow, policy.Allow, policy.Errno(1), policy.Errno(38), policy.KillProcess, policy.KillThread, policy.Trap(3), policy.Log, policy.Trace(2), policy.Notify}
	return kinds[int(s.u8())%len(kinds)]
}

// randomPolicy builds a policy from fuzzer bytes.
func randomPolicy(s *bytesource) *policy.Policy {
	p := &policy.Policy{
		DefaultAction: s.action(),
		Arches:        fuzzArchSets[int(s.u8())%len(fuzzArchSets)],
	}
	if s.u8()%4 == 0 {
		p.UnknownAction = s.action()
	}
	if s.u8()%4 == 0 {
		p.BadArchAction = s.action()
	}
	names := syscalls.X86_64.Syscalls()
	nrules := int(s.u8() % 24)
	for i := 0; i < nrules; i++ {
		var name string
		if s.u8()%3 == 0 {
			name = names[int(s.u32())%len(names)].Name
		} else {
			name = fuzzNames[int(s.u8())%len(fuzzNames)]
		}
		r := policy.Rule{Syscall: name, Action: s.action()}
		nconds := int(s.u8() % 4)
		for j := 0; j < nconds; j++ {
			c := policy.Cond{Arg: s.u8() % 6, Op: policy.Op(1 + s.u8()%7), Value: s.value()}
			if c.Op == policy.OpMaskedEQ {
				c.Mask = s.value()
			}
			if s.u8()%4 == 0 {
				c.Width32 = true
				if c.Value>>32 != 0 && c.Value>>32 != 0xFFFFFFFF {
					c.Value &= 0xFFFFFFFF
				}
			}
			r.Conds = append(r.Conds, c)
		}
		p.Rules = append(p.Rules, r)
	}
	return p
}

// probes returns inputs that exercise p's boundaries: every condition value,
// ±1, with the high word flipped, for every arch and the syscalls p names.
func probes(p *policy.Policy, s *bytesource) []sim.Data {
	var out []sim.Data
	audits := []uint32{0xC000003E, 0x40000003, 0xC00000B7, 0x40000028, 0x80000016, 0xC00000F3, 0xDEADBEEF}
	for _, a := range p.ArchList() {
		for _, r := range p.Rules {
			nr, ok := a.Number(r.Syscall)
			if !ok {
				continue
			}
			var args [6]uint64
			out = append(out, sim.Data{Arch: a.AuditArch(), Nr: nr, Args: args})
			for _, c := range r.Conds {
				for _, v := range []uint64{c.Value, c.Value + 1, c.Value - 1, c.Value ^ 0xFFFFFFFF00000000, c.Value & c.Mask, c.Value&0xFFFFFFFF | 0xDEAD000000000000} {
					a2 := args
					a2[c.Arg] = v
					out = append(out, sim.Data{Arch: a.AuditArch(), Nr: nr, Args: a2})
					args = a2 // accumulate so that AND-ed conditions can all hold
				}
				args[c.Arg] = c.Value
				out = append(out, sim.Data{Arch: a.AuditArch(), Nr: nr, Args: args})
			}
		}
	}
	for i := 0; i < 16; i++ {
		d := sim.Data{Arch: audits[int(s.u8())%len(audits)], Nr: uint32(s.u8()) | uint32(s.u8()%2)<<8}
		switch s.u8() % 5 {
		case 0:
			d.Nr = s.u32()
		case 1:
			d.Nr |= 0x40000000
		case 2:
			d.Nr = 0xFFFFFFFF
		}
		for j := range d.Args {
			d.Args[j] = s.value()
		}
		out = append(out, d)
	}
	return out
}

func checkEquivalent(t *testing.T, p *policy.Policy, inputs []sim.Data) {
	t.Helper()
	prog, err := Compile(p)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	if err := sim.Validate(prog.Insns); err != nil {
		t.Fatalf("kernel would reject the program: %v", err)
	}
	if w := sim.Wasted(prog.Insns); len(w) > 0 {
		t.Fatalf("the program wastes instructions: %v\npolicy: %+v\n%s", w, p.Rules, prog.Asm())
	}
	vms := map[bool]*sim.Program{}
	for _, be := range []bool{false, true} {
		order := binary.ByteOrder(binary.LittleEndian)
		if be {
			order = binary.BigEndian
		}
		vm, err := sim.New(prog.Insns, order)
		if err != nil {
			t.Fatal(err)
		}
		vms[be] = vm
	}
	for _, d := range inputs {
		be := false
		for _, a := range p.ArchList() {
			if a.AuditArch() == d.Arch {
				be = a.BigEndian()
			}
		}
		ret, _ := vms[be].Run(d)
		want := p.Evaluate(d.Arch, d.Nr, d.Args)
		if got := policy.FromRet(ret); got != want {
			t.Fatalf("arch %#x nr %#x args %#x: compiled %v, reference %v\npolicy: %+v\n%s", d.Arch, d.Nr, d.Args, got, want, p.Rules, prog.Asm())
		}
	}
}

// FuzzCompile checks that the compiled program decides exactly as the
// reference evaluator on random policies and random seccomp_data.
func FuzzCompile(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
	f.Add([]byte("the quick brown fox jumps over the lazy dog; seccomp filters everywhere"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &bytesource{b: data}
		p := randomPolicy(s)
		if err := p.Validate(); err != nil {
			return
		}
		checkEquivalent(t, p, probes(p, s))
	})
}

// TestRandomPolicies runs the fuzz property on a fixed pseudo-random stream,
// so that every CI run covers a few thousand policies even without -fuzz.
func TestRandomPolicies(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	seed := uint64(0x9E3779B97F4A7C15)
	for i := 0; i < n; i++ {
		buf := make([]byte, 512)
		for j := range buf {
			seed ^= seed << 13
			seed ^= seed >> 7
			seed ^= seed << 17
			buf[j] = byte(seed)
		}
		s := &bytesource{b: buf}
		p := randomPolicy(s)
		if err := p.Validate(); err != nil {
			continue
		}
		checkEquivalent(t, p, probes(p, s))
	}
}
