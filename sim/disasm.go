package sim

import (
	"fmt"
	"strings"

	"github.com/entitle-dev/entitle/internal/linux"
	"golang.org/x/net/bpf"
)

// opName is a short mnemonic for an opcode, used in error messages.
func opName(op uint16) string {
	switch op {
	case opLdImm:
		return "ld #k"
	case opLdAbsW:
		return "ld [k]"
	case opLdAbsH:
		return "ldh [k]"
	case opLdAbsB:
		return "ldb [k]"
	case opLdIndW:
		return "ld [x+k]"
	case opLdIndH:
		return "ldh [x+k]"
	case opLdIndB:
		return "ldb [x+k]"
	case opLdMem:
		return "ld M[k]"
	case opLdLen:
		return "ld #len"
	case opLdxImm:
		return "ldx #k"
	case opLdxAbsW:
		return "ldx [k]"
	case opLdxMem:
		return "ldx M[k]"
	case opLdxLen:
		return "ldx #len"
	case opLdxMsh:
		return "ldxb 4*([k]&0xf)"
	case opSt:
		return "st"
	case opStx:
		return "stx"
	case opNeg:
		return "neg"
	case opJa:
		return "ja"
	case opRetK:
		return "ret #k"
	case opRetA:
		return "ret a"
	case opTax:
		return "tax"
	case opTxa:
		return "txa"
	}
	if m := aluName(op); m != "" {
		return m + srcName(op)
	}
	if m := jmpName(op); m != "" {
		return m + srcName(op)
	}
	return fmt.Sprintf("op 0x%02x", op)
}

func srcName(op uint16) string {
	if op&linux.BPF_X != 0 {
		return " x"
	}
	return " #k"
}

func aluName(op uint16) string {
	if op&0x07 != linux.BPF_ALU || op&^0xff != 0 {
		return ""
	}
	switch op & 0xf0 {
	case linux.BPF_ADD:
		return "add"
	case linux.BPF_SUB:
		return "sub"
	case linux.BPF_MUL:
		return "mul"
	case linux.BPF_DIV:
		return "div"
	case linux.BPF_MOD:
		return "mod"
	case linux.BPF_AND:
		return "and"
	case linux.BPF_OR:
		return "or"
	case linux.BPF_XOR:
		return "xor"
	case linux.BPF_LSH:
		return "lsh"
	case linux.BPF_RSH:
		return "rsh"
	}
	return ""
}

func jmpName(op uint16) string {
	if op&0x07 != linux.BPF_JMP || op&^0xff != 0 {
		return ""
	}
	switch op & 0xf0 {
	case linux.BPF_JEQ:
		return "jeq"
	case linux.BPF_JGE:
		return "jge"
	case linux.BPF_JGT:
		return "jgt"
	case linux.BPF_JSET:
		return "jset"
	}
	return ""
}

// InsnString renders one instruction at index i in the syntax of
// [Disassemble] (jump targets are absolute instruction indices).
func InsnString(i int, ins bpf.RawInstruction) string {
	k := ins.K
	switch ins.Op {
	case opLdImm:
		return fmt.Sprintf("ld #0x%x", k)
	case opLdAbsW:
		return fmt.Sprintf("ld [%d]", k)
	case opLdAbsH:
		return fmt.Sprintf("ldh [%d]", k)
	case opLdAbsB:
		return fmt.Sprintf("ldb [%d]", k)
	case opLdIndW:
		return fmt.Sprintf("ld [x+%d]", k)
	case opLdIndH:
		return fmt.Sprintf("ldh [x+%d]", k)
	case opLdIndB:
		return fmt.Sprintf("ldb [x+%d]", k)
	case opLdMem:
		return fmt.Sprintf("ld M[%d]", k)
	case opLdLen:
		return "ld #len"
	case opLdxImm:
		return fmt.Sprintf("ldx #0x%x", k)
	case opLdxAbsW:
		return fmt.Sprintf("ldx [%d]", k)
	case opLdxMem:
		return fmt.Sprintf("ldx M[%d]", k)
	case opLdxLen:
		return "ldx #len"
	case opLdxMsh:
		return fmt.Sprintf("ldxb 4*([%d]&0xf)", k)
	case opSt:
		return fmt.Sprintf("st M[%d]", k)
	case opStx:
		return fmt.Sprintf("stx M[%d]", k)
	case opNeg:
		return "neg"
	case opTax:
		return "tax"
	case opTxa:
		return "txa"
	case opRetK:
		return fmt.Sprintf("ret #0x%x", k)
	case opRetA:
		return "ret a"
	case opJa:
		return fmt.Sprintf("ja %d", int64(i)+1+int64(k))
	}
	if m := aluName(ins.Op); m != "" {
		if ins.Op&linux.BPF_X != 0 {
			return m + " x"
		}
		return fmt.Sprintf("%s #0x%x", m, k)
	}
	if m := jmpName(ins.Op); m != "" {
		src := fmt.Sprintf("#0x%x", k)
		if ins.Op&linux.BPF_X != 0 {
			src = "x"
		}
		return fmt.Sprintf("%s %s, %d, %d", m, src, i+1+int(ins.Jt), i+1+int(ins.Jf))
	}
	return fmt.Sprintf("unknown op=0x%04x jt=%d jf=%d k=0x%x", ins.Op, ins.Jt, ins.Jf, k)
}

// Disassemble renders prog one instruction per line, as "%4d: <insn>", e.g.
//
//	 0: ld [4]
//	 1: jeq #0xc000003e, 2, 5
//	 2: ld [0]
//	12: jeq #0x29, 13, 20
//	20: ret #0x7fff0000
//
// Jump targets are absolute instruction indices; constants are hex, load
// offsets decimal. If annotate is not nil and returns a non-empty string for
// an instruction, it is appended as a "; comment". Any instruction, valid or
// not, is rendered; unknown opcodes as "unknown op=0x.. jt=.. jf=.. k=0x..".
func Disassemble(prog []bpf.RawInstruction, annotate func(i int, ins bpf.RawInstruction) string) string {
	var b strings.Builder
	for i, ins := range prog {
		text := InsnString(i, ins)
		comment := ""
		if annotate != nil {
			comment = annotate(i, ins)
		}
		if comment != "" {
			fmt.Fprintf(&b, "%4d: %-28s ; %s\n", i, text, comment)
		} else {
			fmt.Fprintf(&b, "%4d: %s\n", i, text)
		}
	}
	return b.String()
}

// RetString renders a seccomp return value: "ALLOW", "ERRNO(1)",
// "KILL_PROCESS", "KILL_THREAD", "TRAP(0)", "LOG", "TRACE(5)",
// "USER_NOTIF", or "UNKNOWN(0x...)" for an action the kernel does not know
// (which it treats as KILL_PROCESS). Data bits on actions that carry none
// (ALLOW, LOG, KILL_*, USER_NOTIF) are shown as e.g. "ALLOW(data=0x5)".
func RetString(ret uint32) string {
	data := ret & linux.SECCOMP_RET_DATA
	plain := func(name string) string {
		if data != 0 {
			return fmt.Sprintf("%s(data=0x%x)", name, data)
		}
		return name
	}
	switch ret & linux.SECCOMP_RET_ACTION_FULL {
	case linux.SECCOMP_RET_KILL_PROCESS:
		return plain("KILL_PROCESS")
	case linux.SECCOMP_RET_KILL_THREAD:
		return plain("KILL_THREAD")
	case linux.SECCOMP_RET_TRAP:
		return fmt.Sprintf("TRAP(%d)", data)
	case linux.SECCOMP_RET_ERRNO:
		return fmt.Sprintf("ERRNO(%d)", data)
	case linux.SECCOMP_RET_USER_NOTIF:
		return plain("USER_NOTIF")
	case linux.SECCOMP_RET_TRACE:
		return fmt.Sprintf("TRACE(%d)", data)
	case linux.SECCOMP_RET_LOG:
		return plain("LOG")
	case linux.SECCOMP_RET_ALLOW:
		return plain("ALLOW")
	}
	return fmt.Sprintf("UNKNOWN(0x%x)", ret)
}
