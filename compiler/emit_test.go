package compiler

import (
	"slices"
	"testing"

	"golang.org/x/net/bpf"
)

// TestDropUnreachable: the pass removes what nothing reaches and moves
// every jump so that it lands on the same instruction as before.
func TestDropUnreachable(t *testing.T) {
	ld := func(k uint32) bpf.RawInstruction { return bpf.RawInstruction{Op: opLdW, K: k} }
	ret := func(k uint32) bpf.RawInstruction { return bpf.RawInstruction{Op: opRet, K: k} }
	jeq := func(k uint32, jt, jf uint8) bpf.RawInstruction {
		return bpf.RawInstruction{Op: opJEQ, K: k, Jt: jt, Jf: jf}
	}
	ja := func(k uint32) bpf.RawInstruction { return bpf.RawInstruction{Op: opJA, K: k} }
	cases := []struct {
		name     string
		in, want []bpf.RawInstruction
	}{
		{"nothing dead",
			[]bpf.RawInstruction{ld(0), jeq(1, 0, 1), ret(1), ret(2)},
			[]bpf.RawInstruction{ld(0), jeq(1, 0, 1), ret(1), ret(2)}},
		// A return copied next to its jump leaves the first copy behind,
		// between the jump and its other target.
		{"orphaned return",
			[]bpf.RawInstruction{ld(0), jeq(1, 0, 2), ret(7), ret(7), ret(2)},
			[]bpf.RawInstruction{ld(0), jeq(1, 0, 1), ret(7), ret(2)}},
		{"over a trampoline",
			[]bpf.RawInstruction{ld(0), jeq(1, 0, 1), ja(2), ret(9), ret(9), ld(4), ret(3)},
			[]bpf.RawInstruction{ld(0), jeq(1, 0, 1), ja(1), ret(9), ld(4), ret(3)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			notes := make([]note, len(c.in))
			for i := range notes {
				notes[i].k = uint32(i)
			}
			got, gotNotes := dropUnreachable(slices.Clone(c.in), notes)
			if !slices.Equal(got, c.want) {
				t.Errorf("got  %v\nwant %v", got, c.want)
			}
			if len(gotNotes) != len(got) {
				t.Errorf("%d notes for %d instructions", len(gotNotes), len(got))
			}
		})
	}
}
