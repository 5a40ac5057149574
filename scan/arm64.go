package scan

var arm64isa = &isa{
	name:    "aarch64",
	sp:      31,
	nrReg:   8,
	sysArgs: [6]uint8{0, 1, 2, 3, 4, 5},
	retReg:  0,
	retAddr: 0,
	// x0-x18 and the link register are caller-saved.
	callClob: 1<<19 - 1 | 1<<30,
	sysClob:  1 << 0,
	decode:   decodeARM64,
	minInsn:  4,
}

func decodeARM64(m *module, code []byte, pc uint64, out []inst) ([]inst, int) {
	return append(out, inst{pc: pc, op: iTrap}), 4
}
