package scan

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// cacheVersion changes whenever the analysis or the summary format does,
// so stale entries are never read. (5 was the last in encoding/gob.)
const cacheVersion = 13

// summary is a library's analysis: each function's sites and edges, the
// exported functions and objects, its data blocks (blocks.go), and the
// roots that count as reachable whatever the program imports.
type summary struct {
	Path    string
	Funcs   []sumFunc
	Exports map[string]int32
	// DataExports are the blocks of each exported object.
	DataExports map[string][]int32
	Blocks      []sumBlock
	// Roots run whatever the program does: DT_INIT and DT_FINI, IFUNC
	// resolvers, and code whose address the loader stores outside data
	// blocks. RootBlocks are read by the loader (init and fini arrays, TLS
	// images are Roots and RootImports).
	Roots       []int32
	RootBlocks  []int32
	RootImports []string
	// DataImports are imported functions whose address the library keeps
	// in data (tables of function pointers), AddrImports those whose
	// address code loads from the GOT: called through pointers.
	DataImports []string
	AddrImports []string
	// Taken are the functions whose address code takes or data holds:
	// called through pointers, with any arguments.
	Taken []int32
	// Gated functions count only once a function of GateOpeners is
	// reached, or code outside this library and the loader can map
	// shared memory (gates.go).
	Gated       []int32
	GateOpeners []string
	// NSSGated functions (glibc's DNS module's table) count only once a
	// function of NSSOpeners is reached or another object imports one of
	// NSS's lookup entry points (gates.go).
	NSSGated   []int32
	NSSOpeners []int32
}

type sumFunc struct {
	Name    string
	Sites   []cSite
	Params  []cSite
	Calls   []int32
	Imports []string
	Data    []int32 // the data blocks it refers to
}

// sumBlock is what a data block holds: addresses of the library's
// functions and blocks, and of imported symbols.
type sumBlock struct {
	Funcs   []int32
	Blocks  []int32
	Imports []string
}

type cVal struct {
	K   uint8
	N   uint8
	P   uint16
	Off int64
	C   [maxSet]uint64
}

type cSite struct {
	Nr    cVal
	Args  [6]cVal
	Fn    int32
	PC    uint64
	Via   string
	Abi32 bool
}

func toC(v val) cVal { return cVal{K: uint8(v.kind), N: v.n, P: v.p, Off: v.off, C: v.c} }
func (c cVal) val() val {
	return val{kind: vkind(c.K), n: c.N, p: c.P, off: c.Off, c: c.C}
}

func toCSite(s site) cSite {
	out := cSite{Nr: toC(s.nr), Fn: s.fn, PC: s.pc, Via: s.via, Abi32: s.abi32}
	for i := range 6 {
		out.Args[i] = toC(s.args[i])
	}
	return out
}

func (c cSite) site() site {
	s := site{nr: c.Nr.val(), fn: c.Fn, pc: c.PC, via: c.Via, abi32: c.Abi32}
	for i := range 6 {
		s.args[i] = c.Args[i].val()
	}
	return s
}

func (s *summary) params(fi int32) []site {
	if fi < 0 || int(fi) >= len(s.Funcs) {
		return nil
	}
	var out []site
	for _, c := range s.Funcs[fi].Params {
		out = append(out, c.site())
	}
	return out
}

func newSummary(m *module, res []funcResult, all bool) *summary {
	s := &summary{Path: m.path, Funcs: make([]sumFunc, len(m.funcs)), Exports: map[string]int32{}, DataExports: map[string][]int32{}}
	bm := m.buildBlocks(m.debugObjects())
	s.Blocks = make([]sumBlock, len(bm.start))
	for i := range m.funcs {
		f := &s.Funcs[i]
		f.Name = m.funcs[i].name
		r := &res[i]
		for _, x := range r.sites {
			f.Sites = append(f.Sites, toCSite(x))
		}
		for _, x := range r.params {
			f.Params = append(f.Params, toCSite(x))
		}
		f.Calls = append([]int32(nil), r.calls...)
		f.Imports = append([]string(nil), r.imports...)
		for _, u := range r.data {
			bm.refs(u.at, uint64(u.span), func(b int) { f.Data = append(f.Data, int32(b)) })
		}
		f.Data = uniq32(f.Data)
	}
	var roots []uint64
	var rootImports []string
	for _, p := range m.relPtrs {
		b := bm.find(p.at)
		if b < 0 {
			// Outside the data blocks (a TLS image, relocated code):
			// the loader's, and so reachable.
			if m.funcAt(p.target) >= 0 {
				roots = append(roots, p.target)
			} else {
				bm.refs(p.target, 1, func(t int) { bm.root[t] = true })
			}
			continue
		}
		blk := &s.Blocks[b]
		if fi := m.funcAt(p.target); fi >= 0 {
			if name, ok := m.pltName[p.target]; ok {
				blk.Imports = append(blk.Imports, name)
			} else {
				blk.Funcs = append(blk.Funcs, int32(fi))
			}
		} else {
			bm.refs(p.target, 1, func(t int) { blk.Blocks = append(blk.Blocks, int32(t)) })
		}
	}
	for _, p := range m.relImports {
		if b := bm.find(p.at); b >= 0 {
			s.Blocks[b].Imports = append(s.Blocks[b].Imports, p.name)
		} else {
			rootImports = append(rootImports, p.name)
		}
	}
	for i := range s.Blocks {
		b := &s.Blocks[i]
		b.Funcs, b.Blocks, b.Imports = uniq32(b.Funcs), uniq32(b.Blocks), uniq(b.Imports)
		if bm.root[i] || all {
			s.RootBlocks = append(s.RootBlocks, int32(i))
		}
	}
	for name, os := range m.dataExports {
		var bs []int32
		for _, o := range os {
			bm.refs(o.start, max(o.end-o.start, 1), func(b int) { bs = append(bs, int32(b)) })
		}
		if len(bs) > 0 {
			s.DataExports[name] = uniq32(bs)
		}
	}
	for name, a := range m.exports {
		if fi := m.funcAt(a); fi >= 0 && m.funcs[fi].start == a {
			s.Exports[name] = int32(fi)
		}
	}
	s.Taken = takenFuncs(m, res)
	s.Gated, s.GateOpeners = m.gated(s.Taken)
	s.NSSGated, s.NSSOpeners = m.nssGated()
	s.RootImports = uniq(rootImports)
	s.DataImports = uniq(slices.Clone(m.dataImports))
	s.AddrImports = uniq(slices.Clone(m.addrImports))
	if all {
		for i := range m.funcs {
			s.Roots = append(s.Roots, int32(i))
		}
	} else {
		seen := map[int]bool{}
		for _, a := range append(append(roots, m.roots...), m.entry) {
			if fi := m.funcAt(a); fi >= 0 && !seen[fi] {
				seen[fi] = true
				s.Roots = append(s.Roots, int32(fi))
			}
		}
	}
	return s
}

// libCache keeps summaries in memory and, unless disabled, on disk.
type libCache struct {
	dir string
	mu  sync.Mutex
	mem map[string]*summary
}

// DefaultCacheDir is where summaries are kept: $XDG_CACHE_HOME/entitle/scan
// or ~/.cache/entitle/scan.
func DefaultCacheDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "entitle", "scan")
}

func newLibCache(dir string) *libCache {
	switch dir {
	case "":
		dir = DefaultCacheDir()
	case "off":
		dir = ""
	}
	return &libCache{dir: dir, mem: map[string]*summary{}}
}

// key identifies a library's content: its GNU build ID, or a hash of the
// file when it has none.
func cacheKey(m *module, all bool) string {
	id := m.buildID
	if id == "" {
		h := sha256.New()
		if f, err := os.Open(m.path); err == nil {
			io.Copy(h, f)
			f.Close()
		}
		id = "sha256-" + hex.EncodeToString(h.Sum(nil))
	}
	k := fmt.Sprintf("v%d-%s-%s-%t", cacheVersion, m.arch.Name(), id, all)
	if m.debugFile() != "" {
		k += "-dbg" // object extents from the debug file: finer blocks
	}
	return k
}

func (c *libCache) get(m *module, all bool, compute func() *summary) *summary {
	k := cacheKey(m, all)
	c.mu.Lock()
	s, ok := c.mem[k]
	c.mu.Unlock()
	if ok {
		return withPath(s, m.path)
	}
	if c.dir != "" {
		if d, err := os.ReadFile(filepath.Join(c.dir, k+".sum")); err == nil {
			if s, err := decodeSummary(d); err == nil {
				c.mu.Lock()
				c.mem[k] = s
				c.mu.Unlock()
				return withPath(s, m.path)
			}
		}
	}
	s = compute()
	c.mu.Lock()
	c.mem[k] = s
	c.mu.Unlock()
	if c.dir != "" {
		if os.MkdirAll(c.dir, 0o755) == nil {
			tmp, err := os.CreateTemp(c.dir, k+".*.tmp")
			if err == nil {
				_, werr := tmp.Write(encodeSummary(s))
				cerr := tmp.Close()
				if werr == nil && cerr == nil {
					os.Rename(tmp.Name(), filepath.Join(c.dir, k+".sum"))
				} else {
					os.Remove(tmp.Name())
				}
			}
		}
	}
	return s
}

func uniq32(s []int32) []int32 {
	slices.Sort(s)
	return slices.Compact(s)
}

func withPath(s *summary, path string) *summary {
	if s.Path == path {
		return s
	}
	c := *s
	c.Path = path
	return &c
}

// takenFuncs returns the functions of m whose address is taken: in code
// (lea, adrp+add) or held in data (relocations, and in programs that are
// not relocated, 8-byte words of data equal to a function's start: Go's
// func values and method tables).
func takenFuncs(m *module, res []funcResult) []int32 {
	seen := map[int32]bool{}
	for i := range res {
		for _, j := range res[i].taken {
			seen[j] = true
		}
	}
	mark := func(a uint64) {
		if fi := m.funcAt(a); fi >= 0 && m.funcs[fi].start == a {
			seen[int32(fi)] = true
		}
	}
	for _, a := range m.roots {
		mark(a)
	}
	for _, p := range m.relPtrs {
		mark(p.target)
	}
	if !m.dynamic || m.typ == elf.ET_EXEC {
		for i := range m.data {
			b := m.segBytes(&m.data[i])
			for p := 0; p+8 <= len(b); p += 8 {
				if v := binary.LittleEndian.Uint64(b[p:]); m.inText(v) {
					mark(v)
				}
			}
		}
	}
	// Code not analysed (a program's functions without system calls)
	// may take a wrapper's address too: look for references to the start
	// of each function with parameter-dependent sites.
	wrappers := map[uint64]int32{}
	for i := range res {
		if len(res[i].params) > 0 {
			wrappers[m.funcs[i].start] = int32(i)
		}
	}
	if len(wrappers) > 0 && len(m.text) > 0 {
		// A bitmap of wrapper starts (16-byte granules) over the code
		// keeps the look-up per code position cheap.
		lo := m.text[0].addr
		hi := m.text[len(m.text)-1].addr + uint64(len(m.text[len(m.text)-1].data))
		var size uint64
		for _, t := range m.text {
			size += uint64(len(t.data))
		}
		if hi < lo || hi-lo > 2*size+1<<20 {
			// Code spread over the address space (not a linker's
			// layout): no bitmap, every candidate looked up.
			lo, hi = 0, 0
		}
		bits := make([]uint64, (hi-lo)>>4/64+1)
		for a := range wrappers {
			if a >= lo && a < hi {
				g := (a - lo) >> 4
				bits[g/64] |= 1 << (g % 64)
			}
		}
		codeRefs(m, func(t uint64) {
			if hi > lo {
				if t < lo || t >= hi {
					return
				}
				if g := (t - lo) >> 4; bits[g/64]&(1<<(g%64)) == 0 {
					return
				}
			}
			if j, ok := wrappers[t]; ok {
				seen[j] = true
			}
		})
	}
	out := make([]int32, 0, len(seen))
	for j := range seen {
		out = append(out, j)
	}
	slices.Sort(out)
	return out
}

// codeRefs calls fn with every address code may compute without a call:
// x86_64 rip-relative operands (lea) and, in programs that are not
// relocated, 32-bit immediates; aarch64 adrp+add pairs. Byte sequences
// that only look like one make the result larger, never smaller.
func codeRefs(m *module, fn func(uint64)) {
	codeRefsAt(m, func(_, target uint64) { fn(target) })
}

// codeRefsAt is codeRefs with the address of the instruction bytes that
// hold each reference.
func codeRefsAt(m *module, fn func(at, target uint64)) {
	for _, t := range m.text {
		switch m.machine {
		case elf.EM_X86_64:
			abs := m.typ == elf.ET_EXEC
			for p := 1; p+4 <= len(t.data); p++ {
				v := binary.LittleEndian.Uint32(t.data[p:])
				at := t.addr + uint64(p)
				if abs {
					fn(at, uint64(v)) // mov $func, %edi: an absolute address
				}
				// A rip-relative operand: the ModR/M byte before its
				// displacement has mod 00, r/m 101 (calls and jumps to a
				// function are not references to its address).
				if t.data[p-1]&0xC7 == 0x05 {
					fn(at, at+4+uint64(int64(int32(v))))
				}
			}
		case elf.EM_AARCH64:
			for p := 0; p+8 <= len(t.data); p += 4 {
				w := binary.LittleEndian.Uint32(t.data[p:])
				if w&0x9F000000 != 0x90000000 {
					continue
				}
				a := binary.LittleEndian.Uint32(t.data[p+4:])
				if a&0xFF800000 != 0x91000000 || (a>>5)&31 != w&31 { // add xd, xn(=adrp's), #imm
					continue
				}
				pc := t.addr + uint64(p)
				immlo, immhi := uint64(w>>29)&3, uint64(w>>5)&0x7FFFF
				page := (pc &^ 0xFFF) + uint64(int64((immhi<<2|immlo)<<43)>>43<<12)
				fn(pc, page+uint64(a>>10)&0xFFF)
			}
		}
	}
}
