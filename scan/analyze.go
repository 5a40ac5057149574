package scan

import (
	"slices"
	"sort"
	"strings"

	"github.com/entitle-dev/entitle/catalog"
)

// site is one place a system call is made: its number and the arguments
// the catalog's rules look at, as abstract values.
type site struct {
	nr    val
	args  [6]val
	fn    int32  // function making the call (the caller, for wrappers)
	pc    uint64 // address of the syscall instruction or of the call
	via   string // the wrapper called at pc, "" for a direct syscall instruction
	abi32 bool   // int $0x80: the i386 system call table
}

func (s *site) paramDependent(rel uint8) bool {
	if s.nr.kind == vParam {
		return true
	}
	for i := 0; i < 6; i++ {
		if rel&(1<<i) != 0 && s.args[i].kind == vParam {
			return true
		}
	}
	return false
}

// dataUse is memory a function refers to by address: span bytes from at
// (an aarch64 adrp gives only the 4 KiB page).
type dataUse struct {
	at   uint64
	span uint32
}

// funcResult is what the analysis learnt about one function.
type funcResult struct {
	done    bool
	sites   []site  // calls made here (directly, or through a wrapper with arguments known here)
	params  []site  // calls whose number or arguments come from this function's parameters
	calls   []int32 // functions called, jumped to, or whose address is taken
	taken   []int32 // functions whose address is taken (called with any arguments)
	imports []string
	data    []dataUse // memory it refers to by address (libraries: data blocks)
	// What the function returns, when every path that leaves it agrees:
	// the return register, and the stack slots above the return address
	// (Go's ABI0 results). Kept only for constants and vSysRet.
	hasRet   bool
	ret      val
	retSlots []slot
}

// returnsKnown reports whether the summary says something about what
// the function returns.
func (r *funcResult) returnsKnown() bool {
	return r.hasRet && (r.ret.kind != vTop || len(r.retSlots) > 0)
}

// retVal keeps the values a return summary may carry.
func retVal(v val) val {
	if v.kind == vConst || v.kind == vSysRet {
		return v
	}
	return top
}

// noteRet joins the state at a return (or, with s nil, a way out whose
// result is unknown: a tail call) into r's summary.
func (a *analyzer) noteRet(r *funcResult, s *state) {
	if s == nil {
		r.hasRet = true
		r.ret = top
		r.retSlots = r.retSlots[:0]
		return
	}
	v := retVal(s.r[a.m.isa.retReg])
	var slots []slot
	if sp := s.r[a.m.isa.sp]; sp.kind == vSP && sp.off == 0 {
		for _, m := range s.mem {
			if m.off >= a.m.isa.retAddr && m.off < a.m.isa.retAddr+256 {
				if w := retVal(m.v); w.kind != vTop {
					slots = append(slots, slot{m.off, w})
				}
			}
		}
	}
	if !r.hasRet {
		r.hasRet, r.ret, r.retSlots = true, v, append(r.retSlots[:0], slots...)
		return
	}
	r.ret = join(r.ret, v)
	out := r.retSlots[:0]
	for _, m := range r.retSlots {
		for _, o := range slots {
			if o.off == m.off {
				if j := join(m.v, o.v); j.kind != vTop {
					out = append(out, slot{m.off, j})
				}
			}
		}
	}
	r.retSlots = out
}

// callResult is the value a callee's summary gives, seen by the caller
// (state s before the call).
func (a *analyzer) callResult(s *state, v val, delta int64) val {
	if v.kind != vSysRet {
		return v
	}
	var nr val
	if int(v.p) < paramStack {
		nr = s.r[v.p]
	} else if sp := s.r[a.m.isa.sp]; sp.kind == vSP {
		nr = a.slotVal(s, sp.off+int64(int(v.p)-paramStack)*8-delta)
	}
	if nr.kind == vConst && nr.n == 1 && a.getpid != 0 && nr.c[0] == a.getpid {
		return konst(catalog.OwnPID)
	}
	if nr.kind == vParam && nr.c[0] == 0 {
		return val{kind: vSysRet, p: nr.p}
	}
	return top
}

const (
	maxSitesPerFunc = 512
	maxIterations   = 64 // per block, of the data-flow fixpoint
)

// analyzer holds the per-module analysis state.
type analyzer struct {
	m        *module
	res      []funcResult
	rel      func(nr uint64) uint8 // argument indices the catalog conditions on
	imported func(name string) []site
	goABI    bool // calls clobber every register (Go's internal ABI)
	getpid   uint64
	// mid collects call and address targets inside a function (not at
	// its start): entries the function table missed.
	mid map[uint64]bool

	// scratch
	ins    []inst
	leader []bool
	blocks []block
	states []state
	work   []int
	cur    state
}

type block struct {
	first, last int // indices in ins, inclusive
	succ        [2]int
	nsucc       int
	visited     bool
}

// analyzeFunc runs the constant propagation over function fi and records
// its sites, parameter-dependent sites and calls.
func (a *analyzer) analyzeFunc(fi int) {
	f := a.m.funcs[fi]
	code := a.m.code(f.start)
	if code == nil || a.m.inPLT(f.start) {
		// PLT stubs only jump to imports; the calls to them are the sites.
		return
	}
	if uint64(len(code)) > f.end-f.start {
		code = code[:f.end-f.start]
	}
	a.ins = a.ins[:0]
	isa := a.m.isa
	for off := 0; off < len(code); {
		var n int
		a.ins, n = isa.decode(a.m, code[off:], f.start+uint64(off), a.ins)
		off += n
	}
	ins := a.ins
	if len(ins) == 0 {
		return
	}
	// Basic blocks.
	if cap(a.leader) < len(ins) {
		a.leader = make([]bool, len(ins))
	}
	leader := a.leader[:len(ins)]
	clear(leader)
	leader[0] = true
	index := func(pc uint64) int {
		// The first instruction at or after pc: instructions that change
		// nothing (nop) have no IR, and jumps may land on them.
		i := sort.Search(len(ins), func(i int) bool { return ins[i].pc >= pc })
		if i < len(ins) {
			return i
		}
		return -1
	}
	for i := range ins {
		in := &ins[i]
		if in.op.endsBlock() && i+1 < len(ins) {
			leader[i+1] = true
		}
		if in.op == iJmp || in.op == iJcc {
			if in.tgt >= f.start && in.tgt < f.end {
				if j := index(in.tgt); j >= 0 {
					leader[j] = true
				}
			}
		}
	}
	a.blocks = a.blocks[:0]
	blockOf := make(map[int]int)
	for i := 0; i < len(ins); {
		j := i
		for j+1 < len(ins) && !leader[j+1] {
			j++
		}
		blockOf[i] = len(a.blocks)
		a.blocks = append(a.blocks, block{first: i, last: j})
		i = j + 1
	}
	for bi := range a.blocks {
		b := &a.blocks[bi]
		last := &ins[b.last]
		if !last.op.noFallthrough() && b.last+1 < len(ins) {
			b.succ[b.nsucc] = blockOf[b.last+1]
			b.nsucc++
		}
		if (last.op == iJmp || last.op == iJcc) && last.tgt >= f.start && last.tgt < f.end {
			if last.tgt == f.start && a.goABI && a.callsMorestack(ins[b.first:b.last+1]) {
				// Go's stack growth: morestack, then the function again
				// from the start with the same arguments, which the entry
				// state already stands for. (Joining would mix in the
				// states of paths that fall through a call that does not
				// return, such as runtime.throw.)
				continue
			}
			if j := index(last.tgt); j >= 0 {
				b.succ[b.nsucc] = blockOf[j]
				b.nsucc++
			}
		}
	}
	// Data flow to a fixpoint.
	nb := len(a.blocks)
	for len(a.states) < nb {
		a.states = append(a.states, state{})
	}
	states := a.states[:nb]
	for i := range states {
		states[i].mem = states[i].mem[:0]
	}
	a.entryState(&states[0])
	a.blocks[0].visited = true
	iters := 0
	limit := maxIterations * nb
	seed := func(bi int, s *state) {
		a.work = append(a.work[:0], bi)
		_ = s
		for len(a.work) > 0 && iters < limit {
			iters++
			b := a.work[len(a.work)-1]
			a.work = a.work[:len(a.work)-1]
			a.cur.copyFrom(&states[b])
			blk := &a.blocks[b]
			for k := blk.first; k <= blk.last; k++ {
				a.step(&ins[k], &a.cur, nil, fi)
			}
			for s := 0; s < blk.nsucc; s++ {
				t := blk.succ[s]
				tb := &a.blocks[t]
				if !tb.visited {
					tb.visited = true
					states[t].copyFrom(&a.cur)
					a.work = append(a.work, t)
				} else if states[t].joinInto(&a.cur) {
					a.work = append(a.work, t)
				}
			}
		}
	}
	seed(0, nil)
	for bi := 1; bi < nb; bi++ {
		if !a.blocks[bi].visited {
			// Code no edge reaches (a jump table's targets, code after a
			// call that does not return): nothing is known there.
			a.blocks[bi].visited = true
			states[bi].r = [32]val{}
			states[bi].r[isa.sp] = spAt(-1 << 40)
			seed(bi, nil)
		}
	}
	if iters >= limit {
		for i := range states {
			states[i].r = [32]val{}
			states[i].r[isa.sp] = spAt(-1 << 40)
			states[i].mem = states[i].mem[:0]
		}
	}
	// Final pass: record what happens with the converged states.
	r := &a.res[fi]
	r.sites, r.params, r.calls, r.imports, r.taken, r.data = r.sites[:0], r.params[:0], r.calls[:0], r.imports[:0], r.taken[:0], r.data[:0]
	r.done = true
	r.hasRet, r.ret, r.retSlots = false, top, nil
	for bi := range a.blocks {
		a.cur.copyFrom(&states[bi])
		blk := &a.blocks[bi]
		for k := blk.first; k <= blk.last; k++ {
			a.step(&ins[k], &a.cur, r, fi)
		}
		if last := ins[blk.last].op; blk.nsucc == 0 && last != iRet && last != iTrap && last != iJmp && last != iJmpGOT && last != iJmpInd {
			// The code runs off the end (after a call that does not
			// return, or into the next function): its result is unknown.
			a.noteRet(r, nil)
		}
	}
	slices.Sort(r.calls)
	r.calls = slices.Compact(r.calls)
	slices.Sort(r.imports)
	r.imports = slices.Compact(r.imports)
	slices.SortFunc(r.data, func(x, y dataUse) int {
		if x.at != y.at {
			if x.at < y.at {
				return -1
			}
			return 1
		}
		return int(x.span) - int(y.span)
	})
	r.data = slices.Compact(r.data)
	for i := range a.blocks {
		a.blocks[i].visited = false
	}
}

// callsMorestack reports whether the block calls runtime.morestack (Go's
// stack growth, after which the function starts again).
func (a *analyzer) callsMorestack(blk []inst) bool {
	for _, in := range blk {
		if in.op == iCall {
			if j := a.m.funcAt(in.tgt); j >= 0 && strings.HasPrefix(a.m.funcs[j].name, "runtime.morestack") {
				return true
			}
		}
	}
	return false
}

func (a *analyzer) entryState(s *state) {
	for i := range s.r {
		s.r[i] = param(i)
	}
	s.r[a.m.isa.sp] = spAt(0)
	s.mem = s.mem[:0]
}

// slotVal reads stack slot off (relative to the entry stack pointer).
func (a *analyzer) slotVal(s *state, off int64) val {
	if v, ok := s.load(off); ok {
		return v
	}
	ra := a.m.isa.retAddr
	if off >= ra && off < ra+512 && (off-ra)%8 == 0 {
		return param(paramStack + int(off/8))
	}
	return top
}

func (a *analyzer) clobber(s *state, mask uint32) {
	for mask != 0 {
		i := trailingZeros(mask)
		s.r[i] = top
		mask &^= 1 << i
	}
}

func trailingZeros(x uint32) int {
	n := 0
	for x&1 == 0 {
		x >>= 1
		n++
	}
	return n
}

// step applies one instruction to s. With r non-nil it also records
// sites, calls and imports.
func (a *analyzer) step(in *inst, s *state, r *funcResult, fi int) {
	isa := a.m.isa
	switch in.op {
	case iOther:
		a.clobber(s, in.clob)
	case iMovImm:
		s.r[in.dst] = konst(uint64(in.imm))
	case iMovReg:
		v := s.r[in.src]
		if in.w32 {
			v = trunc32(v)
		}
		if in.sext {
			v = sext32(v)
		}
		s.r[in.dst] = v
	case iAddImm:
		v := addConst(s.r[in.src], in.imm)
		if in.w32 {
			v = trunc32(v)
		}
		s.r[in.dst] = v
		if in.addr && r != nil && v.kind == vConst && v.n == 1 {
			a.addrTaken(r, v.c[0])
		}
	case iOrImm:
		v := orConst(s.r[in.src], uint64(in.imm))
		if in.w32 {
			v = trunc32(v)
		}
		s.r[in.dst] = v
	case iAndImm:
		s.r[in.dst] = andConst(s.r[in.src], uint64(in.imm))
	case iLoad:
		v := top
		switch b := s.r[in.base]; b.kind {
		case vSP:
			v = a.slotVal(s, b.off+in.imm)
			if in.size == 4 {
				v = trunc32(v)
			}
		case vConst:
			if b.n == 1 {
				v = a.loadConst(r, b.c[0]+uint64(in.imm), int(in.size))
			}
		}
		if in.sext {
			v = sext32(v)
		}
		s.r[in.dst] = v
	case iStore, iStoreImm, iKillMem:
		b := s.r[in.base]
		if b.kind != vSP {
			return
		}
		if in.size == memUnknown {
			s.mem = s.mem[:0]
			return
		}
		off := b.off + in.imm
		size := int64(in.size)
		if size == 0 {
			size = 8
		}
		s.killRange(off, off+size)
		if in.op == iKillMem {
			return
		}
		var v val
		if in.op == iStore {
			v = s.r[in.src]
		} else {
			v = konst(in.tgt)
		}
		if size == 4 {
			v = trunc32(v)
		} else if size != 8 {
			return
		}
		s.store(off, v)
	case iAddr:
		s.r[in.dst] = konst(in.tgt)
		if r != nil {
			a.addrTaken(r, in.tgt)
			if a.m.wantRefs {
				r.data = append(r.data, dataUse{in.tgt, 1})
			}
		}
	case iRef:
		if r != nil {
			r.data = append(r.data, dataUse{in.tgt, uint32(in.imm)})
		}
	case iGOTRef:
		s.r[in.dst] = a.loadConst(r, in.tgt, 8)
	case iCall, iCallGOT, iCallInd, iJmp, iJmpGOT, iJmpInd:
		if (in.op == iCallInd || in.op == iJmpInd) && in.src != noReg {
			// Through a register holding a known code address (Go's
			// func values in read-only data): a direct call.
			if v := s.r[in.src]; v.kind == vConst && v.n == 1 {
				if j := a.m.funcAt(v.c[0]); j >= 0 && a.m.funcs[j].start == v.c[0] {
					d := *in
					d.op, d.tgt = iCall, v.c[0]
					if in.op == iJmpInd {
						d.op = iJmp
					}
					a.step(&d, s, r, fi)
					return
				}
			}
		}
		tail := in.op == iJmp || in.op == iJmpGOT || in.op == iJmpInd
		if in.op == iJmp && in.tgt >= a.m.funcs[fi].start && in.tgt < a.m.funcs[fi].end {
			return // a jump inside the function
		}
		if r != nil {
			a.call(in, s, r, fi, tail)
			if tail {
				a.noteRet(r, nil)
			}
		}
		if !tail {
			// What the callee returns, if its summary says.
			ret := top
			var slots []slot
			if in.op == iCall {
				if j := a.m.funcAt(in.tgt); j >= 0 && a.m.funcs[j].start == in.tgt && a.res[j].hasRet {
					ret = a.callResult(s, a.res[j].ret, isa.retAddr)
					if sp := s.r[isa.sp]; sp.kind == vSP {
						for _, m := range a.res[j].retSlots {
							if w := a.callResult(s, m.v, isa.retAddr); w.kind != vTop {
								slots = append(slots, slot{sp.off + m.off - isa.retAddr, w})
							}
						}
					}
				}
			}
			if a.goABI {
				sp := s.r[isa.sp]
				s.r = [32]val{}
				s.r[isa.sp] = sp
			} else {
				a.clobber(s, isa.callClob)
			}
			s.killBelow(0)
			if isa.sp != isa.retReg {
				s.r[isa.retReg] = ret
			}
			for _, m := range slots {
				s.killRange(m.off, m.off+8)
				s.store(m.off, m.v)
			}
		}
	case iJcc:
		if r != nil && (in.tgt < a.m.funcs[fi].start || in.tgt >= a.m.funcs[fi].end) {
			// A conditional tail call.
			j := *in
			j.op = iJmp
			a.call(&j, s, r, fi, true)
			a.noteRet(r, nil)
		}
	case iRet:
		if r != nil {
			a.noteRet(r, s)
		}
	case iSys, iSys32:
		if r != nil {
			st := site{nr: s.r[isa.nrReg], fn: int32(fi), pc: in.pc, abi32: in.op == iSys32}
			if in.op == iSys32 {
				// i386 ABI: ebx, ecx, edx, esi, edi, ebp.
				for i, reg := range [6]uint8{rBX, rCX, rDX, rSI, rDI, rBP} {
					st.args[i] = trunc32(s.r[reg])
				}
			} else {
				for i := range 6 {
					st.args[i] = s.r[isa.sysArgs[i]]
				}
			}
			a.record(r, st)
		}
		nr := s.r[isa.nrReg] // x86_64 returns in the number's register
		a.clobber(s, isa.sysClob)
		if nr.kind == vParam && nr.c[0] == 0 && in.op == iSys {
			s.r[isa.retReg] = val{kind: vSysRet, p: nr.p}
		}
		if v := nr; v.kind == vConst && v.n == 1 && a.getpid != 0 && v.c[0] == a.getpid && in.op == iSys {
			// getpid's result is the process's own pid, which the
			// catalog's signal-to-self rules compare with.
			s.r[isa.retReg] = konst(catalog.OwnPID)
		}
	}
}

// addrTaken records that the function at (or a few bytes before) t has
// its address taken: it is reachable from here.
func (a *analyzer) addrTaken(r *funcResult, t uint64) {
	// A function's address, or one a few bytes into it (glibc's
	// __restore_rt: its unwind entry starts at the nop before it).
	if j := a.m.funcAt(t); j >= 0 && t-a.m.funcs[j].start < 16 {
		r.calls = append(r.calls, int32(j))
		r.taken = append(r.taken, int32(j))
		if a.mid != nil && t != a.m.funcs[j].start {
			a.mid[t] = true
		}
	}
}

// loadConst is the value loaded from the fixed address at: unknown, but
// an import when it is a GOT slot, and the constant when the address holds
// code or read-only data.
func (a *analyzer) loadConst(r *funcResult, at uint64, size int) val {
	if name, ok := a.m.gotName[at]; ok {
		if r != nil {
			r.imports = append(r.imports, name)
		}
		return top
	}
	if x, ok := a.m.readConst(at, size); ok {
		return konst(x)
	}
	return top
}

// record adds a site to r, keeping only the arguments the catalog looks at.
func (a *analyzer) record(r *funcResult, st site) {
	if st.nr.kind == vSysRet {
		st.nr = top
	}
	for i := range st.args {
		if st.args[i].kind == vSysRet {
			st.args[i] = top
		}
	}
	var rel uint8 = 0x3F
	if st.nr.kind == vConst && st.nr.n == 1 && !st.abi32 {
		rel = a.rel(st.nr.c[0])
	}
	for i := range 6 {
		if rel&(1<<i) == 0 {
			st.args[i] = top
		}
	}
	if st.nr.kind == vConst && st.nr.n > 1 {
		// Several numbers: each its own site, arguments as known.
		for _, x := range st.nr.consts() {
			one := st
			one.nr = konst(x)
			a.record(r, one)
		}
		return
	}
	list := &r.sites
	if st.paramDependent(rel) {
		list = &r.params
	}
	for _, o := range *list {
		if o.nr == st.nr && o.args == st.args && o.via == st.via && o.abi32 == st.abi32 {
			return
		}
	}
	if len(*list) < maxSitesPerFunc {
		*list = append(*list, st)
	} else if st.nr.kind != vConst {
		// Too many distinct sites: keep the fact that something is unknown.
		(*list)[len(*list)-1] = site{fn: st.fn, pc: st.pc, via: st.via}
	}
}

// call records a call (or tail call) at in, and instantiates the callee's
// parameter-dependent sites with what is known here.
func (a *analyzer) call(in *inst, s *state, r *funcResult, fi int, tail bool) {
	var (
		callee []site
		via    string
	)
	switch in.op {
	case iCall, iJmp:
		if name, ok := a.m.pltName[in.tgt]; ok {
			r.imports = append(r.imports, name)
			callee, via = a.imported(name), name
			break
		}
		j := a.m.funcAt(in.tgt)
		if j < 0 {
			return
		}
		r.calls = append(r.calls, int32(j))
		if a.m.funcs[j].start != in.tgt {
			if a.mid != nil {
				a.mid[in.tgt] = true
			}
			return
		}
		callee, via = a.res[j].params, a.m.funcs[j].name
	case iCallGOT, iJmpGOT:
		name, ok := a.m.gotName[in.tgt]
		if !ok {
			return
		}
		r.imports = append(r.imports, name)
		callee, via = a.imported(name), name
	default:
		return
	}
	if len(callee) == 0 {
		return
	}
	delta := a.m.isa.retAddr
	if tail {
		delta = 0
	}
	sub := func(v val) val {
		if v.kind != vParam {
			return v
		}
		var w val
		if int(v.p) < paramStack {
			w = s.r[v.p]
		} else {
			sp := s.r[a.m.isa.sp]
			if sp.kind != vSP {
				return top
			}
			w = a.slotVal(s, sp.off+int64(int(v.p)-paramStack)*8-delta)
		}
		if v.c[0] != 0 {
			w = orConst(w, v.c[0])
		}
		return w
	}
	for _, cs := range callee {
		ns := site{nr: sub(cs.nr), fn: int32(fi), pc: in.pc, via: via, abi32: cs.abi32}
		for i := range 6 {
			ns.args[i] = sub(cs.args[i])
		}
		a.record(r, ns)
	}
}
