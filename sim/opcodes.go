package sim

import "github.com/entitle-dev/entitle/internal/linux"

// Opcodes as the kernel spells them (<linux/filter.h>, <linux/bpf_common.h>).
const (
	opLdImm  = linux.BPF_LD | linux.BPF_IMM               // ld #k
	opLdAbsW = linux.BPF_LD | linux.BPF_W | linux.BPF_ABS // ld [k]
	opLdAbsH = linux.BPF_LD | linux.BPF_H | linux.BPF_ABS
	opLdAbsB = linux.BPF_LD | linux.BPF_B | linux.BPF_ABS
	opLdIndW = linux.BPF_LD | linux.BPF_W | linux.BPF_IND
	opLdIndH = linux.BPF_LD | linux.BPF_H | linux.BPF_IND
	opLdIndB = linux.BPF_LD | linux.BPF_B | linux.BPF_IND
	opLdMem  = linux.BPF_LD | linux.BPF_MEM
	opLdLen  = linux.BPF_LD | linux.BPF_W | linux.BPF_LEN

	opLdxImm  = linux.BPF_LDX | linux.BPF_IMM
	opLdxAbsW = linux.BPF_LDX | linux.BPF_W | linux.BPF_ABS // kernel-internal only
	opLdxMem  = linux.BPF_LDX | linux.BPF_MEM
	opLdxLen  = linux.BPF_LDX | linux.BPF_W | linux.BPF_LEN
	opLdxMsh  = linux.BPF_LDX | linux.BPF_B | linux.BPF_MSH

	opSt  = linux.BPF_ST
	opStx = linux.BPF_STX

	opAddK = linux.BPF_ALU | linux.BPF_ADD | linux.BPF_K
	opAddX = linux.BPF_ALU | linux.BPF_ADD | linux.BPF_X
	opSubK = linux.BPF_ALU | linux.BPF_SUB | linux.BPF_K
	opSubX = linux.BPF_ALU | linux.BPF_SUB | linux.BPF_X
	opMulK = linux.BPF_ALU | linux.BPF_MUL | linux.BPF_K
	opMulX = linux.BPF_ALU | linux.BPF_MUL | linux.BPF_X
	opDivK = linux.BPF_ALU | linux.BPF_DIV | linux.BPF_K
	opDivX = linux.BPF_ALU | linux.BPF_DIV | linux.BPF_X
	opModK = linux.BPF_ALU | linux.BPF_MOD | linux.BPF_K
	opModX = linux.BPF_ALU | linux.BPF_MOD | linux.BPF_X
	opAndK = linux.BPF_ALU | linux.BPF_AND | linux.BPF_K
	opAndX = linux.BPF_ALU | linux.BPF_AND | linux.BPF_X
	opOrK  = linux.BPF_ALU | linux.BPF_OR | linux.BPF_K
	opOrX  = linux.BPF_ALU | linux.BPF_OR | linux.BPF_X
	opXorK = linux.BPF_ALU | linux.BPF_XOR | linux.BPF_K
	opXorX = linux.BPF_ALU | linux.BPF_XOR | linux.BPF_X
	opLshK = linux.BPF_ALU | linux.BPF_LSH | linux.BPF_K
	opLshX = linux.BPF_ALU | linux.BPF_LSH | linux.BPF_X
	opRshK = linux.BPF_ALU | linux.BPF_RSH | linux.BPF_K
	opRshX = linux.BPF_ALU | linux.BPF_RSH | linux.BPF_X
	opNeg  = linux.BPF_ALU | linux.BPF_NEG

	opJa    = linux.BPF_JMP | linux.BPF_JA
	opJeqK  = linux.BPF_JMP | linux.BPF_JEQ | linux.BPF_K
	opJeqX  = linux.BPF_JMP | linux.BPF_JEQ | linux.BPF_X
	opJgeK  = linux.BPF_JMP | linux.BPF_JGE | linux.BPF_K
	opJgeX  = linux.BPF_JMP | linux.BPF_JGE | linux.BPF_X
	opJgtK  = linux.BPF_JMP | linux.BPF_JGT | linux.BPF_K
	opJgtX  = linux.BPF_JMP | linux.BPF_JGT | linux.BPF_X
	opJsetK = linux.BPF_JMP | linux.BPF_JSET | linux.BPF_K
	opJsetX = linux.BPF_JMP | linux.BPF_JSET | linux.BPF_X

	opRetK = linux.BPF_RET | linux.BPF_K
	opRetA = linux.BPF_RET | linux.BPF_A

	opTax = linux.BPF_MISC | linux.BPF_TAX
	opTxa = linux.BPF_MISC | linux.BPF_TXA
)

// Limits enforced at load time.
const (
	MaxInsns = linux.BPF_MAXINSNS // 4096 instructions per filter
	MemWords = linux.BPF_MEMWORDS // 16 scratch-memory slots
)

// opClass tells what the kernel thinks of an opcode.
type opClass uint8

const (
	opUnknown     opClass = iota // not in bpf_check_classic's table
	opClassicOnly                // valid classic BPF, refused by seccomp_check_filter
	opSeccomp                    // allowed in a seccomp filter
)

// classify mirrors chk_code_allowed (net/core/filter.c) intersected with
// the allow-list of seccomp_check_filter (kernel/seccomp.c).
func classify(op uint16) opClass {
	switch op {
	case opLdAbsW, opLdLen, opLdxLen,
		opAddK, opAddX, opSubK, opSubX, opMulK, opMulX, opDivK, opDivX,
		opAndK, opAndX, opOrK, opOrX, opXorK, opXorX,
		opLshK, opLshX, opRshK, opRshX, opNeg,
		opLdImm, opLdxImm, opTax, opTxa, opLdMem, opLdxMem, opSt, opStx,
		opJa, opJeqK, opJeqX, opJgeK, opJgeX, opJgtK, opJgtX, opJsetK, opJsetX,
		opRetK, opRetA:
		return opSeccomp
	case opLdAbsH, opLdAbsB, opLdIndW, opLdIndH, opLdIndB, opLdxMsh, opModK, opModX:
		return opClassicOnly
	}
	return opUnknown
}

func isCondJump(op uint16) bool {
	switch op {
	case opJeqK, opJeqX, opJgeK, opJgeX, opJgtK, opJgtX, opJsetK, opJsetX:
		return true
	}
	return false
}
