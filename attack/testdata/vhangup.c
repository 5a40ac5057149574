// vhangup: hang up the controlling terminal, which the command shares with
// the shell that started entitle; then read the terminal's modes. Prints
// one line per call.
#include <errno.h>
#include <stdio.h>
#include <termios.h>
#include <unistd.h>

int main(void) {
	int r = vhangup();
	printf("vhangup %s\n", r == 0 ? "ok" : errno == EPERM ? "EPERM" : "error");
	struct termios t;
	r = tcgetattr(0, &t);
	printf("tcgetattr %s\n", r == 0 ? "ok" : "fail");
	fflush(stdout);
	return 0;
}
