// hostile: make entitle print values this program controls — its command
// name and a path — full of terminal escape sequences, bidi overrides and
// invalid UTF-8, in the hope of hiding or rewriting entitle's denial line.
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: hostile DIR\n");
		return 2;
	}
	// Erase the line, go up one, and say something reassuring (15 bytes).
	prctl(PR_SET_NAME, "\033[2K\033[1A\rok\033[8m", 0, 0, 0);
	char path[4096];
	snprintf(path, sizeof path, "%s/\033]0;owned\007\033[2K\r\xe2\x80\xae\xff\033[8m", argv[1]);
	if (mkdir(path, 0755) == 0)
		printf("created\n");
	return 0;
}
