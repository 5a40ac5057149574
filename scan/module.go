package scan

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
)

// readPLT maps the PLT stubs of a dynamic object to the symbols they jump
// to, so that calls to them are calls to imports.
func (m *module) readPLT() {
	for _, t := range m.text {
		if !strings.HasPrefix(t.name, ".plt") && t.name != ".iplt" {
			continue
		}
		switch m.isa {
		case x86isa:
			var buf []inst
			prev := uint64(0)
			for off := 0; off < len(t.data); {
				pc := t.addr + uint64(off)
				var n int
				buf, n = decodeX86(m, t.data[off:], pc, buf[:0])
				for _, in := range buf {
					if in.op == iJmpGOT {
						if name, ok := m.gotName[in.tgt]; ok {
							m.pltName[pc] = name
							if prev != 0 {
								m.pltName[prev] = name
							}
						}
					}
				}
				prev = 0
				if n == 4 && bytes.Equal(t.data[off:off+4], []byte{0xF3, 0x0F, 0x1E, 0xFA}) {
					prev = pc // endbr64 opens the stub
				}
				off += n
			}
		case arm64isa:
			// adrp x16, page; ldr x17, [x16, #lo]; add x16, x16, #lo; br x17
			d := t.data
			for off := 0; off+16 <= len(d); off += 4 {
				w0 := binary.LittleEndian.Uint32(d[off:])
				w1 := binary.LittleEndian.Uint32(d[off+4:])
				if w0&0x9F00001F != 0x90000010 || w1&0xFFC003FF != 0xF9400211 {
					continue
				}
				pc := t.addr + uint64(off)
				immlo := uint64(w0>>29) & 3
				immhi := uint64(w0>>5) & 0x7FFFF
				imm := int64((immhi<<2|immlo)<<43) >> 43 << 12
				page := (pc &^ 0xFFF) + uint64(imm)
				slot := page + uint64((w1>>10)&0xFFF)*8
				if name, ok := m.gotName[slot]; ok {
					m.pltName[pc] = name
				}
			}
		}
	}
}

// inPLT reports whether a is in a PLT section.
func (m *module) inPLT(a uint64) bool {
	for _, t := range m.text {
		if a >= t.addr && a-t.addr < uint64(len(t.data)) {
			return strings.HasPrefix(t.name, ".plt") || t.name == ".iplt"
		}
	}
	return false
}

// syscallBytes reports whether code may contain a system call instruction.
func (m *module) syscallBytes(code []byte) bool {
	switch m.isa {
	case x86isa:
		return bytes.Contains(code, []byte{0x0F, 0x05}) || bytes.Contains(code, []byte{0xCD, 0x80}) || bytes.Contains(code, []byte{0x0F, 0x34})
	case arm64isa:
		for i := 0; i+4 <= len(code); i += 4 {
			if binary.LittleEndian.Uint32(code[i:])&0xFFE0001F == 0xD4000001 {
				return true
			}
		}
	}
	return false
}

// gotCalls calls fn for every rip-relative indirect call or jump in code
// (x86_64 "call/jmp *X(%rip)") with the slot address.
func gotCalls(code []byte, base uint64, fn func(slot uint64)) {
	for i := 0; i+6 <= len(code); i++ {
		if code[i] == 0xFF && (code[i+1] == 0x15 || code[i+1] == 0x25) {
			rel := int32(binary.LittleEndian.Uint32(code[i+2:]))
			fn(base + uint64(i) + 6 + uint64(int64(rel)))
		}
	}
}

// analyzeModule analyses m. With full set, every function is analysed (a
// library: the call graph is needed for reachability); otherwise only the
// functions that can make system calls, directly or through wrappers (a
// program: all of its code counts as reachable).
func analyzeModule(m *module, full bool, rel func(uint64) uint8, imported func(string) []site) []funcResult {
	a := &analyzer{m: m, res: make([]funcResult, len(m.funcs)), rel: rel, imported: imported, goABI: m.goBin}
	if nr, ok := m.arch.Number("getpid"); ok {
		a.getpid = uint64(nr)
	}
	funcCode := func(i int) []byte {
		f := m.funcs[i]
		c := m.code(f.start)
		if uint64(len(c)) > f.end-f.start {
			c = c[:f.end-f.start]
		}
		return c
	}
	importWrapper := map[string]bool{}
	isWrapperImport := func(name string) bool {
		w, ok := importWrapper[name]
		if !ok {
			w = len(imported(name)) > 0
			importWrapper[name] = w
		}
		return w
	}
	// selectFuncs: every function of a library; the functions of a
	// program that make a system call or call an imported wrapper.
	selectFuncs := func() []int {
		var todo []int
		if full {
			for i := range m.funcs {
				todo = append(todo, i)
			}
			return todo
		}
		for i := range m.funcs {
			c := funcCode(i)
			hit := m.syscallBytes(c)
			if !hit && len(m.pltName) > 0 && m.isa.scanCalls != nil {
				m.isa.scanCalls(c, m.funcs[i].start, func(_, t uint64) {
					if name, ok := m.pltName[t]; ok && isWrapperImport(name) {
						hit = true
					}
				})
			}
			if !hit && len(m.gotName) > 0 && m.isa == x86isa {
				gotCalls(c, m.funcs[i].start, func(slot uint64) {
					if name, ok := m.gotName[slot]; ok && isWrapperImport(name) {
						hit = true
					}
				})
			}
			if hit {
				todo = append(todo, i)
			}
		}
		return todo
	}
	todo := selectFuncs()
	if !full && !m.goBin {
		// Calls into the middle of a function the table knows are
		// entries it missed (a stripped static program whose text is one
		// symbol, as with busybox): split there, so that each callee is
		// a function of its own and a wrapper among them (syscall()) has
		// its callers' arguments, then choose again. Go's function
		// table is exact.
		for pass := 0; pass < 4 && len(todo) > 0; pass++ {
			a.mid = map[uint64]bool{}
			for _, i := range todo {
				a.analyzeFunc(i)
			}
			mid := a.mid
			a.mid = nil
			if len(mid) == 0 {
				break
			}
			m.split(mid)
			a.res = make([]funcResult, len(m.funcs))
			todo = selectFuncs()
		}
	}
	var callers [][]int32
	if full {
		a.mid = map[uint64]bool{}
		for _, i := range todo {
			a.analyzeFunc(i)
		}
		if len(a.mid) > 0 {
			// Calls and address references into the middle of a known
			// function are entries the function table missed (code
			// without unwind information, or an unwind entry that starts
			// before the symbol): split there and analyse again.
			m.split(a.mid)
			a.mid = nil
			a.res = make([]funcResult, len(m.funcs))
			todo = todo[:0]
			for i := range m.funcs {
				todo = append(todo, i)
				a.analyzeFunc(i)
			}
		}
		callers = make([][]int32, len(m.funcs))
		for i := range a.res {
			for _, c := range a.res[i].calls {
				callers[c] = append(callers[c], int32(i))
			}
		}
		todo = todo[:0]
		for i := range a.res {
			if len(a.res[i].params) > 0 || a.res[i].returnsKnown() {
				todo = append(todo, i)
			}
		}
	}
	// Rounds: whenever a function's parameter-dependent sites change, its
	// callers are analysed again with them.
	prev := make(map[int]string)
	sig := func(i int) string {
		var b strings.Builder
		for _, s := range a.res[i].params {
			b.WriteString(s.sigString())
		}
		if r := &a.res[i]; r.returnsKnown() {
			// What it returns: callers see it.
			b.WriteString("ret")
			rs := site{nr: r.ret}
			b.WriteString(rs.sigString())
			for _, m := range r.retSlots {
				rs := site{nr: m.v, pc: uint64(m.off)}
				fmt.Fprintf(&b, "@%d", m.off)
				b.WriteString(rs.sigString())
			}
		}
		return b.String()
	}
	for round := 0; len(todo) > 0 && round < 64; round++ {
		changed := map[uint64]int{}
		if !full || round > 0 {
			for _, i := range todo {
				a.analyzeFunc(i)
			}
		}
		for _, i := range todo {
			s := sig(i)
			if s != prev[i] {
				prev[i] = s
				changed[m.funcs[i].start] = i
			}
		}
		todo = todo[:0]
		if len(changed) == 0 {
			break
		}
		seen := map[int]bool{}
		if full {
			for _, i := range changed {
				for _, c := range callers[i] {
					if !seen[int(c)] {
						seen[int(c)] = true
						todo = append(todo, int(c))
					}
				}
			}
		} else if m.isa.scanCalls != nil {
			for i := range m.funcs {
				hit := false
				m.isa.scanCalls(funcCode(i), m.funcs[i].start, func(_, t uint64) {
					if _, ok := changed[t]; ok {
						hit = true
					}
				})
				if hit && !seen[i] {
					seen[i] = true
					todo = append(todo, i)
				}
			}
		}
	}
	return a.res
}

// split adds function starts at the given addresses.
func (m *module) split(at map[uint64]bool) {
	var out []fn
	for _, f := range m.funcs {
		var cuts []uint64
		for a := range at {
			if a > f.start && a < f.end {
				cuts = append(cuts, a)
			}
		}
		if len(cuts) == 0 {
			out = append(out, f)
			continue
		}
		slices.Sort(cuts)
		start := f.start
		for _, c := range cuts {
			out = append(out, fn{name: f.name, start: start, end: c})
			f.name = fmt.Sprintf("%s@%#x", baseName(f.name), c)
			start = c
		}
		out = append(out, fn{name: f.name, start: start, end: f.end})
	}
	m.funcs = out
}

func baseName(n string) string {
	if i := strings.IndexAny(n, "@+"); i > 0 {
		return n[:i]
	}
	return n
}

func (s *site) sigString() string {
	var b strings.Builder
	b.Grow(64)
	w := func(v val) {
		b.WriteByte(byte(v.kind))
		b.WriteByte(byte(v.p))
		b.WriteByte(byte(v.n))
		if v.kind == vParam {
			var x [8]byte
			binary.LittleEndian.PutUint64(x[:], v.c[0])
			b.Write(x[:])
		}
		if v.kind == vConst {
			for _, c := range v.c[:v.n] {
				var x [8]byte
				binary.LittleEndian.PutUint64(x[:], c)
				b.Write(x[:])
			}
		}
	}
	w(s.nr)
	for _, v := range s.args {
		w(v)
	}
	b.WriteString(s.via)
	return b.String()
}
