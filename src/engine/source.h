/*
 * source.h - turn plan chunks into encoder input.
 *
 * Owns: the glue between the VCZ reader, the plan and the pure encoders of
 * format/: for plan chunk k it reads the chunk's metadata and genotypes for
 * the selected samples into per-thread buffers, keeps the selected rows, and
 * hands a struct fmt_chunk to the format's chunk encoder.  It plugs into the
 * stream as a struct stream_source.
 */
#ifndef BF_ENGINE_SOURCE_H
#define BF_ENGINE_SOURCE_H

#include "util/bf_config.h"

#include "engine/stream.h"
#include "format/variant.h"
#include "select/plan.h"
#include "select/selection.h"
#include "util/err.h"
#include "vcz/vcz.h"

#include <stdbool.h>

/* Encode one chunk of a fixed-size format into exactly `cap` bytes. */
typedef int (*source_encode_fn)(const void *params, const struct fmt_chunk *c, uint8_t *out,
				size_t cap, struct bf_err *err);

/* A piece of a plan chunk: selected variants j0 .. j0+n-1 of plan chunk k. */
struct source_piece {
	uint32_t k;
	uint32_t j0;
	uint32_t n;
};

struct source {
	struct vcz *v;
	const struct plan *plan;
	const struct vcz_samplesel *sel;
	bool need_gt;	  /* read call_genotype */
	bool need_phased; /* read call_genotype_phased when present */
	/*
	 * The encoder needs genotypes only (PLINK .bed: its bi-allelic check
	 * ran over every planned row before the stream was served), so pieces
	 * skip the per-chunk position/allele/ID reads and get variants = NULL.
	 */
	bool skip_meta;
	/*
	 * PLINK on a store read whole (every sample in order, every row, sample
	 * chunks of a multiple of 4): each sample chunk's decoded rows are
	 * encoded straight into their byte columns of the .bed rows
	 * (vcz_each_gt_block), so workers hold no full-width genotype rows and
	 * pieces can be whole variant chunks.
	 */
	bool bed_blocks;
	/*
	 * Set by source_plan_pieces: every sample in order from one sample
	 * chunk of int8 (vcz_gt_rows_ok), so pieces of consecutive rows are
	 * encoded a few rows at a time as the blocks decode (vcz_each_gt_rows)
	 * and workers hold no decoded piece.  The encoder must take any run of
	 * a piece's rows on its own (the fixed-size formats do).
	 */
	bool gt_rows;
	/*
	 * The encoder is the .bed's, and skip_meta holds: bed_blocks and
	 * gt_rows pieces are encoded by the .bed kernels directly, from bit
	 * planes where the chunk allows (bed_encode_planes).
	 */
	bool bed_direct;
	source_encode_fn encode;
	/*
	 * Optional, for a fixed-size format whose rows can be written from bit
	 * planes (gt_rows pieces of bit-shuffled chunks): planes_flags turns a
	 * row's phase bytes (whether the store has them, and whether some /
	 * every one is nonzero) into the format's row flags; planes_row writes
	 * the genotype part of a row for samples [s0, s0 + 4 * nbytes) into
	 * the row's bytes and returns 0, 1 when the piece must go through
	 * `encode` from bytes instead, or a negative code; planes_finish then
	 * writes the rest of every row of the piece.  row_acc: two zeroed
	 * words a row for the format to add up in planes_row and read in
	 * planes_finish.
	 */
	uint8_t (*planes_flags)(const void *params, bool have_phased, bool any, bool all,
				size_t n_samples);
	int (*planes_row)(const void *params, const struct fmt_chunk *piece, uint8_t row_flags,
			  size_t s0, const uint8_t *planes, size_t stride, size_t nbytes,
			  uint8_t *row_out, uint64_t *row_acc);
	int (*planes_finish)(const void *params, const struct fmt_chunk *piece,
			     const uint8_t *row_flags, const uint64_t *row_acc, uint8_t *out,
			     size_t len, struct bf_err *err);
	const void *params;
	/* filled by source_plan_pieces */
	size_t n_pieces;
	struct source_piece *pieces;
	int64_t max_span; /* most chunk rows one piece covers */
};

/*
 * Split the plan into pieces whose genotype rows decode into at most about
 * `piece_bytes` (whole plan chunks when they fit), so a worker's memory
 * does not depend on how the store was chunked.  Without genotypes (need_gt
 * false) a piece is a whole plan chunk.
 */
int source_plan_pieces(struct source *src, size_t piece_bytes, struct bf_err *err) BF_MUST_CHECK;

/*
 * Whether contiguous pieces are encoded as their blocks decode (bed_blocks,
 * or what sets gt_rows), so workers hold no decoded piece.
 */
bool source_windowed(const struct source *src);
void source_release(struct source *src);

/* The stream callbacks for `src` (which must outlive the stream). */
void source_stream_source(struct source *src, struct stream_source *out);

/* Per-thread buffers: also usable directly (view-bgen variable mode). */
struct source_ws {
	int64_t meta_k; /* plan chunk whose metadata is loaded, -1 when none */
	/* mapped on first use: a worker that only walks windows never maps them */
	int8_t *gt;
	size_t gt_cap;
	void *scratch;
	size_t scratch_cap;
	uint8_t *phased;
	size_t phased_cap;
	struct zarr_window win; /* vcz_each_gt_rows / vcz_each_gt_block */
	uint8_t *row_flags;	/* vchunk + 1 each: planes_flags of a piece's rows, */
	uint8_t *row_any;	/* and whether some / every phase byte is set */
	uint8_t *row_all;
	uint64_t *row_acc;	  /* 2 (vchunk + 1): planes_row's per-row sums */
	struct fmt_variant *vars; /* vchunk entries */
	struct vcz_meta meta;
	bool have_meta;
	/* encode_at: rows on their way to the sink (a few hundred KB), and a
	 * whole piece for the pieces not encoded row by row */
	uint8_t *obuf;
	size_t obuf_cap;
	uint8_t *piece;
	size_t piece_cap;
};

struct source_ws *source_ws_create(struct source *src, struct bf_err *err);
void source_ws_free(struct source_ws *ws);

/*
 * Load piece `p` into `ws` and describe it in `*c` (borrowing ws's buffers
 * until the next load).  Rows not selected are dropped.
 */
int source_load(struct source *src, struct source_ws *ws, size_t p, struct fmt_chunk *c,
		struct bf_err *err) BF_MUST_CHECK;

/*
 * Metadata only: fill ws->vars for the selected rows of plan chunk `k`;
 * `*n` receives the count.
 */
int source_load_meta(struct source *src, struct source_ws *ws, size_t k, size_t *n,
		     struct bf_err *err) BF_MUST_CHECK;

/* Call `fn` for every planned variant, in output order (metadata only). */
typedef int (*source_variant_fn)(void *opaque, const struct fmt_variant *fv, struct bf_err *err);
int source_walk_variants(struct selection *s, source_variant_fn fn, void *opaque,
			 struct bf_err *err) BF_MUST_CHECK;

#endif
