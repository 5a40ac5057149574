// Package linux is the one home of the Linux ABI facts entitle uses outside
// the code that makes system calls: seccomp return values, classic BPF
// opcodes and limits, errno numbers and names, and the names and values of
// the constants argument rules test and the decoder prints (open, *at,
// socket, clone, mmap, ioctl, fcntl, prctl..., in tables in names.go), with
// one renderer of flags (Flags) and of values (Enum). They are the kernel's
// UAPI values, spelt as the kernel spells them, and defined for every GOOS,
// so that the pure packages (policy, sim, compiler, profile, export,
// catalog) build everywhere; a Linux test checks each against
// golang.org/x/sys/unix. They are the values of the architectures entitle
// supports, which agree on them but for four open(2) flags arm and arm64
// number differently (open_armlike.go); the catalog uses none of those.
package linux

//go:generate go run ./internal/gen

// seccomp return values (linux/seccomp.h).
const (
	SECCOMP_RET_KILL_PROCESS = 0x80000000
	SECCOMP_RET_KILL_THREAD  = 0x00000000
	SECCOMP_RET_TRAP         = 0x00030000
	SECCOMP_RET_ERRNO        = 0x00050000
	SECCOMP_RET_USER_NOTIF   = 0x7fc00000
	SECCOMP_RET_TRACE        = 0x7ff00000
	SECCOMP_RET_LOG          = 0x7ffc0000
	SECCOMP_RET_ALLOW        = 0x7fff0000
	SECCOMP_RET_ACTION_FULL  = 0xffff0000
	SECCOMP_RET_DATA         = 0x0000ffff
)

// Classic BPF (linux/filter.h, linux/bpf_common.h).
const (
	BPF_LD   = 0x00
	BPF_LDX  = 0x01
	BPF_ST   = 0x02
	BPF_STX  = 0x03
	BPF_ALU  = 0x04
	BPF_JMP  = 0x05
	BPF_RET  = 0x06
	BPF_MISC = 0x07

	BPF_W = 0x00
	BPF_H = 0x08
	BPF_B = 0x10

	BPF_IMM = 0x00
	BPF_ABS = 0x20
	BPF_IND = 0x40
	BPF_MEM = 0x60
	BPF_LEN = 0x80
	BPF_MSH = 0xa0

	BPF_ADD = 0x00
	BPF_SUB = 0x10
	BPF_MUL = 0x20
	BPF_DIV = 0x30
	BPF_OR  = 0x40
	BPF_AND = 0x50
	BPF_LSH = 0x60
	BPF_RSH = 0x70
	BPF_NEG = 0x80
	BPF_MOD = 0x90
	BPF_XOR = 0xa0

	BPF_JA   = 0x00
	BPF_JEQ  = 0x10
	BPF_JGT  = 0x20
	BPF_JGE  = 0x30
	BPF_JSET = 0x40

	BPF_K = 0x00
	BPF_X = 0x08
	BPF_A = 0x10

	BPF_TAX = 0x00
	BPF_TXA = 0x80

	// BPF_MAXINSNS is the most instructions a classic BPF program (and so
	// a seccomp filter) may have.
	BPF_MAXINSNS = 4096
	// BPF_MEMWORDS is the size of the scratch memory M[].
	BPF_MEMWORDS = 16
)

// Errno numbers entitle names (asm-generic numbering, which every
// architecture entitle supports uses).
const (
	EPERM        = 1
	EACCES       = 13
	ENOSYS       = 38
	EAFNOSUPPORT = 97
)

// ErrnoName returns the kernel's name of errno e ("EPERM"), or "" if e is
// not one.
func ErrnoName(e uint16) string {
	if int(e) < len(errnoNames) {
		return errnoNames[e]
	}
	return ""
}

// ErrnoNumber returns the errno called name, if there is one.
func ErrnoNumber(name string) (uint16, bool) {
	if name == "" {
		return 0, false
	}
	for n, s := range errnoNames {
		if s == name {
			return uint16(n), true
		}
	}
	return 0, false
}
