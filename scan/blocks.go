package scan

import (
	"debug/elf"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Data blocks: which of a library's data can be reached.
//
// A function pointer in a library's data (an ops table, a vtable, a
// callback list) counts only if the data holding it can be reached: from
// code that counts (an address formed or loaded there), from other data
// that can be reached, from an import of an exported object, or because
// the loader reads it (init and fini arrays, TLS images). The unit is a
// block: an object whose extent a symbol table gives (the library's own
// .dynsym and .symtab, or its separate debug file found by build ID),
// each GOT slot, and each stretch of a section between known objects,
// whole. A linker set (a section with a C name, walked between its
// __start_ and __stop_ symbols) is one block. Blocks never split an
// object the symbol tables know, and data no symbol describes is never
// split at all, so a reference reaches at least the object it points into.
// A reference that is not at a block's start also reaches the blocks that
// start up to foldWindow bytes after it (a compiler folds arr[i-1] into
// arr-8). A reference just past an object (an end pointer) does not reach
// it: code that walks an object or a linker set refers to its start too.
//
// Without symbols for its local objects (a stripped library with no debug
// file) a library's tables are few large blocks, and most of its function
// pointers count as soon as any of its data does.

// foldWindow is how far past a reference its object may start.
const foldWindow = 64

// Bounds on the partition, so hostile input cannot make it large: beyond
// them, sections (or the GOT) are one block each.
const (
	maxBlockObjects = 1 << 20
	maxGOTBlocks    = 1 << 16
)

// blockMap is a partition of a module's data into blocks.
type blockMap struct {
	start, end []uint64 // block i is [start[i], end[i])
	root       []bool   // read by the loader (init/fini arrays)
}

// find returns the block holding a, or -1.
func (b *blockMap) find(a uint64) int {
	i := sort.Search(len(b.start), func(i int) bool { return b.end[i] > a })
	if i < len(b.start) && a >= b.start[i] {
		return i
	}
	return -1
}

// refs calls fn with the blocks a reference to [a, a+span) reaches.
func (b *blockMap) refs(a, span uint64, fn func(int)) {
	if span == 0 {
		span = 1
	}
	hi := a + span
	if hi < a {
		hi = ^uint64(0)
	}
	i := b.find(a)
	if i < 0 || b.start[i] != a {
		hi = max(hi, a+foldWindow+1)
	}
	k := sort.Search(len(b.start), func(k int) bool { return b.end[k] > a })
	for ; k < len(b.start) && b.start[k] < hi; k++ {
		fn(k)
	}
}

// wholeSection reports whether a data section is one block: linker sets
// (named as C identifiers, so that __start_NAME and __stop_NAME exist) and
// the arrays the loader walks.
func wholeSection(name string) (whole, root bool) {
	switch name {
	case ".init_array", ".fini_array", ".preinit_array", ".ctors", ".dtors":
		return true, true
	case "__libc_IO_vtables":
		// glibc 2.24-2.37 keeps its FILE vtables there and compares a
		// vtable pointer with the section's bounds (IO_validate_vtable),
		// never walking it: each vtable counts when code refers to it
		// (popen's _IO_proc_jumps only through popen).
		return false, false
	}
	if name == "" || strings.HasPrefix(name, ".") {
		return false, false
	}
	for _, c := range name {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false, false
		}
	}
	return true, false
}

// buildBlocks partitions m's data sections into blocks, using the object
// extents of its symbol tables and of objs (a separate debug file's).
func (m *module) buildBlocks(objs []objSym) *blockMap {
	all := append(slices.Clone(m.dataObjs), objs...)
	slices.SortFunc(all, func(x, y objSym) int {
		if x.start != y.start {
			if x.start < y.start {
				return -1
			}
			return 1
		}
		return 0
	})
	if len(all) > maxBlockObjects {
		all = nil // not a library a linker wrote: sections whole
	}
	// Overlapping objects (aliases, nested symbols) are one extent.
	merged := all[:0]
	for _, o := range all {
		if o.end <= o.start {
			continue
		}
		if n := len(merged); n > 0 && o.start < merged[n-1].end {
			merged[n-1].end = max(merged[n-1].end, o.end)
			continue
		}
		merged = append(merged, o)
	}
	b := &blockMap{}
	add := func(s, e uint64, root bool) {
		if e > s {
			b.start = append(b.start, s)
			b.end = append(b.end, e)
			b.root = append(b.root, root)
		}
	}
	for _, d := range m.data {
		lo, hi := d.addr, d.addr+d.size
		if hi <= lo {
			continue
		}
		if whole, root := wholeSection(d.name); whole {
			add(lo, hi, root)
			continue
		}
		if (d.name == ".got" || d.name == ".got.plt") && d.size <= maxGOTBlocks*8 {
			for a := lo; a < hi; a += 8 {
				add(a, min(a+8, hi), false)
			}
			continue
		}
		cur := lo
		i := sort.Search(len(merged), func(i int) bool { return merged[i].end > lo })
		for ; i < len(merged) && merged[i].start < hi; i++ {
			o := merged[i]
			s, e := max(o.start, lo), min(o.end, hi)
			if s > cur {
				add(cur, s, false) // data no symbol describes
			}
			add(max(s, cur), e, false)
			cur = max(cur, e)
		}
		add(cur, hi, false)
	}
	return b
}

// debugObjects returns the data objects of m's separate debug file
// (/usr/lib/debug/.build-id/xx/yyyy.debug under the sysroot), if there is
// one for its build ID: stripped libraries keep only exported symbols.
func (m *module) debugObjects() []objSym {
	p := m.debugFile()
	if p == "" {
		return nil
	}
	f, err := elf.Open(p)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []objSym
	func() {
		defer func() { recover() }() // a malformed debug file only costs precision
		if f.Machine != m.machine || f.Class != m.class {
			return
		}
		syms, err := f.Symbols()
		if err != nil || len(syms) > maxSymbols {
			return
		}
		for _, s := range syms {
			if elf.ST_TYPE(s.Info) == elf.STT_OBJECT && s.Size > 0 && s.Section != elf.SHN_UNDEF && s.Value+s.Size > s.Value {
				out = append(out, objSym{s.Value, s.Value + s.Size})
			}
		}
	}()
	return out
}

// debugFile is the path of m's separate debug file, or "".
func (m *module) debugFile() string {
	id := m.buildID
	if len(id) < 4 || strings.ContainsAny(id, "/.") {
		return ""
	}
	p := filepath.Join(m.sysroot, "/usr/lib/debug/.build-id", id[:2], id[2:]+".debug")
	if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
		return p
	}
	return ""
}
