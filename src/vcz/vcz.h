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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store_config;

struct store;
struct zarr_group;
struct zarr_array;
struct zarr_strings;

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

/*
 * Hint that min chunk `ci` will be read soon: its variant metadata (`meta`)
 * and/or every sample chunk of its genotypes (`gt`).  A remote store fetches
 * those objects ahead; a local one ignores it.  Never fails.
 */
void vcz_prefetch(const struct vcz *v, int64_t ci, bool meta, bool gt);

/* Drop what a remote store fetched ahead and nobody read (an idle mount). */
void vcz_release_idle(struct vcz *v);

/* vcz_open with a store configuration (remote stores, storage options). */
struct vcz *vcz_open_cfg(const char *path, const struct store_config *cfg, struct bf_err *err);
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
	int64_t ci;		      /* min chunk number */
	int64_t n;		      /* rows */
	int64_t *contig;	      /* n contig indexes */
	int64_t *pos;		      /* n positions */
	struct zarr_strings *alleles; /* decoded chunk of variant_allele */
	int64_t allele_row0;	      /* first row of this min chunk within `alleles` */
	int n_allele_cols;
	struct zarr_strings *ids; /* decoded chunk of variant_id (n == 0 when absent) */
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

/*
 * variant_contig and variant_position of the rows of min chunk `ci` (each
 * out array holds vcz_chunk_rows(ci)): what vcz_meta_read gives without the
 * alleles and IDs.  Contig indexes are checked as there.
 */
int vcz_read_sites(struct vcz *v, int64_t ci, int64_t *contig, int64_t *pos,
		   struct bf_err *err) BF_MUST_CHECK;

/*
 * variant_length of the rows of min chunk `ci` into out[vcz_chunk_rows(ci)].
 * @return 0, or BF_E_NOTFOUND when the store has no variant_length.
 */
int vcz_read_lengths(struct vcz *v, int64_t ci, int64_t *out, struct bf_err *err) BF_MUST_CHECK;

/*
 * The region_index matrix (spec/vcz-input.md section 3): n rows of six values
 * [chunk, contig, first_pos, last_pos, max_end, num_records], row-major,
 * as stored (the chunk unit is for the caller to infer); pos_chunk is
 * variant_position's chunk length, one of the units an index may use.
 */
struct vcz_region_index {
	int64_t *rows;
	size_t n;
	int64_t pos_chunk;
};

/* @return 0, BF_E_NOTFOUND when the store has none, or a read error. */
int vcz_region_index_read(struct vcz *v, struct vcz_region_index *ri,
			  struct bf_err *err) BF_MUST_CHECK;
void vcz_region_index_release(struct vcz_region_index *ri);

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

/* ---- genotype blocks (vcz_gt.c) ---- */

/*
 * vcz_meta_read through a genotype reader's decoder context (see below), for
 * the thread that owns the reader.
 */
struct vcz_reader;
int vcz_reader_meta(struct vcz_reader *r, int64_t ci, struct vcz_meta *m,
		    struct bf_err *err) BF_MUST_CHECK;

/* Scratch bytes per row that genotype/phase reads need (one decoded row of a sample chunk). */
size_t vcz_row_scratch_size(const struct vcz *v);

/*
 * Bytes per row of a gathered genotype block: sel->n * ploidy, or a whole
 * decoded row when the rows are decoded in place (every sample, in order,
 * one sample chunk, one-byte items).
 */
size_t vcz_row_out_size(const struct vcz *v, const struct vcz_samplesel *sel);

/* The store has call_genotype_phased. */
bool vcz_has_phased(const struct vcz *v);

/*
 * A genotype reader: the per-thread state of genotype reads (gather buffers
 * for up to `max_rows` rows a request, the window rows decode through, and
 * the thread's decoder contexts).  Owned by the one thread that reads
 * through it; vcz_reader_free runs on that thread and also frees its
 * decoder contexts.  Buffers are mapped on first use.
 */
struct vcz_reader;

struct vcz_reader *vcz_reader_create(struct vcz *v, const struct vcz_samplesel *sel,
				     size_t max_rows, struct bf_err *err);
void vcz_reader_free(struct vcz_reader *r);

/* What a consumer of vcz_gt_each takes (vcz_gt_request.accept). */
enum vcz_accept_flags {
	VCZ_ACCEPT_PLANES = 1 << 0, /* bit-plane row segments (ploidy 2, bit-shuffled chunks) */
	VCZ_ACCEPT_COLS = 1 << 1,   /* byte blocks of col_align-multiple sample ranges */
	VCZ_WANT_PHASED = 1 << 2,   /* byte blocks carry their phase bytes */
	VCZ_WANT_WHOLE = 1 << 3,    /* one byte block of every requested row */
};

enum vcz_block_kind {
	VCZ_BLOCK_BYTES,  /* int8 genotypes, [nrows][n][ploidy] with a row stride */
	VCZ_BLOCK_PLANES, /* one row segment as blosc bit planes */
};

/*
 * One block of a request: selected samples [j0, j0 + n) of rows r0 ..
 * r0 + nrows - 1, rows counted in the request (row i is the request's i-th
 * row).  Valid only during the callback.
 */
struct vcz_block {
	enum vcz_block_kind kind;
	size_t r0, nrows; /* PLANES: nrows is 1 */
	size_t j0, n;
	/* BYTES: row r at gt + r * stride (wider stored ints saturate to int8) */
	const int8_t *gt;
	size_t stride;
	/* BYTES with VCZ_WANT_PHASED: [nrows][n] phase flags (0/1); else NULL */
	const uint8_t *phased;
	/*
	 * PLANES: plane b's byte j at planes[b * pstride + j] holds bit b of the
	 * 8 genotype bytes of samples j0 + 4j .. j0 + 4j + 3; ceil(n / 4) bytes
	 * a plane (the last may cover padding past n).
	 */
	const uint8_t *planes;
	size_t pstride;
	bool fresh; /* PLANES: the first segment of a newly decoded compressed block */
};

/* The rows of one variant chunk a consumer asks for, and how it takes them. */
struct vcz_gt_request {
	int64_t ci;	      /* min chunk */
	uint32_t first;	      /* first requested chunk row */
	uint32_t n;	      /* requested rows */
	const uint32_t *rows; /* n ascending chunk rows (rows[0] == first), or NULL: consecutive */
	unsigned accept;      /* enum vcz_accept_flags */
	size_t col_align;     /* VCZ_ACCEPT_COLS: sample blocks a multiple of this wide */
};

/* @return 0 to go on, or nonzero to stop the walk (returned by vcz_gt_each). */
typedef int (*vcz_block_fn)(void *ctx, const struct vcz_block *b, struct bf_err *err);

/*
 * Hand the requested rows x selected samples to fn, in row order, as blocks
 * whose representation the block carries: consecutive rows of the whole
 * selection in one sample chunk go through a small window a few rows (or,
 * with VCZ_ACCEPT_PLANES on bit-shuffled chunks, a row segment) at a time;
 * with VCZ_ACCEPT_COLS, a selection of every sample over several aligned
 * sample chunks goes one sample chunk at a time; anything else (sample
 * subsets, row subsets, VCZ_WANT_WHOLE) is gathered into the reader's
 * buffers and handed over as one block.
 * @return 0, fn's nonzero return, or a negative read error.
 */
int vcz_gt_each(struct vcz_reader *r, const struct vcz_gt_request *q, vcz_block_fn fn, void *ctx,
		struct bf_err *err) BF_MUST_CHECK;

/* How vcz_gt_each hands over a request of consecutive rows (for sizing). */
enum vcz_gt_mode {
	VCZ_GT_GATHER, /* one gathered block (the reader holds the rows) */
	VCZ_GT_ROWS,   /* whole rows through the window */
	VCZ_GT_COLS,   /* sample chunk by sample chunk through the window */
};
enum vcz_gt_mode vcz_gt_mode(const struct vcz *v, const struct vcz_samplesel *sel, unsigned accept,
			     size_t col_align);

#define VCZ_PHASE_ANY 1 /* some selected sample of the row is phased */
#define VCZ_PHASE_ALL 2 /* every selected sample of the row is phased */

/*
 * Each requested row's VCZ_PHASE_* flags into flags[0 .. q->n), from bit 0
 * of the phase booleans' planes where the chunk allows (the later planes
 * are not decompressed), else from the bytes.  Only when vcz_has_phased.
 */
int vcz_phase_rows(struct vcz_reader *r, const struct vcz_gt_request *q, uint8_t *flags,
		   struct bf_err *err) BF_MUST_CHECK;
#endif
