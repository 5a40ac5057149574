// xattr: set and remove a file's extended attributes (user.*, a POSIX ACL,
// trusted.*) by path, by descriptor and through a /proc/self/fd magic
// link, and chown it to the owner and group it has and to another owner:
// what cp -a, sed -i and install do to the files they write. Prints
// "NAME ok" or "NAME fail" per way.
//
//   xattr PATH OTHER-UID
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

static void report(const char *what, int r) {
	printf("%s %s\n", what, r == 0 ? "ok" : "fail");
	fflush(stdout);
}

// An access ACL with the three entries of mode 0640 (linux/posix_acl_xattr.h).
struct entry { uint16_t tag, perm; uint32_t id; };
static const struct { uint32_t version; struct entry e[3]; } acl = {
	2, {{0x01, 6, (uint32_t)-1}, {0x04, 4, (uint32_t)-1}, {0x20, 0, (uint32_t)-1}},
};

int main(int argc, char **argv) {
	if (argc != 3) return 2;
	const char *path = argv[1];
	uid_t other = atoi(argv[2]);
	struct stat st;
	if (stat(path, &st) != 0) return 2;
	int fd = open(path, O_RDONLY);
	report("setxattr-user", setxattr(path, "user.entitle", "1", 1, 0));
	report("fsetxattr-user", fd < 0 ? -1 : fsetxattr(fd, "user.entitle-fd", "2", 1, 0));
	report("removexattr-user", removexattr(path, "user.entitle"));
	report("setxattr-acl", setxattr(path, "system.posix_acl_access", &acl, sizeof acl, 0));
	report("fsetxattr-acl", fd < 0 ? -1 : fsetxattr(fd, "system.posix_acl_access", &acl, sizeof acl, 0));
	report("setxattr-trusted", setxattr(path, "trusted.entitle", "1", 1, 0));
	int p = open(path, O_PATH);
	char link[64];
	snprintf(link, sizeof link, "/proc/self/fd/%d", p);
	report("setxattr-magic", p < 0 ? -1 : setxattr(link, "user.entitle-magic", "3", 1, 0));
	report("fchown-same", fd < 0 ? -1 : fchown(fd, st.st_uid, st.st_gid));
	report("fchown-keep", fd < 0 ? -1 : fchown(fd, -1, -1));
	report("chown-same", chown(path, st.st_uid, -1));
	report("fchown-other", fd < 0 ? -1 : fchown(fd, other, -1));
	return 0;
}
