// Package syscalls holds the system call tables entitle compiles against:
// for each ABI its AUDIT_ARCH value, argument width, byte order and the
// name ↔ number table (x86_64, x86, x32, aarch64, arm, riscv64, ppc64le,
// s390x, loongarch64).
//
// The tables in ztables.go are generated, never typed by hand. To
// regenerate them (after bumping golang.org/x/sys in go.mod), run
//
//	go generate ./syscalls
//
// which runs ./internal/gen. It reads:
//
//   - the zsysnum_linux_<goarch>.go files of golang.org/x/sys/unix at the
//     version in go.mod (see XSysVersion), for every ABI except x32. Names
//     are the SYS_* constants without the prefix, in lower case, which is
//     the kernel's and libseccomp's spelling (_llseek, _newselect, _sysctl).
//   - for x32, which x/sys does not cover, the kernel header
//     /usr/include/x86_64-linux-gnu/asm/unistd_x32.h from Debian's
//     linux-libc-dev (kernel 6.1). It is extended with every x86_64 system
//     call numbered above the header's highest number in the same block of
//     the kernel's syscall_64.tbl: every system call added since 6.1 is
//     "common" there, so its x32 number is 0x40000000 + the x86_64 number.
//
// x86_64 system calls that syscall_64.tbl marks "64" (map_shadow_stack)
// are not added to x32.
//
// zother.go lists the names that exist only on architectures without a
// table here, or that are private to one (see OtherArches); it is
// generated from libseccomp's src/syscalls.csv by ./internal/genother
// (set LIBSECCOMP_CSV to its path).
//
// The tests check the tables against golang.org/x/sys/unix.
package syscalls

//go:generate go run ./internal/gen -o ztables.go
//go:generate go run ./internal/genother -o zother.go
