// Package scan finds the system calls an ELF binary can make, and the
// entitlements that cover them, without running it.
//
// Every system call instruction (syscall and int $0x80 on x86_64, svc on
// aarch64) is found by disassembly (golang.org/x/arch). Its number, and the arguments the
// catalog's rules compare (catalog.Grantors says which), are resolved by
// constant propagation within the function: a forward data flow over basic
// blocks whose values are small sets of constants, the function's
// parameters (registers, or stack slots above the return address), or
// stack addresses. A site whose number or arguments are parameters makes
// the function a wrapper; every caller is analysed again with the wrapper's
// sites instantiated with what the caller passes (Go's syscall.Syscall
// chain, x/sys/unix, libc's syscall(), socket(), open()).
//
// Values also come from outside the function, when they are known before
// the program runs: what a callee returns when every way out of it agrees
// (constants, and getpid's result, so signals to one's own threads are
// base), read-only data, and Go globals no instruction writes (globals.go).
// A wrapper whose address is taken (a Go func value, a C callback) can be
// called with any arguments: its sites count as found.
//
// Functions come from the Go pclntab (debug/gosym), the symbol tables and,
// in stripped C objects, .eh_frame_hdr; calls into the middle of a known
// function split it. A program counts whole; a library counts through what
// is imported from it (the call graph from each exported function), plus
// its constructors and IFUNC resolvers, and the whole program interpreter
// (but for glibc's loader's execve, which only runs when ld.so is the
// command). A function pointer in a library's data counts when the data
// holding it can be reached (blocks.go): from code that counts, from data
// that can be reached, or as an imported object; the extents of data
// objects come from the symbol tables and, for stripped libraries, from a
// separate debug file (/usr/lib/debug/.build-id) when one is installed.
// glibc's priority-protect mutex branch (its sched_* calls) counts only
// when such a mutex can exist in the process, and its built-in DNS
// module's table only when a host or network lookup can run (gates.go).
// Relocations are read from RELA and packed RELR sections. Libraries are
// found as glibc's loader finds them and their summaries are cached by
// build ID.
//
// Reported, never guessed: sites whose number is not constant
// (Report.Unresolved); arguments not constant (every entitlement that can
// grant the call is assumed, and the site listed); dlopen, exec and i386
// calls (Report.Limits).
//
// On aarch64 the number is x8 and the arguments x0-x5; constants come from
// movz/movn/movk, orr, adrp+add, literal pools (ldr =X) and stack slots.
// Go's arm64 wrappers (internal/runtime/syscall/linux.Syscall6, syscall's
// rawSyscallNoError and rawVforkSyscall) take the number on the stack,
// libc's syscall() in w0: both are followed to their callers like any
// wrapper. Signal handlers return through the kernel's vDSO there, so
// rt_sigreturn is added when rt_sigaction is found. Instructions the
// decoder does not know (LSE atomics, SVE) make every register unknown.
package scan
