package scan

import (
	"encoding/binary"

	"golang.org/x/arch/x86/x86asm"
)

const (
	rAX = iota
	rCX
	rDX
	rBX
	rSP
	rBP
	rSI
	rDI
	r8
	r9
	r10
	r11
)

const noReg = 0xFF

// x86CallClob: the registers a call may change under the SysV ABI.
const x86CallClob = 1<<rAX | 1<<rCX | 1<<rDX | 1<<rSI | 1<<rDI | 1<<r8 | 1<<r9 | 1<<r10 | 1<<r11

var x86isa = &isa{
	name:     "x86_64",
	sp:       rSP,
	nrReg:    rAX,
	sysArgs:  [6]uint8{rDI, rSI, rDX, r10, r8, r9},
	retReg:   rAX,
	retAddr:  8,
	callClob: x86CallClob,
	sysClob:  1<<rAX | 1<<rCX | 1<<r11,
	decode:   decodeX86,
	minInsn:  1,
	scanCalls: func(code []byte, base uint64, fn func(at, target uint64)) {
		for i := 0; i+5 <= len(code); i++ {
			if code[i] == 0xE8 || code[i] == 0xE9 {
				rel := int32(binary.LittleEndian.Uint32(code[i+1:]))
				fn(base+uint64(i), base+uint64(i)+5+uint64(int64(rel)))
			}
		}
	},
}

// x86reg maps a decoder register to (our number, width in bits); ok is
// false for registers the analysis does not track (vector, segment, ...).
func x86reg(r x86asm.Reg) (uint8, int, bool) {
	switch {
	case r >= x86asm.RAX && r <= x86asm.R15:
		return uint8(r - x86asm.RAX), 64, true
	case r >= x86asm.EAX && r <= x86asm.R15L:
		return uint8(r - x86asm.EAX), 32, true
	case r >= x86asm.AX && r <= x86asm.R15W:
		return uint8(r - x86asm.AX), 16, true
	case r >= x86asm.AL && r <= x86asm.BL:
		return uint8(r - x86asm.AL), 8, true
	case r >= x86asm.AH && r <= x86asm.BH:
		return uint8(r - x86asm.AH), 8, true
	case r >= x86asm.SPB && r <= x86asm.R15B:
		return uint8(r-x86asm.SPB) + 4, 8, true
	}
	return 0, 0, false
}

// implicit registers written by instructions beyond their first operand.
func x86implicit(op x86asm.Op) uint32 {
	const (
		a = 1 << rAX
		c = 1 << rCX
		d = 1 << rDX
		b = 1 << rBX
		s = 1 << rSI
		D = 1 << rDI
	)
	switch op {
	case x86asm.MUL, x86asm.IMUL, x86asm.DIV, x86asm.IDIV:
		return a | d
	case x86asm.CDQ, x86asm.CQO, x86asm.CWD:
		return d
	case x86asm.CDQE, x86asm.CWDE, x86asm.CBW:
		return a
	case x86asm.CPUID:
		return a | b | c | d
	case x86asm.RDTSC, x86asm.RDTSCP, x86asm.RDPMC, x86asm.RDMSR, x86asm.XGETBV:
		return a | c | d
	case x86asm.CMPXCHG, x86asm.CMPXCHG8B, x86asm.CMPXCHG16B, x86asm.LAHF:
		return a | d
	case x86asm.MOVSB, x86asm.MOVSW, x86asm.MOVSD, x86asm.MOVSQ,
		x86asm.CMPSB, x86asm.CMPSW, x86asm.CMPSD, x86asm.CMPSQ:
		return s | D | c
	case x86asm.STOSB, x86asm.STOSW, x86asm.STOSD, x86asm.STOSQ,
		x86asm.SCASB, x86asm.SCASW, x86asm.SCASD, x86asm.SCASQ:
		return D | c | a
	case x86asm.LODSB, x86asm.LODSW, x86asm.LODSD, x86asm.LODSQ:
		return s | a | c
	case x86asm.LOOP, x86asm.LOOPE, x86asm.LOOPNE:
		return c
	case x86asm.XCHG, x86asm.XADD:
		return 0 // both operands: handled by the caller
	case x86asm.ENTER, x86asm.LEAVE:
		return 1<<rSP | 1<<rBP
	}
	return 0
}

// decodeX86 decodes one instruction at code[0] (address pc) and appends
// its IR. It returns the instruction's length (at least 1, so the caller
// can step over undecodable bytes).
func decodeX86(m *module, code []byte, pc uint64, out []inst) ([]inst, int) {
	if len(code) >= 4 && code[0] == 0xF3 && code[1] == 0x0F && code[2] == 0x1E && (code[3] == 0xFA || code[3] == 0xFB) {
		return out, 4 // endbr64/endbr32, which the decoder does not know
	}
	in, err := x86asm.Decode(code, 64)
	if err != nil || in.Len == 0 {
		// Undecodable bytes: data in the text or padding. Everything is
		// unknown afterwards, and the path does not continue.
		return append(out, inst{pc: pc, op: iTrap}), 1
	}
	n := in.Len
	next := pc + uint64(n)
	e := inst{pc: pc, op: iOther, dst: noReg, src: noReg, base: noReg}
	if m != nil && m.wantRefs {
		for _, a := range in.Args {
			if a == nil {
				break
			}
			if mm, ok := a.(x86asm.Mem); ok && mm.Base == x86asm.RIP {
				out = append(out, inst{pc: pc, op: iRef, tgt: next + uint64(mm.Disp), dst: noReg, src: noReg, base: noReg})
			}
		}
	}
	relTarget := func(a x86asm.Arg) (uint64, bool) {
		if r, ok := a.(x86asm.Rel); ok {
			return next + uint64(int64(r)), true
		}
		return 0, false
	}
	ripMem := func(a x86asm.Arg) (uint64, bool) {
		if mm, ok := a.(x86asm.Mem); ok && mm.Base == x86asm.RIP && mm.Index == 0 {
			return next + uint64(mm.Disp), true
		}
		return 0, false
	}
	// stackMem returns the base register and displacement of a simple
	// [reg + disp] memory operand.
	simpleMem := func(a x86asm.Arg) (uint8, int64, bool) {
		mm, ok := a.(x86asm.Mem)
		if !ok || mm.Index != 0 || mm.Segment != 0 {
			return 0, 0, false
		}
		r, w, ok := x86reg(mm.Base)
		if !ok || w != 64 {
			return 0, 0, false
		}
		return r, mm.Disp, true
	}
	clobArgs := func() {
		for i, a := range in.Args {
			if a == nil {
				break
			}
			if i > 0 && in.Op != x86asm.XCHG && in.Op != x86asm.XADD {
				break
			}
			switch a := a.(type) {
			case x86asm.Reg:
				if r, _, ok := x86reg(a); ok {
					e.clob |= 1 << r
				}
			case x86asm.Mem:
				if b, d, ok := simpleMem(a); ok {
					out = append(out, inst{pc: pc, op: iKillMem, base: b, imm: d, size: uint8(max(in.MemBytes, 1))})
				}
			}
		}
		if (in.Op == x86asm.MOVSD || in.Op == x86asm.CMPSD) && in.Args[0] != nil {
			return // the SSE instructions of the same name
		}
		e.clob |= x86implicit(in.Op)
	}

	switch in.Op {
	case x86asm.SYSCALL, x86asm.SYSENTER:
		e.op = iSys
		return append(out, e), n
	case x86asm.INT:
		if imm, ok := in.Args[0].(x86asm.Imm); ok && imm == 0x80 {
			e.op = iSys32
			return append(out, e), n
		}
		if imm, ok := in.Args[0].(x86asm.Imm); ok && imm == 3 {
			e.op = iTrap // int3: a breakpoint, Go's padding between functions
			return append(out, e), n
		}
		e.clob = x86CallClob
		return append(out, e), n
	case x86asm.UD1, x86asm.UD2, x86asm.HLT:
		e.op = iTrap
		return append(out, e), n
	case x86asm.RET, x86asm.IRET, x86asm.IRETD, x86asm.IRETQ, x86asm.SYSRET, x86asm.SYSEXIT:
		e.op = iRet
		return append(out, e), n
	case x86asm.CALL:
		if t, ok := relTarget(in.Args[0]); ok {
			e.op, e.tgt = iCall, t
		} else if t, ok := ripMem(in.Args[0]); ok {
			e.op, e.tgt = iCallGOT, t
		} else {
			e.op = iCallInd
			if rg, ok := in.Args[0].(x86asm.Reg); ok {
				if r, w, ok := x86reg(rg); ok && w == 64 {
					e.src = r
				}
			}
		}
		return append(out, e), n
	case x86asm.JMP:
		if t, ok := relTarget(in.Args[0]); ok {
			e.op, e.tgt = iJmp, t
		} else if t, ok := ripMem(in.Args[0]); ok {
			e.op, e.tgt = iJmpGOT, t
		} else {
			e.op = iJmpInd
			if rg, ok := in.Args[0].(x86asm.Reg); ok {
				if r, w, ok := x86reg(rg); ok && w == 64 {
					e.src = r
				}
			}
		}
		return append(out, e), n
	case x86asm.JA, x86asm.JAE, x86asm.JB, x86asm.JBE, x86asm.JCXZ, x86asm.JE, x86asm.JECXZ,
		x86asm.JG, x86asm.JGE, x86asm.JL, x86asm.JLE, x86asm.JNE, x86asm.JNO, x86asm.JNP,
		x86asm.JNS, x86asm.JO, x86asm.JP, x86asm.JRCXZ, x86asm.JS,
		x86asm.LOOP, x86asm.LOOPE, x86asm.LOOPNE:
		if t, ok := relTarget(in.Args[0]); ok {
			if in.Op == x86asm.LOOP || in.Op == x86asm.LOOPE || in.Op == x86asm.LOOPNE {
				out = append(out, inst{pc: pc, op: iOther, clob: 1 << rCX})
			}
			e.op, e.tgt = iJcc, t
			return append(out, e), n
		}
	case x86asm.PUSH:
		out = append(out, inst{pc: pc, op: iAddImm, dst: rSP, src: rSP, imm: -8})
		st := inst{pc: pc, base: rSP, size: 8}
		switch a := in.Args[0].(type) {
		case x86asm.Reg:
			if r, w, ok := x86reg(a); ok && w == 64 {
				st.op, st.src = iStore, r
				return append(out, st), n
			}
		case x86asm.Imm:
			st.op, st.tgt = iStoreImm, uint64(int64(a))
			return append(out, st), n
		}
		st.op = iKillMem
		return append(out, st), n
	case x86asm.POP:
		if a, ok := in.Args[0].(x86asm.Reg); ok {
			if r, w, ok := x86reg(a); ok && w == 64 {
				out = append(out, inst{pc: pc, op: iLoad, dst: r, base: rSP, size: 8})
			}
		}
		return append(out, inst{pc: pc, op: iAddImm, dst: rSP, src: rSP, imm: 8}), n
	case x86asm.XOR, x86asm.SUB:
		if a, ok := in.Args[0].(x86asm.Reg); ok && in.Args[1] == in.Args[0] {
			if r, w, ok := x86reg(a); ok && w >= 32 {
				e.op, e.dst, e.imm = iMovImm, r, 0
				return append(out, e), n
			}
		}
		if in.Op == x86asm.SUB {
			if a, ok := in.Args[0].(x86asm.Reg); ok {
				if imm, ok := in.Args[1].(x86asm.Imm); ok {
					if r, w, ok := x86reg(a); ok && w >= 32 {
						e.op, e.dst, e.src, e.imm, e.w32 = iAddImm, r, r, -int64(imm), w == 32
						return append(out, e), n
					}
				}
			}
		}
	case x86asm.ADD, x86asm.OR:
		if a, ok := in.Args[0].(x86asm.Reg); ok {
			if imm, ok := in.Args[1].(x86asm.Imm); ok {
				if r, w, ok := x86reg(a); ok && w >= 32 {
					e.dst, e.src, e.imm, e.w32 = r, r, int64(imm), w == 32
					if in.Op == x86asm.ADD {
						e.op = iAddImm
					} else {
						e.op = iOrImm
						if w == 32 {
							e.imm &= 0xFFFFFFFF
						}
					}
					return append(out, e), n
				}
			}
		}
	case x86asm.MOV, x86asm.MOVZX, x86asm.MOVSXD:
		switch d := in.Args[0].(type) {
		case x86asm.Reg:
			r, w, ok := x86reg(d)
			if !ok {
				break
			}
			if w < 32 && in.Op == x86asm.MOV {
				break // partial write: clobber
			}
			e.dst, e.w32 = r, w == 32
			switch s := in.Args[1].(type) {
			case x86asm.Imm:
				if in.Op == x86asm.MOV {
					e.op, e.imm = iMovImm, int64(s)
					if w == 32 {
						e.imm &= 0xFFFFFFFF
					}
					return append(out, e), n
				}
			case x86asm.Reg:
				if sr, sw, ok := x86reg(s); ok && sw >= 32 && in.Op == x86asm.MOV {
					e.op, e.src = iMovReg, sr
					return append(out, e), n
				}
				if sr, sw, ok := x86reg(s); ok && sw == 32 && w == 64 && in.Op == x86asm.MOVSXD {
					// Go widens int32 arguments so (fcntl's cmd).
					e.op, e.src, e.sext = iMovReg, sr, true
					return append(out, e), n
				}
			case x86asm.Mem:
				if in.Op == x86asm.MOVSXD && in.MemBytes == 4 && w == 64 {
					if b, disp, ok := simpleMem(s); ok {
						e.op, e.base, e.imm, e.size, e.sext = iLoad, b, disp, 4, true
						return append(out, e), n
					}
				}
				if in.Op == x86asm.MOVSXD || in.Op == x86asm.MOVZX {
					break
				}
				if t, ok := ripMem(s); ok && w == 64 {
					e.op, e.tgt = iGOTRef, t
					return append(out, e), n
				}
				if b, disp, ok := simpleMem(s); ok && (in.MemBytes == 8 || in.MemBytes == 4) {
					e.op, e.base, e.imm, e.size = iLoad, b, disp, uint8(in.MemBytes)
					return append(out, e), n
				}
			}
		case x86asm.Mem:
			b, disp, ok := simpleMem(d)
			if !ok {
				return append(out, e), n
			}
			e.base, e.imm, e.size = b, disp, uint8(max(in.MemBytes, 1))
			switch s := in.Args[1].(type) {
			case x86asm.Reg:
				if sr, sw, ok := x86reg(s); ok && sw >= 32 && sw/8 == in.MemBytes {
					e.op, e.src = iStore, sr
					return append(out, e), n
				}
			case x86asm.Imm:
				if in.MemBytes == 8 || in.MemBytes == 4 {
					e.op, e.tgt = iStoreImm, uint64(int64(s))
					if in.MemBytes == 4 {
						e.tgt &= 0xFFFFFFFF
					}
					return append(out, e), n
				}
			}
			e.op = iKillMem
			return append(out, e), n
		}
	case x86asm.LEA:
		if d, ok := in.Args[0].(x86asm.Reg); ok {
			if r, w, ok := x86reg(d); ok && w >= 32 {
				e.dst, e.w32 = r, w == 32
				if t, ok := ripMem(in.Args[1]); ok {
					e.op, e.tgt = iAddr, t
					return append(out, e), n
				}
				if b, disp, ok := simpleMem(in.Args[1]); ok {
					e.op, e.src, e.imm = iAddImm, b, disp
					return append(out, e), n
				}
			}
		}
	case x86asm.NOP, x86asm.PAUSE, x86asm.TEST, x86asm.CMP, x86asm.BT,
		x86asm.PREFETCHT0, x86asm.PREFETCHT1, x86asm.PREFETCHT2, x86asm.PREFETCHNTA,
		x86asm.LFENCE, x86asm.MFENCE, x86asm.SFENCE:
		return out, n
	}
	clobArgs()
	if e.clob == 0 && len(out) > 0 && out[len(out)-1].pc == pc {
		return out, n
	}
	return append(out, e), n
}
