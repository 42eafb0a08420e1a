/*
 * bgen_internal.h - what the files of the BGEN encoder share.
 *
 * bgen.c (parameters, header, variant blocks, the format interface) calls
 * the genotype-block kernels of bgen_geno.c (from bytes: scalar, AVX2) and
 * bgen_planes.c (from bit planes: scalar, AVX2, AVX-512).
 */
#ifndef BF_FORMAT_BGEN_INTERNAL_H
#define BF_FORMAT_BGEN_INTERNAL_H

#include "util/bf_config.h"

#include "format/bgen.h"

/*
 * bgen_geno_block with the phase flag given as a row's BGEN_ROW_* flags
 * (`force` >= 0, phased not read) or taken from `phased` (force -1), and
 * the scalar loop only when `scalar`.
 */
int bgen_geno_encode(const int8_t *gt, const uint8_t *phased, size_t n_samples, int ploidy,
		     bool unphased, uint8_t *out, size_t cap, size_t *len, bool *mixed_phase,
		     bool scalar, int force, struct bf_err *err);

#endif
