/*
 * progress.c - the progress line (see progress.h).
 */
#include "util/bf_config.h"

#include "cli/progress.h"
#include "util/clock.h"

#include <stdio.h>
#include <unistd.h>

void progress_start(struct progress *p, uint64_t total)
{
	p->active = isatty(STDERR_FILENO);
	p->total = total;
	p->t0 = p->last = bf_clock_now();
}

void progress_update(struct progress *p, uint64_t done)
{
	double t, rate, left;

	if (!p->active)
		return;
	t = bf_clock_now();
	if (t - p->last < 0.5 && done < p->total)
		return;
	p->last = t;
	rate = (double)done / (t - p->t0 > 1e-9 ? t - p->t0 : 1e-9);
	left = rate > 0 ? (double)(p->total - done) / rate : 0;
	fprintf(stderr, "\r%.1f of %.1f MiB, %.1f MiB/s, %.0f s left   ", (double)done / 1048576.0,
		(double)p->total / 1048576.0, rate / 1048576.0, left);
}

void progress_end(struct progress *p)
{
	if (p->active)
		fprintf(stderr, "\n");
}
