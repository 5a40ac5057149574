package scan

// The instruction form the analysis works on: each machine instruction
// becomes one or a few of these, whatever the architecture.

type iop uint8

const (
	iOther    iop = iota // clobbers the registers in clob
	iMovImm              // dst = imm
	iMovReg              // dst = src
	iAddImm              // dst = src + imm
	iOrImm               // dst = src | imm
	iAndImm              // dst = src & imm
	iLoad                // dst = mem[base + imm]
	iStore               // mem[base + imm] = src (size bytes)
	iStoreImm            // mem[base + imm] = tgt (size bytes)
	iKillMem             // mem[base + imm] is written with something unknown
	iAddr                // dst = tgt, an address in the module (address taken)
	iGOTRef              // dst = unknown; reads GOT slot tgt (an import's address)
	iCall                // call tgt
	iCallGOT             // call through GOT slot tgt
	iCallInd             // call through a register or memory
	iJmp                 // jump to tgt
	iJmpGOT              // jump through GOT slot tgt (tail call of an import)
	iJmpInd              // indirect jump
	iJcc                 // conditional jump to tgt (falls through too)
	iRet
	iSys   // system call (native ABI)
	iSys32 // int $0x80 from 64-bit code: the i386 ABI
	iTrap  // ud2, hlt, brk: no fall-through
	// iRef changes nothing: the instruction refers to memory at tgt (imm
	// bytes from there; 0 is one), which the data blocks need.
	iRef
)

type inst struct {
	pc   uint64
	tgt  uint64
	imm  int64
	clob uint32
	op   iop
	dst  uint8
	src  uint8
	base uint8
	size uint8
	w32  bool // the destination is a 32-bit register write (zero-extends)
	sext bool // iLoad of 4 bytes, iMovReg: sign-extends the low 32 bits
	addr bool // iAddImm whose result may be a code address (aarch64 adrp+add)
}

// memUnknown as an iKillMem size: the offset is not known, every slot
// relative to the base may change.
const memUnknown = 0xFF

func (o iop) endsBlock() bool {
	switch o {
	case iJmp, iJmpGOT, iJmpInd, iJcc, iRet, iTrap:
		return true
	}
	return false
}

func (o iop) noFallthrough() bool {
	switch o {
	case iJmp, iJmpGOT, iJmpInd, iRet, iTrap:
		return true
	}
	return false
}

// isa is what the analysis needs to know about an architecture.
type isa struct {
	name      string
	sp        uint8    // stack pointer register
	nrReg     uint8    // syscall number register
	sysArgs   [6]uint8 // syscall argument registers
	retReg    uint8
	retAddr   int64  // bytes a call pushes on the stack (8 on x86_64, 0 on arm64)
	callClob  uint32 // registers a call clobbers under the C ABI
	sysClob   uint32 // registers the system call instruction clobbers
	decode    func(m *module, code []byte, pc uint64, out []inst) ([]inst, int)
	minInsn   int
	scanCalls func(code []byte, base uint64, fn func(at, target uint64))
}
