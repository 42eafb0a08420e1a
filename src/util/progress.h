/*
 * progress.h - a hook through which long start-up steps report progress.
 *
 * Owns: nothing but the hook's shape.  Code below cli/ (selection
 * resolution, the walk that writes the .bgen.bgi index, ...) calls
 * bf_progress_report with a short label, the units done and the units in
 * all; the command line installs a hook that draws a progress line on a
 * terminal (cli/progress.h), the tests and the library default install none.
 * A step reports done == total once when it ends.  The hook is called from
 * the thread that runs the step; it must be cheap (it is called per chunk).
 */
#ifndef BF_UTIL_PROGRESS_H
#define BF_UTIL_PROGRESS_H

#include "util/bf_config.h"

#include <stddef.h>
#include <stdint.h>

struct bf_progress {
	/* `what`: a short label ("resolving the selection"); units are the caller's */
	void (*fn)(void *ctx, const char *what, uint64_t done, uint64_t total);
	void *ctx;
};

/* Report progress; a NULL hook (or one without fn) ignores it. */
static inline void bf_progress_report(const struct bf_progress *p, const char *what, uint64_t done,
				      uint64_t total)
{
	if (p && p->fn)
		p->fn(p->ctx, what, done, total);
}

#endif
