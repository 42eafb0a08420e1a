/*
 * filter.h - -i/-e site filters: names bound to a store, evaluated chunk by
 * chunk into the plan.
 *
 * Owns: resolving an expression's names against a VCZ store the way bcftools
 * 1.16 resolves them against a VCF header (CHROM, POS, ID, REF, ALT, QUAL,
 * FILTER, TYPE, INFO fields of every type and Number, the computed fields
 * N_ALT, N_SAMPLES, AC, AN, AF, MAC, MAF, NS, N_MISSING, F_MISSING, ILEN),
 * type checking (FORMAT fields and everything bcftools rejects are
 * `Error:`s before any data is read), and evaluating per site with
 * bcftools' vector and missing-value rules (docs/selection.md).  Reads only
 * the arrays the expression names; genotype-derived fields take one pass
 * over call_genotype for the selected samples.
 */
#ifndef BF_SELECT_FILTER_H
#define BF_SELECT_FILTER_H

#include "util/bf_config.h"

#include "select/plan.h"
#include "util/err.h"

#include <stdbool.h>

struct bf_progress;
struct vcz;
struct vcz_samplesel;
struct filter;

/*
 * Parse and bind `expr` against the store.  @return 0 with *out set, or
 * BF_E_INVAL with a message naming the position or the field.
 */
int filter_parse(const char *expr, const struct vcz *v, struct filter **out,
		 struct bf_err *err) BF_MUST_CHECK;

/*
 * Keep in `p` the variants where the expression holds (exclude: where it
 * does not).  `samples` is the -s/-S selection, or NULL when none was given:
 * then genotype-derived fields use every non-null sample and a stored
 * INFO/AC or INFO/AN is used as stored; with a selection they are the
 * selection's, as after `bcftools view -s` (which rewrites INFO/AC and AN).
 */
int filter_apply(const struct filter *f, bool exclude, struct vcz *v,
		 const struct vcz_samplesel *samples, struct plan *p,
		 struct bf_err *err) BF_MUST_CHECK;

/* Report the pass's progress (chunks done) through this hook (util/progress.h), or NULL. */
void filter_set_progress(struct filter *f, const struct bf_progress *progress);

void filter_free(struct filter *f);

#endif
