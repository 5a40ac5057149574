package sim

import (
	"fmt"
	"testing"

	"golang.org/x/net/bpf"
)

func TestDisassemble(t *testing.T) {
	prog := []bpf.RawInstruction{
		stmt(opLdAbsW, 0), jump(opJeqK, 0x29, 1, 2), stmt(opRetK, retAllow), stmt(opRetA, 0),
	}
	got := Disassemble(prog, func(i int, ins bpf.RawInstruction) string {
		if ins.Op == opRetK {
			return RetString(ins.K)
		}
		return ""
	})
	want := "   0: ld [0]\n" +
		"   1: jeq #0x29, 3, 4\n" +
		"   2: ret #0x7fff0000              ; ALLOW\n" +
		"   3: ret a\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestInsnString(t *testing.T) {
	tests := []struct {
		ins  bpf.RawInstruction
		want string
	}{
		{stmt(opLdAbsW, 16), "ld [16]"},
		{stmt(opLdLen, 0), "ld #len"},
		{stmt(opLdxLen, 0), "ldx #len"},
		{stmt(opLdImm, 10), "ld #0xa"},
		{stmt(opLdxImm, 10), "ldx #0xa"},
		{stmt(opLdMem, 3), "ld M[3]"},
		{stmt(opLdxMem, 3), "ldx M[3]"},
		{stmt(opSt, 3), "st M[3]"},
		{stmt(opStx, 3), "stx M[3]"},
		{stmt(opAndK, 0xff), "and #0xff"},
		{stmt(opAddX, 0), "add x"},
		{stmt(opNeg, 0), "neg"},
		{stmt(opTax, 0), "tax"},
		{stmt(opTxa, 0), "txa"},
		{stmt(opJa, 3), "ja 14"},
		{jump(opJsetX, 0, 0, 2), "jset x, 11, 13"},
		{jump(opJgtK, 5, 1, 0), "jgt #0x5, 12, 11"},
		{stmt(opRetK, 0x50001), "ret #0x50001"},
		{stmt(opLdAbsH, 2), "ldh [2]"},
		{stmt(0xffff, 1), "unknown op=0xffff jt=0 jf=0 k=0x1"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := InsnString(10, tc.ins); got != tc.want {
				t.Errorf("got %q", got)
			}
		})
	}
}

func TestRetString(t *testing.T) {
	tests := []struct {
		ret  uint32
		want string
	}{
		{0x7fff0000, "ALLOW"},
		{0x00050001, "ERRNO(1)"},
		{0x80000000, "KILL_PROCESS"},
		{0x00000000, "KILL_THREAD"},
		{0x00030000, "TRAP(0)"},
		{0x7ffc0000, "LOG"},
		{0x7ff00005, "TRACE(5)"},
		{0x7fc00000, "USER_NOTIF"},
		{0x7fff0005, "ALLOW(data=0x5)"},
		{0x00010000, "UNKNOWN(0x10000)"},
		{0xffff0000, "UNKNOWN(0xffff0000)"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%#x", tc.ret), func(t *testing.T) {
			if got := RetString(tc.ret); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestOpcodeValues(t *testing.T) {
	// <linux/filter.h> numbers, as they appear in hex dumps of filters.
	for name, got := range map[string]uint16{"ld [k]": opLdAbsW, "jeq #k": opJeqK, "ret #k": opRetK, "ret a": opRetA,
		"ja": opJa, "and #k": opAndK, "tax": opTax, "txa": opTxa, "st": opSt, "ld M[k]": opLdMem} {
		want := map[string]uint16{"ld [k]": 0x20, "jeq #k": 0x15, "ret #k": 0x06, "ret a": 0x16,
			"ja": 0x05, "and #k": 0x54, "tax": 0x07, "txa": 0x87, "st": 0x02, "ld M[k]": 0x60}[name]
		if got != want {
			t.Errorf("%s = %#x, want %#x", name, got, want)
		}
	}
}
