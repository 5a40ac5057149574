//go:build linux

package compiler

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/entitle-dev/entitle/policy"
	"github.com/entitle-dev/entitle/sim"
	"github.com/entitle-dev/entitle/syscalls"
)

// TestFarJumps compiles an allow-list of 400 syscalls with argument rules
// spread over all of them, so jumps exceed 255 instructions, and checks
// every number against the reference evaluator.
func TestFarJumps(t *testing.T) {
	x64 := []*syscalls.Arch{syscalls.X86_64, syscalls.X86}
	p := pol(eperm, x64)
	for i, s := range syscalls.X86_64.Syscalls() {
		if i%2 == 0 {
			p.Rules = append(p.Rules, argRule(s.Name, policy.Allow, cond(uint8(i%6), policy.OpEQ, uint64(i)<<20|uint64(i))))
		} else {
			p.Rules = append(p.Rules, argRule(s.Name, policy.Allow))
		}
	}
	prog, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(prog.Insns) < 600 {
		t.Fatalf("program of %d instructions does not exercise far jumps", len(prog.Insns))
	}
	var inputs []sim.Data
	for _, a := range p.ArchList() {
		for nr := uint32(0); nr < 1100; nr++ {
			inputs = append(inputs, sim.Data{Arch: a.AuditArch(), Nr: nr})
		}
	}
	for i, s := range syscalls.X86_64.Syscalls() {
		var args [6]uint64
		args[i%6] = uint64(i)<<20 | uint64(i)
		inputs = append(inputs, sim.Data{Arch: syscalls.X86_64.AuditArch(), Nr: s.Nr, Args: args})
	}
	checkEquivalent(t, p, inputs)
	t.Logf("%d instructions", len(prog.Insns))
}

// TestTooLong: a policy that needs more than 4096 instructions is an error
// that says so, never a truncated program.
func TestTooLong(t *testing.T) {
	p := pol(eperm, []*syscalls.Arch{syscalls.X86_64})
	for i := 0; i < 2000; i++ {
		p.Rules = append(p.Rules, argRule("ioctl", policy.Allow, cond(1, policy.OpEQ, uint64(i)*0x100000001)))
	}
	_, err := Compile(p)
	if err == nil || !strings.Contains(err.Error(), "above the kernel's limit of 4096") || !strings.Contains(err.Error(), "not truncated") {
		t.Fatalf("got %v", err)
	}
}

// TestCacheability: every syscall decided by number alone is decided on a
// path the kernel's constant-action cache emulator accepts; a syscall with
// argument rules is the only one that is not.
func TestCacheability(t *testing.T) {
	x64 := []*syscalls.Arch{syscalls.X86_64, syscalls.X86, syscalls.X32}
	names := []string{"read", "write", "close", "futex", "mmap", "exit_group", "getpid", "openat", "fstat", "brk"}
	p := pol(eperm, x64, allow(names...)...)
	p.Rules = append(p.Rules, argRule("clone", policy.Allow, masked(0, 0x7E020000, 0)))
	prog, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []*syscalls.Arch{syscalls.X86_64, syscalls.X86} {
		for _, s := range a.Syscalls() {
			want := false
			for _, n := range names {
				want = want || n == s.Name
			}
			if got := sim.CacheAllows(prog.Insns, a.AuditArch(), s.Nr); got != want {
				t.Errorf("%s %s: cacheable %v, want %v", a.Name(), s.Name, got, want)
			}
		}
	}
	// No instruction before the dispatch loads arguments: the first
	// argument load must come after a jump on the syscall number.
	st, err := sim.Measure(prog.Insns, syscalls.X86_64)
	if err != nil {
		t.Fatal(err)
	}
	if st.Cacheable != len(names) {
		t.Errorf("cacheable %d, want %d", st.Cacheable, len(names))
	}
}

// TestStaticChecks validates every compiled program of the trap table with
// the kernel's rules, and checks the byte export is struct sock_filter.
func TestStaticChecks(t *testing.T) {
	p := pol(eperm, []*syscalls.Arch{syscalls.X86_64}, allow("read")...)
	prog, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	b := prog.Bytes()
	if len(b) != 8*len(prog.Insns) {
		t.Fatalf("%d bytes for %d instructions", len(b), len(prog.Insns))
	}
	for i, in := range prog.Insns {
		r := b[8*i:]
		if binary.NativeEndian.Uint16(r) != in.Op || r[2] != in.Jt || r[3] != in.Jf || binary.NativeEndian.Uint32(r[4:]) != in.K {
			t.Fatalf("instruction %d encoded wrongly", i)
		}
	}
	if err := sim.Validate(prog.Insns); err != nil {
		t.Fatal(err)
	}
	asm := prog.Asm()
	for _, want := range []string{"arch x86_64", "(write)", "errno(EPERM)", "bad arch: kill-process"} {
		if !strings.Contains(asm, want) {
			t.Errorf("disassembly lacks %q:\n%s", want, asm)
		}
	}
}
