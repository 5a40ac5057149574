// reach: try to reach, from inside the sandbox, what its entitlements do
// not promise: other processes (the supervisor's memory, any process's
// /proc files, ptrace, process_vm_readv, signals, pidfds), descriptors
// inherited from outside, privileged pseudo-files, file capabilities.
// Usage: reach OP ARGS...; prints one line per attempt: "NAME ok" or
// "NAME errno-name".
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

static void report(const char *name, long r) {
	if (r < 0)
		printf("%s %s\n", name, strerrorname_np(errno));
	else
		printf("%s ok\n", name);
	fflush(stdout);
}

static long openat_path(const char *path, int flags) {
	int fd = open(path, flags);
	if (fd >= 0)
		close(fd);
	return fd;
}

// readpath opens path and reads a byte (some /proc files check access
// when read, not when opened).
static long readpath(const char *path, int flags) {
	int fd = open(path, flags);
	if (fd < 0)
		return fd;
	char c;
	long r = read(fd, &c, 1);
	close(fd);
	return r;
}

// procfiles tries the /proc files of pid that give its memory, its
// registers and its environment.
static void procfiles(const char *who, int pid) {
	char path[128], name[64];
	snprintf(path, sizeof path, "/proc/%d/mem", pid);
	snprintf(name, sizeof name, "%s-mem-rdwr", who);
	report(name, openat_path(path, O_RDWR));
	snprintf(name, sizeof name, "%s-mem-rdonly", who);
	report(name, openat_path(path, O_RDONLY));
	snprintf(path, sizeof path, "/proc/%d/task/%d/syscall", pid, pid);
	snprintf(name, sizeof name, "%s-syscall", who);
	report(name, readpath(path, O_RDONLY));
	snprintf(path, sizeof path, "/proc/%d/environ", pid);
	snprintf(name, sizeof name, "%s-environ", who);
	report(name, readpath(path, O_RDONLY));
	snprintf(path, sizeof path, "/proc/%d/maps", pid);
	snprintf(name, sizeof name, "%s-maps", who);
	report(name, readpath(path, O_RDONLY));
	char buf[8];
	struct iovec local = {buf, sizeof buf}, remote = {(void *)0x400000, sizeof buf};
	snprintf(name, sizeof name, "%s-process_vm_readv", who);
	report(name, process_vm_readv(pid, &local, 1, &remote, 1, 0));
	snprintf(name, sizeof name, "%s-ptrace-attach", who);
	long r = ptrace(PTRACE_ATTACH, pid, 0, 0);
	report(name, r);
	if (r == 0)
		ptrace(PTRACE_DETACH, pid, 0, 0);
	int pidfd = syscall(SYS_pidfd_open, pid, 0);
	snprintf(name, sizeof name, "%s-pidfd_getfd", who);
	report(name, pidfd < 0 ? pidfd : syscall(SYS_pidfd_getfd, pidfd, 0, 0));
}

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: reach OP ARGS...\n");
		return 2;
	}
	const char *op = argv[1];
	if (strcmp(op, "procs") == 0) {
		// procs VICTIMPID: the supervisor (our parent), a victim outside
		// the sandbox, and our own child (the legitimate case).
		procfiles("parent", getppid());
		procfiles("victim", atoi(argv[2]));
		pid_t c = fork();
		if (c == 0) {
			pause();
			_exit(0);
		}
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/stat", c);
		report("child-stat", readpath(path, O_RDONLY));
		snprintf(path, sizeof path, "/proc/%d/environ", c);
		report("child-environ", readpath(path, O_RDONLY));
		report("self-environ", readpath("/proc/self/environ", O_RDONLY));
		kill(c, SIGKILL);
		waitpid(c, NULL, 0);
		return 0;
	}
	if (strcmp(op, "signals") == 0) {
		// signals VICTIMPID: SIGUSR1 to the victim and to the parent
		// (entitle would forward it back to us: caught = reached),
		// pidfd_send_signal; then to our own child (legitimate).
		signal(SIGUSR1, SIG_IGN);
		int victim = atoi(argv[2]);
		report("kill-victim", kill(victim, SIGUSR1));
		report("kill-parent", kill(getppid(), SIGUSR1));
		int pidfd = syscall(SYS_pidfd_open, victim, 0);
		report("pidfd-victim", pidfd < 0 ? pidfd : syscall(SYS_pidfd_send_signal, pidfd, SIGUSR1, NULL, 0));
		report("sigqueue-victim", sigqueue(victim, SIGUSR1, (union sigval){0}));
		pid_t c = fork();
		if (c == 0) {
			pause();
			_exit(0);
		}
		report("kill-child", kill(c, SIGTERM));
		int st;
		waitpid(c, &st, 0);
		report("child-got-it", WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM ? 0 : -1);
		report("kill-self", kill(getpid(), 0));
		return 0;
	}
	if (strcmp(op, "fd") == 0) {
		// fd N: write through an inherited descriptor.
		int fd = atoi(argv[2]);
		report("fd-write", write(fd, "pwned\n", 6));
		return 0;
	}
	if (strcmp(op, "write") == 0) {
		// write PATH DATA...: open for writing and write.
		for (int i = 2; i + 1 < argc; i += 2) {
			int fd = open(argv[i], O_WRONLY | O_CLOEXEC);
			long r = fd;
			if (fd >= 0) {
				r = write(fd, argv[i + 1], strlen(argv[i + 1]));
				close(fd);
			}
			char name[256];
			snprintf(name, sizeof name, "write %s", argv[i]);
			report(name, r);
		}
		return 0;
	}
	if (strcmp(op, "read") == 0) {
		for (int i = 2; i < argc; i++) {
			char name[256];
			snprintf(name, sizeof name, "read %s", argv[i]);
			report(name, openat_path(argv[i], O_RDONLY | O_CLOEXEC));
		}
		return 0;
	}
	if (strcmp(op, "xattr") == 0) {
		// xattr FILE: a file capability (CAP_NET_RAW+ep, v2) and, as the
		// legitimate use of fs.attr, a user xattr and a chmod.
		unsigned char cap[20] = {0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00};
		report("setxattr-security.capability", setxattr(argv[2], "security.capability", cap, sizeof cap, 0));
		report("setxattr-user", setxattr(argv[2], "user.entitle", "x", 1, 0));
		report("chmod", chmod(argv[2], 0640));
		return 0;
	}
	fprintf(stderr, "reach: unknown op %s\n", op);
	return 2;
}
