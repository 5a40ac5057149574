//go:build linux

package scan

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

// normal is s with empty slices and maps nil, as they decode.
func normal(s *summary) *summary {
	c := *s
	if len(c.Funcs) == 0 {
		c.Funcs = nil
	} else {
		c.Funcs = append([]sumFunc(nil), c.Funcs...)
	}
	for i := range c.Funcs {
		f := &c.Funcs[i]
		if len(f.Sites) == 0 {
			f.Sites = nil
		}
		if len(f.Params) == 0 {
			f.Params = nil
		}
		if len(f.Calls) == 0 {
			f.Calls = nil
		}
		if len(f.Imports) == 0 {
			f.Imports = nil
		}
		if len(f.Data) == 0 {
			f.Data = nil
		}
	}
	if len(c.Exports) == 0 {
		c.Exports = nil
	}
	if len(c.DataExports) == 0 {
		c.DataExports = nil
	} else {
		m := make(map[string][]int32, len(c.DataExports))
		for n, bs := range c.DataExports {
			if len(bs) == 0 {
				bs = nil
			}
			m[n] = bs
		}
		c.DataExports = m
	}
	if len(c.Blocks) == 0 {
		c.Blocks = nil
	} else {
		c.Blocks = append([]sumBlock(nil), c.Blocks...)
	}
	for i := range c.Blocks {
		b := &c.Blocks[i]
		for _, p := range []*[]int32{&b.Funcs, &b.Blocks} {
			if len(*p) == 0 {
				*p = nil
			}
		}
		if len(b.Imports) == 0 {
			b.Imports = nil
		}
	}
	for _, p := range []*[]int32{&c.Roots, &c.RootBlocks, &c.Taken, &c.Gated, &c.NSSGated, &c.NSSOpeners} {
		if len(*p) == 0 {
			*p = nil
		}
	}
	for _, p := range []*[]string{&c.RootImports, &c.DataImports, &c.AddrImports, &c.GateOpeners} {
		if len(*p) == 0 {
			*p = nil
		}
	}
	return &c
}

// TestCacheRoundTrip: every summary the cache writes reads back equal,
// and a scan from the cache on disk reports what the scan that wrote it
// did.
func TestCacheRoundTrip(t *testing.T) {
	bin := "/bin/ls"
	if _, err := os.Stat(bin); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	sc := New(Options{CacheDir: dir})
	want, err := sc.Scan(bin)
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.cache.mem) == 0 {
		t.Fatal("nothing cached")
	}
	for k, s := range sc.cache.mem {
		data, err := os.ReadFile(filepath.Join(dir, k+".sum"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeSummary(data)
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		if !reflect.DeepEqual(got, normal(s)) {
			t.Errorf("%s: decoded summary differs from the one encoded", k)
		}
		if !bytes.Equal(encodeSummary(got), data) {
			t.Errorf("%s: encoding the decoded summary gives other bytes", k)
		}
	}

	sc2 := New(Options{CacheDir: dir})
	got, err := sc2.Scan(bin)
	if err != nil {
		t.Fatal(err)
	}
	// The order of the unresolved sites varies from scan to scan.
	for _, r := range []*Report{want, got} {
		slices.SortFunc(r.Unresolved, func(a, b Unresolved) int {
			aj, _ := json.Marshal(a)
			bj, _ := json.Marshal(b)
			return bytes.Compare(aj, bj)
		})
	}
	wj, _ := json.Marshal(want)
	gj, _ := json.Marshal(got)
	if !bytes.Equal(wj, gj) {
		t.Errorf("scan from the cache on disk differs:\n%s\n%s", gj, wj)
	}
}

func FuzzDecodeSummary(f *testing.F) {
	s := &summary{
		Path: "/lib/libc.so.6",
		Funcs: []sumFunc{
			{Name: "write", Sites: []cSite{{Nr: cVal{K: 1, N: 1, C: [maxSet]uint64{1}}, Fn: 0, PC: 0x1234, Via: "syscall", Abi32: true}},
				Calls: []int32{1, -1}, Imports: []string{"x"}},
			{Name: "syscall", Params: []cSite{{Nr: cVal{K: 2, P: 0, Off: -8}}}},
		},
		Exports:     map[string]int32{"write": 0, "syscall": 1},
		Roots:       []int32{0},
		RootImports: []string{"a"},
		AddrImports: []string{"b", "c"},
		Taken:       []int32{1},
		Gated:       []int32{0},
		GateOpeners: []string{"syscall"},
		NSSGated:    []int32{1},
		NSSOpeners:  []int32{0},
	}
	data := encodeSummary(s)
	got, err := decodeSummary(data)
	if err != nil || !reflect.DeepEqual(got, normal(s)) {
		f.Fatalf("round trip: %v\n%+v\n%+v", err, got, s)
	}
	f.Add(data)
	f.Add(encodeSummary(&summary{}))
	for n := range len(data) {
		if _, err := decodeSummary(data[:n]); err == nil {
			f.Errorf("truncated to %d bytes: no error", n)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeSummary(b)
		if err != nil {
			return
		}
		if again := encodeSummary(s); !bytes.Equal(again, b) {
			// Varints have one encoding each as AppendUvarint writes
			// them, but Uvarint also reads padded ones (0x80 0x00).
			if s2, err := decodeSummary(again); err != nil || !reflect.DeepEqual(s, s2) {
				t.Errorf("re-encoding a decoded summary: %v", err)
			}
		}
	})
}
