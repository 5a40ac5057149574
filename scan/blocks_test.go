package scan

import (
	"encoding/binary"
	"slices"
	"testing"
)

func TestDecodeRELR(t *testing.T) {
	var d []byte
	for _, e := range []uint64{0x1000, 1 | 2 | 8, 1 | 1<<63} {
		d = binary.LittleEndian.AppendUint64(d, e)
	}
	// 0x1000; then a bitmap over the words from 0x1008: bits 0 and 2;
	// then one over the 63 words after those: bit 62.
	want := []uint64{0x1000, 0x1008, 0x1018, 0x1008 + 63*8 + 62*8}
	if got := decodeRELR(d); !slices.Equal(got, want) {
		t.Errorf("decodeRELR = %#x, want %#x", got, want)
	}
}

func TestBlocks(t *testing.T) {
	m := &module{
		data: []dataSeg{
			{name: ".data.rel.ro", addr: 0x1000, size: 0x400},
			{name: "__libc_atexit", addr: 0x1400, size: 0x20},
			{name: ".got", addr: 0x1420, size: 0x18},
			{name: ".init_array", addr: 0x1438, size: 0x8},
		},
		// Two objects a symbol table knows, one nested in another
		// (an alias of a field), and data between them no symbol covers.
		dataObjs: []objSym{{0x1100, 0x1180}, {0x1120, 0x1130}, {0x1200, 0x1240}},
	}
	b := m.buildBlocks(nil)
	type blk struct{ s, e uint64 }
	var got []blk
	for i := range b.start {
		got = append(got, blk{b.start[i], b.end[i]})
	}
	want := []blk{
		{0x1000, 0x1100}, {0x1100, 0x1180}, {0x1180, 0x1200}, {0x1200, 0x1240}, {0x1240, 0x1400}, // .data.rel.ro
		{0x1400, 0x1420},                                     // a linker set, whole
		{0x1420, 0x1428}, {0x1428, 0x1430}, {0x1430, 0x1438}, // GOT slots
		{0x1438, 0x1440}, // .init_array
	}
	if !slices.Equal(got, want) {
		t.Fatalf("blocks %#x, want %#x", got, want)
	}
	if !b.root[9] || b.root[5] {
		t.Errorf("roots %v: only .init_array is the loader's", b.root)
	}
	refs := func(a, span uint64) []int {
		var out []int
		b.refs(a, span, func(i int) { out = append(out, i) })
		return out
	}
	for _, c := range []struct {
		a, span uint64
		want    []int
	}{
		{0x1100, 1, []int{1}},                               // an object's start
		{0x1128, 1, []int{1}},                               // inside it (the nested alias is no block)
		{0x1170, 1, []int{1, 2}},                            // near its end: arr-8 folding reaches what follows
		{0x11f8, 1, []int{2, 3}},                            // in unknown data, 8 bytes before an object
		{0x1200, 1, []int{3}},                               // at a start: no folding
		{0x1180, 1, []int{2}},                               // just past an object: not the object
		{0x1400, 1, []int{5}},                               // a linker set
		{0x1428, 1, []int{7}},                               // one GOT slot
		{0x1000, 4096, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}, // an aarch64 page
		{0x2000, 1, nil},                                    // outside the data
	} {
		if got := refs(c.a, c.span); !slices.Equal(got, c.want) {
			t.Errorf("refs(%#x, %d) = %v, want %v", c.a, c.span, got, c.want)
		}
	}
}
