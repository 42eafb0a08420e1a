/*
 * progress.c - the progress line (see progress.h).
 */
#include "util/bf_config.h"

#include "cli/progress.h"
#include "util/clock.h"

#include <stdio.h>
#include <string.h>
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

void progress_steps_init(struct progress_steps *ps)
{
	memset(ps, 0, sizeof(*ps));
	ps->active = isatty(STDERR_FILENO);
}

static void steps_erase(struct progress_steps *ps)
{
	if (ps->drawn)
		fprintf(stderr, "\r%*s\r", (int)ps->drawn, "");
	ps->drawn = 0;
}

static void steps_fn(void *ctx, const char *what, uint64_t done, uint64_t total)
{
	struct progress_steps *ps = ctx;
	double t, left;
	int n;

	if (!ps->active)
		return;
	t = bf_clock_now();
	if (strncmp(ps->what, what, sizeof(ps->what) - 1)) {
		steps_erase(ps);
		snprintf(ps->what, sizeof(ps->what), "%s", what);
		ps->t0 = ps->last = t;
	}
	if (done >= total) {
		steps_erase(ps);
		ps->what[0] = '\0';
		return;
	}
	if (t - ps->t0 < 0.5 || t - ps->last < 0.5)
		return;
	ps->last = t;
	left = done ? (t - ps->t0) * (double)(total - done) / (double)done : 0;
	n = fprintf(stderr, "\r%s: %.0f %% (%llu of %llu), %.0f s left  ", ps->what,
		    100.0 * (double)done / (double)(total ? total : 1), (unsigned long long)done,
		    (unsigned long long)total, left);
	if (n > 0 && (size_t)n - 1 > ps->drawn)
		ps->drawn = (size_t)n - 1;
}

struct bf_progress progress_steps_hook(struct progress_steps *ps)
{
	struct bf_progress h = {steps_fn, ps};

	return h;
}
