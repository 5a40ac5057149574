package sim

import (
	"slices"
	"testing"

	"golang.org/x/net/bpf"
)

func TestWasted(t *testing.T) {
	cases := []struct {
		name string
		prog []bpf.RawInstruction
		want []int
	}{
		{"tight", []bpf.RawInstruction{stmt(opLdAbsW, 0), jump(opJeqK, 5, 0, 1), stmt(opRetK, retAllow), stmt(opRetK, retErrno1)}, nil},
		{"after ret", []bpf.RawInstruction{stmt(opRetK, retAllow), stmt(opRetK, retErrno1)}, []int{1}},
		{"jumped over", []bpf.RawInstruction{stmt(opLdAbsW, 0), jump(opJa, 1, 0, 0), stmt(opRetK, retKillProc), stmt(opRetK, retAllow)}, []int{2}},
		{"ja 0", []bpf.RawInstruction{stmt(opLdAbsW, 0), jump(opJa, 0, 0, 0), stmt(opRetK, retAllow)}, []int{1}},
		{"same outcomes", []bpf.RawInstruction{stmt(opLdAbsW, 0), jump(opJeqK, 5, 1, 1), stmt(opRetK, retKillProc), stmt(opRetK, retAllow)}, []int{1, 2}},
		{"reached by a later branch only", []bpf.RawInstruction{stmt(opLdAbsW, 0), jump(opJgtK, 5, 1, 0), stmt(opRetK, retKillProc), stmt(opRetK, retAllow)}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := Validate(c.prog); err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, w := range Wasted(c.prog) {
				got = append(got, w.Index)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("Wasted = %v, want %v", Wasted(c.prog), c.want)
			}
		})
	}
}
