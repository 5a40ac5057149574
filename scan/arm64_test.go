package scan

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/entitle-dev/entitle/syscalls"
)

// a64Func is a hand-assembled aarch64 function (GNU as, -march=armv8.1-a).
type a64Func struct {
	name  string
	words []uint32
}

// a64Module lays the functions out from 0x400000 and returns the module
// the analysis sees.
func a64Module(fs []a64Func) *module {
	const base = 0x400000
	m := &module{path: "synthetic", arch: syscalls.AARCH64, isa: arm64isa,
		gotName: map[uint64]string{}, pltName: map[uint64]string{}, exports: map[string]uint64{}}
	var text []byte
	for _, f := range fs {
		start := base + uint64(len(text))
		for _, w := range f.words {
			text = binary.LittleEndian.AppendUint32(text, w)
		}
		m.funcs = append(m.funcs, fn{name: f.name, start: start, end: base + uint64(len(text))})
	}
	m.text = []textSeg{{name: ".text", addr: base, data: text}}
	return m
}

// TestARM64Decode checks the aarch64 instruction analysis on code whose
// answer is known: numbers built by movz/movk, orr, sxtw, literals and
// stack slots; a wrapper whose number is its first argument; a load from
// unknown memory and an instruction the decoder does not know (both must
// leave the number unknown, never the stale constant).
func TestARM64Decode(t *testing.T) {
	fs := []a64Func{
		{"f_movk", []uint32{
			0xd2800008, // mov x8, #0
			0xf28018c8, // movk x8, #0xc6 (socket)
			0xd2800040, // mov x0, #2
			0xb24003e1, // orr x1, xzr, #1
			0xaa1f03e2, // mov x2, xzr
			0xd4000001, // svc #0
			0xd65f03c0, // ret
		}},
		{"f_stack", []uint32{
			0xa9be7bfd, // stp x29, x30, [sp, #-32]!
			0xd2801589, // mov x9, #172 (getpid)
			0xf9000be9, // str x9, [sp, #16]
			0xf9400be8, // ldr x8, [sp, #16]
			0xd4000001, // svc #0
			0xa8c27bfd, // ldp x29, x30, [sp], #32
			0xd65f03c0, // ret
		}},
		{"f_lit", []uint32{
			0x58000068, // ldr x8, =57 (close), from the literal below
			0xd4000001, // svc #0
			0xd65f03c0, // ret
			0x00000039, 0x00000000,
		}},
		{"f_wrap", []uint32{
			0x2a0003e8, // mov w8, w0
			0xaa0103e0, // mov x0, x1
			0xaa0203e1, // mov x1, x2
			0xaa0303e2, // mov x2, x3
			0xd4000001, // svc #0
			0xd65f03c0, // ret
		}},
		{"f_caller", []uint32{
			0xa9bf7bfd, // stp x29, x30, [sp, #-16]!
			0x528018c0, // mov w0, #198 (socket)
			0x52800021, // mov w1, #1 (AF_UNIX)
			0x52800022, // mov w2, #1 (SOCK_STREAM)
			0x52800003, // mov w3, #0
			0x97fffff5, // bl f_wrap
			0xa8c17bfd, // ldp x29, x30, [sp], #16
			0xd65f03c0, // ret
		}},
		{"f_unknown", []uint32{
			0xf9400008, // ldr x8, [x0]
			0xd4000001, // svc #0
			0xd65f03c0, // ret
		}},
		{"f_atomic", []uint32{
			0xd2800ba8, // mov x8, #93
			0xf8e10008, // ldaddal x1, x8, [x0]: x8 changes
			0xd4000001, // svc #0
			0xd65f03c0, // ret
		}},
		{"f_adr", []uint32{
			0x90000000, // adrp x0, 0x400000
			0x9100e000, // add x0, x0, #0x38 (f_lit)
			0xd65f03c0, // ret
		}},
		{"f_sxtw", []uint32{
			0x528007e1, // mov w1, #63 (read)
			0x93407c28, // sxtw x8, w1
			0xd4000001, // svc #0
			0xd65f03c0, // ret
		}},
		{"f_branch", []uint32{
			0xd28007e8, // mov x8, #63 (read)
			0xb4000040, // cbz x0, 1f
			0xd2800808, // mov x8, #64 (write)
			0xd4000001, // 1: svc #0
			0xd65f03c0, // ret
		}},
	}
	m := a64Module(fs)
	res := analyzeModule(m, true, relevantArgs(m.arch), func(string) []site { return nil })
	idx := map[string]int{}
	for i, f := range m.funcs {
		idx[f.name] = i
	}
	names := func(fn string) []string {
		var out []string
		for _, s := range append(slices.Clone(res[idx[fn]].sites), res[idx[fn]].params...) {
			if s.nr.kind != vConst {
				out = append(out, "?")
				continue
			}
			for _, c := range s.nr.consts() {
				n, _ := m.arch.SyscallName(uint32(c))
				out = append(out, n)
			}
		}
		slices.Sort(out)
		return out
	}
	for fn, want := range map[string][]string{
		"f_movk":    {"socket"},
		"f_stack":   {"getpid"},
		"f_lit":     {"close"},
		"f_caller":  {"socket"},
		"f_unknown": {"?"},
		"f_atomic":  {"?"},
		"f_sxtw":    {"read"},
		"f_branch":  {"read", "write"},
	} {
		if got := names(fn); !slices.Equal(got, want) {
			t.Errorf("%s: system calls %v, want %v", fn, got, want)
		}
	}
	// socket(AF_INET, SOCK_STREAM, 0) in f_movk; socket(AF_UNIX,
	// SOCK_STREAM, 0) through the wrapper in f_caller.
	for fn, want := range map[string][3]uint64{"f_movk": {2, 1, 0}, "f_caller": {1, 1, 0}} {
		s := res[idx[fn]].sites[0]
		for i, w := range want {
			if a := s.args[i]; a.kind != vConst || a.n != 1 || a.c[0] != w {
				t.Errorf("%s: socket argument %d is %+v, want %d", fn, i, a, w)
			}
		}
	}
	if p := res[idx["f_wrap"]].params; len(p) != 1 || len(res[idx["f_wrap"]].sites) != 0 || p[0].nr.kind != vParam || p[0].nr.p != 0 {
		t.Errorf("f_wrap: parameter-dependent sites %+v, want the number from x0", p)
	}
	if !slices.Contains(res[idx["f_adr"]].calls, int32(idx["f_lit"])) {
		t.Errorf("f_adr: adrp+add of f_lit's address not seen as a reference (calls %v)", res[idx["f_adr"]].calls)
	}
}
