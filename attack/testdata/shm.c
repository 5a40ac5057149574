// shm: reach POSIX shared memory. Each argument is OP:PATH or OP, and
// prints "OP ok" or "OP ERRNO":
//
//   read:PATH    open PATH read-only and read it
//   write:PATH   open PATH read-write (no O_CREAT) and write "PWNED"
//   unlink:PATH  remove PATH
//   create:PATH  create PATH (O_CREAT|O_EXCL)
//   posix        shm_open a new object, map it shared, write, unlink
//   sem          sem_open a new named semaphore, post, wait, unlink
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void report(const char *op, int ok) {
	if (ok)
		printf("%s ok\n", op);
	else
		printf("%s %s\n", op, strerrorname_np(errno));
}

int main(int argc, char **argv) {
	char name[64];
	for (int i = 1; i < argc; i++) {
		char op[32];
		const char *path = strchr(argv[i], ':');
		size_t n = path ? (size_t)(path - argv[i]) : strlen(argv[i]);
		snprintf(op, sizeof op, "%.*s", (int)n, argv[i]);
		if (path)
			path++;
		int fd;
		char buf[64];
		if (strcmp(op, "read") == 0) {
			fd = open(path, O_RDONLY);
			report(op, fd >= 0 && read(fd, buf, sizeof buf) >= 0);
		} else if (strcmp(op, "write") == 0) {
			fd = open(path, O_RDWR);
			report(op, fd >= 0 && write(fd, "PWNED", 5) == 5);
		} else if (strcmp(op, "unlink") == 0) {
			report(op, unlink(path) == 0);
		} else if (strcmp(op, "create") == 0) {
			fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
			report(op, fd >= 0);
			if (fd >= 0)
				unlink(path);
		} else if (strcmp(op, "posix") == 0) {
			snprintf(name, sizeof name, "/entitle-attack-own-%d", getpid());
			fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
			int ok = fd >= 0 && ftruncate(fd, 4096) == 0;
			char *m = ok ? mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
			ok = m != MAP_FAILED;
			if (ok)
				m[0] = 1;
			if (fd >= 0)
				shm_unlink(name);
			report(op, ok);
		} else if (strcmp(op, "sem") == 0) {
			snprintf(name, sizeof name, "/entitle-attack-sem-%d", getpid());
			sem_t *s = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
			int ok = s != SEM_FAILED && sem_post(s) == 0 && sem_wait(s) == 0;
			if (s != SEM_FAILED)
				sem_unlink(name);
			report(op, ok);
		} else {
			fprintf(stderr, "shm: unknown %s\n", argv[i]);
			return 2;
		}
	}
	return 0;
}
