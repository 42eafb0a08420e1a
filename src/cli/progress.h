/*
 * progress.h - the progress line of a long write on a terminal.
 *
 * Owns: "N of M MiB, R MiB/s, T s left" on stderr, redrawn at most twice a
 * second, and only when stderr is a terminal (nothing at all otherwise).
 */
#ifndef BF_CLI_PROGRESS_H
#define BF_CLI_PROGRESS_H

#include "util/bf_config.h"

#include <stdint.h>

/* Progress on a terminal stderr: bytes done, rate, time left. */
struct progress {
	int active; /* stderr is a terminal */
	uint64_t total;
	double t0, last;
};

void progress_start(struct progress *p, uint64_t total);
void progress_update(struct progress *p, uint64_t done);
void progress_end(struct progress *p);

#endif
