/*
 * selection.c - open a store and resolve the selection options (see selection.h).
 */
#include "util/bf_config.h"

#include "select/selection.h"
#include "select/samples.h"
#include "util/alloc.h"

#include <string.h>

int selection_open(const struct selection_opts *o, struct selection *s, struct bf_err *err)
{
	size_t *raw = NULL, n = 0;
	int rc;

	memset(s, 0, sizeof(*s));
	s->v = vcz_open_cfg(o->store, o->store_cfg, err);
	if (!s->v)
		return err ? err->code : BF_E_FORMAT;
	rc = select_samples(s->v, o->samples, o->samples_file, o->force_samples, &raw, &n, err);
	if (rc == 0)
		rc = vcz_samplesel_init(s->v, raw, n, &s->sel, err);
	bf_free(raw);
	s->progress = o->variants.progress;
	if (rc == 0)
		rc = select_plan(s->v, &o->variants,
				 (o->samples || o->samples_file) ? &s->sel : NULL, &s->plan, err);
	if (rc < 0)
		selection_release(s);
	return rc;
}

void selection_release(struct selection *s)
{
	if (!s)
		return;
	plan_release(&s->plan);
	vcz_samplesel_release(&s->sel);
	vcz_free(s->v);
	memset(s, 0, sizeof(*s));
}
