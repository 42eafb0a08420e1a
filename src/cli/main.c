/*
 * main.c - program entry: dispatch to the commands in cli/.
 */
#include "util/bf_config.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("biofuse, version %s\n", BF_VERSION);
		return 0;
	}
	fprintf(stderr, "Usage: biofuse [OPTIONS] COMMAND [ARGS]...\n");
	return 2;
}
