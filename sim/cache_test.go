package sim

import (
	"testing"

	"golang.org/x/net/bpf"
)

func TestCacheAllows(t *testing.T) {
	// argCheck allows nr 1 only when args[0] low word == 3.
	argCheck := []bpf.RawInstruction{
		stmt(opLdAbsW, 4), jump(opJeqK, archX86_64, 0, 6),
		stmt(opLdAbsW, 0), jump(opJeqK, 0, 4, 0), jump(opJeqK, 1, 0, 4),
		stmt(opLdAbsW, 16), jump(opJeqK, 3, 1, 2),
		stmt(opRetK, retAllow), stmt(opRetK, retAllow), stmt(opRetK, retErrno1),
	}
	// andK dispatches on nr & 0xff.
	andK := []bpf.RawInstruction{
		stmt(opLdAbsW, 0), stmt(opAndK, 0xff), jump(opJeqK, 2, 0, 1),
		stmt(opRetK, retAllow), stmt(opRetK, retLog),
	}
	// viaX and viaMem use X / scratch memory on the nr 5 path only.
	viaX := []bpf.RawInstruction{
		stmt(opLdAbsW, 0), jump(opJeqK, 5, 0, 2), stmt(opTax, 0), stmt(opRetK, retAllow), stmt(opRetK, retAllow),
	}
	viaMem := []bpf.RawInstruction{
		stmt(opLdAbsW, 0), jump(opJeqK, 5, 0, 3), stmt(opSt, 0), stmt(opLdMem, 0), stmt(opRetK, retAllow), stmt(opRetK, retAllow),
	}
	other := []bpf.RawInstruction{stmt(opLdAbsW, 0), stmt(opAddK, 1), jump(opJeqK, 1, 0, 0), stmt(opRetK, retAllow)}
	retA := []bpf.RawInstruction{stmt(opLdImm, retAllow), stmt(opRetA, 0)}
	withData := []bpf.RawInstruction{stmt(opRetK, retAllow|1)}
	jsetJge := []bpf.RawInstruction{
		stmt(opLdAbsW, 0), jump(opJsetK, 0x40000000, 2, 0), jump(opJgeK, 400, 1, 0), stmt(opRetK, retAllow), stmt(opRetK, retKill),
	}
	tests := []struct {
		name string
		prog []bpf.RawInstruction
		arch uint32
		nr   uint32
		want bool
	}{
		{"dispatch read", dispatch(), archX86_64, 0, true},
		{"dispatch write", dispatch(), archX86_64, 1, true},
		{"dispatch ERRNO", dispatch(), archX86_64, 2, false},
		{"dispatch wrong arch", dispatch(), archI386, 0, false},
		{"dispatch x32", dispatch(), archX86_64, 0x40000000, false},
		{"arg-checked path", argCheck, archX86_64, 1, false},
		{"no-arg path next to arg check", argCheck, archX86_64, 0, true},
		{"and K allow", andK, 0, 0x102, true},
		{"and K LOG is not ALLOW", andK, 0, 3, false},
		{"X on path", viaX, 0, 5, false},
		{"X off path", viaX, 0, 6, true},
		{"scratch memory on path", viaMem, 0, 5, false},
		{"scratch memory off path", viaMem, 0, 4, true},
		{"add K", other, 0, 0, false},
		{"ret A", retA, 0, 0, false},
		{"ALLOW with data bits", withData, 0, 0, false},
		{"jset and jge", jsetJge, 0, 3, true},
		{"jset hit", jsetJge, 0, 0x40000003, false},
		{"jge hit", jsetJge, 0, 400, false},
		{"empty program", nil, 0, 0, false},
		{"runs off the end", []bpf.RawInstruction{stmt(opJa, 5)}, 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CacheAllows(tc.prog, tc.arch, tc.nr); got != tc.want {
				t.Errorf("CacheAllows = %v, want %v", got, tc.want)
			}
		})
	}
}
