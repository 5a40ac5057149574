package sim

import "golang.org/x/net/bpf"

// Hand assembly helpers.
func stmt(op uint16, k uint32) bpf.RawInstruction { return bpf.RawInstruction{Op: op, K: k} }

func jump(op uint16, k uint32, jt, jf uint8) bpf.RawInstruction {
	return bpf.RawInstruction{Op: op, Jt: jt, Jf: jf, K: k}
}

const (
	retAllow    = 0x7fff0000
	retKill     = 0x00000000
	retKillProc = 0x80000000
	retErrno1   = 0x00050001
	retLog      = 0x7ffc0000
	archX86_64  = 0xc000003e
	archI386    = 0x40000003
)

// dispatch is a typical nr/arch dispatch filter:
//
//	0: ld [4]
//	1: jeq #archX86_64, 2, 7
//	2: ld [0]
//	3: jge #0x40000000, 7, 4   (x32 numbers)
//	4: jeq #0 (read), 8, 5
//	5: jeq #1 (write), 8, 6
//	6: ja 9
//	7: ret KILL_PROCESS
//	8: ret ALLOW
//	9: ret ERRNO(1)
func dispatch() []bpf.RawInstruction {
	return []bpf.RawInstruction{
		stmt(opLdAbsW, 4),
		jump(opJeqK, archX86_64, 0, 5),
		stmt(opLdAbsW, 0),
		jump(opJgeK, 0x40000000, 3, 0),
		jump(opJeqK, 0, 3, 0),
		jump(opJeqK, 1, 2, 0),
		stmt(opJa, 2),
		stmt(opRetK, retKillProc),
		stmt(opRetK, retAllow),
		stmt(opRetK, retErrno1),
	}
}
