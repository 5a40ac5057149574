package sim

import "golang.org/x/sys/unix"

// Opcodes as the kernel spells them (<linux/filter.h>, <linux/bpf_common.h>).
const (
	opLdImm  = unix.BPF_LD | unix.BPF_IMM              // ld #k
	opLdAbsW = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS // ld [k]
	opLdAbsH = unix.BPF_LD | unix.BPF_H | unix.BPF_ABS
	opLdAbsB = unix.BPF_LD | unix.BPF_B | unix.BPF_ABS
	opLdIndW = unix.BPF_LD | unix.BPF_W | unix.BPF_IND
	opLdIndH = unix.BPF_LD | unix.BPF_H | unix.BPF_IND
	opLdIndB = unix.BPF_LD | unix.BPF_B | unix.BPF_IND
	opLdMem  = unix.BPF_LD | unix.BPF_MEM
	opLdLen  = unix.BPF_LD | unix.BPF_W | unix.BPF_LEN

	opLdxImm  = unix.BPF_LDX | unix.BPF_IMM
	opLdxAbsW = unix.BPF_LDX | unix.BPF_W | unix.BPF_ABS // kernel-internal only
	opLdxMem  = unix.BPF_LDX | unix.BPF_MEM
	opLdxLen  = unix.BPF_LDX | unix.BPF_W | unix.BPF_LEN
	opLdxMsh  = unix.BPF_LDX | unix.BPF_B | unix.BPF_MSH

	opSt  = unix.BPF_ST
	opStx = unix.BPF_STX

	opAddK = unix.BPF_ALU | unix.BPF_ADD | unix.BPF_K
	opAddX = unix.BPF_ALU | unix.BPF_ADD | unix.BPF_X
	opSubK = unix.BPF_ALU | unix.BPF_SUB | unix.BPF_K
	opSubX = unix.BPF_ALU | unix.BPF_SUB | unix.BPF_X
	opMulK = unix.BPF_ALU | unix.BPF_MUL | unix.BPF_K
	opMulX = unix.BPF_ALU | unix.BPF_MUL | unix.BPF_X
	opDivK = unix.BPF_ALU | unix.BPF_DIV | unix.BPF_K
	opDivX = unix.BPF_ALU | unix.BPF_DIV | unix.BPF_X
	opModK = unix.BPF_ALU | unix.BPF_MOD | unix.BPF_K
	opModX = unix.BPF_ALU | unix.BPF_MOD | unix.BPF_X
	opAndK = unix.BPF_ALU | unix.BPF_AND | unix.BPF_K
	opAndX = unix.BPF_ALU | unix.BPF_AND | unix.BPF_X
	opOrK  = unix.BPF_ALU | unix.BPF_OR | unix.BPF_K
	opOrX  = unix.BPF_ALU | unix.BPF_OR | unix.BPF_X
	opXorK = unix.BPF_ALU | unix.BPF_XOR | unix.BPF_K
	opXorX = unix.BPF_ALU | unix.BPF_XOR | unix.BPF_X
	opLshK = unix.BPF_ALU | unix.BPF_LSH | unix.BPF_K
	opLshX = unix.BPF_ALU | unix.BPF_LSH | unix.BPF_X
	opRshK = unix.BPF_ALU | unix.BPF_RSH | unix.BPF_K
	opRshX = unix.BPF_ALU | unix.BPF_RSH | unix.BPF_X
	opNeg  = unix.BPF_ALU | unix.BPF_NEG

	opJa    = unix.BPF_JMP | unix.BPF_JA
	opJeqK  = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
	opJeqX  = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_X
	opJgeK  = unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K
	opJgeX  = unix.BPF_JMP | unix.BPF_JGE | unix.BPF_X
	opJgtK  = unix.BPF_JMP | unix.BPF_JGT | unix.BPF_K
	opJgtX  = unix.BPF_JMP | unix.BPF_JGT | unix.BPF_X
	opJsetK = unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K
	opJsetX = unix.BPF_JMP | unix.BPF_JSET | unix.BPF_X

	opRetK = unix.BPF_RET | unix.BPF_K
	opRetA = unix.BPF_RET | unix.BPF_A

	opTax = unix.BPF_MISC | unix.BPF_TAX
	opTxa = unix.BPF_MISC | unix.BPF_TXA
)

// Limits enforced at load time.
const (
	MaxInsns = unix.BPF_MAXINSNS // 4096 instructions per filter
	MemWords = unix.BPF_MEMWORDS // 16 scratch-memory slots
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
