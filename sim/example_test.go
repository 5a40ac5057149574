package sim_test

import (
	"encoding/binary"
	"fmt"

	"github.com/entitle-dev/entitle/sim"
	"golang.org/x/net/bpf"
)

func ExampleRun() {
	// Allow getpid (39) on x86_64, fail everything else with EPERM.
	prog, _ := bpf.Assemble([]bpf.Instruction{
		bpf.LoadAbsolute{Off: 4, Size: 4},                              // ld [4] (arch)
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0xc000003e, SkipFalse: 3}, // x86_64?
		bpf.LoadAbsolute{Off: 0, Size: 4},                              // ld [0] (nr)
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 39, SkipFalse: 1},         // getpid?
		bpf.RetConstant{Val: 0x7fff0000},                               // ALLOW
		bpf.RetConstant{Val: 0x00050001},                               // ERRNO(EPERM)
	})
	for _, nr := range []uint32{39, 57} {
		ret, n, err := sim.Run(prog, sim.Data{Arch: 0xc000003e, Nr: nr}, binary.LittleEndian)
		if err != nil {
			panic(err)
		}
		fmt.Printf("nr %d: %s after %d instructions, cached: %v\n",
			nr, sim.RetString(ret), n, sim.CacheAllows(prog, 0xc000003e, nr))
	}
	fmt.Print(sim.Disassemble(prog, nil))
	// Output:
	// nr 39: ALLOW after 5 instructions, cached: true
	// nr 57: ERRNO(1) after 5 instructions, cached: false
	//    0: ld [4]
	//    1: jeq #0xc000003e, 2, 5
	//    2: ld [0]
	//    3: jeq #0x27, 4, 5
	//    4: ret #0x7fff0000
	//    5: ret #0x50001
}
