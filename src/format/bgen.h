/*
 * bgen.h - BGEN v1.2 (layout 2, zlib, 8-bit, K = 2) encoder.
 *
 * Owns: the parameter rules, the file prefix (header + sample block), the
 * genotype-probability block builder, the fixed-size kernel (stored zlib,
 * padded strings, every variant block the same length) and the
 * variable-size encoder (zlib compress2 per variant).  See
 * spec/formats.md sections 4 and 8; messages that the spec quotes are
 * reproduced exactly.  Pure functions over caller buffers: no file I/O and
 * no large allocation (variable mode grows the caller's strbufs).
 * Thread-safe; callers may encode disjoint chunks concurrently.
 */
#ifndef BF_FORMAT_BGEN_H
#define BF_FORMAT_BGEN_H

#include "util/bf_config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/variant.h"
#include "util/err.h"
#include "util/strbuf.h"

#define BGEN_MSG_MULTI_ALLELIC                                                                     \
	"Multi-allelic variants are not supported in BGEN output. Use --max-alleles 2 to skip "    \
	"them, or split with bcftools norm -m- before conversion."
#define BGEN_MSG_BAD_ALLELE                                                                        \
	"BGEN encoder: genotype value out of range; biallelic input expects values in {-2, -1, "   \
	"0, 1}"
#define BGEN_MSG_ZERO_PLOIDY                                                                       \
	"BGEN encoder: -2 in genotype slot 0 (zero-ploidy / unused sample) is not representable "  \
	"in BGEN"
#define BGEN_MSG_MIXED_PLOIDY                                                                      \
	"BgenEncoder requires uniform ploidy across all samples and variants; this chunk "         \
	"contains mixed ploidy. Use write_bgen() instead."

/* Output parameters (see bgen_params_init for defaults). */
struct bgen_params {
	bool fixed;		      /* fixed-size mode (--fixed-variant-size) */
	int compression_level;	      /* zlib level -1..9; 1 variable / 0 fixed by default */
	uint32_t total_string_length; /* TSL (fixed mode), 5..65535, default 64 */
	uint8_t pad_byte;	      /* fixed-mode padding byte, not NUL, default '.' */
	bool id_in_rsid;	      /* variant ID in the rsid slot (default) or varid */
	bool unphased;		      /* --unphased: write every variant unphased */
	bool header_samples;	      /* embed the sample-ID block (default true) */
	bool string_opts_given;	      /* caller set TSL or pad_byte explicitly */
};

/* Fill *p with the defaults of the given mode. */
void bgen_params_init(struct bgen_params *p, bool fixed);

/*
 * Check the parameter rules of section 4.5/8, with their exact messages:
 * "total_string_length / pad_byte require fixed_variant_size=True",
 * "fixed_variant_size=True requires compression_level=0 (...); got
 * compression_level=N", "total_string_length must be >= 5 (got N)",
 * "total_string_length=N exceeds BGEN length-prefix width 65535",
 * "pad_byte must not be the NUL byte", and a level outside -1..9.
 * @return 0 or BF_E_INVAL.
 */
int bgen_params_validate(const struct bgen_params *p, struct bf_err *err) BF_MUST_CHECK;

/*
 * Fixed mode's construction-time contig check: "longest contig is N bytes,
 * exceeds BGEN length-prefix width 65535".
 * @return 0 or BF_E_RANGE.
 */
int bgen_check_contigs(const struct fmt_str *contigs, size_t n, struct bf_err *err) BF_MUST_CHECK;

/*
 * Append the file prefix: the 24-byte header and, when p->header_samples,
 * the sample-ID block (ids in selection order, UTF-8).  The first variant
 * block starts at the resulting length.
 * @return 0; BF_E_RANGE "Sample ID '<repr>' exceeds BGEN's 65535-byte
 * sample-id limit." or when V / S / the block length exceed u32;
 * BF_E_NOMEM.  On error `out` is unchanged.
 */
int bgen_header(const struct bgen_params *p, uint64_t n_variants, const struct fmt_str *ids,
		size_t n_samples, struct bf_strbuf *out, struct bf_err *err) BF_MUST_CHECK;

/*
 * Bytes bgen_header would append, or 0 when the export passes one of the
 * limits it refuses (the question "does it fit BGEN?", without the bytes).
 */
uint64_t bgen_header_size(const struct bgen_params *p, uint64_t n_variants,
			  const struct fmt_str *ids, size_t n_samples);

/* The variant ID a BGEN block carries: variant_id, or "." if empty/absent. */
struct fmt_str bgen_variant_id(const struct fmt_variant *v);

/* allele2 of a BGEN block and of the .bgi: ALT, or "." if absent. */
struct fmt_str bgen_allele2(const struct fmt_variant *v);

/* @return 10 + (ploidy + 1) * n_samples: a uniform-ploidy genotype block. */
uint64_t bgen_geno_size(size_t n_samples, int ploidy);

/* @return the exact zlib stored (level 0) size of n bytes: 2 + 5*max(1,ceil(n/65535)) + n + 4. */
uint64_t bgen_stored_zsize(uint64_t n);

/*
 * @return the fixed-mode block size 28 + TSL + zsize(geno_size), or 0 when
 * ploidy is not 1 or 2 or the sizes do not fit BGEN's u32 fields.
 */
uint64_t bgen_fixed_bytes_per_variant(const struct bgen_params *p, size_t n_samples, int ploidy);

/* @return fixed-mode slack of v: TSL - (chrom + allele1 + allele2 + id bytes). */
int64_t bgen_fixed_slack(const struct bgen_params *p, const struct fmt_variant *v);

/*
 * Set the slack error for v: "variant at <chrom>:<pos>: chrom/allele1/
 * allele2/variant_id byte sum is <used>, leaving no room for the padding
 * field's leading '.' under total_string_length=<TSL>".
 * @return BF_E_RANGE.
 */
int bgen_fixed_slack_error(const struct bgen_params *p, const struct fmt_variant *v,
			   struct bf_err *err);

/*
 * Append what the BGEN rsid slot holds for v (the .bgi rsid column): the
 * variant ID with rsid routing; with varid routing "." in variable mode and
 * "." + pad_byte x (slack - 1) in fixed mode.
 * @return 0; BF_E_RANGE (slack error) in fixed mode; BF_E_NOMEM.
 */
int bgen_rsid_slot(const struct bgen_params *p, const struct fmt_variant *v, struct bf_strbuf *out,
		   struct bf_err *err) BF_MUST_CHECK;

/*
 * Build one uncompressed genotype-probability block (section 4.3) into
 * out[0..cap), cap >= 10 + (ploidy + 1) * n_samples.  gt is [n_samples][ploidy]
 * (ploidy 1 is widened to [a, -2]); phased is the variant's
 * call_genotype_phased row or NULL.  *len receives the block length;
 * *mixed_phase (may be NULL) is set when some but not all samples are phased.
 * @return 0; BF_E_RANGE BGEN_MSG_BAD_ALLELE / BGEN_MSG_ZERO_PLOIDY;
 * BF_E_INVAL if ploidy is not 1 or 2 or cap is too small.  On error the
 * content of out is unspecified.  Uses AVX2 when the CPU has it.
 */
int bgen_geno_block(const int8_t *gt, const uint8_t *phased, size_t n_samples, int ploidy,
		    bool unphased, uint8_t *out, size_t cap, size_t *len, bool *mixed_phase,
		    struct bf_err *err) BF_MUST_CHECK;

/* bgen_geno_block through the portable reference loop only (tests, benches). */
int bgen_geno_block_scalar(const int8_t *gt, const uint8_t *phased, size_t n_samples, int ploidy,
			   bool unphased, uint8_t *out, size_t cap, size_t *len, bool *mixed_phase,
			   struct bf_err *err) BF_MUST_CHECK;

/* @return "avx2" or "scalar": the path bgen_geno_block uses on this CPU. */
const char *bgen_kernel_impl(void);

/*
 * Fixed-size kernel: encode chunk c into out[0 .. n_variants * bpv), bpv =
 * bgen_fixed_bytes_per_variant(p, c->n_samples, c->ploidy).  Checks, in
 * order: ploidy dimension ("BgenEncoder requires call_genotype.shape[2] in
 * (1, 2); got (V, S, P)."), multi-allelic, string slack over the whole
 * chunk (names the smallest-slack variant), positions within int32 ("POS:
 * integer values [lo, hi] fall outside ..."), then per variant the sample
 * values and uniform ploidy (BGEN_MSG_MIXED_PLOIDY, BF_E_UNSUPPORTED).
 * Adds the number of mixed-phase variants to *mixed_phase_count (may be NULL).
 * @return 0 or a negative bf_errcode (BF_E_INVAL if cap is too small).
 */
int bgen_encode_fixed_chunk(const struct bgen_params *p, const struct fmt_chunk *c, uint8_t *out,
			    size_t cap, uint64_t *mixed_phase_count,
			    struct bf_err *err) BF_MUST_CHECK;

/*
 * bgen_encode_fixed_chunk through the reference paths (scalar genotype loop,
 * zlib's adler32_z): same bytes and errors, for tests and benches.
 */
/* Per-row phase flags of the planes path (see bgen_row_flags). */
#define BGEN_ROW_PHASED 1 /* every sample phased: the variant is written phased */
#define BGEN_ROW_MIXED	2 /* some samples phased, not all: written unphased, counted */

/*
 * The flags of one row from whether some / every sample's phase byte is
 * nonzero, as the encoders decide them (0 without phase data or with
 * --unphased).
 */
uint8_t bgen_row_flags(bool have_phased, bool unphased, bool any, bool all, size_t n_samples);

/*
 * Fixed-size rows whose genotype blocks bgen_fixed_planes already filled
 * (diploid, values in {-1, 0, 1}): everything else of each variant, with the
 * checks and errors of bgen_encode_fixed_chunk; row i's phase comes from
 * row_flags[i] (c->gt and c->phased are not read), and its Adler-32 from
 * the byte sums row_acc[2i], row_acc[2i + 1] that bgen_fixed_planes added up
 * (the block is not read back).
 */
int bgen_encode_fixed_chunk_planned(const struct bgen_params *p, const struct fmt_chunk *c,
				    const uint8_t *row_flags, const uint64_t *row_acc, uint8_t *out,
				    size_t cap, uint64_t *mixed_phase_count, struct bf_err *err);

/* Offset of the genotype block inside one fixed-size variant's bytes. */
size_t bgen_fixed_geno_offset(const struct bgen_params *p);

/*
 * Ploidy and probability bytes of diploid samples [s0, s0 + 4 * nbytes)
 * straight from blosc bit planes of their genotype bytes (see bgen.c), at
 * their places in the variant's genotype block `geno`, for phase flag ph
 * (row flags & BGEN_ROW_PHASED); acc[0..1] (zeroed per variant by the
 * caller) gather the sums the block's Adler-32 needs.
 * @return 0, or 1 when a value outside {-1, 0, 1} needs the byte path.
 */
int bgen_fixed_planes(const uint8_t *planes, size_t stride, size_t nbytes, size_t s0,
		      size_t n_samples, int ph, uint8_t *geno, uint64_t *acc);

int bgen_encode_fixed_chunk_scalar(const struct bgen_params *p, const struct fmt_chunk *c,
				   uint8_t *out, size_t cap, uint64_t *mixed_phase_count,
				   struct bf_err *err) BF_MUST_CHECK;

/*
 * Variable-size mode: append one variant block to `out` (zlib compress2 at
 * p->compression_level).  gt/phased are the variant's rows
 * ([n_samples][ploidy] and [n_samples] or NULL).  `scratch` is a reusable
 * buffer for the uncompressed block.  Increments *mixed_phase_count (may be
 * NULL) for a partly phased variant.
 * @return 0; BF_E_UNSUPPORTED (multi-allelic); BF_E_RANGE (genotype values;
 * an ID/chrom over 65535 bytes; position outside 0..2^32-1); BF_E_NOMEM;
 * BF_E_INTERNAL (zlib).  On error `out` is unchanged.
 */
int bgen_encode_variable_variant(const struct bgen_params *p, const struct fmt_variant *v,
				 const int8_t *gt, const uint8_t *phased, size_t n_samples,
				 int ploidy, struct bf_strbuf *scratch, struct bf_strbuf *out,
				 uint64_t *mixed_phase_count, struct bf_err *err) BF_MUST_CHECK;

/*
 * Variable-size mode for a whole chunk: checks the ploidy dimension ("BGEN
 * output requires call_genotype.shape[2] in (1, 2); got shape (V, S, P).")
 * and multi-allelic variants first, then appends every block to `out`.
 * block_sizes (n_variants entries, may be NULL) receives each block's length.
 * @return as bgen_encode_variable_variant.  On error `out` is unchanged.
 */
int bgen_encode_variable_chunk(const struct bgen_params *p, const struct fmt_chunk *c,
			       struct bf_strbuf *scratch, struct bf_strbuf *out,
			       uint64_t *block_sizes, uint64_t *mixed_phase_count,
			       struct bf_err *err) BF_MUST_CHECK;

#endif
