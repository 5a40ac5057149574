//go:build arm || arm64

package linux

// The open(2) flags arm and arm64 number differently (asm/fcntl.h).
const (
	O_DIRECTORY = 0x4000
	O_NOFOLLOW  = 0x8000
	O_DIRECT    = 0x10000
	O_LARGEFILE = largefile // arm: 0x20000; arm64 sets it itself (0, as x/sys has it)
	O_TMPFILE   = O_TMPFILE_BIT | O_DIRECTORY
)
