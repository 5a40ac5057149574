package scan

import (
	"bytes"
	"debug/elf"
	"debug/gosym"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/entitle-dev/entitle/syscalls"
)

// fn is a function (or a stretch of code between two known function
// starts, in stripped binaries).
type fn struct {
	name       string
	start, end uint64
}

// textSeg is an executable section's bytes.
type textSeg struct {
	name string
	addr uint64
	data []byte
}

// module is one ELF object as the analysis sees it.
type module struct {
	path        string
	arch        *syscalls.Arch
	isa         *isa
	class       elf.Class
	machine     elf.Machine
	typ         elf.Type
	text        []textSeg
	funcs       []fn
	gotName     map[uint64]string // GOT slot → imported symbol
	pltName     map[uint64]string // PLT stub → imported symbol
	imports     []string          // undefined dynamic symbols
	exports     map[string]uint64 // defined dynamic function symbols
	needed      []string
	runpath     []string
	rpath       []string
	interp      string
	buildID     string
	goBin       bool
	dynamic     bool // has PT_DYNAMIC
	entry       uint64
	roots       []uint64 // DT_INIT, DT_FINI and IFUNC resolvers: run by the loader
	dataImports []string // imported functions whose address is stored in data
	addrImports []string // imported functions whose address is loaded from the GOT (GLOB_DAT)
	// Relocated words: where the loader stores an address of this module
	// (relPtrs) or of an imported symbol (relImports).
	relPtrs    []relPtr
	relImports []relImport
	// Data objects the symbol tables know (extent), and the exported ones
	// by name: the blocks of blocks.go.
	dataObjs    []objSym
	dataExports map[string][]objSym // every version of the name
	tls         []objSym            // TLS sections: initial images, not addressed by code
	sysroot     string              // where separate debug files are looked for
	wantRefs    bool                // the decoders emit iRef (libraries: data blocks)
	warnings    []string

	// Data, for loads from fixed addresses (globals.go).
	src      io.ReaderAt // the file, for data read when needed
	data     []dataSeg
	objSyms  []objSym        // Go programs: data objects, sorted
	relocAt  map[uint64]bool // addresses the dynamic loader writes
	roGlobal map[uint64]bool // object start → no code writes it
	refsDone bool
	dataRefs []dataRef
	dataPtrs []uint64
}

// Limits on what the front end accepts, so hostile input cannot make it
// allocate without bound.
const (
	maxFileSize   = 2 << 30
	maxSymbols    = 4 << 20
	maxNeeded     = 1024
	maxRelocBytes = 512 << 20
	maxRELR       = maxRelocBytes / 24
)

// FormatError is returned for input that is not an ELF file the scanner
// can analyse.
type FormatError struct {
	Path string
	Msg  string
}

func (e *FormatError) Error() string { return e.Path + ": " + e.Msg }

func formatErr(path, format string, args ...any) error {
	return &FormatError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// openModule reads the parts of an ELF file the analysis needs.
func openModule(path string) (m *module, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, formatErr(path, "not a regular file")
	}
	m, err = parseModule(path, f, st.Size())
	if m != nil {
		m.src = pathReader(path) // f is closed on return
	}
	return m, err
}

// parseModule reads an ELF image of the given size from r.
func parseModule(path string, r io.ReaderAt, size int64) (m *module, err error) {
	defer func() {
		// debug/elf is robust, but the analysis must never take the
		// process down on hostile input.
		if p := recover(); p != nil {
			m, err = nil, formatErr(path, "malformed ELF file (%v)", p)
		}
	}()
	if size > maxFileSize {
		return nil, formatErr(path, "file is larger than %d bytes", maxFileSize)
	}
	ef, err := elf.NewFile(r)
	if err != nil {
		var fe *elf.FormatError
		if errors.As(err, &fe) {
			return nil, formatErr(path, "not a valid ELF file: %v", err)
		}
		return nil, formatErr(path, "not a valid ELF file: cannot read its headers (%v): truncated or not an ELF binary", err)
	}
	m = &module{path: path, src: r, class: ef.Class, machine: ef.Machine, typ: ef.Type, entry: ef.Entry,
		gotName: map[uint64]string{}, pltName: map[uint64]string{}, exports: map[string]uint64{}, dataExports: map[string][]objSym{},
		relocAt: map[uint64]bool{}, roGlobal: map[uint64]bool{}}
	switch {
	case ef.Machine == elf.EM_X86_64 && ef.Class == elf.ELFCLASS64:
		m.arch, m.isa = syscalls.X86_64, x86isa
	case ef.Machine == elf.EM_AARCH64 && ef.Class == elf.ELFCLASS64:
		m.arch, m.isa = syscalls.AARCH64, arm64isa
	default:
		return nil, formatErr(path, "unsupported architecture %v (%v); entitle scan analyses x86_64 and aarch64 ELF files", ef.Machine, ef.Class)
	}
	if ef.ByteOrder != binary.LittleEndian {
		return nil, formatErr(path, "big-endian %v is not supported", ef.Machine)
	}
	if ef.Type != elf.ET_EXEC && ef.Type != elf.ET_DYN {
		return nil, formatErr(path, "ELF type %v is neither an executable nor a shared object", ef.Type)
	}
	for _, s := range ef.Sections {
		if s.Type != elf.SHT_NOBITS && s.FileSize > 0 && (s.Offset > uint64(size) || s.FileSize > uint64(size)-s.Offset) {
			return nil, formatErr(path, "section %q (offset %d, size %d) extends past the end of the %d-byte file: truncated or corrupt", s.Name, s.Offset, s.FileSize, size)
		}
	}
	for _, p := range ef.Progs {
		switch p.Type {
		case elf.PT_DYNAMIC:
			m.dynamic = true
		case elf.PT_INTERP:
			b, err := io.ReadAll(io.LimitReader(p.Open(), 4096))
			if err == nil {
				m.interp = string(bytes.TrimRight(b, "\x00"))
			}
		}
	}
	for _, s := range ef.Sections {
		if s.Flags&elf.SHF_EXECINSTR == 0 || s.Type == elf.SHT_NOBITS || s.Size == 0 {
			continue
		}
		d, err := s.Data()
		if err != nil {
			return nil, formatErr(path, "cannot read section %q: %v", s.Name, err)
		}
		m.text = append(m.text, textSeg{name: s.Name, addr: s.Addr, data: d})
	}
	if len(m.text) == 0 {
		return nil, formatErr(path, "no executable sections (stripped of section headers, or not a program)")
	}
	sort.Slice(m.text, func(i, j int) bool { return m.text[i].addr < m.text[j].addr })
	for _, s := range ef.Sections {
		if s.Flags&elf.SHF_ALLOC == 0 || s.Flags&elf.SHF_EXECINSTR != 0 || s.Size == 0 || s.Type == elf.SHT_NULL ||
			s.Name == ".gopclntab" || strings.HasPrefix(s.Name, ".debug") || s.Addr+s.Size < s.Addr {
			continue
		}
		if s.Flags&elf.SHF_TLS != 0 {
			// A TLS image: its addresses overlap the sections after it
			// (.tbss takes no room) and code reaches it through the
			// thread pointer, not by address.
			m.tls = append(m.tls, objSym{s.Addr, s.Addr + s.Size})
			continue
		}
		d := dataSeg{name: s.Name, addr: s.Addr, size: s.Size, off: int64(s.Offset), writable: s.Flags&elf.SHF_WRITE != 0, nobits: s.Type == elf.SHT_NOBITS}
		if !d.nobits && (s.Size > maxDataSection || s.Flags&elf.SHF_COMPRESSED != 0) {
			continue
		}
		m.data = append(m.data, d)
	}
	sort.Slice(m.data, func(i, j int) bool { return m.data[i].addr < m.data[j].addr })
	if s := ef.Section(".note.gnu.build-id"); s != nil {
		if d, err := s.Data(); err == nil && len(d) > 16 {
			nsz := binary.LittleEndian.Uint32(d)
			dsz := binary.LittleEndian.Uint32(d[4:])
			off := 12 + (uint64(nsz)+3)&^3
			if off+uint64(dsz) <= uint64(len(d)) {
				m.buildID = hex.EncodeToString(d[off : off+uint64(dsz)])
			}
		}
	}
	m.goBin = ef.Section(".gopclntab") != nil || ef.Section(".go.buildinfo") != nil
	if err := m.readDynamic(ef); err != nil {
		return nil, err
	}
	if err := m.readFuncs(ef); err != nil {
		return nil, err
	}
	m.readPLT()
	return m, nil
}

func (m *module) readDynamic(ef *elf.File) error {
	dsyms, err := ef.DynamicSymbols()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		if m.dynamic {
			m.warnings = append(m.warnings, fmt.Sprintf("cannot read dynamic symbols: %v", err))
		}
		dsyms = nil
	}
	if len(dsyms) > maxSymbols {
		return formatErr(m.path, "%d dynamic symbols is more than the %d accepted", len(dsyms), maxSymbols)
	}
	seenImport := map[string]bool{}
	for _, s := range dsyms {
		typ := elf.ST_TYPE(s.Info)
		bind := elf.ST_BIND(s.Info)
		if s.Section == elf.SHN_UNDEF {
			if s.Name != "" && !seenImport[s.Name] {
				seenImport[s.Name] = true
				m.imports = append(m.imports, s.Name)
			}
			continue
		}
		if typ == elf.STT_OBJECT && s.Value != 0 && s.Value+s.Size >= s.Value {
			if s.Size > 0 {
				m.dataObjs = append(m.dataObjs, objSym{s.Value, s.Value + s.Size})
			}
			if bind == elf.STB_GLOBAL || bind == elf.STB_WEAK {
				name := s.Name
				if i := strings.IndexByte(name, '@'); i >= 0 {
					name = name[:i]
				}
				m.dataExports[name] = append(m.dataExports[name], objSym{s.Value, s.Value + s.Size})
			}
		}
		if (typ == elf.STT_FUNC || typ == elf.STT_GNU_IFUNC) && (bind == elf.STB_GLOBAL || bind == elf.STB_WEAK) && s.Value != 0 {
			name := s.Name
			if i := strings.IndexByte(name, '@'); i >= 0 {
				name = name[:i]
			}
			if _, dup := m.exports[name]; !dup || s.Version == "" {
				m.exports[name] = s.Value
			}
		}
	}
	if m.dynamic {
		if v, err := ef.DynString(elf.DT_NEEDED); err == nil {
			if len(v) > maxNeeded {
				return formatErr(m.path, "%d DT_NEEDED entries is more than the %d accepted", len(v), maxNeeded)
			}
			m.needed = v
		}
		if v, err := ef.DynString(elf.DT_RUNPATH); err == nil {
			for _, p := range v {
				m.runpath = append(m.runpath, strings.Split(p, ":")...)
			}
		}
		if v, err := ef.DynString(elf.DT_RPATH); err == nil {
			for _, p := range v {
				m.rpath = append(m.rpath, strings.Split(p, ":")...)
			}
		}
		for _, tag := range []elf.DynTag{elf.DT_INIT, elf.DT_FINI} {
			if v, err := ef.DynValue(tag); err == nil {
				m.roots = append(m.roots, v...)
			}
		}
	}
	// Relocations: GOT slots of imports, and code addresses stored in data
	// (function pointers: init arrays, vtables, callback tables).
	var relBytes uint64
	for _, s := range ef.Sections {
		if s.Type != elf.SHT_RELA {
			continue
		}
		relBytes += s.Size
		if relBytes > maxRelocBytes {
			return formatErr(m.path, "relocation sections larger than %d bytes", maxRelocBytes)
		}
		d, err := s.Data()
		if err != nil {
			m.warnings = append(m.warnings, fmt.Sprintf("cannot read relocations %q: %v", s.Name, err))
			continue
		}
		for i := 0; i+24 <= len(d); i += 24 {
			off := binary.LittleEndian.Uint64(d[i:])
			info := binary.LittleEndian.Uint64(d[i+8:])
			add := binary.LittleEndian.Uint64(d[i+16:])
			typ, sym := uint32(info), info>>32
			var slot, relative, abs, irel bool
			switch m.machine {
			case elf.EM_X86_64:
				slot = typ == uint32(elf.R_X86_64_JMP_SLOT) || typ == uint32(elf.R_X86_64_GLOB_DAT)
				relative = typ == uint32(elf.R_X86_64_RELATIVE)
				abs = typ == uint32(elf.R_X86_64_64)
				irel = typ == uint32(elf.R_X86_64_IRELATIVE)
			case elf.EM_AARCH64:
				slot = typ == uint32(elf.R_AARCH64_JUMP_SLOT) || typ == uint32(elf.R_AARCH64_GLOB_DAT)
				relative = typ == uint32(elf.R_AARCH64_RELATIVE)
				abs = typ == uint32(elf.R_AARCH64_ABS64)
				irel = typ == uint32(elf.R_AARCH64_IRELATIVE)
			}
			m.relocAt[off&^7] = true
			var ds *elf.Symbol
			if sym > 0 && s.Link != 0 && int(sym) <= len(dsyms) {
				ds = &dsyms[sym-1]
			}
			switch {
			case slot && ds != nil:
				if ds.Section == elf.SHN_UNDEF || elf.ST_BIND(ds.Info) != elf.STB_LOCAL {
					m.gotName[off] = ds.Name
				}
				glob := (m.machine == elf.EM_X86_64 && typ == uint32(elf.R_X86_64_GLOB_DAT)) || (m.machine == elf.EM_AARCH64 && typ == uint32(elf.R_AARCH64_GLOB_DAT))
				if glob && elf.ST_TYPE(ds.Info) == elf.STT_FUNC {
					m.addrImports = append(m.addrImports, ds.Name)
				}
				// A GOT slot of the module's own symbol: code that loads
				// it reaches the symbol by name (an import, bound as the
				// loader binds it) and, in case the binding is local, by
				// the slot's block. A PLT slot is only the PLT's: calls to
				// the stub are calls to the import.
				if glob && ds.Section != elf.SHN_UNDEF && ds.Value != 0 {
					m.relPtrs = append(m.relPtrs, relPtr{off, ds.Value})
				}
			case irel:
				// The resolver runs when the loader relocates.
				if m.inText(add) {
					m.roots = append(m.roots, add)
				}
			case relative:
				m.relPtrs = append(m.relPtrs, relPtr{off, add})
			case abs && ds != nil && ds.Section == elf.SHN_UNDEF:
				m.dataImports = append(m.dataImports, ds.Name)
				m.relImports = append(m.relImports, relImport{off, ds.Name})
			case abs && ds != nil:
				m.relPtrs = append(m.relPtrs, relPtr{off, ds.Value + add})
				if elf.ST_BIND(ds.Info) != elf.STB_LOCAL && ds.Name != "" {
					// The loader binds it as any import: to an earlier
					// module's definition, if one interposes.
					m.relImports = append(m.relImports, relImport{off, ds.Name})
				}
			}
		}
	}
	// Packed relative relocations (SHT_RELR, glibc ≥ 2.36 and the
	// linkers' -z pack-relative-relocs): the addend is the word in place.
	for _, s := range ef.Sections {
		if s.Type != shtRELR || m.class != elf.ELFCLASS64 {
			continue
		}
		relBytes += s.Size
		if relBytes > maxRelocBytes {
			return formatErr(m.path, "relocation sections larger than %d bytes", maxRelocBytes)
		}
		d, err := s.Data()
		if err != nil {
			m.warnings = append(m.warnings, fmt.Sprintf("cannot read relocations %q: %v", s.Name, err))
			continue
		}
		for _, off := range decodeRELR(d) {
			m.relocAt[off&^7] = true
			if v, ok := m.dataWord(off); ok {
				m.relPtrs = append(m.relPtrs, relPtr{off, v})
			}
		}
	}
	return nil
}

// relPtr is a word at `at` that the loader sets to the module's address
// target; relImport one it sets to an imported symbol's address.
type (
	relPtr    struct{ at, target uint64 }
	relImport struct {
		at   uint64
		name string
	}
)

// shtRELR is SHT_RELR, which debug/elf does not name.
const shtRELR elf.SectionType = 19

// decodeRELR returns the addresses an SHT_RELR section relocates: an even
// entry is an address, an odd one a bitmap of the 63 words after the last.
// At most maxRELR addresses are returned (as many as RELA entries in
// maxRelocBytes: a bitmap entry stands for up to 63).
func decodeRELR(d []byte) []uint64 {
	var out []uint64
	var next uint64
	for i := 0; i+8 <= len(d) && len(out) < maxRELR; i += 8 {
		e := binary.LittleEndian.Uint64(d[i:])
		if e&1 == 0 {
			out = append(out, e)
			next = e + 8
			continue
		}
		for b := uint64(0); b < 63; b++ {
			if e&(2<<b) != 0 {
				out = append(out, next+b*8)
			}
		}
		next += 63 * 8
	}
	return out
}

// dataWord reads the 8-byte word at address a of an allocated section.
func (m *module) dataWord(a uint64) (uint64, bool) {
	d := m.dataAt(a)
	if d == nil || a+8 > d.addr+d.size || a+8 < a {
		return 0, false
	}
	b := m.segBytes(d)
	if a-d.addr+8 > uint64(len(b)) {
		return 0, false
	}
	return binary.LittleEndian.Uint64(b[a-d.addr:]), true
}

func (m *module) inText(a uint64) bool {
	for _, t := range m.text {
		if a >= t.addr && a-t.addr < uint64(len(t.data)) {
			return true
		}
	}
	return false
}

// code returns the bytes from address a to the end of its section.
func (m *module) code(a uint64) []byte {
	for _, t := range m.text {
		if a >= t.addr && a-t.addr < uint64(len(t.data)) {
			return t.data[a-t.addr:]
		}
	}
	return nil
}

func (m *module) readFuncs(ef *elf.File) error {
	starts := map[uint64]string{}
	add := func(a uint64, name string) {
		if !m.inText(a) {
			return
		}
		if old, ok := starts[a]; !ok || old == "" || (strings.HasPrefix(old, "_") && !strings.HasPrefix(name, "_") && name != "") {
			starts[a] = name
		}
	}
	if m.goBin {
		if s := ef.Section(".gopclntab"); s != nil {
			if d, err := s.Data(); err == nil {
				textStart := uint64(0)
				if t := ef.Section(".text"); t != nil {
					textStart = t.Addr
				}
				if tab, err := goTable(d, textStart); err == nil {
					for _, f := range tab.Funcs {
						add(f.Entry, f.Name)
					}
				} else {
					m.warnings = append(m.warnings, fmt.Sprintf("cannot read the Go function table: %v", err))
				}
			}
		}
	}
	syms, err := ef.Symbols()
	if err == nil && len(syms) <= maxSymbols {
		for _, s := range syms {
			if t := elf.ST_TYPE(s.Info); (t == elf.STT_FUNC || t == elf.STT_GNU_IFUNC) && s.Section != elf.SHN_UNDEF {
				add(s.Value, s.Name)
			}
			if elf.ST_TYPE(s.Info) == elf.STT_OBJECT && s.Size > 0 && s.Section != elf.SHN_UNDEF && s.Value+s.Size > s.Value {
				if m.goBin {
					m.objSyms = append(m.objSyms, objSym{s.Value, s.Value + s.Size})
				} else {
					m.dataObjs = append(m.dataObjs, objSym{s.Value, s.Value + s.Size})
				}
			}
		}
		sort.Slice(m.objSyms, func(i, j int) bool { return m.objSyms[i].start < m.objSyms[j].start })
		// Overlapping symbols are one object (the larger extent is the
		// one references may use).
		merged := m.objSyms[:0]
		for _, o := range m.objSyms {
			if n := len(merged); n > 0 && o.start < merged[n-1].end {
				merged[n-1].end = max(merged[n-1].end, o.end)
				continue
			}
			merged = append(merged, o)
		}
		m.objSyms = merged
	}
	// In name order: of two aliases (_exit and _Exit) the first added
	// names the function, the same in every run.
	names := make([]string, 0, len(m.exports))
	for name := range m.exports {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		add(m.exports[name], name)
	}
	for _, a := range m.ehFrameStarts(ef) {
		add(a, "")
	}
	add(m.entry, "_start")
	for _, t := range m.text {
		add(t.addr, "")
	}
	addrs := make([]uint64, 0, len(starts))
	for a := range starts {
		addrs = append(addrs, a)
	}
	sort.Slice(addrs, func(i, j int) bool { return addrs[i] < addrs[j] })
	// Data the symbol table places in executable sections (OpenSSL's
	// precomputed tables in .text, ...) ends the function before it: its
	// bytes decoded as instructions would be calls no code makes.
	var textObjs []uint64
	for _, o := range append(slices.Clone(m.dataObjs), m.objSyms...) {
		for _, t := range m.text {
			if o.start >= t.addr && o.start-t.addr < uint64(len(t.data)) {
				textObjs = append(textObjs, o.start)
			}
		}
	}
	slices.Sort(textObjs)
	m.funcs = make([]fn, 0, len(addrs))
	lastName := ""
	var lastAddr uint64
	for i, a := range addrs {
		end := uint64(0)
		for _, t := range m.text {
			if a >= t.addr && a-t.addr < uint64(len(t.data)) {
				end = t.addr + uint64(len(t.data))
			}
		}
		if i+1 < len(addrs) && addrs[i+1] < end {
			end = addrs[i+1]
		}
		if j, _ := slices.BinarySearch(textObjs, a+1); j < len(textObjs) && textObjs[j] < end {
			end = textObjs[j]
		}
		name := starts[a]
		if name == "" {
			if lastName != "" {
				name = fmt.Sprintf("%s+%#x", lastName, a-lastAddr)
			} else {
				name = fmt.Sprintf("%#x", a)
			}
		} else {
			lastName, lastAddr = name, a
		}
		m.funcs = append(m.funcs, fn{name: name, start: a, end: end})
	}
	return nil
}

func goTable(pcln []byte, textStart uint64) (tab *gosym.Table, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("malformed pclntab: %v", p)
		}
	}()
	return gosym.NewTable(nil, gosym.NewLineTable(pcln, textStart))
}

// funcAt returns the index of the function containing a, or -1.
func (m *module) funcAt(a uint64) int {
	i := sort.Search(len(m.funcs), func(i int) bool { return m.funcs[i].start > a }) - 1
	if i >= 0 && a < m.funcs[i].end {
		return i
	}
	return -1
}

// ehFrameStarts reads the function start addresses from .eh_frame_hdr's
// binary search table, which stripped C binaries keep for unwinding.
func (m *module) ehFrameStarts(ef *elf.File) []uint64 {
	s := ef.Section(".eh_frame_hdr")
	if s == nil {
		return nil
	}
	d, err := s.Data()
	if err != nil || len(d) < 12 || d[0] != 1 {
		return nil
	}
	ptrEnc, cntEnc, tabEnc := d[1], d[2], d[3]
	off := 4
	skip := func(enc byte) (uint64, bool) {
		switch enc & 0x0F {
		case 0x03, 0x0B: // udata4, sdata4
			if off+4 > len(d) {
				return 0, false
			}
			v := binary.LittleEndian.Uint32(d[off:])
			off += 4
			return uint64(v), true
		case 0x04, 0x0C:
			if off+8 > len(d) {
				return 0, false
			}
			v := binary.LittleEndian.Uint64(d[off:])
			off += 8
			return v, true
		}
		return 0, false
	}
	if _, ok := skip(ptrEnc); !ok {
		return nil
	}
	n, ok := skip(cntEnc)
	if !ok || tabEnc != 0x3B { // datarel | sdata4, what every linker writes
		return nil
	}
	if n > uint64(len(d)-off)/8 {
		n = uint64(len(d)-off) / 8
	}
	out := make([]uint64, 0, n)
	for i := uint64(0); i < n; i++ {
		rel := int32(binary.LittleEndian.Uint32(d[off:]))
		off += 8
		out = append(out, s.Addr+uint64(int64(rel)))
	}
	return out
}
