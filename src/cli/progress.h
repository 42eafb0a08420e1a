/*
 * progress.h - progress lines on a terminal.
 *
 * Owns: "N of M MiB, R MiB/s, T s left" on stderr for a long write, and the
 * line of the start-up steps reported through util/progress.h ("resolving
 * the selection: 40 % (12 of 30), 3 s left"), erased when the step ends.
 * Both are redrawn at most twice a second, and only when stderr is a
 * terminal (nothing at all otherwise); a step shorter than half a second
 * draws nothing.
 */
#ifndef BF_CLI_PROGRESS_H
#define BF_CLI_PROGRESS_H

#include "util/bf_config.h"

#include "util/progress.h"

#include <stddef.h>
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

/* The line of the start-up steps (one step at a time, from one thread). */
struct progress_steps {
	int active;	 /* stderr is a terminal */
	double t0, last; /* the step's start, the last redraw */
	char what[64];	 /* the step being drawn */
	size_t drawn;	 /* characters on the line now */
};

void progress_steps_init(struct progress_steps *ps);
/* A hook for util/progress.h that draws on `ps` (which must outlive its use). */
struct bf_progress progress_steps_hook(struct progress_steps *ps);

#endif
