// memfdexec: write a program (PROGRAM, e.g. /bin/true) into a memfd and
// try to execute it, each way (execveat with AT_EMPTY_PATH, execve of the
// /proc/self/fd magic link, a memfd asked for with MFD_EXEC), and map a
// memfd executable as a JIT's double mapping does. Prints "NAME ok" or
// "NAME fail" per way; an exec is "ok" when the program ran.
//
//   memfdexec PROGRAM
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x10
#endif

static void report(const char *what, int r) {
	printf("%s %s\n", what, r == 0 ? "ok" : "fail");
	fflush(stdout);
}

// copy makes a memfd holding the program, or returns -1.
static int copy(const char *program, unsigned flags) {
	int fd = memfd_create("program", flags);
	if (fd < 0) return -1;
	int in = open(program, O_RDONLY);
	if (in < 0) return -1;
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(fd, buf, n) != n) return -1;
	close(in);
	return fd;
}

// run reports whether the program ran from fd, in a child.
static int run(int fd, int how) {
	pid_t pid = fork();
	if (pid < 0) return -1;
	if (pid == 0) {
		char *argv[] = {"program", NULL}, *envp[] = {NULL};
		if (how == 0) {
			syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
		} else {
			char link[64];
			snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
			execve(link, argv, envp);
		}
		_exit(42);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid) return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int main(int argc, char **argv) {
	if (argc != 2) return 2;
	int fd = copy(argv[1], 0);
	report("memfd", fd < 0 ? -1 : 0);
	report("execveat-memfd", fd < 0 ? -1 : run(fd, 0));
	report("execve-magic-memfd", fd < 0 ? -1 : run(fd, 1));
	int x = copy(argv[1], MFD_EXEC);
	report("memfd-exec-flag", x < 0 ? -1 : run(x, 0));
	int j = memfd_create("jit", MFD_CLOEXEC);
	void *p = MAP_FAILED;
	if (j >= 0 && ftruncate(j, 4096) == 0)
		p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, j, 0);
	report("jit-map", p == MAP_FAILED ? -1 : 0);
	return 0;
}
