/*
 * plan.c - build the variant plan (see plan.h).
 */
#include "util/bf_config.h"

#include "select/plan.h"
#include "util/alloc.h"
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

static int unsupported(const char *val, const char *name, struct bf_err *err)
{
	if (!val)
		return 0;
	return bf_err_set(err, BF_E_UNSUPPORTED, "option '%s' is not supported yet", name);
}

int select_plan(struct vcz *v, const struct select_opts *o, struct plan *p, struct bf_err *err)
{
	const bool filter = o->min_alleles > 1 || o->max_alleles > 0;
	uint32_t *rows = NULL;
	int64_t ci;
	int rc = 0;

	memset(p, 0, sizeof(*p));
	BF_FORWARD(unsupported(o->regions, "-r/--regions", err));
	BF_FORWARD(unsupported(o->regions_file, "-R/--regions-file", err));
	BF_FORWARD(unsupported(o->targets, "-t/--targets", err));
	BF_FORWARD(unsupported(o->targets_file, "-T/--targets-file", err));
	BF_FORWARD(unsupported(o->include, "-i/--include", err));
	BF_FORWARD(unsupported(o->exclude, "-e/--exclude", err));
	BF_FORWARD(unsupported(o->types, "-v/--types", err));
	BF_FORWARD(unsupported(o->exclude_types, "-V/--exclude-types", err));

	p->chunks = bf_calloc((size_t)v->n_vchunks + 1, sizeof(*p->chunks));
	if (!p->chunks)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	if (filter && !(rows = bf_calloc((size_t)v->vchunk + 1, sizeof(uint32_t))))
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	for (ci = 0; ci < v->n_vchunks; ci++) {
		struct plan_chunk *c = &p->chunks[p->n_chunks];
		int64_t n = vcz_chunk_rows(v, ci);
		struct vcz_meta m;
		uint32_t k = 0;
		int64_t r;

		if (n == 0)
			continue;
		if (!filter) {
			c->ci = ci;
			c->n = (uint32_t)n;
			p->n_chunks++;
			p->n_variants += (uint64_t)n;
			continue;
		}
		rc = vcz_meta_read(v, ci, &m, err);
		if (rc < 0)
			goto fail;
		for (r = 0; r < n; r++) {
			int n_all = 1 + vcz_meta_n_alt(&m, r);

			if (o->min_alleles > 1 && n_all < o->min_alleles)
				continue;
			if (o->max_alleles > 0 && n_all > o->max_alleles)
				continue;
			rows[k++] = (uint32_t)r;
		}
		vcz_meta_release(&m);
		if (k == 0)
			continue;
		c->ci = ci;
		c->n = k;
		if (k != (uint32_t)n || rows[k - 1] != (uint32_t)(n - 1)) {
			c->rows = bf_malloc(k * sizeof(uint32_t));
			if (!c->rows) {
				rc = bf_err_set(err, BF_E_NOMEM, "out of memory");
				goto fail;
			}
			memcpy(c->rows, rows, k * sizeof(uint32_t));
		}
		p->n_chunks++;
		p->n_variants += k;
	}
	bf_free(rows);
	if (filter)
		bf_log_info("materialise_variant_filter: %llu variants survive (%zu chunks)",
			    (unsigned long long)p->n_variants, p->n_chunks);
	if (p->n_variants == 0) {
		plan_release(p);
		return bf_err_set(err, BF_E_INVAL, "the selection keeps no variants");
	}
	return 0;
fail:
	bf_free(rows);
	plan_release(p);
	return rc;
}
