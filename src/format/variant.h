/*
 * variant.h - what the encoders consume: one plan chunk of selected variants.
 *
 * Owns nothing: these are borrowed views filled by the engine from decoded
 * VCZ blocks.  The encoders in this folder are pure functions of a
 * struct fmt_chunk (plus their parameters) and write into buffers the caller
 * provides; they never open files or allocate large buffers.
 */
#ifndef BF_FORMAT_VARIANT_H
#define BF_FORMAT_VARIANT_H

#include "util/bf_config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A borrowed byte string (not NUL-terminated). */
struct fmt_str {
	const char *p;
	size_t len;
};

/* Metadata of one selected variant. */
struct fmt_variant {
	struct fmt_str chrom; /* raw contig_id (no normalisation) */
	int64_t pos;	      /* variant_position, 1-based */
	struct fmt_str id;    /* variant_id as stored; meaningful only if has_id */
	bool has_id;	      /* false when the store has no variant_id array */
	struct fmt_str ref;   /* variant_allele[:,0] */
	struct fmt_str alt;   /* variant_allele[:,1]; len 0 = absent (monomorphic) */
	bool multi_allelic;   /* some allele column >= 2 is non-empty */
};

/* One plan chunk: n variants and their genotypes for the selected samples. */
struct fmt_chunk {
	size_t n_variants;
	const struct fmt_variant *variants; /* n_variants entries */
	size_t n_samples;		    /* selected samples, in selection order */
	int ploidy;			    /* call_genotype.shape[2] of the store */
	/* call_genotype values cast to int8, [n_variants][n_samples][ploidy], C order */
	const int8_t *gt;
	/* call_genotype_phased [n_variants][n_samples] (0/1), or NULL when absent */
	const uint8_t *phased;
	/*
	 * Without `phased`: each row's FMT_PHASE_* flags (whether some / every
	 * selected sample is phased), or NULL when the store has no phasing.
	 */
	const uint8_t *row_phase;
};

#define FMT_PHASE_ANY 1 /* some selected sample of the row is phased */
#define FMT_PHASE_ALL 2 /* every selected sample of the row is phased */

#endif
