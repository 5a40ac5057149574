package scan

import (
	"encoding/binary"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/arch/arm64/arm64asm"
)

// aarch64: registers 0-30 are x0-x30 and 31 is the stack pointer; the
// zero register is never a destination and reads as the constant 0.
const a64SP = 31

var arm64isa = &isa{
	name:    "aarch64",
	sp:      a64SP,
	nrReg:   8,
	sysArgs: [6]uint8{0, 1, 2, 3, 4, 5},
	retReg:  0,
	// A call (bl) pushes nothing: the callee sees the caller's stack
	// pointer, and stack arguments start at it (C) or 8 above it (Go).
	retAddr: 0,
	// x0-x18 and the link register are caller-saved.
	callClob: 1<<19 - 1 | 1<<30,
	// svc changes x0 only.
	sysClob: 1 << 0,
	decode:  decodeARM64,
	minInsn: 4,
	scanCalls: func(code []byte, base uint64, fn func(at, target uint64)) {
		for i := 0; i+4 <= len(code); i += 4 {
			w := binary.LittleEndian.Uint32(code[i:])
			if w&0x7C000000 == 0x14000000 { // b, bl
				fn(base+uint64(i), base+uint64(i)+uint64(int64(int32(w<<6)>>6)*4))
			}
		}
	},
}

// a64reg maps a decoder register to our number and width. zr is set for
// the zero register (wzr/xzr); ok is false for registers the analysis
// does not track (vector and floating point).
func a64reg(a arm64asm.Arg) (r uint8, w int, zr, ok bool) {
	switch a := a.(type) {
	case arm64asm.Reg:
		switch {
		case a >= arm64asm.W0 && a <= arm64asm.W30:
			return uint8(a - arm64asm.W0), 32, false, true
		case a == arm64asm.WZR:
			return 0, 32, true, true
		case a >= arm64asm.X0 && a <= arm64asm.X30:
			return uint8(a - arm64asm.X0), 64, false, true
		case a == arm64asm.XZR:
			return 0, 64, true, true
		}
	case arm64asm.RegSP:
		switch r := arm64asm.Reg(a); {
		case r >= arm64asm.W0 && r <= arm64asm.W30:
			return uint8(r - arm64asm.W0), 32, false, true
		case r == arm64asm.WSP:
			return a64SP, 32, false, true
		case r >= arm64asm.X0 && r <= arm64asm.X30:
			return uint8(r - arm64asm.X0), 64, false, true
		case r == arm64asm.SP:
			return a64SP, 64, false, true
		}
	}
	return 0, 0, false, false
}

// a64fpSize is the size in bytes of a floating point or vector register
// operand (b, h, s, d, q), or 0.
func a64fpSize(a arm64asm.Arg) int {
	r, ok := a.(arm64asm.Reg)
	if !ok {
		return 0
	}
	switch {
	case r >= arm64asm.B0 && r <= arm64asm.B31:
		return 1
	case r >= arm64asm.H0 && r <= arm64asm.H31:
		return 2
	case r >= arm64asm.S0 && r <= arm64asm.S31:
		return 4
	case r >= arm64asm.D0 && r <= arm64asm.D31:
		return 8
	case r >= arm64asm.Q0 && r <= arm64asm.Q31:
		return 16
	}
	return 0
}

// a64memImm returns the immediate of a [base, #imm] operand. The decoder
// keeps it unexported; its text form is documented ("[R,#X]", "[R,#X]!",
// "[R],#X", "[R]").
func a64memImm(m arm64asm.MemImmediate) (int64, bool) {
	if m.Mode == arm64asm.AddrPostReg {
		return 0, false
	}
	s := m.String()
	i := strings.IndexByte(s, '#')
	if i < 0 {
		return 0, true
	}
	j := i + 1
	for j < len(s) && (s[j] == '-' || s[j] >= '0' && s[j] <= '9') {
		j++
	}
	v, err := strconv.ParseInt(s[i+1:j], 10, 64)
	return v, err == nil
}

// Instruction classes by mnemonic, for the instructions not modelled one
// by one: which of their register operands they write.
const (
	a64WritesFirst  = iota // the first operand is the destination
	a64WritesTwo           // the first two (ldp, ldxp, ...)
	a64WritesSecond        // the second (swp, ldadd: Xs, Xt, [Xn])
	a64WritesNone          // stores, compares, branches, hints
)

var a64class = sync.OnceValue(func() map[arm64asm.Op]uint8 {
	c := map[arm64asm.Op]uint8{}
	for op := arm64asm.Op(1); op < 4096; op++ {
		name := op.String()
		if strings.HasPrefix(name, "Op(") {
			break // the mnemonics are numbered from 1 without gaps
		}
		switch {
		case name == "STXR" || name == "STLXR" || name == "STXRB" || name == "STLXRB" || name == "STXRH" || name == "STLXRH" ||
			name == "STXP" || name == "STLXP":
			c[op] = a64WritesFirst // the status register
		case strings.HasPrefix(name, "ST"), strings.HasPrefix(name, "PRF"),
			name == "CMP", name == "CMN", name == "TST", name == "CCMP", name == "CCMN",
			name == "MSR", name == "SYS", name == "DC", name == "IC", name == "TLBI", name == "AT",
			name == "B", name == "BR", name == "BLR", name == "CBZ", name == "CBNZ", name == "TBZ", name == "TBNZ",
			name == "RET", name == "HINT", name == "NOP", name == "YIELD", name == "WFE", name == "WFI", name == "SEV", name == "SEVL",
			name == "DMB", name == "DSB", name == "ISB", name == "CLREX":
			c[op] = a64WritesNone
		case strings.HasPrefix(name, "LDP"), strings.HasPrefix(name, "LDNP"), strings.HasPrefix(name, "LDXP"), strings.HasPrefix(name, "LDAXP"),
			strings.HasPrefix(name, "CASP"):
			c[op] = a64WritesTwo
		case strings.HasPrefix(name, "SWP"), strings.HasPrefix(name, "LDADD"), strings.HasPrefix(name, "LDCLR"), strings.HasPrefix(name, "LDEOR"),
			strings.HasPrefix(name, "LDSET"), strings.HasPrefix(name, "LDSMAX"), strings.HasPrefix(name, "LDSMIN"),
			strings.HasPrefix(name, "LDUMAX"), strings.HasPrefix(name, "LDUMIN"):
			c[op] = a64WritesSecond
		}
	}
	return c
})

// a64allRegs is every general register but the stack pointer.
const a64allRegs = 1<<31 - 1

// decodeARM64 decodes the instruction at code[0] (address pc) and appends
// its IR. Instructions are 4 bytes.
func decodeARM64(m *module, code []byte, pc uint64, out []inst) ([]inst, int) {
	if len(code) < 4 {
		return append(out, inst{pc: pc, op: iTrap}), max(len(code), 1)
	}
	word := binary.LittleEndian.Uint32(code)
	e := inst{pc: pc, op: iOther, dst: noReg, src: noReg, base: noReg}
	if word&0xFE000000 == 0xD6000000 {
		// Branch to a register, with or without pointer authentication
		// (the decoder does not know braa, blraa, retaa).
		switch (word >> 21) & 0xF {
		case 0:
			e.op, e.src = iJmpInd, uint8(word>>5)&31
		case 1:
			e.op, e.src = iCallInd, uint8(word>>5)&31
		default:
			e.op = iRet
		}
		return append(out, e), 4
	}
	in, err := arm64asm.Decode(code[:4])
	if err != nil {
		if word == 0 || word&0xFFFF0000 == 0 {
			// udf: Go's padding between functions, or a deliberate trap.
			e.op = iTrap
			return append(out, e), 4
		}
		// An encoding the decoder does not know (LSE atomics, SVE, ...):
		// any general register may have changed; the path goes on.
		e.clob = a64allRegs
		return append(out, e), 4
	}
	emit := func(x inst) {
		x.pc = pc
		out = append(out, x)
	}
	pcrel := func() (uint64, bool) {
		for _, a := range in.Args {
			if r, ok := a.(arm64asm.PCRel); ok {
				return pc + uint64(int64(r)), true
			}
		}
		return 0, false
	}
	// movImm sets register dst (width w) to x.
	movImm := func(dst uint8, w int, x uint64) {
		if w == 32 {
			x &= 0xFFFFFFFF
		}
		emit(inst{op: iMovImm, dst: dst, src: noReg, base: noReg, imm: int64(x), w32: w == 32})
	}
	clob := func(r uint8) {
		if r != a64SP {
			emit(inst{op: iOther, dst: noReg, src: noReg, base: noReg, clob: 1 << r})
		}
	}
	args := in.Args

	switch in.Op {
	case arm64asm.SVC:
		e.op = iSys
		return append(out, e), 4
	case arm64asm.BRK, arm64asm.HLT:
		e.op = iTrap
		return append(out, e), 4
	case arm64asm.B:
		t, _ := pcrel()
		if _, cond := args[0].(arm64asm.Cond); cond {
			e.op, e.tgt = iJcc, t
		} else {
			e.op, e.tgt = iJmp, t
		}
		return append(out, e), 4
	case arm64asm.CBZ, arm64asm.CBNZ, arm64asm.TBZ, arm64asm.TBNZ:
		e.op, e.tgt = iJcc, 0
		e.tgt, _ = pcrel()
		return append(out, e), 4
	case arm64asm.BL:
		e.op, e.tgt = iCall, 0
		e.tgt, _ = pcrel()
		return append(out, e), 4
	case arm64asm.NOP, arm64asm.HINT, arm64asm.CMP, arm64asm.CMN, arm64asm.TST,
		arm64asm.DMB, arm64asm.DSB, arm64asm.ISB, arm64asm.PRFM, arm64asm.PRFUM:
		return out, 4
	case arm64asm.ADR:
		if d, w, zr, ok := a64reg(args[0]); ok && !zr && w == 64 {
			t, _ := pcrel()
			emit(inst{op: iAddr, dst: d, src: noReg, base: noReg, tgt: t})
			return out, 4
		}
	case arm64asm.ADRP:
		if d, w, zr, ok := a64reg(args[0]); ok && !zr && w == 64 {
			t, _ := pcrel()
			page := (pc &^ 0xFFF) + (t - pc)
			if m.wantRefs {
				// The page: the add, load or store that completes the
				// address may be anywhere after it.
				emit(inst{op: iRef, dst: noReg, src: noReg, base: noReg, tgt: page, imm: 4096})
			}
			movImm(d, 64, page)
			return out, 4
		}
	case arm64asm.MOV:
		d, w, dzr, ok := a64reg(args[0])
		if !ok {
			break
		}
		if dzr {
			return out, 4
		}
		switch s := args[1].(type) {
		case arm64asm.Imm64:
			movImm(d, w, s.Imm)
			return out, 4
		case arm64asm.Imm:
			movImm(d, w, uint64(s.Imm))
			return out, 4
		case arm64asm.Reg, arm64asm.RegSP:
			sr, _, szr, ok := a64reg(s)
			if !ok {
				break
			}
			if szr {
				movImm(d, w, 0)
			} else {
				emit(inst{op: iMovReg, dst: d, src: sr, base: noReg, w32: w == 32})
			}
			return out, 4
		}
	case arm64asm.MOVZ, arm64asm.MOVN, arm64asm.MOVK:
		d, w, dzr, ok := a64reg(args[0])
		if !ok || dzr {
			break
		}
		imm := uint64(word>>5) & 0xFFFF
		shift := 16 * (uint64(word>>21) & 3)
		switch in.Op {
		case arm64asm.MOVZ:
			movImm(d, w, imm<<shift)
		case arm64asm.MOVN:
			movImm(d, w, ^(imm << shift))
		case arm64asm.MOVK:
			emit(inst{op: iAndImm, dst: d, src: d, base: noReg, imm: int64(^(uint64(0xFFFF) << shift))})
			emit(inst{op: iOrImm, dst: d, src: d, base: noReg, imm: int64(imm << shift), w32: w == 32})
		}
		return out, 4
	case arm64asm.ADD, arm64asm.SUB, arm64asm.ADDS, arm64asm.SUBS:
		if word&0x1F000000 != 0x11000000 { // not the immediate form
			break
		}
		d, w, dzr, ok1 := a64reg(args[0])
		s, _, _, ok2 := a64reg(args[1])
		if !ok1 || !ok2 {
			break
		}
		if dzr {
			return out, 4 // cmp/cmn written out
		}
		imm := int64(word>>10) & 0xFFF
		if word&(1<<22) != 0 {
			imm <<= 12
		}
		if in.Op == arm64asm.SUB || in.Op == arm64asm.SUBS {
			imm = -imm
		}
		// ADD after ADRP forms an address: a function's, when it is one.
		emit(inst{op: iAddImm, dst: d, src: s, base: noReg, imm: imm, w32: w == 32, addr: true})
		return out, 4
	case arm64asm.ORR, arm64asm.AND:
		d, w, dzr, ok1 := a64reg(args[0])
		s, _, szr, ok2 := a64reg(args[1])
		k, ok3 := args[2].(arm64asm.Imm64)
		if !ok1 || !ok2 || !ok3 {
			break
		}
		if dzr {
			return out, 4
		}
		x := k.Imm
		if w == 32 {
			x &= 0xFFFFFFFF
		}
		switch {
		case szr && in.Op == arm64asm.ORR:
			movImm(d, w, x)
		case szr:
			movImm(d, w, 0)
		case in.Op == arm64asm.ORR:
			emit(inst{op: iOrImm, dst: d, src: s, base: noReg, imm: int64(x), w32: w == 32})
		default:
			emit(inst{op: iAndImm, dst: d, src: s, base: noReg, imm: int64(x), w32: w == 32})
		}
		return out, 4
	case arm64asm.UBFX:
		// ubfx xd, xn, #0, #n (uxtw, and the like): the low n bits.
		d, _, dzr, ok1 := a64reg(args[0])
		s, _, szr, ok2 := a64reg(args[1])
		lsb, ok3 := args[2].(arm64asm.Imm)
		width, ok4 := args[3].(arm64asm.Imm)
		if !ok1 || !ok2 || !ok3 || !ok4 || dzr {
			break
		}
		if szr {
			movImm(d, 64, 0)
			return out, 4
		}
		if lsb.Imm == 0 && width.Imm > 0 && width.Imm < 64 {
			emit(inst{op: iAndImm, dst: d, src: s, base: noReg, imm: int64(uint64(1)<<width.Imm - 1)})
			return out, 4
		}
	case arm64asm.SXTW:
		d, _, dzr, ok1 := a64reg(args[0])
		s, _, szr, ok2 := a64reg(args[1])
		if ok1 && ok2 && !dzr {
			if szr {
				movImm(d, 64, 0)
			} else {
				emit(inst{op: iMovReg, dst: d, src: s, base: noReg, sext: true})
			}
			return out, 4
		}
	case arm64asm.LDR, arm64asm.LDUR, arm64asm.LDRSW, arm64asm.LDURSW:
		d, w, dzr, ok := a64reg(args[0])
		if !ok {
			break
		}
		size := uint8(w / 8)
		sext := in.Op == arm64asm.LDRSW || in.Op == arm64asm.LDURSW
		if sext {
			size = 4
		}
		switch mem := args[1].(type) {
		case arm64asm.PCRel:
			// A literal: read it when the address holds code or
			// read-only data.
			if m.wantRefs {
				emit(inst{op: iRef, dst: noReg, src: noReg, base: noReg, tgt: pc + uint64(int64(mem)), imm: 8})
			}
			if dzr {
				return out, 4
			}
			if x, ok := m.readConst(pc+uint64(int64(mem)), int(size)); ok {
				if sext {
					x = uint64(int64(int32(uint32(x))))
				}
				movImm(d, w, x)
			} else {
				clob(d)
			}
			return out, 4
		case arm64asm.MemImmediate:
			b, _, _, okb := a64reg(mem.Base)
			off, oki := a64memImm(mem)
			if !okb || !oki {
				break
			}
			at := off
			if mem.Mode == arm64asm.AddrPreIndex {
				emit(inst{op: iAddImm, dst: b, src: b, base: noReg, imm: off})
				at = 0
			} else if mem.Mode == arm64asm.AddrPostIndex {
				at = 0
			}
			if dzr {
				// A load into the zero register changes nothing.
			} else {
				emit(inst{op: iLoad, dst: d, src: noReg, base: b, imm: at, size: size, w32: w == 32, sext: sext})
			}
			if mem.Mode == arm64asm.AddrPostIndex && b != d {
				emit(inst{op: iAddImm, dst: b, src: b, base: noReg, imm: off})
			}
			return out, 4
		}
	case arm64asm.LDP:
		d1, w, z1, ok1 := a64reg(args[0])
		d2, _, z2, ok2 := a64reg(args[1])
		mem, ok3 := args[2].(arm64asm.MemImmediate)
		if !ok1 || !ok2 || !ok3 {
			break
		}
		b, _, _, okb := a64reg(mem.Base)
		off, oki := a64memImm(mem)
		if !okb || !oki || d1 == b && !z1 || d2 == b && !z2 {
			break
		}
		at := off
		if mem.Mode == arm64asm.AddrPreIndex {
			emit(inst{op: iAddImm, dst: b, src: b, base: noReg, imm: off})
			at = 0
		} else if mem.Mode == arm64asm.AddrPostIndex {
			at = 0
		}
		size := uint8(w / 8)
		if !z1 {
			emit(inst{op: iLoad, dst: d1, src: noReg, base: b, imm: at, size: size, w32: w == 32})
		}
		if !z2 {
			emit(inst{op: iLoad, dst: d2, src: noReg, base: b, imm: at + int64(size), size: size, w32: w == 32})
		}
		if mem.Mode == arm64asm.AddrPostIndex {
			emit(inst{op: iAddImm, dst: b, src: b, base: noReg, imm: off})
		}
		return out, 4
	case arm64asm.STR, arm64asm.STUR, arm64asm.STP, arm64asm.STNP,
		arm64asm.STRB, arm64asm.STURB, arm64asm.STRH, arm64asm.STURH:
		nsrc := 1
		if in.Op == arm64asm.STP || in.Op == arm64asm.STNP {
			nsrc = 2
		}
		mem, ok := args[nsrc].(arm64asm.MemImmediate)
		if !ok {
			break
		}
		b, _, _, okb := a64reg(mem.Base)
		off, oki := a64memImm(mem)
		if !okb || !oki {
			break
		}
		at := off
		if mem.Mode == arm64asm.AddrPreIndex {
			emit(inst{op: iAddImm, dst: b, src: b, base: noReg, imm: off})
			at = 0
		} else if mem.Mode == arm64asm.AddrPostIndex {
			at = 0
		}
		for k := 0; k < nsrc; k++ {
			size := 0
			r, w, zr, ok := a64reg(args[k])
			if ok {
				size = w / 8
			} else {
				size = a64fpSize(args[k])
			}
			switch in.Op {
			case arm64asm.STRB, arm64asm.STURB:
				size = 1
			case arm64asm.STRH, arm64asm.STURH:
				size = 2
			}
			if size == 0 {
				size = 16
			}
			st := inst{dst: noReg, src: noReg, base: b, imm: at + int64(k*size), size: uint8(size)}
			switch {
			case ok && zr && size >= 4:
				st.op, st.tgt = iStoreImm, 0
			case ok && !zr && size >= 4 && r != b:
				st.op, st.src = iStore, r
			default:
				st.op = iKillMem
			}
			emit(st)
		}
		if mem.Mode == arm64asm.AddrPostIndex {
			emit(inst{op: iAddImm, dst: b, src: b, base: noReg, imm: off})
		}
		return out, 4
	}

	// Everything else: the registers it writes become unknown; memory it
	// writes through the stack pointer is forgotten.
	class, known := a64class()[in.Op]
	if !known {
		class = a64WritesFirst
	}
	var regs []int
	switch class {
	case a64WritesFirst:
		regs = []int{0}
	case a64WritesTwo:
		regs = []int{0, 1}
	case a64WritesSecond:
		regs = []int{1}
	}
	for _, i := range regs {
		if r, _, zr, ok := a64reg(args[i]); ok && !zr {
			e.clob |= 1 << r
		}
	}
	writes := class == a64WritesNone || !known
	for _, a := range args {
		switch mem := a.(type) {
		case arm64asm.MemImmediate:
			b, _, _, ok := a64reg(mem.Base)
			if !ok {
				continue
			}
			if writes {
				emit(inst{op: iKillMem, dst: noReg, src: noReg, base: b, size: memUnknown})
			}
			if mem.Mode != arm64asm.AddrOffset {
				// Write-back: the base register moves.
				if off, ok := a64memImm(mem); ok {
					emit(inst{op: iAddImm, dst: b, src: b, base: noReg, imm: off})
				} else {
					e.clob |= 1 << b
				}
			}
		case arm64asm.MemExtend:
			if b, _, _, ok := a64reg(mem.Base); ok && writes {
				emit(inst{op: iKillMem, dst: noReg, src: noReg, base: b, size: memUnknown})
			}
		}
	}
	if e.clob != 0 {
		out = append(out, e)
	}
	return out, 4
}
