//go:build linux

// Package rawsys issues system calls through ABIs a Go program does not
// normally use, so tests can check that filters deny them: the i386 ABI
// (int $0x80) from a 64-bit process, and x32 numbers.
package rawsys

// Int80 makes an i386 system call (int $0x80) with up to three arguments
// and returns the kernel's raw result (a negative errno on failure). It is
// only implemented on amd64.
func Int80(nr, a1, a2, a3 uint32) int32 { return int80(nr, a1, a2, a3) }
