/*
 * bed.h - PLINK 1 .bed encoder (variant-major, 2 bits per genotype).
 *
 * Owns: the genotype -> 2-bit code kernel (spec/formats.md section 1) with an
 * AVX2 path chosen at run time and a portable scalar path.  Pure functions
 * over caller buffers: no I/O, no allocation.  Thread-safe; callers may run
 * the kernel on disjoint variant ranges from several threads.
 */
#ifndef BF_FORMAT_BED_H
#define BF_FORMAT_BED_H

#include "util/bf_config.h"

#include <stddef.h>
#include <stdint.h>

#include "format/variant.h"
#include "util/err.h"

/* The 3-byte file prefix: 6C 1B 01 (variant-major). */
#define BED_MAGIC_LEN 3
extern const uint8_t bed_magic[BED_MAGIC_LEN];

/* Exact message of the multi-allelic error (spec section 8). */
#define BED_MSG_MULTI_ALLELIC                                                                      \
	"Multi-allelic variants are not supported in PLINK 1 binary output (plink 2 --make-bed "   \
	"has the same restriction). Use --max-alleles 2 to skip them, or split with bcftools "     \
	"norm -m- before conversion."
#define BED_MSG_NOT_DIPLOID "Only diploid genotypes supported"

/* @return ceil(n_samples / 4), the bytes of one .bed row. */
size_t bed_bytes_per_variant(size_t n_samples);

/*
 * The kernel.  gt is int8 [n_variants][n_samples][2] (C order); out receives
 * n_variants rows of bed_bytes_per_variant(n_samples) bytes.  Codes follow
 * section 1.2 (b == -2 tested first; anything outside {0,1} is missing);
 * every output byte is written exactly once and the unused high bit pairs of
 * a row's last byte are 0.  Dispatches to AVX2 when the CPU has it.
 */
void bed_encode_gt(const int8_t *gt, size_t n_variants, size_t n_samples, uint8_t *out);

/*
 * Like bed_encode_gt, for a block of columns: row v's genotypes start at
 * gt + v * gt_row_stride (bytes; the pairs of n_samples consecutive samples)
 * and its ceil(n_samples/4) output bytes at out + v * out_row_stride.  To
 * encode samples [j0, j0+n) of full rows, pass gt + 2*j0 and out + j0/4 with
 * j0 % 4 == 0; only the last block of a row may have n % 4 != 0.
 */
void bed_encode_gt_strided(const int8_t *gt, size_t n_variants, size_t n_samples,
			   size_t gt_row_stride, uint8_t *out, size_t out_row_stride);

/*
 * The kernel for a ploidy-1 store: gt is int8 [n_variants][n_samples]; each
 * call a is coded as the pair (a, a) (plink 2 --vcf writes a haploid call as
 * homozygous; '.' and fills are missing).  Scalar.
 */
void bed_encode_haploid(const int8_t *gt, size_t n_variants, size_t n_samples, uint8_t *out);

/* The portable path of bed_encode_gt_strided (for tests and benchmarks). */
void bed_encode_gt_strided_scalar(const int8_t *gt, size_t n_variants, size_t n_samples,
				  size_t gt_row_stride, uint8_t *out, size_t out_row_stride);

/* @return "avx2" or "scalar": the path bed_encode_gt uses on this CPU. */
const char *bed_kernel_name(void);

/*
 * .bed bytes straight from bit-shuffled genotypes (blosc's bit-shuffle of
 * int8 pairs, as blosc1_block_planes leaves them): out[j] encodes the four
 * samples whose pairs are the 8 genotype bytes of plane byte j, where
 * plane b's byte j is planes[b * stride + j] and holds bit b of those bytes
 * (byte i of the 8 in bit i).  The same codes as bed_encode_gt for every
 * int8 value, without forming the bytes: one output byte per plane byte.
 */
void bed_encode_planes(const uint8_t *planes, size_t stride, size_t n, uint8_t *out);

/*
 * Encode one plan chunk: checks ploidy is 2 or 1 ("Only diploid genotypes
 * supported", BF_E_UNSUPPORTED; ploidy 1 goes through bed_encode_haploid) and that no variant is
 * multi-allelic (BED_MSG_MULTI_ALLELIC, BF_E_UNSUPPORTED), then writes n_variants *
 * bed_bytes_per_variant(n_samples) bytes to out.
 * @return 0, or a negative bf_errcode (BF_E_INVAL when cap is too small).
 */
int bed_encode_chunk(const struct fmt_chunk *c, uint8_t *out, size_t cap,
		     struct bf_err *err) BF_MUST_CHECK;

#endif
