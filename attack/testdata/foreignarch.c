// foreignarch: make a system call of a foreign architecture from a 64-bit
// x86 program — i386 through int $0x80, or x32 (number | 0x40000000) — or,
// with "native", the same call the native way. Prints "before" first and
// "survived" if the call returned.
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: foreignarch i386|x32|native\n");
		return 2;
	}
	printf("before\n");
	fflush(stdout);
	long r = -1;
	if (strcmp(argv[1], "i386") == 0) {
		// i386 getpid is 20.
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
	} else if (strcmp(argv[1], "x32") == 0) {
		r = syscall(0x40000000L | SYS_getpid);
	} else {
		r = syscall(SYS_getpid);
	}
	printf("survived %ld\n", r);
	return 0;
}
