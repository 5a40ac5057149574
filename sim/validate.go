package sim

import (
	"fmt"

	"golang.org/x/net/bpf"
)

// ValidationError is returned by [Validate], [Run] and [New] for a program the
// kernel would refuse to load (seccomp(2) / prctl fail with EINVAL).
type ValidationError struct {
	Index  int    // offending instruction, or -1 for the program as a whole
	Op     uint16 // its opcode (0 when Index is -1)
	Reason string // what is wrong
}

func (e *ValidationError) Error() string {
	if e.Index < 0 {
		return "sim: invalid program: " + e.Reason
	}
	return fmt.Sprintf("sim: instruction %d (op 0x%02x): %s", e.Index, e.Op, e.Reason)
}

func invalid(i int, ins bpf.RawInstruction, format string, args ...any) error {
	return &ValidationError{Index: i, Op: ins.Op, Reason: fmt.Sprintf(format, args...)}
}

// Validate applies the checks the kernel makes when a seccomp filter is
// loaded (bpf_check_classic, including check_load_and_stores, and
// seccomp_check_filter):
//
//   - 1 <= len(prog) <= 4096;
//   - only the opcodes seccomp allows: ld [k] with k 4-aligned and < 64,
//     ld/ldx len, ld/ldx #k, ld/ldx M[k], st/stx M[k], add/sub/mul/div/
//     and/or/xor/lsh/rsh with K or X, neg, tax/txa, ja, jeq/jge/jgt/jset
//     with K or X, ret #k, ret a (ldx [k], half-word/byte/indirect loads and
//     mod are refused);
//   - scratch-memory index < 16; div by constant 0 and lsh/rsh by a
//     constant >= 32 rejected; every jump target inside the program;
//   - the last instruction is a ret;
//   - no path reads a scratch slot it has not written (check_load_and_stores;
//     like the kernel, its "written" state flows straight through a ret, so an
//     unreachable M[k] read right after a ret is also rejected).
//
// The kernel answers EINVAL to all of these; the returned *ValidationError
// names the first problem found and its instruction index.
func Validate(prog []bpf.RawInstruction) error {
	n := len(prog)
	if n == 0 {
		return &ValidationError{Index: -1, Reason: "empty program"}
	}
	if n > MaxInsns {
		return &ValidationError{Index: -1, Reason: fmt.Sprintf("%d instructions, more than the limit of %d (BPF_MAXINSNS)", n, MaxInsns)}
	}
	for pc, ins := range prog {
		switch classify(ins.Op) {
		case opUnknown:
			return invalid(pc, ins, "unknown opcode")
		case opClassicOnly:
			return invalid(pc, ins, "%s is classic BPF but not allowed in seccomp filters", opName(ins.Op))
		}
		switch ins.Op {
		case opLdAbsW:
			if ins.K >= DataSize || ins.K%4 != 0 {
				return invalid(pc, ins, "ld [%d]: offset must be 4-aligned and below %d (sizeof(struct seccomp_data))", ins.K, DataSize)
			}
		case opDivK:
			if ins.K == 0 {
				return invalid(pc, ins, "division by constant 0")
			}
		case opLshK, opRshK:
			if ins.K >= 32 {
				return invalid(pc, ins, "%s by constant %d (must be < 32)", opName(ins.Op), ins.K)
			}
		case opLdMem, opLdxMem, opSt, opStx:
			if ins.K >= MemWords {
				return invalid(pc, ins, "scratch memory index %d out of range (must be < %d)", ins.K, MemWords)
			}
		case opJa:
			if uint64(ins.K) >= uint64(n-pc-1) {
				return invalid(pc, ins, "ja +%d jumps past the end of the %d-instruction program", ins.K, n)
			}
		default:
			if isCondJump(ins.Op) {
				if pc+int(ins.Jt)+1 >= n {
					return invalid(pc, ins, "true branch +%d jumps past the end of the %d-instruction program", ins.Jt, n)
				}
				if pc+int(ins.Jf)+1 >= n {
					return invalid(pc, ins, "false branch +%d jumps past the end of the %d-instruction program", ins.Jf, n)
				}
			}
		}
	}
	if last := prog[n-1]; last.Op != opRetK && last.Op != opRetA {
		return invalid(n-1, last, "last instruction must be a ret, not %s", opName(last.Op))
	}
	return checkLoadAndStores(prog)
}

// checkLoadAndStores mirrors check_load_and_stores (net/core/filter.c): a
// forward data-flow pass over "which scratch slots are certainly written".
// It expects jump targets to be already checked.
func checkLoadAndStores(prog []bpf.RawInstruction) error {
	masks := make([]uint16, len(prog))
	for i := range masks {
		masks[i] = 0xffff
	}
	var valid uint16
	for pc, ins := range prog {
		valid &= masks[pc]
		switch ins.Op {
		case opSt, opStx:
			valid |= 1 << (ins.K & 15)
		case opLdMem, opLdxMem:
			if valid&(1<<(ins.K&15)) == 0 {
				return invalid(pc, ins, "reads scratch memory M[%d] which is not written on every path to it", ins.K)
			}
		case opJa:
			masks[pc+1+int(ins.K)] &= valid
			valid = 0xffff
		default:
			if isCondJump(ins.Op) {
				masks[pc+1+int(ins.Jt)] &= valid
				masks[pc+1+int(ins.Jf)] &= valid
				valid = 0xffff
			}
		}
	}
	return nil
}
