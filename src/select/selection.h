/*
 * selection.h - everything the selection options resolve to at startup.
 *
 * Owns: an open VCZ dataset plus its resolved sample selection and variant
 * plan, built in the reference's order (spec/selection.md §6.1): samples
 * first (with the empty-set check), then the variant plan.  Commands and the
 * encoder server start from one of these.
 */
#ifndef BF_SELECT_SELECTION_H
#define BF_SELECT_SELECTION_H

#include "util/bf_config.h"

#include "select/plan.h"
#include "util/err.h"
#include "vcz/vcz.h"

#include <stdbool.h>

struct store_config;

struct selection_opts {
	const char *store;
	const struct store_config *store_cfg; /* NULL: a local store with no options */
	const char *samples;		      /* -s */
	const char *samples_file;	      /* -S */
	bool force_samples;
	struct select_opts variants;
};

struct selection {
	struct vcz *v;
	struct vcz_samplesel sel; /* selected samples, output order */
	struct plan plan;	  /* selected variants */
	/* start-up progress of later walks (opts.variants.progress), NULL for none */
	const struct bf_progress *progress;
};

int selection_open(const struct selection_opts *o, struct selection *s,
		   struct bf_err *err) BF_MUST_CHECK;
void selection_release(struct selection *s);

/* Sample id of output column j (borrowed, NUL-terminated). */
static inline const char *selection_sample_id(const struct selection *s, size_t j, size_t *len)
{
	size_t r = s->sel.raw[j];

	*len = s->v->raw_sample_len[r];
	return s->v->raw_sample_ids[r];
}

#endif
