// Package compiler turns a policy.Policy into a seccomp classic-BPF
// program: Compile(p) returns a Program (Insns, the instructions as
// golang.org/x/net/bpf.RawInstruction, the layout of struct sock_filter;
// Bytes, the records in native byte order as seccomp(2) loads them; Asm, a
// disassembly annotated with system call names). It does one job:
// measuring a program (instructions executed, the kernel's constant-action
// cache) is sim.Measure, and installing it is package seccomp.
//
// The program decides exactly as the reference evaluator
// policy.Policy.Evaluate does — for every architecture, number and argument
// vector; the tests compare the two on named trap cases, on random policies
// and by fuzzing, and against libseccomp. Its layout:
//
//  1. load the audit arch and dispatch with one jeq per architecture the
//     policy lists (the first listed is tested first); other architectures
//     get the bad-arch action;
//  2. per architecture, one decision tree over the whole 32-bit number
//     space, cut into ranges of equal outcome (allowed, denied, unknown,
//     x32, an argument check); the tree is the optimal alphabetic tree for
//     the ranges' weights, so long runs of allowed calls sit near the root,
//     and a call decided by its number alone never loads an argument or
//     the instruction pointer (the kernel's constant-action cache then
//     covers it);
//  3. argument checks, reached only from their own numbers: 64-bit
//     comparisons lowered to tests of the high and low words, identical
//     checks shared (the decision graph is hash-consed);
//  4. the program laid out backwards so every jump is forward, far returns
//     copied and other far targets reached through ja trampolines; a
//     return left unreached by its copy is removed (dropUnreachable); more
//     than 4096 instructions (BPF_MAXINSNS) is an error.
//
// Compile validates the policy first (policy.Policy.Validate); the tests
// check every program they compile with the kernel's load-time rules
// (sim.Validate) and require it to be tight (sim.Wasted: no instruction
// nothing reaches, no jump that decides nothing).
package compiler
