/*
 * plan.c - build the variant plan (see plan.h).
 */
#include "util/bf_config.h"

#include "select/plan.h"
#include "select/filter.h"
#include "select/sites.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/log.h"
#include "vcz/vcz.h"

#include <string.h>

void plan_release(struct plan *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n_chunks; i++)
		bf_free(p->chunks[i].rows);
	bf_free(p->chunks);
	memset(p, 0, sizeof(*p));
}

int select_plan(struct vcz *v, const struct select_opts *o, const struct vcz_samplesel *samples,
		struct plan *p, struct bf_err *err)
{
	double t0 = bf_clock_now();
	struct sites_stats st;
	struct filter *flt = NULL;
	int rc;

	memset(p, 0, sizeof(*p));
	if (o->include && o->exclude)
		return bf_err_set(
		    err, BF_E_INVAL,
		    "Cannot handle both an include expression and an exclude expression.");
	/* parse -i/-e first: a bad expression fails before any data is read */
	if (o->include || o->exclude)
		BF_FORWARD(filter_parse(o->include ? o->include : o->exclude, v, &flt, err));
	if (flt)
		filter_set_progress(flt, o->progress);

	/* regions, targets, types, allele counts: one pass over the site arrays */
	rc = sites_plan(v, o, p, &st, err);

	/* -i/-e prune the plan */
	if (rc == 0 && flt)
		rc = filter_apply(flt, o->include == NULL, v, samples, p, err);
	filter_free(flt);
	if (rc < 0) {
		plan_release(p);
		return rc;
	}

	if (p->n_variants == 0) {
		plan_release(p);
		return bf_err_set(err, BF_E_INVAL, "the selection keeps no variants");
	}
	bf_log_info("selection: %llu of %lld variants kept in %zu chunks; site arrays read "
		    "for %lld of %lld chunks%s; resolved in %.4f s",
		    (unsigned long long)p->n_variants, (long long)v->n_variants, p->n_chunks,
		    (long long)st.chunks_read, (long long)st.chunks_total,
		    st.used_index ? " (region_index)" : "", bf_clock_now() - t0);
	return 0;
}
