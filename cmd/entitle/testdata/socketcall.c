// socketcall: create a socket through i386's multiplexer, socketcall(2)
// by int $0x80, from a 64-bit program (built -static -no-pie, so that its
// data lies below 4 GiB where a 32-bit pointer reaches it).
//
//	socketcall FAMILY TYPE LOWBITS|native
//
// With native, socket(FAMILY, TYPE, 0) is called directly. The block of socket's three arguments (FAMILY, TYPE, protocol 0) is put
// at an address whose low four bits are LOWBITS; edx (socketcall's unused
// third argument) is 0. Prints "fd N" or "errno N".
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static unsigned char block[64] __attribute__((aligned(16)));

int main(int argc, char **argv) {
	if (argc < 4) {
		fprintf(stderr, "usage: socketcall FAMILY TYPE LOWBITS|native\n");
		return 2;
	}
	if (strcmp(argv[3], "native") == 0) {
		int fd = socket(atoi(argv[1]), atoi(argv[2]), 0);
		if (fd < 0)
			printf("errno %d\n", errno);
		else
			printf("fd %d\n", fd);
		return 0;
	}
	unsigned int *args = (unsigned int *)(block + 16 + (strtoul(argv[3], 0, 0) & 15));
	args[0] = strtoul(argv[1], 0, 0);
	args[1] = strtoul(argv[2], 0, 0);
	args[2] = 0;
	unsigned long p = (unsigned long)args;
	if (p >> 32) {
		printf("the block lies above 4 GiB\n");
		return 2;
	}
	long r;
	// i386: socketcall is 102, SYS_SOCKET is 1.
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(102L), "b"(1L), "c"(p), "d"(0L) : "memory");
	if (r < 0)
		printf("errno %ld\n", -r);
	else
		printf("fd %ld\n", r);
	return 0;
}
