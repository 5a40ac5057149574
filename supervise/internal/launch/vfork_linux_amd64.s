//go:build linux

// The technique is package syscall's
// rawVforkSyscall (asm_linux_amd64.s).

#include "textflag.h"

// func rawVfork(flags, ptid uintptr) (pid uintptr, errno uintptr)
//
// clone(flags, 0, ptid, 0, 0) with CLONE_VM|CLONE_VFORK: the child runs on
// this stack until it calls execve or exits, while this thread waits. The
// return address is kept in R12, not on the stack, where the child's calls
// overwrite it.
TEXT ·rawVfork(SB),NOSPLIT|NOFRAME,$0-32
	MOVQ	flags+0(FP), DI
	MOVQ	$0, SI
	MOVQ	ptid+8(FP), DX
	MOVQ	$0, R10
	MOVQ	$0, R8
	MOVQ	$0, R9
	MOVQ	$56, AX // SYS_clone
	POPQ	R12
	SYSCALL
	PUSHQ	R12
	CMPQ	AX, $0xfffffffffffff001
	JLS	ok
	MOVQ	$-1, pid+16(FP)
	NEGQ	AX
	MOVQ	AX, errno+24(FP)
	RET
ok:
	MOVQ	AX, pid+16(FP)
	MOVQ	$0, errno+24(FP)
	RET
