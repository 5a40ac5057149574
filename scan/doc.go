// Package scan finds the system calls an ELF binary can make, and the
// entitlements that cover them, without running it.
//
// Every system call instruction (syscall, int $0x80) is found by
// disassembly (golang.org/x/arch). Its number, and the arguments the
// catalog's rules compare (catalog.Grantors says which), are resolved by
// constant propagation within the function: a forward data flow over basic
// blocks whose values are small sets of constants, the function's
// parameters (registers, or stack slots above the return address), or
// stack addresses. A site whose number or arguments are parameters makes
// the function a wrapper; every caller is analysed again with the wrapper's
// sites instantiated with what the caller passes (Go's syscall.Syscall
// chain, x/sys/unix, libc's syscall(), socket(), open()).
//
// Functions come from the Go pclntab (debug/gosym), the symbol tables and,
// in stripped C objects, .eh_frame_hdr; calls into the middle of a known
// function split it. A program counts whole; a library counts through what
// is imported from it (the call graph from each exported function), plus
// its constructors, code addresses held in data, imports whose address is
// taken, and the whole program interpreter. Libraries are found as glibc's
// loader finds them and their summaries are cached by build ID.
//
// Reported, never guessed: sites whose number is not constant
// (Report.Unresolved); arguments not constant (every entitlement that can
// grant the call is assumed, and the site listed); dlopen, exec and i386
// calls (Report.Limits).
//
// aarch64 objects are refused for now: the front end reads them, the
// instruction analysis is not written.
package scan
