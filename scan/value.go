package scan

// The abstract values of the constant propagation: what a register or a
// stack slot can hold at one point of a function.

type vkind uint8

const (
	vTop   vkind = iota // unknown
	vConst              // one of c[:n]
	vParam              // the function's parameter p at entry, OR-ed with c[0]
	vSP                 // the stack pointer at entry plus off
	// vSysRet is the result of a system call whose number is parameter p:
	// the caller's own pid when the caller passes getpid's number.
	vSysRet
)

// maxSet is how many constants a value may stand for before it becomes
// unknown (a register set in several branches before a join).
const maxSet = 4

// Parameters are numbered by register (0..31) or, for stack parameters,
// paramStack + offset/8 from the stack pointer at entry.
const paramStack = 64

type val struct {
	kind vkind
	n    uint8
	p    uint16
	off  int64
	c    [maxSet]uint64
}

var top = val{}

func konst(x uint64) val { return val{kind: vConst, n: 1, c: [maxSet]uint64{x}} }
func param(p int) val    { return val{kind: vParam, p: uint16(p)} }
func spAt(off int64) val { return val{kind: vSP, off: off} }
func (v val) consts() []uint64 {
	if v.kind != vConst {
		return nil
	}
	return v.c[:v.n]
}

func (v val) has(x uint64) bool {
	for _, c := range v.c[:v.n] {
		if c == x {
			return true
		}
	}
	return false
}

// join is the least upper bound: the value that stands for both.
func join(a, b val) val {
	if a == b {
		return a
	}
	if a.kind != vConst || b.kind != vConst {
		return top
	}
	out := a
	for _, x := range b.c[:b.n] {
		if out.has(x) {
			continue
		}
		if out.n == maxSet {
			return top
		}
		out.c[out.n] = x
		out.n++
	}
	// Keep sets canonical (sorted) so equal sets compare equal.
	for i := 1; i < int(out.n); i++ {
		for j := i; j > 0 && out.c[j] < out.c[j-1]; j-- {
			out.c[j], out.c[j-1] = out.c[j-1], out.c[j]
		}
	}
	return out
}

// mapConst applies f to every constant of v; other values become unknown,
// except that OR with a constant is kept on parameters.
func mapConst(v val, f func(uint64) uint64) val {
	if v.kind != vConst {
		return top
	}
	out := val{kind: vConst}
	for _, x := range v.c[:v.n] {
		y := f(x)
		if !out.has(y) {
			out.c[out.n] = y
			out.n++
		}
	}
	return join(out, out)
}

func orConst(v val, k uint64) val {
	switch v.kind {
	case vConst:
		return mapConst(v, func(x uint64) uint64 { return x | k })
	case vParam:
		v.c[0] |= k
		return v
	}
	return top
}

func addConst(v val, k int64) val {
	switch v.kind {
	case vConst:
		return mapConst(v, func(x uint64) uint64 { return x + uint64(k) })
	case vSP:
		v.off += k
		return v
	}
	return top
}

func andConst(v val, k uint64) val {
	switch v.kind {
	case vConst:
		return mapConst(v, func(x uint64) uint64 { return x & k })
	case vParam:
		if k == 0xFFFFFFFF {
			return trunc32(v)
		}
	}
	return top
}

// sext32 sign-extends the low 32 bits.
func sext32(v val) val {
	if v.kind == vConst {
		return mapConst(v, func(x uint64) uint64 { return uint64(int64(int32(uint32(x)))) })
	}
	if v.kind == vParam || v.kind == vSysRet {
		return v
	}
	return top
}

// trunc32 keeps the low 32 bits (a 32-bit register write zero-extends).
func trunc32(v val) val {
	if v.kind == vConst {
		return mapConst(v, func(x uint64) uint64 { return x & 0xFFFFFFFF })
	}
	if v.kind == vParam || v.kind == vSysRet {
		return v // the kernel compares int arguments on their low 32 bits; pids are 32-bit
	}
	return top
}

// slot is a stack slot: offset from the entry stack pointer and its value.
type slot struct {
	off int64
	v   val
}

// state is what is known at one program point.
type state struct {
	r   [32]val
	mem []slot // sorted by off
}

func (s *state) copyFrom(o *state) {
	s.r = o.r
	s.mem = append(s.mem[:0], o.mem...)
}

func (s *state) load(off int64) (val, bool) {
	for _, m := range s.mem {
		if m.off == off {
			return m.v, true
		}
	}
	return top, false
}

const maxSlots = 64

func (s *state) store(off int64, v val) {
	for i := range s.mem {
		if s.mem[i].off == off {
			if v.kind == vTop {
				s.mem = append(s.mem[:i], s.mem[i+1:]...)
				return
			}
			s.mem[i].v = v
			return
		}
	}
	if v.kind == vTop {
		return
	}
	if len(s.mem) >= maxSlots {
		s.mem = s.mem[1:]
	}
	i := len(s.mem)
	s.mem = append(s.mem, slot{})
	for i > 0 && s.mem[i-1].off > off {
		s.mem[i] = s.mem[i-1]
		i--
	}
	s.mem[i] = slot{off, v}
}

// killRange forgets the slots that overlap [lo, hi).
func (s *state) killRange(lo, hi int64) {
	out := s.mem[:0]
	for _, m := range s.mem {
		if m.off+8 > lo && m.off < hi {
			continue
		}
		out = append(out, m)
	}
	s.mem = out
}

// killBelow forgets the slots under the entry stack pointer (the
// function's own frame, which a callee may write through pointers or its
// stack arguments).
func (s *state) killBelow(off int64) {
	out := s.mem[:0]
	for _, m := range s.mem {
		if m.off < off {
			continue
		}
		out = append(out, m)
	}
	s.mem = out
}

// joinInto merges o into s and reports whether s changed.
func (s *state) joinInto(o *state) bool {
	changed := false
	for i := range s.r {
		j := join(s.r[i], o.r[i])
		if j != s.r[i] {
			s.r[i] = j
			changed = true
		}
	}
	out := s.mem[:0]
	for _, m := range s.mem {
		ov, ok := o.load(m.off)
		if !ok {
			changed = true
			continue
		}
		j := join(m.v, ov)
		if j.kind == vTop {
			changed = true
			continue
		}
		if j != m.v {
			changed = true
		}
		out = append(out, slot{m.off, j})
	}
	s.mem = out
	return changed
}
