package scan

import (
	"encoding/binary"
	"errors"
	"slices"
)

// The cache's files are summaries in a small binary format of their own
// (encoding/gob, used before, cost every start of the entitle command
// ~0.1-0.15 ms of package initialisation): a magic, then each field in
// declaration order. Integers are varints, strings and slices are a
// length and their elements, Exports is sorted by name. Empty slices and
// maps decode as nil.

const cacheMagic = "entitle-scan-summary\x00"

func encodeSummary(s *summary) []byte {
	e := encoder{b: make([]byte, 0, 4096)}
	e.b = append(e.b, cacheMagic...)
	e.str(s.Path)
	e.uint(uint64(len(s.Funcs)))
	for i := range s.Funcs {
		f := &s.Funcs[i]
		e.str(f.Name)
		e.sites(f.Sites)
		e.sites(f.Params)
		e.int32s(f.Calls)
		e.strs(f.Imports)
		e.int32s(f.Data)
	}
	names := make([]string, 0, len(s.Exports))
	for n := range s.Exports {
		names = append(names, n)
	}
	slices.Sort(names)
	e.uint(uint64(len(names)))
	for _, n := range names {
		e.str(n)
		e.int(int64(s.Exports[n]))
	}
	names = names[:0]
	for n := range s.DataExports {
		names = append(names, n)
	}
	slices.Sort(names)
	e.uint(uint64(len(names)))
	for _, n := range names {
		e.str(n)
		e.int32s(s.DataExports[n])
	}
	e.uint(uint64(len(s.Blocks)))
	for i := range s.Blocks {
		b := &s.Blocks[i]
		e.int32s(b.Funcs)
		e.int32s(b.Blocks)
		e.strs(b.Imports)
	}
	e.int32s(s.Roots)
	e.int32s(s.RootBlocks)
	e.strs(s.RootImports)
	e.strs(s.DataImports)
	e.strs(s.AddrImports)
	e.int32s(s.Taken)
	e.int32s(s.Gated)
	e.strs(s.GateOpeners)
	e.int32s(s.NSSGated)
	e.int32s(s.NSSOpeners)
	return e.b
}

var errBadSummary = errors.New("scan: malformed cached summary")

// decodeSummary reads what encodeSummary wrote; anything else (another
// format, a truncated or damaged file) is an error, never a panic or an
// allocation larger than the data.
func decodeSummary(data []byte) (*summary, error) {
	if len(data) < len(cacheMagic) || string(data[:len(cacheMagic)]) != cacheMagic {
		return nil, errBadSummary
	}
	d := decoder{b: data[len(cacheMagic):]}
	s := &summary{Path: d.str()}
	if n := d.len(6); n > 0 {
		s.Funcs = make([]sumFunc, n)
		for i := range s.Funcs {
			f := &s.Funcs[i]
			f.Name = d.str()
			f.Sites = d.sites()
			f.Params = d.sites()
			f.Calls = d.int32s()
			f.Imports = d.strs()
			f.Data = d.int32s()
		}
	}
	if n := d.len(2); n > 0 {
		s.Exports = make(map[string]int32, n)
		for range n {
			name := d.str()
			s.Exports[name] = d.int32()
		}
	}
	if n := d.len(2); n > 0 {
		s.DataExports = make(map[string][]int32, n)
		for range n {
			name := d.str()
			s.DataExports[name] = d.int32s()
		}
	}
	if n := d.len(3); n > 0 {
		s.Blocks = make([]sumBlock, n)
		for i := range s.Blocks {
			b := &s.Blocks[i]
			b.Funcs = d.int32s()
			b.Blocks = d.int32s()
			b.Imports = d.strs()
		}
	}
	s.Roots = d.int32s()
	s.RootBlocks = d.int32s()
	s.RootImports = d.strs()
	s.DataImports = d.strs()
	s.AddrImports = d.strs()
	s.Taken = d.int32s()
	s.Gated = d.int32s()
	s.GateOpeners = d.strs()
	s.NSSGated = d.int32s()
	s.NSSOpeners = d.int32s()
	if d.err || len(d.b) != 0 {
		return nil, errBadSummary
	}
	return s, nil
}

type encoder struct{ b []byte }

func (e *encoder) uint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) int(v int64)   { e.b = binary.AppendVarint(e.b, v) }

func (e *encoder) str(s string) {
	e.uint(uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *encoder) strs(ss []string) {
	e.uint(uint64(len(ss)))
	for _, s := range ss {
		e.str(s)
	}
}

func (e *encoder) int32s(vs []int32) {
	e.uint(uint64(len(vs)))
	for _, v := range vs {
		e.int(int64(v))
	}
}

func (e *encoder) val(v *cVal) {
	e.b = append(e.b, v.K, v.N)
	e.uint(uint64(v.P))
	e.int(v.Off)
	for _, c := range v.C {
		e.uint(c)
	}
}

func (e *encoder) sites(ss []cSite) {
	e.uint(uint64(len(ss)))
	for i := range ss {
		s := &ss[i]
		e.val(&s.Nr)
		for j := range s.Args {
			e.val(&s.Args[j])
		}
		e.int(int64(s.Fn))
		e.uint(s.PC)
		e.str(s.Via)
		abi32 := byte(0)
		if s.Abi32 {
			abi32 = 1
		}
		e.b = append(e.b, abi32)
	}
}

// decoder reads from b; the first error sets err, after which every read
// returns zero values.
type decoder struct {
	b   []byte
	err bool
}

func (d *decoder) fail() { d.err, d.b = true, nil }

func (d *decoder) uint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) int() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) int32() int32 {
	v := d.int()
	if int64(int32(v)) != v {
		d.fail()
		return 0
	}
	return int32(v)
}

// len reads a count of elements that each take at least min bytes: one
// the remaining data cannot hold is an error.
func (d *decoder) len(min int) int {
	n := d.uint()
	if n > uint64(len(d.b)/min) {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *decoder) str() string {
	n := d.len(1)
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) strs() []string {
	n := d.len(1)
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.str()
	}
	return out
}

func (d *decoder) int32s() []int32 {
	n := d.len(1)
	if n == 0 {
		return nil
	}
	out := make([]int32, n)
	for i := range out {
		out[i] = d.int32()
	}
	return out
}

func (d *decoder) val() cVal {
	v := cVal{K: d.byte(), N: d.byte()}
	p := d.uint()
	if p > 0xFFFF {
		d.fail()
	}
	v.P = uint16(p)
	v.Off = d.int()
	for i := range v.C {
		v.C[i] = d.uint()
	}
	return v
}

// siteMin is the fewest bytes an encoded cSite takes: seven values of
// 2+1+1+4 bytes, Fn, PC, Via's length and Abi32.
const siteMin = 7*8 + 4

func (d *decoder) sites() []cSite {
	n := d.len(siteMin)
	if n == 0 {
		return nil
	}
	out := make([]cSite, n)
	for i := range out {
		s := &out[i]
		s.Nr = d.val()
		for j := range s.Args {
			s.Args[j] = d.val()
		}
		s.Fn = d.int32()
		s.PC = d.uint()
		s.Via = d.str()
		switch d.byte() {
		case 0:
		case 1:
			s.Abi32 = true
		default:
			d.fail()
		}
	}
	return out
}
