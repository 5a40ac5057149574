// fanotify: what fs.watch may and may not do with fanotify.
//
//   fanotify attack FILE   try the dangerous groups; with a writable event
//                          descriptor, overwrite FILE (opened read-only)
//   fanotify legit FILE    inotify, a read-only notification group (root)
//                          and a file-handle group (anyone)
//
// One line per attempt: "NAME ok" or "NAME ERRNO".
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <unistd.h>

#ifndef FAN_REPORT_PIDFD
#define FAN_REPORT_PIDFD 0x80
#endif

static void report(const char *name, int r) {
	if (r < 0)
		printf("%s %s\n", name, strerrorname_np(errno));
	else
		printf("%s ok\n", name);
	fflush(stdout);
}

// event_fd marks file, opens it read-only to cause an event and returns
// the descriptor of the first event, or -1.
static int event_fd(int g, const char *file) {
	if (fanotify_mark(g, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, file) < 0)
		return -1;
	int f = open(file, O_RDONLY);
	if (f < 0)
		return -1;
	close(f);
	char buf[4096];
	ssize_t n = read(g, buf, sizeof buf);
	if (n < (ssize_t)sizeof(struct fanotify_event_metadata))
		return -1;
	struct fanotify_event_metadata *ev = (void *)buf;
	if (ev->fd < 0) {
		errno = EBADF;
		return -1;
	}
	return ev->fd;
}

int main(int argc, char **argv) {
	if (argc < 3) {
		fprintf(stderr, "usage: fanotify attack|legit FILE\n");
		return 2;
	}
	const char *file = argv[2];
	if (strcmp(argv[1], "attack") == 0) {
		int g = fanotify_init(FAN_CLASS_NOTIF, O_RDWR);
		report("init-rdwr", g);
		if (g >= 0) {
			int fd = event_fd(g, file);
			report("event-fd-rdwr", fd);
			if (fd >= 0)
				report("write-through-event-fd", pwrite(fd, "PWNED", 5, 0) == 5 ? 0 : -1);
		}
		report("init-wronly", fanotify_init(FAN_CLASS_NOTIF, O_WRONLY));
		report("init-class-content", fanotify_init(FAN_CLASS_CONTENT, O_RDONLY));
		report("init-class-pre-content", fanotify_init(FAN_CLASS_PRE_CONTENT, O_RDONLY));
		report("init-unlimited-queue", fanotify_init(FAN_UNLIMITED_QUEUE, O_RDONLY));
		report("init-unlimited-marks", fanotify_init(FAN_UNLIMITED_MARKS, O_RDONLY));
		report("init-pidfd", fanotify_init(FAN_REPORT_PIDFD, O_RDONLY));
		report("init-audit", fanotify_init(FAN_CLASS_CONTENT | FAN_ENABLE_AUDIT, O_RDONLY));
		return 0;
	}
	// inotify
	int in = inotify_init1(IN_CLOEXEC);
	int r = in < 0 ? -1 : inotify_add_watch(in, file, IN_OPEN);
	if (r >= 0) {
		close(open(file, O_RDONLY));
		char buf[4096];
		r = read(in, buf, sizeof buf) > 0 ? 0 : -1;
	}
	report("inotify", r);
	// A read-only notification group (needs CAP_SYS_ADMIN): the event
	// descriptor reads the file.
	int g = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	report("init-notif-rdonly", g);
	if (g >= 0) {
		int fd = event_fd(g, file);
		char buf[64] = {0};
		report("read-through-event-fd", fd < 0 ? -1 : pread(fd, buf, sizeof buf - 1, 0) > 0 ? 0 : -1);
		report("write-through-event-fd", fd < 0 ? -1 : pwrite(fd, "x", 1, 0));
	}
	// A file-handle group (unprivileged since Linux 5.13).
	g = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_FID | FAN_REPORT_DIR_FID | FAN_REPORT_NAME, O_RDONLY);
	report("init-fid", g);
	if (g >= 0) {
		r = fanotify_mark(g, FAN_MARK_ADD, FAN_OPEN | FAN_EVENT_ON_CHILD | FAN_ONDIR, AT_FDCWD, ".");
		if (r >= 0) {
			close(open(file, O_RDONLY));
			char buf[4096];
			r = read(g, buf, sizeof buf) > 0 ? 0 : -1;
		}
		report("fid-event", r);
	}
	return 0;
}
