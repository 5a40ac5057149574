// attr: change a file's mode and times through its descriptor rather than
// its path, each way a program can: fchmod on a read-only descriptor,
// fchmodat2 with AT_EMPTY_PATH on an O_PATH descriptor (which Landlock
// does not check), futimens, and chmod through /proc/self/fd (a magic
// link). Prints "NAME ok" or "NAME fail" per way.
//
//   attr PATH MODE
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

static void report(const char *what, int r) {
	printf("%s %s\n", what, r == 0 ? "ok" : "fail");
	fflush(stdout);
}

int main(int argc, char **argv) {
	if (argc != 3) return 2;
	mode_t mode = strtol(argv[2], NULL, 8);
	int fd = open(argv[1], O_RDONLY);
	report("fchmod", fd < 0 ? -1 : fchmod(fd, mode));
	struct timespec ts[2] = {{1000000000, 0}, {1000000000, 0}};
	report("futimens", fd < 0 ? -1 : futimens(fd, ts));
	int p = open(argv[1], O_PATH);
	report("fchmodat2-empty", p < 0 ? -1 : (int)syscall(SYS_fchmodat2, p, "", mode, AT_EMPTY_PATH));
	report("utimensat-empty", p < 0 ? -1 : utimensat(p, "", ts, AT_EMPTY_PATH));
	char link[64];
	snprintf(link, sizeof link, "/proc/self/fd/%d", p);
	report("chmod-magic", p < 0 ? -1 : chmod(link, mode));
	return 0;
}
