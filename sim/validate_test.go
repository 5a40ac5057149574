package sim

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/net/bpf"
)

func TestValidateRejects(t *testing.T) {
	ret := stmt(opRetK, retAllow)
	long := make([]bpf.RawInstruction, MaxInsns+1)
	for i := range long {
		long[i] = ret
	}
	tests := []struct {
		name  string
		prog  []bpf.RawInstruction
		index int
		want  string
	}{
		{"empty", nil, -1, "empty"},
		{"too long", long, -1, "more than the limit of 4096"},
		{"ld H ABS", []bpf.RawInstruction{stmt(opLdAbsH, 0), ret}, 0, "not allowed in seccomp"},
		{"ld B ABS", []bpf.RawInstruction{stmt(opLdAbsB, 0), ret}, 0, "not allowed in seccomp"},
		{"ld W IND", []bpf.RawInstruction{stmt(opLdIndW, 0), ret}, 0, "not allowed in seccomp"},
		{"ldx MSH", []bpf.RawInstruction{stmt(opLdxMsh, 0), ret}, 0, "not allowed in seccomp"},
		{"mod K", []bpf.RawInstruction{stmt(opModK, 3), ret}, 0, "not allowed in seccomp"},
		{"mod X", []bpf.RawInstruction{stmt(opModX, 0), ret}, 0, "not allowed in seccomp"},
		{"ldx W ABS", []bpf.RawInstruction{stmt(opLdxAbsW, 0), ret}, 0, "unknown opcode"},
		{"unknown opcode", []bpf.RawInstruction{ret, stmt(0xffff, 0), ret}, 1, "unknown opcode"},
		{"neg X", []bpf.RawInstruction{stmt(opNeg|0x08, 0), ret}, 0, "unknown opcode"},
		{"ret X", []bpf.RawInstruction{stmt(0x0e, 0)}, 0, "unknown opcode"},
		{"misaligned offset", []bpf.RawInstruction{stmt(opLdAbsW, 2), ret}, 0, "4-aligned"},
		{"offset 64", []bpf.RawInstruction{stmt(opLdAbsW, 64), ret}, 0, "below 64"},
		{"ancillary offset", []bpf.RawInstruction{stmt(opLdAbsW, 0xfffff000), ret}, 0, "below 64"},
		{"div by constant 0", []bpf.RawInstruction{stmt(opDivK, 0), ret}, 0, "division by constant 0"},
		{"lsh by 32", []bpf.RawInstruction{stmt(opLshK, 32), ret}, 0, "must be < 32"},
		{"rsh by 40", []bpf.RawInstruction{stmt(opRshK, 40), ret}, 0, "must be < 32"},
		{"st M[16]", []bpf.RawInstruction{stmt(opSt, 16), ret}, 0, "scratch memory index 16"},
		{"ldx M[99]", []bpf.RawInstruction{stmt(opLdxMem, 99), ret}, 0, "scratch memory index 99"},
		{"ja past end", []bpf.RawInstruction{stmt(opJa, 1), ret}, 0, "past the end"},
		{"ja huge", []bpf.RawInstruction{stmt(opJa, 0xffffffff), ret}, 0, "past the end"},
		{"jt past end", []bpf.RawInstruction{jump(opJeqK, 0, 1, 0), ret}, 0, "true branch"},
		{"jf past end", []bpf.RawInstruction{ret, jump(opJsetX, 0, 0, 1), ret}, 1, "false branch"},
		{"no trailing ret", []bpf.RawInstruction{stmt(opLdAbsW, 0)}, 0, "last instruction must be a ret"},
		{"trailing ja 0", []bpf.RawInstruction{ret, stmt(opJa, 0)}, 1, "past the end"},
		{"ld M unwritten", []bpf.RawInstruction{stmt(opLdMem, 0), ret}, 0, "M[0]"},
		{"ld M written on one path only", []bpf.RawInstruction{
			stmt(opLdAbsW, 0), jump(opJeqK, 1, 0, 1), stmt(opSt, 2), stmt(opLdMem, 2), ret,
		}, 3, "M[2]"},
		// check_load_and_stores carries its state straight through a ret.
		{"unreachable read after ret", []bpf.RawInstruction{ret, stmt(opLdMem, 3), ret}, 1, "M[3]"},
		{"ldx M other slot", []bpf.RawInstruction{stmt(opSt, 1), stmt(opLdxMem, 2), ret}, 1, "M[2]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(tc.prog)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate = %v, want *ValidationError", err)
			}
			if ve.Index != tc.index || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate = %q (index %d); want index %d and %q", err, ve.Index, tc.index, tc.want)
			}
			if tc.index >= 0 && !strings.Contains(err.Error(), "instruction ") {
				t.Errorf("error does not name the instruction: %q", err)
			}
			if _, _, err := Run(tc.prog, Data{}, nil); err == nil {
				t.Error("Run accepted an invalid program")
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	ret := stmt(opRetK, retAllow)
	max := make([]bpf.RawInstruction, MaxInsns)
	for i := range max {
		max[i] = ret
	}
	every := []bpf.RawInstruction{
		stmt(opLdAbsW, 60), stmt(opLdLen, 0), stmt(opLdxLen, 0), stmt(opLdImm, 1), stmt(opLdxImm, 1),
		stmt(opSt, 15), stmt(opStx, 0), stmt(opLdMem, 15), stmt(opLdxMem, 0),
		stmt(opAddK, 1), stmt(opAddX, 0), stmt(opSubK, 1), stmt(opSubX, 0), stmt(opMulK, 1), stmt(opMulX, 0),
		stmt(opDivK, 1), stmt(opDivX, 0), stmt(opAndK, 1), stmt(opAndX, 0), stmt(opOrK, 1), stmt(opOrX, 0),
		stmt(opXorK, 1), stmt(opXorX, 0), stmt(opLshK, 31), stmt(opLshX, 0), stmt(opRshK, 31), stmt(opRshX, 0),
		stmt(opNeg, 0), stmt(opTax, 0), stmt(opTxa, 0), stmt(opJa, 0),
		jump(opJeqK, 0, 0, 0), jump(opJeqX, 0, 0, 0), jump(opJgeK, 0, 0, 0), jump(opJgeX, 0, 0, 0),
		jump(opJgtK, 0, 0, 0), jump(opJgtX, 0, 0, 0), jump(opJsetK, 0, 0, 0), jump(opJsetX, 0, 0, 0),
		jump(opJeqK, 0, 1, 0), stmt(opRetA, 0), ret,
	}
	tests := []struct {
		name string
		prog []bpf.RawInstruction
	}{
		{"single ret", []bpf.RawInstruction{ret}},
		{"ret a", []bpf.RawInstruction{stmt(opRetA, 0)}},
		{"4096 instructions", max},
		{"dispatch", dispatch()},
		{"every seccomp opcode", every},
		{"jump to last", []bpf.RawInstruction{jump(opJeqK, 0, 1, 1), ret, ret}},
		{"ja to last", []bpf.RawInstruction{stmt(opJa, 1), ret, ret}},
		{"unreachable read after ja", []bpf.RawInstruction{stmt(opJa, 1), stmt(opLdMem, 3), ret}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := Validate(tc.prog); err != nil {
				t.Fatal(err)
			}
		})
	}
}
