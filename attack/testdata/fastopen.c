// fastopen: TCP Fast Open carries a connect inside sendto/sendmsg/sendmmsg
// (MSG_FASTOPEN), where Landlock's connect rule never looks. The program
// tries each way to reach 127.0.0.1:PORT and prints one line per way.
//
//   fastopen attack PORT [ALLOWED]  MSG_FASTOPEN through sendto, sendmsg,
//                                   sendmmsg, IPv4 and IPv6; with ALLOWED,
//                                   also TCP_FASTOPEN_CONNECT: connect to
//                                   ALLOWED, then sendto with PORT's address
//   fastopen legit PORT             connect and write (what net.client is for)
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef MSG_FASTOPEN
#define MSG_FASTOPEN 0x20000000
#endif
#ifndef TCP_FASTOPEN_CONNECT
#define TCP_FASTOPEN_CONNECT 30
#endif

static const char *errname(int e) {
	switch (e) {
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EINPROGRESS: return "EINPROGRESS";
	case ECONNREFUSED: return "ECONNREFUSED";
	case EISCONN: return "EISCONN";
	case EALREADY: return "EALREADY";
	case EINVAL: return "EINVAL";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case ENOSYS: return "ENOSYS";
	}
	static char buf[32];
	snprintf(buf, sizeof buf, "errno%d", e);
	return buf;
}

static void report(const char *what, long r) {
	if (r < 0) printf("%s %s\n", what, errname(errno));
	else printf("%s ok\n", what);
	fflush(stdout);
}

static socklen_t addr(int v6, int port, struct sockaddr_storage *ss) {
	memset(ss, 0, sizeof *ss);
	if (v6) {
		struct sockaddr_in6 *a = (void *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		a->sin6_addr = in6addr_loopback;
		return sizeof *a;
	}
	struct sockaddr_in *a = (void *)ss;
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sizeof *a;
}

static int sock(int v6) { return socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0); }

int main(int argc, char **argv) {
	if (argc < 3) return 2;
	int port = atoi(argv[2]);
	struct sockaddr_storage ss;
	char data[] = "fastopen";
	if (strcmp(argv[1], "legit") == 0) {
		int s = sock(0);
		socklen_t n = addr(0, port, &ss);
		long r = s < 0 ? -1 : connect(s, (void *)&ss, n);
		if (r == 0) r = write(s, "legit", 5);
		report("connect", r);
		return 0;
	}
	for (int v6 = 0; v6 < 2; v6++) {
		const char *fam = v6 ? "6" : "4";
		char what[64];
		socklen_t n = addr(v6, port, &ss);

		int s = sock(v6);
		snprintf(what, sizeof what, "sendto%s", fam);
		report(what, s < 0 ? -1 : sendto(s, data, sizeof data, MSG_FASTOPEN, (void *)&ss, n));
		close(s);

		s = sock(v6);
		struct iovec iov = {data, sizeof data};
		struct msghdr m = {.msg_name = &ss, .msg_namelen = n, .msg_iov = &iov, .msg_iovlen = 1};
		snprintf(what, sizeof what, "sendmsg%s", fam);
		report(what, s < 0 ? -1 : sendmsg(s, &m, MSG_FASTOPEN));
		close(s);

		s = sock(v6);
		struct mmsghdr mm = {.msg_hdr = m};
		snprintf(what, sizeof what, "sendmmsg%s", fam);
		report(what, s < 0 ? -1 : sendmmsg(s, &mm, 1, MSG_FASTOPEN));
		close(s);
	}
	if (argc > 3) {
		// Deferred connect: connect names the allowed port, the first
		// send another one.
		int s = sock(0), one = 1;
		socklen_t n = addr(0, atoi(argv[3]), &ss);
		long r = s < 0 ? -1 : setsockopt(s, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof one);
		if (r == 0) r = connect(s, (void *)&ss, n);
		report("deferred-connect", r);
		if (r == 0) {
			n = addr(0, port, &ss);
			report("deferred-sendto", sendto(s, data, sizeof data, 0, (void *)&ss, n));
		}
		close(s);
	}
	return 0;
}
