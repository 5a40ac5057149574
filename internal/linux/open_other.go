//go:build !arm && !arm64

package linux

// The open(2) flags of asm-generic/fcntl.h that arm and arm64 number
// differently.
const (
	O_DIRECTORY = 0x10000
	O_NOFOLLOW  = 0x20000
	O_DIRECT    = 0x4000
	O_LARGEFILE = largefile // 0x8000 on i386; 0 where the kernel sets it itself (64-bit), as x/sys has it
	O_TMPFILE   = O_TMPFILE_BIT | O_DIRECTORY
)
