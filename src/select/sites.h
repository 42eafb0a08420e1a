/*
 * sites.h - the site part of the variant plan: regions, targets, types and
 * allele counts.
 *
 * Owns: turning -r/-R, -t/-T (with --regions-overlap / --targets-overlap),
 * -v/-V and -m/-M into a plan (select/plan.h), the way bcftools view 1.16
 * selects records: a record passes -r/-R when its span (overlap mode: POS
 * only, POS..POS+rlen-1, or the variant's own bases) meets a region, -t/-T
 * alike (POS only by default; '^' keeps the records that meet none), both
 * together intersect, each record at most once, in store order.  rlen is
 * variant_length (REF's length when the store has none).  With -r/-R, a
 * usable region_index (unit inferred as vcz-input.md section 3.2 says)
 * restricts the chunks read to the overlapping ones; otherwise every chunk's
 * positions are scanned.  Contigs the store lacks select nothing and are
 * named in one warning line.
 */
#ifndef BF_SELECT_SITES_H
#define BF_SELECT_SITES_H

#include "util/bf_config.h"

#include "select/plan.h"
#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vcz;

struct sites_stats {
	int64_t chunks_total; /* min chunks of the store */
	int64_t chunks_read;  /* whose site arrays were read */
	bool used_index;      /* region_index restricted the chunks */
};

int sites_plan(struct vcz *v, const struct select_opts *o, struct plan *p, struct sites_stats *st,
	       struct bf_err *err) BF_MUST_CHECK;

/*
 * Min chunks per region_index chunk number, inferred from the index rows
 * (n rows of 6): 1 when it counts call_genotype-sized chunks (vchunk),
 * pos_chunk / vchunk when it counts variant_position chunks, 0 when neither
 * fits (then the index must not be used).
 */
int64_t sites_index_unit(const int64_t *rows, size_t n, int64_t n_variants, int64_t vchunk,
			 int64_t pos_chunk);

/* --regions-overlap / --targets-overlap value ("pos", "record", "variant",
 * "0", "1", "2"; words in any case).  @return SELECT_OVERLAP_* or -1. */
int sites_parse_overlap(const char *s);

#endif
