/*
 * vcz.h - the VCF Zarr schema as typed blocks.
 *
 * Owns: an open VCZ dataset (store + Zarr group + the arrays the encoders
 * need), its sample table (null samples, whose sample_id is "", are never
 * selectable), contig table, variant count, ploidy and chunking, and typed
 * reads of one variant chunk: metadata (contig, position, alleles, id) and
 * genotypes / phasing for any sample subset as int8 [variants][samples][ploidy].
 *
 * Chunk numbers are in units of the "min chunk": call_genotype's variant chunk
 * size (or the GCD of the variant-axis chunk sizes when there is no
 * call_genotype).  Variant-only arrays whose chunk is k times larger are
 * sliced.  It knows nothing about output formats.
 *
 * Thread-safety: after vcz_open, reads may run from many threads; each
 * thread passes its own scratch buffer for genotype reads.
 */
#ifndef BF_VCZ_H
#define BF_VCZ_H

#include "util/bf_config.h"

#include "util/err.h"
#include "zarr/zarr.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

struct vcz {
	struct store *store;
	struct zarr_group *group;
	char *path;
	const char *version;	/* vcf_zarr_version attribute, or NULL */
	size_t n_raw_samples;	/* sample_id length, null samples included */
	char **raw_sample_ids;	/* n_raw_samples NUL-terminated UTF-8 ids */
	size_t *raw_sample_len; /* their byte lengths */
	size_t n_samples;	/* non-null samples */
	size_t *samples;	/* raw index of each non-null sample, store order */
	size_t n_contigs;
	char **contigs; /* contig_id values */
	size_t *contig_len;
	int64_t n_variants;
	int ploidy;		   /* call_genotype.shape[2]; 0 without call_genotype */
	int64_t vchunk;		   /* min chunk (variants) */
	int64_t schunk;		   /* call_genotype sample chunk size */
	int64_t n_vchunks;	   /* ceil(n_variants / vchunk) */
	int n_allele_cols;	   /* variant_allele.shape[1] */
	struct zarr_array *pos;	   /* variant_position */
	struct zarr_array *contig; /* variant_contig */
	struct zarr_array *allele; /* variant_allele */
	struct zarr_array *id;	   /* variant_id, or NULL */
	struct zarr_array *gt;	   /* call_genotype, or NULL */
	struct zarr_array *phased; /* call_genotype_phased, or NULL */
	struct zarr_array *length; /* variant_length, or NULL */
};

/* Open a VCZ store (directory or .vcz.zip).  @return NULL with err set on failure. */
struct vcz *vcz_open(const char *path, struct bf_err *err);
void vcz_free(struct vcz *v);

/*
 * Free the sample id table (tens of bytes a sample) once nothing will name
 * samples again: the encoder server calls it after writing its sidecars.
 * Sample selections made before stay valid; making new ones, or asking for
 * an id, is not allowed afterwards.
 */
void vcz_drop_sample_ids(struct vcz *v);

/* Rows of min chunk `ci` (the last one may be short). */
int64_t vcz_chunk_rows(const struct vcz *v, int64_t ci);

/* Variant metadata of one min chunk. */
struct vcz_meta {
	int64_t ci;		     /* min chunk number */
	int64_t n;		     /* rows */
	int64_t *contig;	     /* n contig indexes */
	int64_t *pos;		     /* n positions */
	struct zarr_strings alleles; /* decoded chunk of variant_allele */
	int64_t allele_row0;	     /* first row of this min chunk within `alleles` */
	int n_allele_cols;
	struct zarr_strings ids; /* decoded chunk of variant_id (n == 0 when absent) */
	int64_t id_row0;
	bool has_id;
};

int vcz_meta_read(struct vcz *v, int64_t ci, struct vcz_meta *m, struct bf_err *err) BF_MUST_CHECK;
void vcz_meta_release(struct vcz_meta *m);

/* Allele `col` of row `r` (borrowed bytes; len 0 for an absent allele). */
void vcz_meta_allele(const struct vcz_meta *m, int64_t r, int col, const char **p, size_t *len);
/* variant_id of row `r` (len 0 and p "" when the store has none). */
void vcz_meta_id(const struct vcz_meta *m, int64_t r, const char **p, size_t *len);
/* Number of non-empty ALT columns (N_ALT). */
int vcz_meta_n_alt(const struct vcz_meta *m, int64_t r);
/* Some allele column >= 2 is non-empty. */
bool vcz_meta_multi_allelic(const struct vcz_meta *m, int64_t r);

/* A sample selection: raw sample indexes in output order, bucketed into runs. */
struct vcz_run {
	int64_t schunk; /* sample chunk */
	size_t local0;	/* first sample within the chunk */
	size_t count;	/* consecutive samples */
	size_t out0;	/* first output column */
};

struct vcz_samplesel {
	size_t n;    /* selected samples */
	size_t *raw; /* raw index of each, output order */
	size_t n_runs;
	struct vcz_run *runs; /* sorted by schunk, then out0 */
	bool whole;	      /* selection == every raw sample in store order */
};

/* Build a selection from raw indexes (copied).  Indexes must be valid and non-null. */
int vcz_samplesel_init(const struct vcz *v, const size_t *raw, size_t n, struct vcz_samplesel *sel,
		       struct bf_err *err) BF_MUST_CHECK;
void vcz_samplesel_release(struct vcz_samplesel *sel);

/* Scratch bytes per row that genotype/phase reads need (one decoded row of a sample chunk). */
size_t vcz_row_scratch_size(const struct vcz *v);

/*
 * Output bytes per row `out` must hold for vcz_read_gt_rows: sel->n * ploidy,
 * or a whole decoded row when the direct path applies.
 */
size_t vcz_row_out_size(const struct vcz *v, const struct vcz_samplesel *sel);

/*
 * Genotypes of rows [row0, row0 + nrows) of min chunk `ci` for the selected
 * samples: out[r][j][p] = call_genotype[ci*vchunk + row0 + r][sel->raw[j]][p]
 * cast to int8 (saturating).  Only the compressed blocks covering the rows
 * are decoded where the codec allows it, so memory follows `nrows`, not the
 * chunk shape.  `out` holds nrows * vcz_row_out_size() bytes and `scratch`
 * nrows * vcz_row_scratch_size() bytes.
 */
int vcz_read_gt_rows(struct vcz *v, int64_t ci, int64_t row0, int64_t nrows,
		     const struct vcz_samplesel *sel, int8_t *out, size_t cap, void *scratch,
		     size_t scap, struct bf_err *err) BF_MUST_CHECK;

/*
 * A block of decoded genotypes: samples [j0, j0 + n) of the selection, for
 * `rows` consecutive rows starting `r0` rows into the requested range; row r
 * starts at gt + r * stride (int8 pairs).  Valid only during the call.
 */
typedef int (*vcz_gt_block_fn)(void *ctx, size_t j0, size_t n, size_t r0, const int8_t *gt,
			       size_t stride, int64_t rows, struct bf_err *err);

/*
 * The same samples as bit planes (zarr_planes_fn): bytes [off, off + nbytes)
 * of the rows from the first requested one, `rb` bytes a row (the sample
 * chunk's full width: samples past j0 + n are padding).
 */
typedef int (*vcz_gt_planes_fn)(void *ctx, size_t j0, size_t n, size_t rb, size_t off,
				size_t nbytes, const uint8_t *planes, size_t stride,
				struct bf_err *err);

/*
 * Whether vcz_each_gt_block applies: the selection is every sample in store
 * order, spread over several sample chunks of `multiple`-aligned width, and
 * call_genotype is signed int8 (no conversion needed).
 */
bool vcz_gt_blocks_ok(const struct vcz *v, const struct vcz_samplesel *sel, size_t multiple);

/*
 * Decode rows [row0, row0 + nrows) of variant chunk ci one sample chunk at a
 * time and hand them to fn a few rows at a time through the window `w`
 * (zarr_array_each_rows), skipping the gather into full-width rows that
 * vcz_read_gt_rows does; to pfn as bit planes instead where the chunk
 * allows (pfn may be NULL).  Only when vcz_gt_blocks_ok.
 * @return 0, fn's error, or a read error.
 */
int vcz_each_gt_block(struct vcz *v, int64_t ci, int64_t row0, int64_t nrows, struct zarr_window *w,
		      vcz_gt_block_fn fn, vcz_gt_planes_fn pfn, void *ctx,
		      struct bf_err *err) BF_MUST_CHECK;

/*
 * Whether vcz_each_gt_rows applies: the selection is every sample in store
 * order, in one sample chunk, and call_genotype is signed int8, so decoded
 * rows already are fmt_chunk's gt layout.
 */
bool vcz_gt_rows_ok(const struct vcz *v, const struct vcz_samplesel *sel);

/*
 * Rows [row0, row0 + nrows) of variant chunk ci, whole selection, to fn a
 * few at a time through the window `w` (fn gets the sample range 0..n and
 * r0 as for vcz_each_gt_block).  Only when vcz_gt_rows_ok.
 */
int vcz_each_gt_rows(struct vcz *v, int64_t ci, int64_t row0, int64_t nrows, struct zarr_window *w,
		     vcz_gt_block_fn fn, vcz_gt_planes_fn pfn, void *ctx,
		     struct bf_err *err) BF_MUST_CHECK;

/*
 * Whether vcz_each_phased_rows applies: call_genotype_phased exists with
 * one-byte items, and the selection is every sample of its one sample chunk.
 */
bool vcz_phased_rows_ok(const struct vcz *v, const struct vcz_samplesel *sel);

/*
 * Rows [row0, row0 + nrows) of call_genotype_phased in chunk ci through
 * zarr_array_each_rows (rows to fn, or bit planes to pfn).  pfn gets plane 0
 * only: a Zarr bool item is 0 or 1, so its bit 0 is its value (the later
 * planes of a bit-shuffled block are not decompressed).  Only when
 * vcz_phased_rows_ok.
 */
int vcz_each_phased_rows(struct vcz *v, int64_t ci, int64_t row0, int64_t nrows,
			 struct zarr_window *w, zarr_rows_fn fn, zarr_planes_fn pfn, void *ctx,
			 struct bf_err *err) BF_MUST_CHECK;

/*
 * Phase flags (0/1) of the same rows: out[r][j].  @return 0, or BF_E_NOTFOUND
 * when the store has no call_genotype_phased (nothing written).
 */
int vcz_read_phased_rows(struct vcz *v, int64_t ci, int64_t row0, int64_t nrows,
			 const struct vcz_samplesel *sel, uint8_t *out, size_t cap, void *scratch,
			 size_t scap, struct bf_err *err) BF_MUST_CHECK;

#endif
