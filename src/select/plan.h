/*
 * plan.h - which variants of which chunks the output holds.
 *
 * Owns: struct plan, the materialised variant selection (spec/selection.md
 * §6): a list of min chunks, each with the count of selected variants and
 * their local row numbers (ascending), in store order.  Chunks with no
 * selected variant are left out.  Built once at startup from the selection
 * options; output byte offsets follow from the counts without further I/O.
 */
#ifndef BF_SELECT_PLAN_H
#define BF_SELECT_PLAN_H

#include "util/bf_config.h"

#include "util/err.h"

#include <stdint.h>
#include <stddef.h>

struct vcz;
struct bf_progress;
struct vcz_samplesel;

struct plan_chunk {
	int64_t ci;	/* min chunk number */
	uint32_t n;	/* selected variants in it */
	uint32_t *rows; /* n ascending local rows, or NULL for rows 0..n-1 (whole chunk) */
};

struct plan {
	size_t n_chunks;
	struct plan_chunk *chunks;
	uint64_t n_variants; /* sum of n */
};

/* --regions-overlap / --targets-overlap (bcftools' 0, 1, 2). */
enum select_overlap {
	SELECT_OVERLAP_DEFAULT = 0, /* record for regions, pos for targets */
	SELECT_OVERLAP_POS,
	SELECT_OVERLAP_RECORD,
	SELECT_OVERLAP_VARIANT,
};

/* Variant selection options (NULL / 0 when not given). */
struct select_opts {
	const char *regions, *regions_file, *targets, *targets_file;
	enum select_overlap regions_overlap, targets_overlap;
	const char *include, *exclude, *types, *exclude_types;
	int min_alleles; /* -m, 0 when unset */
	int max_alleles; /* -M, 0 when unset */
	/* start-up progress (util/progress.h), NULL for none; not owned */
	const struct bf_progress *progress;
};

/*
 * Build the plan: regions, targets, types and allele counts (sites.h), then
 * -i/-e (filter.h).  `samples` is the -s/-S selection, or NULL when none was
 * given (genotype-derived filter fields then use every non-null sample).
 * A plan keeping no variant is an error.
 */
int select_plan(struct vcz *v, const struct select_opts *o, const struct vcz_samplesel *samples,
		struct plan *p, struct bf_err *err) BF_MUST_CHECK;
void plan_release(struct plan *p);

/* Local row of the k-th selected variant of a plan chunk. */
static inline uint32_t plan_chunk_row(const struct plan_chunk *c, uint32_t k)
{
	return c->rows ? c->rows[k] : k;
}

#endif
