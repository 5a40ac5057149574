package sim

import (
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"golang.org/x/net/bpf"
)

var sample = Data{
	Nr:   0x00000101,
	Arch: archX86_64,
	IP:   0x1122334455667788,
	Args: [6]uint64{
		0xa0a1a2a3a4a5a6a7,
		0xb0b1b2b3b4b5b6b7,
		0xc0c1c2c3c4c5c6c7,
		0xd0d1d2d3d4d5d6d7,
		0xe0e1e2e3e4e5e6e7,
		0xf0f1f2f3f4f5f6f7,
	},
}

func TestMarshal(t *testing.T) {
	le := sample.Marshal(binary.LittleEndian)
	be := sample.Marshal(binary.BigEndian)
	if got := binary.LittleEndian.Uint32(le[0:]); got != sample.Nr {
		t.Errorf("LE nr = %#x", got)
	}
	if le[16] != 0xa7 || le[23] != 0xa0 || be[16] != 0xa0 || be[23] != 0xa7 {
		t.Errorf("args[0] bytes: LE % x, BE % x", le[16:24], be[16:24])
	}
	if le[56] != 0xf7 || be[63] != 0xf7 {
		t.Errorf("args[5] bytes: LE % x, BE % x", le[56:64], be[56:64])
	}
}

func TestLoads(t *testing.T) {
	tests := []struct {
		name  string
		k     uint32
		order binary.ByteOrder
		want  uint32
	}{
		{"LE nr", 0, binary.LittleEndian, 0x101},
		{"LE arch", 4, binary.LittleEndian, archX86_64},
		{"LE ip low", 8, binary.LittleEndian, 0x55667788},
		{"LE ip high", 12, binary.LittleEndian, 0x11223344},
		{"LE arg0 low", 16, binary.LittleEndian, 0xa4a5a6a7},
		{"LE arg0 high", 20, binary.LittleEndian, 0xa0a1a2a3},
		{"LE arg1 low", 24, binary.LittleEndian, 0xb4b5b6b7},
		{"LE arg1 high", 28, binary.LittleEndian, 0xb0b1b2b3},
		{"LE arg2 low", 32, binary.LittleEndian, 0xc4c5c6c7},
		{"LE arg2 high", 36, binary.LittleEndian, 0xc0c1c2c3},
		{"LE arg3 low", 40, binary.LittleEndian, 0xd4d5d6d7},
		{"LE arg3 high", 44, binary.LittleEndian, 0xd0d1d2d3},
		{"LE arg4 low", 48, binary.LittleEndian, 0xe4e5e6e7},
		{"LE arg4 high", 52, binary.LittleEndian, 0xe0e1e2e3},
		{"LE arg5 low", 56, binary.LittleEndian, 0xf4f5f6f7},
		{"LE arg5 high", 60, binary.LittleEndian, 0xf0f1f2f3},
		{"BE nr", 0, binary.BigEndian, 0x101},
		{"BE arch", 4, binary.BigEndian, archX86_64},
		{"BE ip high", 8, binary.BigEndian, 0x11223344},
		{"BE ip low", 12, binary.BigEndian, 0x55667788},
		{"BE arg0 high", 16, binary.BigEndian, 0xa0a1a2a3},
		{"BE arg0 low", 20, binary.BigEndian, 0xa4a5a6a7},
		{"BE arg3 high", 40, binary.BigEndian, 0xd0d1d2d3},
		{"BE arg3 low", 44, binary.BigEndian, 0xd4d5d6d7},
		{"BE arg5 high", 56, binary.BigEndian, 0xf0f1f2f3},
		{"BE arg5 low", 60, binary.BigEndian, 0xf4f5f6f7},
		{"native-endian arg1 low", 24, binary.NativeEndian, nativeLow(0xb0b1b2b3, 0xb4b5b6b7)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prog := []bpf.RawInstruction{stmt(opLdAbsW, tc.k), stmt(opRetA, 0)}
			ret, n, err := Run(prog, sample, tc.order)
			if err != nil {
				t.Fatal(err)
			}
			if ret != tc.want || n != 2 {
				t.Errorf("ret, n = %#x, %d; want %#x, 2", ret, n, tc.want)
			}
			// ldx [k] is not seccomp; load via A then tax/txa must agree.
			prog = []bpf.RawInstruction{stmt(opLdAbsW, tc.k), stmt(opTax, 0), stmt(opLdImm, 0), stmt(opTxa, 0), stmt(opRetA, 0)}
			if ret, _, _ := Run(prog, sample, tc.order); ret != tc.want {
				t.Errorf("via X: %#x, want %#x", ret, tc.want)
			}
			// Same as reading the marshalled struct.
			raw := sample.Marshal(tc.order)
			if m := tc.order.Uint32(raw[tc.k:]); m != tc.want {
				t.Errorf("Marshal disagrees: %#x", m)
			}
		})
	}
}

func nativeLow(hi, lo uint32) uint32 {
	var b [8]byte
	binary.NativeEndian.PutUint64(b[:], 1)
	if b[0] == 1 {
		return lo
	}
	return hi
}

// A byte order that is neither binary.LittleEndian nor binary.BigEndian by
// behaviour forces the generic (Marshal) path.
type pdpEndian struct{}

func (pdpEndian) Uint16(b []byte) uint16 { return binary.LittleEndian.Uint16(b) }
func (pdpEndian) Uint32(b []byte) uint32 {
	return uint32(binary.LittleEndian.Uint16(b))<<16 | uint32(binary.LittleEndian.Uint16(b[2:]))
}
func (pdpEndian) Uint64(b []byte) uint64 {
	return uint64(pdpEndian{}.Uint32(b))<<32 | uint64(pdpEndian{}.Uint32(b[4:]))
}
func (pdpEndian) PutUint16(b []byte, v uint16) { binary.LittleEndian.PutUint16(b, v) }
func (pdpEndian) PutUint32(b []byte, v uint32) {
	binary.LittleEndian.PutUint16(b, uint16(v>>16))
	binary.LittleEndian.PutUint16(b[2:], uint16(v))
}
func (pdpEndian) PutUint64(b []byte, v uint64) {
	pdpEndian{}.PutUint32(b, uint32(v>>32))
	pdpEndian{}.PutUint32(b[4:], uint32(v))
}
func (pdpEndian) String() string { return "pdpEndian" }

func TestLoadsGenericOrderMatchesMarshal(t *testing.T) {
	type wrapped struct{ binary.ByteOrder } // behaves like its content
	orders := []binary.ByteOrder{binary.LittleEndian, binary.BigEndian, binary.NativeEndian,
		wrapped{binary.BigEndian}, pdpEndian{}}
	for _, order := range orders {
		for k := uint32(0); k < DataSize; k += 4 {
			t.Run(fmt.Sprintf("%v/%d", order, k), func(t *testing.T) {
				raw := sample.Marshal(order)
				ret, _, err := Run([]bpf.RawInstruction{stmt(opLdAbsW, k), stmt(opRetA, 0)}, sample, order)
				if err != nil {
					t.Fatal(err)
				}
				if want := order.Uint32(raw[k:]); ret != want {
					t.Errorf("got %#x, want %#x", ret, want)
				}
			})
		}
	}
	if classifyOrder(pdpEndian{}) != orderGeneric {
		t.Error("pdpEndian should use the generic path")
	}
	if classifyOrder(wrapped{binary.BigEndian}) != orderBig || classifyOrder(binary.LittleEndian) != orderLittle {
		t.Error("classifyOrder misclassifies")
	}
}

func TestJumps(t *testing.T) {
	// 0: ld #a; 1: ldx #x; 2: <jump> -> 3 (ret #1) or 4 (ret #2)
	tests := []struct {
		name string
		op   uint16
		a, x uint32
		k    uint32
		want uint32
	}{
		{"jeq K true", opJeqK, 5, 0, 5, 1},
		{"jeq K false", opJeqK, 5, 0, 6, 2},
		{"jeq X true", opJeqX, 7, 7, 0, 1},
		{"jeq X false", opJeqX, 7, 8, 7, 2},
		{"jge K equal", opJgeK, 5, 0, 5, 1},
		{"jge K greater", opJgeK, 6, 0, 5, 1},
		{"jge K less", opJgeK, 4, 0, 5, 2},
		{"jge K unsigned", opJgeK, 0xffffffff, 0, 1, 1},
		{"jge X equal", opJgeX, 9, 9, 0, 1},
		{"jge X less", opJgeX, 8, 9, 0, 2},
		{"jgt K equal", opJgtK, 5, 0, 5, 2},
		{"jgt K greater", opJgtK, 6, 0, 5, 1},
		{"jgt K unsigned", opJgtK, 0x80000000, 0, 0x7fffffff, 1},
		{"jgt X greater", opJgtX, 10, 9, 0, 1},
		{"jgt X equal", opJgtX, 9, 9, 0, 2},
		{"jset K hit", opJsetK, 0x40000003, 0, 0x40000000, 1},
		{"jset K miss", opJsetK, 0x3, 0, 0x40000000, 2},
		{"jset X hit", opJsetX, 0x10, 0x11, 0, 1},
		{"jset X miss", opJsetX, 0x10, 0x01, 0x10, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prog := []bpf.RawInstruction{
				stmt(opLdImm, tc.a), stmt(opLdxImm, tc.x), jump(tc.op, tc.k, 0, 1),
				stmt(opRetK, 1), stmt(opRetK, 2),
			}
			ret, n, err := Run(prog, Data{}, binary.LittleEndian)
			if err != nil {
				t.Fatal(err)
			}
			if ret != tc.want || n != 4 {
				t.Errorf("ret, n = %d, %d; want %d, 4", ret, n, tc.want)
			}
		})
	}
	t.Run("ja", func(t *testing.T) {
		prog := []bpf.RawInstruction{stmt(opJa, 2), stmt(opRetK, 1), stmt(opRetK, 2), stmt(opRetK, 3)}
		if ret, n, err := Run(prog, Data{}, binary.LittleEndian); err != nil || ret != 3 || n != 2 {
			t.Errorf("got %d, %d, %v", ret, n, err)
		}
	})
	t.Run("relative to next", func(t *testing.T) {
		prog := []bpf.RawInstruction{stmt(opLdImm, 1), jump(opJeqK, 1, 2, 1), stmt(opRetK, 1), stmt(opRetK, 2), stmt(opRetK, 3)}
		if ret, _, _ := Run(prog, Data{}, binary.LittleEndian); ret != 3 {
			t.Errorf("jt=2 from index 1 should land on index 4, got ret %d", ret)
		}
	})
}

func TestALU(t *testing.T) {
	tests := []struct {
		name  string
		op    uint16
		a, x  uint32
		k     uint32
		want  uint32
		wantN int
	}{
		{"add K", opAddK, 5, 0, 3, 8, 4},
		{"add K wraps", opAddK, 0xffffffff, 0, 2, 1, 4},
		{"add X", opAddX, 5, 7, 0, 12, 4},
		{"sub K wraps", opSubK, 1, 0, 2, 0xffffffff, 4},
		{"sub X", opSubX, 10, 3, 0, 7, 4},
		{"mul K wraps", opMulK, 0x10000, 0, 0x10000, 0, 4},
		{"mul X", opMulX, 6, 7, 0, 42, 4},
		{"div K", opDivK, 100, 0, 7, 14, 4},
		{"div K unsigned", opDivK, 0xfffffffe, 0, 2, 0x7fffffff, 4},
		{"div X", opDivX, 100, 10, 0, 10, 4},
		{"div X by zero returns 0", opDivX, 100, 0, 0, 0, 3},
		{"and K", opAndK, 0xff00ff00, 0, 0x0ff00ff0, 0x0f000f00, 4},
		{"and X", opAndX, 0xf0, 0x3c, 0, 0x30, 4},
		{"or K", opOrK, 0xf0, 0, 0x0f, 0xff, 4},
		{"or X", opOrX, 0x100, 0x1, 0, 0x101, 4},
		{"xor K", opXorK, 0xff, 0, 0x0f, 0xf0, 4},
		{"xor X", opXorX, 0xff, 0xff, 0, 0, 4},
		{"lsh K", opLshK, 1, 0, 31, 0x80000000, 4},
		{"lsh K drops bits", opLshK, 0x80000001, 0, 1, 2, 4},
		{"lsh X", opLshX, 3, 4, 0, 48, 4},
		{"lsh X 32 masks to 0", opLshX, 3, 32, 0, 3, 4},
		{"lsh X 33 masks to 1", opLshX, 3, 33, 0, 6, 4},
		{"rsh K", opRshK, 0x80000000, 0, 31, 1, 4},
		{"rsh X", opRshX, 0x100, 4, 0, 0x10, 4},
		{"rsh X 36 masks to 4", opRshX, 0x100, 36, 0, 0x10, 4},
		{"neg", opNeg, 1, 0, 0, 0xffffffff, 4},
		{"neg 0", opNeg, 0, 0, 0, 0, 4},
		{"tax then X", opTax, 9, 1, 0, 9, 4},
		{"txa", opTxa, 9, 1, 0, 1, 4},
		{"ld len", opLdLen, 9, 1, 0, 64, 4},
		{"ld imm", opLdImm, 9, 1, 0xdead, 0xdead, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prog := []bpf.RawInstruction{stmt(opLdImm, tc.a), stmt(opLdxImm, tc.x), stmt(tc.op, tc.k), stmt(opRetA, 0)}
			if tc.op == opTax {
				prog[3] = stmt(opTxa, 0)
				prog = append(prog, stmt(opRetA, 0))
				tc.wantN++
			}
			ret, n, err := Run(prog, Data{}, binary.LittleEndian)
			if err != nil {
				t.Fatal(err)
			}
			if ret != tc.want || n != tc.wantN {
				t.Errorf("ret, n = %#x, %d; want %#x, %d", ret, n, tc.want, tc.wantN)
			}
		})
	}
	t.Run("ldx len", func(t *testing.T) {
		prog := []bpf.RawInstruction{stmt(opLdxLen, 0), stmt(opTxa, 0), stmt(opRetA, 0)}
		if ret, _, _ := Run(prog, Data{}, binary.LittleEndian); ret != 64 {
			t.Errorf("ldx len = %d", ret)
		}
	})
}

func TestScratchMemory(t *testing.T) {
	tests := []struct {
		name string
		prog []bpf.RawInstruction
		want uint32
	}{
		{"st then ld", []bpf.RawInstruction{
			stmt(opLdAbsW, 0), stmt(opSt, 3), stmt(opLdImm, 0), stmt(opLdMem, 3), stmt(opRetA, 0),
		}, 0x101},
		{"stx then ldx", []bpf.RawInstruction{
			stmt(opLdxImm, 77), stmt(opStx, 15), stmt(opLdxImm, 0), stmt(opLdxMem, 15), stmt(opTxa, 0), stmt(opRetA, 0),
		}, 77},
		{"slots independent", []bpf.RawInstruction{
			stmt(opLdImm, 1), stmt(opSt, 0), stmt(opLdImm, 2), stmt(opSt, 1),
			stmt(opLdMem, 0), stmt(opLdxMem, 1), stmt(opAddX, 0), stmt(opRetA, 0),
		}, 3},
		{"store on both branches", []bpf.RawInstruction{
			stmt(opLdAbsW, 0), jump(opJeqK, 0x101, 0, 2),
			stmt(opLdImm, 10), stmt(opJa, 1),
			stmt(opLdImm, 20), stmt(opSt, 4), stmt(opLdMem, 4), stmt(opRetA, 0),
		}, 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ret, n, err := Run(tc.prog, sample, binary.LittleEndian)
			if err != nil {
				t.Fatal(err)
			}
			if ret != tc.want {
				t.Errorf("ret = %d, want %d (n=%d)", ret, tc.want, n)
			}
		})
	}
}

func TestDispatchAndCounting(t *testing.T) {
	tests := []struct {
		name  string
		d     Data
		want  uint32
		wantN int
	}{
		{"wrong arch", Data{Arch: archI386, Nr: 0}, retKillProc, 3},
		{"x32 number", Data{Arch: archX86_64, Nr: 0x40000000}, retKillProc, 5},
		{"read", Data{Arch: archX86_64, Nr: 0}, retAllow, 6},
		{"write", Data{Arch: archX86_64, Nr: 1}, retAllow, 7},
		{"other", Data{Arch: archX86_64, Nr: 2}, retErrno1, 8},
	}
	p, err := New(dispatch(), binary.LittleEndian)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ret, n := p.Run(tc.d)
			if ret != tc.want || n != tc.wantN {
				t.Errorf("ret, n = %s, %d; want %s, %d", RetString(ret), n, RetString(tc.want), tc.wantN)
			}
			ret2, n2, err := Run(dispatch(), tc.d, binary.BigEndian)
			if err != nil || ret2 != ret || n2 != n {
				t.Errorf("Run = %#x, %d, %v", ret2, n2, err)
			}
		})
	}
	if p.Len() != len(dispatch()) || len(p.Instructions()) != p.Len() {
		t.Error("Len/Instructions")
	}
}

func TestRunErrors(t *testing.T) {
	if _, _, err := Run(nil, Data{}, binary.LittleEndian); err == nil {
		t.Error("empty program accepted")
	}
	var ve *ValidationError
	_, _, err := Run([]bpf.RawInstruction{stmt(opLdAbsH, 0), stmt(opRetA, 0)}, Data{}, binary.LittleEndian)
	if !errors.As(err, &ve) || ve.Index != 0 {
		t.Errorf("err = %v", err)
	}
	if _, _, err := Run(dispatch(), Data{}, nil); err == nil {
		t.Error("nil order accepted")
	}
}

// With big-endian data, golang.org/x/net/bpf's VM must agree with us on
// programs that do not shift by X >= 32.
func TestAgreesWithXNetBPFOnBigEndian(t *testing.T) {
	progs := map[string][]bpf.RawInstruction{
		"dispatch": dispatch(),
		"arg compare": {
			stmt(opLdAbsW, 20), jump(opJgtK, 0xa4a5a6a6, 0, 3),
			stmt(opLdAbsW, 16), stmt(opAndK, 0xff), stmt(opRetA, 0), stmt(opRetK, 9),
		},
		"alu mix": {
			stmt(opLdAbsW, 8), stmt(opTax, 0), stmt(opLdAbsW, 12), stmt(opMulX, 0), stmt(opSt, 2),
			stmt(opLdxImm, 3), stmt(opDivX, 0), stmt(opLdxMem, 2), stmt(opXorX, 0), stmt(opSubK, 7),
			stmt(opRshK, 3), stmt(opRetA, 0),
		},
		"div by X zero": {stmt(opLdImm, 5), stmt(opLdxImm, 0), stmt(opDivX, 0), stmt(opRetK, 1)},
	}
	inputs := []Data{sample, {}, {Arch: archX86_64, Nr: 1}, {Arch: archX86_64, Nr: 2, IP: 0xffffffff}}
	for name, prog := range progs {
		vm, err := bpf.NewVM(disassembleAll(t, prog))
		if err != nil {
			t.Fatalf("%s: NewVM: %v", name, err)
		}
		for i, d := range inputs {
			raw := d.Marshal(binary.BigEndian)
			want, err := vm.Run(raw[:])
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := Run(prog, d, binary.BigEndian)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if uint32(want) != got {
				t.Errorf("%s input %d: sim %#x, x/net/bpf %#x", name, i, got, want)
			}
		}
	}
}

func disassembleAll(t *testing.T, prog []bpf.RawInstruction) []bpf.Instruction {
	t.Helper()
	out := make([]bpf.Instruction, len(prog))
	for i, ri := range prog {
		out[i] = ri.Disassemble()
		if _, ok := out[i].(bpf.RawInstruction); ok {
			t.Fatalf("x/net/bpf cannot decode instruction %d", i)
		}
	}
	return out
}
