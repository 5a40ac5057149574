// Package sim runs seccomp classic-BPF (cBPF) programs exactly as the Linux
// kernel does, so that compiled filters can be tested without installing them.
//
// It provides:
//
//   - [Validate]: the kernel's load-time checks (bpf_check_classic in
//     net/core/filter.c, including check_load_and_stores, followed by
//     seccomp_check_filter in kernel/seccomp.c);
//   - [Run] and [Program]: an interpreter over struct seccomp_data in a given
//     byte order that returns the filter's 32-bit result and the number of
//     instructions executed;
//   - [CacheAllows]: the kernel's constant-action bitmap emulator
//     (seccomp_is_const_allow, Linux 5.11+);
//   - [Disassemble] and [RetString] for readable output;
//   - [Wasted]: the instructions that do no work (unreachable, or jumps
//     that decide nothing), which a compiler's tests can require to be none.
//
// # Why not golang.org/x/net/bpf's VM
//
// golang.org/x/net/bpf.VM is a packet-filter VM, not a seccomp oracle: its
// loads are big-endian whereas seccomp_data is in the task's native byte order
// (little-endian on x86_64 and aarch64), an out-of-bounds or otherwise bad
// load makes it return 0 (which looks like SECCOMP_RET_KILL_THREAD) where the
// kernel would have refused to load the program, and it accepts opcodes that
// seccomp rejects (half-word and byte loads, indirect loads, mod, ...). This
// package therefore has its own small interpreter; it only borrows the
// instruction type [golang.org/x/net/bpf.RawInstruction] (same layout as
// struct sock_filter) and the BPF_* / SECCOMP_RET_* constants of
// internal/linux (checked against golang.org/x/sys/unix).
//
// # Kernel semantics mirrored here
//
//   - A and X are unsigned 32-bit registers; arithmetic wraps modulo 2^32.
//   - All jumps are forward, relative to the next instruction; jset is
//     (A & k) != 0 (or A & X).
//   - ld [k] reads the 32-bit word at byte offset k of the 64-byte
//     seccomp_data in the given byte order: nr at 0, arch at 4, the
//     instruction pointer at 8, args[i] at 16+8i. On little-endian the low
//     half of args[i] is at 16+8i and the high half at 20+8i; on big-endian
//     it is the other way round. "ld len" / "ldx len" give 64.
//   - Division by a constant 0 is rejected at load time; division by X == 0
//     makes the whole program return 0 (SECCOMP_RET_KILL_THREAD), as the
//     kernel's classic-to-eBPF conversion emits "if X == 0 { A = 0; exit }".
//   - lsh/rsh by a constant k >= 32 is rejected at load time (current
//     bpf_check_classic; very old kernels accepted it). lsh/rsh by X shift by
//     X & 31, which is what the eBPF interpreter does explicitly
//     ("DST = (u32) DST OP ((u32) SRC & 31)") and what the 32-bit shift
//     instructions of x86 and arm64 JITs do in hardware.
//   - Scratch memory M[0..15] must be written on every path before it is
//     read (check_load_and_stores); programs that might read an unwritten
//     slot are rejected by Validate.
//   - "ldx [k]" (BPF_LDX|BPF_W|BPF_ABS) is NOT accepted: it is absent from
//     bpf_check_classic's opcode table; the kernel only uses that encoding
//     internally, after rewriting "ld [k]". Use "ld [k]" then "tax".
//
// The byte order is a parameter rather than the host's so that programs for
// big-endian targets (s390x, ppc64, mips) can be simulated on any host.
package sim
