// Package syscalls holds the system call tables entitle compiles against:
// for each ABI its AUDIT_ARCH value, argument width, byte order and the
// name ↔ number table.
//
// The tables are generated, never typed by hand: `go generate ./syscalls`
// runs ./internal/gen, which reads the zsysnum_linux_*.go files of
// golang.org/x/sys/unix (the version in go.mod, see XSysVersion) and, for
// x32, which x/sys does not cover, the kernel header asm/unistd_x32.h from
// Debian's linux-libc-dev, extended with the x86_64 numbers above the
// header's highest (every syscall added since is "common" to both ABIs, so
// its x32 number is 0x40000000 plus the x86_64 number). A test checks the
// tables against golang.org/x/sys/unix.
package syscalls
