package scan

import (
	"cmp"
	"debug/elf"
	"encoding/binary"
	"io"
	"os"
	"slices"
	"sort"

	"golang.org/x/arch/arm64/arm64asm"
	"golang.org/x/arch/x86/x86asm"
)

// Values in data: what a load from a fixed address gives, when the
// analysis can know it without running the program.
//
//   - Read-only sections (.rodata, Go's func values and tables) hold their
//     final values, except where the dynamic loader relocates them.
//   - A writable global of a Go program holds its initial value (0 in
//     .bss) if no code can write it: every instruction that refers to the
//     variable (to any byte of the object its symbol covers) only reads it,
//     and no data holds its address. Go is memory-safe, so a pointer to
//     another object cannot reach it. This is x/sys/unix's fcntl64Syscall
//     (SYS_FCNTL, reassigned only on 32-bit systems) and net's socketFunc
//     (syscall.Socket, replaced only by tests). x86_64 code is searched
//     for rip-relative references; aarch64 code for the adrp pairs Go's
//     linker writes.

// dataSeg is an allocated section that is not code. Its bytes are read
// when first needed (a library whose summary is cached never needs them).
type dataSeg struct {
	name       string
	addr, size uint64
	off        int64 // in the file
	nobits     bool  // SHT_NOBITS (.bss: zeros)
	writable   bool
	loaded     bool
	data       []byte
}

// pathReader reads the file at a path (opened for each read: data
// sections are read once, after the ELF headers, when first needed).
type pathReader string

func (p pathReader) ReadAt(b []byte, off int64) (int, error) {
	f, err := os.Open(string(p))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return f.ReadAt(b, off)
}

// segBytes returns d's bytes (nil for .bss, or if they cannot be read).
func (m *module) segBytes(d *dataSeg) []byte {
	if !d.loaded {
		d.loaded = true
		if !d.nobits && m.src != nil && d.size <= maxDataSection {
			b := make([]byte, d.size)
			if n, err := m.src.ReadAt(b, d.off); n == len(b) && (err == nil || err == io.EOF) {
				d.data = b
			}
		}
	}
	return d.data
}

// objSym is a data symbol: an object's extent.
type objSym struct{ start, end uint64 }

// maxDataSection bounds what is read of one data section.
const maxDataSection = 256 << 20

// maxDataRefs bounds the index of candidate references to writable data
// (a real program has one for every few dozen bytes of code at most).
const maxDataRefs = 16 << 20

func (m *module) dataAt(a uint64) *dataSeg {
	i := sort.Search(len(m.data), func(i int) bool { return m.data[i].addr+m.data[i].size > a })
	if i < len(m.data) && a >= m.data[i].addr {
		return &m.data[i]
	}
	return nil
}

// readConst reads a little-endian value of size bytes (4 or 8) at address
// a, if the value there is known before the program runs: code (aarch64
// literal pools), read-only data, or a Go global no code writes.
func (m *module) readConst(a uint64, size int) (uint64, bool) {
	if size != 4 && size != 8 {
		return 0, false
	}
	read := func(b []byte) uint64 {
		if size == 4 {
			return uint64(binary.LittleEndian.Uint32(b))
		}
		return binary.LittleEndian.Uint64(b)
	}
	if c := m.code(a); c != nil {
		if len(c) < size {
			return 0, false
		}
		return read(c), true
	}
	d := m.dataAt(a)
	if d == nil || a+uint64(size) > d.addr+d.size || a+uint64(size) < a {
		return 0, false
	}
	for w := a &^ 7; w < a+uint64(size); w += 8 {
		if m.relocAt[w] {
			return 0, false // the loader writes it
		}
	}
	if d.writable && !m.neverWritten(a, uint64(size)) {
		return 0, false
	}
	if d.nobits {
		return 0, true
	}
	b := m.segBytes(d)
	off := a - d.addr
	if off+uint64(size) > uint64(len(b)) {
		return 0, false
	}
	return read(b[off:]), true
}

// dataRef is an instruction that may refer to a writable global: its end
// address and the address its rip-relative displacement gives.
type dataRef struct{ target, end uint64 }

// neverWritten reports whether no code can write the bytes [a, a+size) of
// a writable section of a Go program.
func (m *module) neverWritten(a, size uint64) bool {
	if !m.goBin || len(m.objSyms) == 0 {
		return false
	}
	i := sort.Search(len(m.objSyms), func(i int) bool { return m.objSyms[i].end > a })
	if i == len(m.objSyms) || a < m.objSyms[i].start || a+size > m.objSyms[i].end {
		return false // no symbol says where the object is
	}
	obj := m.objSyms[i]
	if v, ok := m.roGlobal[obj.start]; ok {
		return v
	}
	m.indexDataRefs()
	if m.objSyms == nil {
		return false // the index was given up
	}
	ok := !m.escapes(obj) && m.onlyRead(obj)
	m.roGlobal[obj.start] = ok
	return ok
}

// indexDataRefs finds, once, every place in the code whose 4 bytes read
// as a rip-relative displacement would land in writable data (with 0-4
// bytes of immediate after it), and every 8-byte word of data that points
// into writable data.
func (m *module) indexDataRefs() {
	if m.refsDone {
		return
	}
	m.refsDone = true
	lo, hi := ^uint64(0), uint64(0)
	for _, d := range m.data {
		if d.writable {
			lo, hi = min(lo, d.addr), max(hi, d.addr+d.size)
		}
	}
	if lo >= hi {
		return
	}
	if m.machine == elf.EM_AARCH64 {
		m.indexARM64Refs(lo, hi)
	} else {
		m.indexX86Refs(lo, hi)
	}
	for i := range m.data {
		b := m.segBytes(&m.data[i])
		for p := 0; p+8 <= len(b); p += 8 {
			if v := binary.LittleEndian.Uint64(b[p:]); v >= lo && v < hi {
				m.dataPtrs = append(m.dataPtrs, v)
			}
		}
	}
	slices.Sort(m.dataPtrs)
}

// indexARM64Refs indexes Go's aarch64 references to writable data: the
// linker writes each as a pair of adjacent instructions, adrp and then a
// load, a store or an add (the address taken). An adrp whose next
// instruction is none of these makes its whole 4 KiB page written.
func (m *module) indexARM64Refs(lo, hi uint64) {
	for _, t := range m.text {
		for p := 0; p+8 <= len(t.data); p += 4 {
			w := binary.LittleEndian.Uint32(t.data[p:])
			if w&0x9F000000 != 0x90000000 {
				continue
			}
			pc := t.addr + uint64(p)
			immlo, immhi := uint64(w>>29)&3, uint64(w>>5)&0x7FFFF
			page := (pc &^ 0xFFF) + uint64(int64((immhi<<2|immlo)<<43)>>43<<12)
			if page+4096 <= lo || page >= hi {
				continue
			}
			rd := uint8(w & 31)
			kind := a64Escape
			target := page
			if in, err := arm64asm.Decode(t.data[p+4 : p+8]); err == nil {
				kind, target = a64RefKind(in, rd, page)
			}
			m.dataRefs = append(m.dataRefs, dataRef{target: target, end: uint64(kind)})
			if len(m.dataRefs) > maxDataRefs {
				m.dataRefs, m.objSyms = nil, nil
				return
			}
		}
	}
	slices.SortFunc(m.dataRefs, func(a, b dataRef) int { return cmp.Compare(a.target, b.target) })
}

// What the instruction after an adrp does with the page address.
const (
	a64Read   = iota // a load from target
	a64Write         // a store to target, or its address taken
	a64Escape        // anything else: the whole page may be written
)

func a64RefKind(in arm64asm.Inst, rd uint8, page uint64) (int, uint64) {
	base := func(a arm64asm.Arg) (uint64, bool) {
		mem, ok := a.(arm64asm.MemImmediate)
		if !ok || mem.Mode != arm64asm.AddrOffset {
			return 0, false
		}
		if b, _, _, ok := a64reg(mem.Base); !ok || b != rd {
			return 0, false
		}
		off, ok := a64memImm(mem)
		return page + uint64(off), ok
	}
	switch in.Op {
	case arm64asm.LDR, arm64asm.LDRB, arm64asm.LDRH, arm64asm.LDRSB, arm64asm.LDRSH, arm64asm.LDRSW:
		if t, ok := base(in.Args[1]); ok {
			return a64Read, t
		}
	case arm64asm.STR, arm64asm.STRB, arm64asm.STRH:
		if t, ok := base(in.Args[1]); ok {
			return a64Write, t
		}
	case arm64asm.ADD:
		if s, _, _, ok := a64reg(in.Args[1]); ok && s == rd && in.Enc&0x1F000000 == 0x11000000 {
			imm := uint64(in.Enc>>10) & 0xFFF
			if in.Enc&(1<<22) != 0 {
				imm <<= 12
			}
			return a64Write, page + imm
		}
	}
	return a64Escape, page
}

// indexX86Refs indexes every place in x86_64 code whose 4 bytes, read as
// a rip-relative displacement, land in writable data.
func (m *module) indexX86Refs(lo, hi uint64) {
	for _, t := range m.text {
		for p := 0; p+4 <= len(t.data); p++ {
			next := t.addr + uint64(p) + 4
			tgt := next + uint64(int64(int32(binary.LittleEndian.Uint32(t.data[p:]))))
			if tgt+4 < lo || tgt >= hi {
				continue
			}
			// With k bytes of immediate after it, the instruction ends at
			// next+k and refers to tgt+k (k = 0..4; see onlyRead).
			m.dataRefs = append(m.dataRefs, dataRef{target: tgt, end: next})
			if len(m.dataRefs) > maxDataRefs {
				// Not a program a compiler wrote (a writable section
				// spanning the address space): every global is written.
				m.dataRefs, m.objSyms = nil, nil
				return
			}
		}
	}
	slices.SortFunc(m.dataRefs, func(a, b dataRef) int { return cmp.Compare(a.target, b.target) })
}

// escapes reports whether data holds an address inside obj.
func (m *module) escapes(obj objSym) bool {
	i := sort.Search(len(m.dataPtrs), func(i int) bool { return m.dataPtrs[i] >= obj.start })
	return i < len(m.dataPtrs) && m.dataPtrs[i] < obj.end
}

// onlyRead reports whether every instruction referring to obj only reads
// it. A candidate that decodes as no instruction referring to obj is a
// coincidence of bytes; one that decodes as anything but a read (a store,
// lea, an atomic) makes obj written.
func (m *module) onlyRead(obj objSym) bool {
	if m.machine == elf.EM_AARCH64 {
		// end holds the kind; an escaped page covers its 4 KiB.
		i := sort.Search(len(m.dataRefs), func(i int) bool { return m.dataRefs[i].target+4096 > obj.start })
		for ; i < len(m.dataRefs) && m.dataRefs[i].target < obj.end; i++ {
			r := m.dataRefs[i]
			switch {
			case r.end == a64Escape && r.target+4096 > obj.start:
				return false
			case r.end == a64Write && r.target >= obj.start:
				return false
			}
		}
		return true
	}
	i := sort.Search(len(m.dataRefs), func(i int) bool { return m.dataRefs[i].target+4 >= obj.start })
	for ; i < len(m.dataRefs) && m.dataRefs[i].target < obj.end; i++ {
		for k := uint64(0); k <= 4; k++ {
			ref := dataRef{target: m.dataRefs[i].target + k, end: m.dataRefs[i].end + k}
			if ref.target >= obj.start && ref.target < obj.end && !m.refReads(ref) {
				return false
			}
		}
	}
	return true
}

// refReads reports whether every instruction that ends at ref.end and
// refers to ref.target (rip-relative) only reads it.
func (m *module) refReads(ref dataRef) bool {
	for start := ref.end - 15; start+5 <= ref.end; start++ {
		code := m.code(start)
		if len(code) < int(ref.end-start) {
			continue
		}
		in, err := x86asm.Decode(code[:ref.end-start], 64)
		if err != nil || uint64(in.Len) != ref.end-start {
			continue
		}
		mem := -1
		for k, arg := range in.Args {
			if mm, ok := arg.(x86asm.Mem); ok && mm.Base == x86asm.RIP && ref.end+uint64(mm.Disp) == ref.target {
				mem = k
			}
		}
		if mem >= 0 && !x86Reads(in, mem) {
			return false
		}
	}
	return true
}

// x86Reads reports whether in only reads its memory operand (argument k).
func x86Reads(in x86asm.Inst, k int) bool {
	switch in.Op {
	case x86asm.CMP, x86asm.TEST, x86asm.BT, x86asm.PUSH,
		x86asm.UCOMISS, x86asm.UCOMISD, x86asm.COMISS, x86asm.COMISD:
		return true
	case x86asm.MOV, x86asm.MOVZX, x86asm.MOVSX, x86asm.MOVSXD, x86asm.MOVSS, x86asm.MOVSD_XMM,
		x86asm.MOVUPS, x86asm.MOVUPD, x86asm.MOVAPS, x86asm.MOVAPD, x86asm.MOVDQU, x86asm.MOVDQA,
		x86asm.MOVQ, x86asm.MOVD,
		x86asm.ADD, x86asm.SUB, x86asm.AND, x86asm.OR, x86asm.XOR, x86asm.IMUL, x86asm.ADC, x86asm.SBB,
		x86asm.CMOVA, x86asm.CMOVAE, x86asm.CMOVB, x86asm.CMOVBE, x86asm.CMOVE, x86asm.CMOVG, x86asm.CMOVGE,
		x86asm.CMOVL, x86asm.CMOVLE, x86asm.CMOVNE, x86asm.CMOVNO, x86asm.CMOVNP, x86asm.CMOVNS, x86asm.CMOVO,
		x86asm.CMOVP, x86asm.CMOVS:
		return k > 0 // the destination is the first argument
	}
	return false
}
