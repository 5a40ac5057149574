// jit: ways to get executable memory.
//
//   jit stack        run code copied onto the stack (needs an executable
//                    stack: built with -z execstack)
//   jit dlopen LIB   dlopen a library linked with -z execstack
//   jit shm          attach SysV shared memory with SHM_EXEC and run code in it
//   jit personality  set READ_IMPLIES_EXEC
//   jit mmap         map anonymous read-write-execute memory
//   jit mdwe         print the memory-deny-write-execute state
//   jit devzero      map /dev/zero (opened read-write) shared and
//                    read-execute, alias it writable with mremap(old_size 0)
//                    and run code written through the alias
//   jit devzero-fork the same, the writable alias being a forked child's
//   jit shared-anon  what /dev/zero was for: shared anonymous memory,
//                    aliased by mremap, written through one mapping and
//                    read through the other (no PROT_EXEC); and /dev/zero read
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

// mov eax, 42; ret
static const unsigned char code[] = {0xb8, 42, 0, 0, 0, 0xc3};

static __attribute__((noinline)) int run_at(void *mem) {
	memcpy(mem, code, sizeof code);
	__builtin___clear_cache((char *)mem, (char *)mem + sizeof code);
	__asm__ volatile("" : : "r"(mem) : "memory"); // the copy is read by the call
	return ((int (*)(void))mem)();
}

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: jit stack|dlopen LIB|shm|personality|mmap|mdwe\n");
		return 2;
	}
	const char *what = argv[1];
	if (strcmp(what, "stack") == 0) {
		unsigned char buf[64] __attribute__((aligned(16)));
		FILE *f = fopen("/proc/self/maps", "r");
		char line[512];
		while (f && fgets(line, sizeof line, f))
			if (strstr(line, "[stack]"))
				printf("stack %s", line);
		printf("stack code ran: %d\n", run_at(buf));
	} else if (strcmp(what, "dlopen") == 0 && argc > 2) {
		void *h = dlopen(argv[2], RTLD_NOW);
		printf(h ? "dlopen ok\n" : "dlopen failed: %s\n", dlerror());
	} else if (strcmp(what, "shm") == 0) {
		int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0700);
		if (id < 0) {
			printf("shmget %s\n", strerrorname_np(errno));
			return 0;
		}
		void *m = shmat(id, NULL, SHM_EXEC);
		shmctl(id, IPC_RMID, NULL);
		if (m == (void *)-1)
			printf("shmat-exec %s\n", strerrorname_np(errno));
		else
			printf("shm code ran: %d\n", run_at(m));
	} else if (strcmp(what, "personality") == 0) {
		int r = personality(READ_IMPLIES_EXEC);
		printf(r < 0 ? "personality %s\n" : "personality ok%.0s\n", strerrorname_np(errno));
	} else if (strcmp(what, "mmap") == 0) {
		void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			printf("mmap-rwx %s\n", strerrorname_np(errno));
		else
			printf("mmap code ran: %d\n", run_at(m));
	} else if (strcmp(what, "devzero") == 0 || strcmp(what, "devzero-fork") == 0) {
		int fd = open("/dev/zero", O_RDWR);
		if (fd < 0) {
			printf("open-devzero %s\n", strerrorname_np(errno));
			return 0;
		}
		void *x = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
		if (x == MAP_FAILED) {
			printf("mmap-shared-exec %s\n", strerrorname_np(errno));
			return 0;
		}
		if (strcmp(what, "devzero") == 0) {
			void *w = mremap(x, 0, 4096, MREMAP_MAYMOVE);
			if (w == MAP_FAILED || mprotect(w, 4096, PROT_READ | PROT_WRITE) != 0) {
				printf("alias %s\n", strerrorname_np(errno));
				return 0;
			}
			memcpy(w, code, sizeof code);
		} else {
			pid_t pid = fork();
			if (pid == 0) {
				if (mprotect(x, 4096, PROT_READ | PROT_WRITE) == 0)
					memcpy(x, code, sizeof code);
				_exit(0);
			}
			if (pid < 0) {
				printf("fork %s\n", strerrorname_np(errno));
				return 0;
			}
			waitpid(pid, NULL, 0);
		}
		__asm__ volatile("" : : "r"(x) : "memory");
		printf("devzero code ran: %d\n", ((int (*)(void))x)());
	} else if (strcmp(what, "shared-anon") == 0) {
		char *a = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		char *b = a == MAP_FAILED ? MAP_FAILED : mremap(a, 0, 4096, MREMAP_MAYMOVE);
		char z[4] = {1, 1, 1, 1};
		int fd = open("/dev/zero", O_RDONLY);
		if (b == MAP_FAILED || fd < 0 || read(fd, z, sizeof z) != sizeof z || z[0] != 0) {
			printf("shared-anon %s\n", strerrorname_np(errno));
			return 0;
		}
		b[0] = 42;
		printf("shared-anon %d\n", a[0]);
	} else if (strcmp(what, "mdwe") == 0) {
		printf("mdwe %d\n", prctl(66 /* PR_GET_MDWE */, 0, 0, 0, 0));
	} else {
		fprintf(stderr, "jit: unknown %s\n", what);
		return 2;
	}
	return 0;
}
