// unixsock: try to reach a Unix datagram server (argv[2]) without
// net.unix, every way base and net.* might allow, or (argv[1] == "legit")
// the way net.unix allows. Prints one line per attempt: "NAME ok" or
// "NAME errno-name".
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static struct sockaddr_un srv;

static void report(const char *name, int r) {
	if (r < 0)
		printf("%s %s\n", name, strerrorname_np(errno));
	else
		printf("%s ok\n", name);
	fflush(stdout);
}

static int pair(int type, int sv[2]) {
	return socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv);
}

int main(int argc, char **argv) {
	if (argc < 3) {
		fprintf(stderr, "usage: unixsock attack|legit SERVER [BINDPATH]\n");
		return 2;
	}
	srv.sun_family = AF_UNIX;
	strncpy(srv.sun_path, argv[2], sizeof srv.sun_path - 1);
	int sv[2];
	if (strcmp(argv[1], "legit") == 0) {
		// Stream and seqpacket pairs are base's; a datagram pair that
		// reaches a server is net.unix's.
		int r = pair(SOCK_STREAM | SOCK_NONBLOCK, sv);
		if (r == 0)
			r = write(sv[0], "s", 1) == 1 && read(sv[1], (char[1]){0}, 1) == 1 ? 0 : -1;
		report("stream-pair", r);
		report("seqpacket-pair", pair(SOCK_SEQPACKET, sv));
		r = pair(SOCK_DGRAM, sv);
		if (r == 0)
			r = sendto(sv[0], "legit", 5, 0, (struct sockaddr *)&srv, sizeof srv);
		report("dgram-pair-sendto", r);
		return 0;
	}
	// 1. A datagram pair: connect, sendto and sendmsg with an address.
	int r = pair(SOCK_DGRAM, sv);
	report("dgram-pair", r);
	if (r == 0) {
		report("dgram-sendto", sendto(sv[0], "A1", 2, 0, (struct sockaddr *)&srv, sizeof srv));
		report("dgram-connect", connect(sv[0], (struct sockaddr *)&srv, sizeof srv));
		report("dgram-send", send(sv[0], "A2", 2, 0));
	}
	// 2. Connected pairs base allows: connect, sendto and sendmsg with an
	// address must not leave the pair.
	int types[] = {SOCK_STREAM, SOCK_SEQPACKET};
	const char *names[] = {"stream", "seqpacket"};
	for (int i = 0; i < 2; i++) {
		char n[64];
		if (pair(types[i], sv) < 0) {
			snprintf(n, sizeof n, "%s-pair", names[i]);
			report(n, -1);
			continue;
		}
		snprintf(n, sizeof n, "%s-sendto", names[i]);
		report(n, sendto(sv[0], "A3", 2, MSG_DONTWAIT, (struct sockaddr *)&srv, sizeof srv));
		struct iovec iov = {"A4", 2};
		struct msghdr mh = {.msg_name = &srv, .msg_namelen = sizeof srv, .msg_iov = &iov, .msg_iovlen = 1};
		snprintf(n, sizeof n, "%s-sendmsg", names[i]);
		report(n, sendmsg(sv[0], &mh, MSG_DONTWAIT));
		snprintf(n, sizeof n, "%s-connect", names[i]);
		report(n, connect(sv[0], (struct sockaddr *)&srv, sizeof srv));
	}
	// 3. A name in the file system for a stream pair (a socket file).
	if (argc > 3 && pair(SOCK_STREAM, sv) == 0) {
		struct sockaddr_un b = {.sun_family = AF_UNIX};
		strncpy(b.sun_path, argv[3], sizeof b.sun_path - 1);
		report("stream-bind", bind(sv[0], (struct sockaddr *)&b, sizeof b));
	}
	// 4. socket(AF_UNIX) itself.
	report("socket", socket(AF_UNIX, SOCK_DGRAM, 0));
	return 0;
}
