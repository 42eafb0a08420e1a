/*
 * source.h - turn plan pieces into encoded bytes through a format.
 *
 * Owns: the glue between the vcz genotype blocks, the plan and an output
 * format (format/format.h): for piece k it loads the selected rows'
 * metadata when the format needs it, asks vcz for the piece's genotype
 * blocks (accepting bit planes or sample blocks when the format has
 * kernels for them) and hands each block to the format's kernel for its
 * representation.  It plugs into the stream as a struct stream_source.
 * It names no format and includes nothing of zarr/.
 */
#ifndef BF_ENGINE_SOURCE_H
#define BF_ENGINE_SOURCE_H

#include "util/bf_config.h"

#include "engine/stream.h"
#include "format/format.h"
#include "format/variant.h"
#include "select/plan.h"
#include "select/selection.h"
#include "util/err.h"
#include "vcz/vcz.h"

#include <stdbool.h>

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
	/* the format, opened by the caller (state and info from fmt_ops.open) */
	const struct fmt_ops *fmt;
	void *fmt_state;
	struct fmt_info info;
	bool need_gt; /* read call_genotype (false: metadata walks only) */
	/* set by source_plan_pieces */
	unsigned accept;       /* enum vcz_accept_flags the format's kernels allow */
	enum vcz_gt_mode mode; /* how consecutive rows reach the format */
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

/* Drop what the store fetched ahead for pieces nobody read (idle server). */
void source_release_idle(struct source *src);

/*
 * Whether consecutive rows are encoded as their blocks decode (vcz's window
 * paths), so workers hold no decoded piece.  Valid once source_classify ran.
 */
bool source_windowed(const struct source *src);

/* Set accept and mode from the format's info (source_plan_pieces calls it). */
void source_classify(struct source *src);

/* Bytes a worker holds per row of a piece (reader buffers), for budgets. */
uint64_t source_row_bytes(const struct source *src);
void source_release(struct source *src);

/* The stream callbacks for `src` (which must outlive the stream). */
void source_stream_source(struct source *src, struct stream_source *out);

/* Per-thread state of one worker: also usable directly (view-bgen variable mode). */
struct source_ws {
	int64_t meta_k;		  /* plan chunk whose metadata is loaded, -1 when none */
	struct vcz_reader *rd;	  /* genotype reads (buffers, window, decoder contexts) */
	uint8_t *row_phase;	  /* vchunk + 1: a piece's VCZ_PHASE_* flags */
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

/* Create on the thread that uses it; free there too (decoder contexts). */
struct source_ws *source_ws_create(struct source *src, struct bf_err *err);
void source_ws_free(struct source_ws *ws);

/*
 * Load piece `p` into `ws` and describe it in `*c` (borrowing ws's buffers
 * until the next load): metadata when the format needs it, genotypes as
 * one block, and phase flags when the format needs them.
 */
int source_load(struct source *src, struct source_ws *ws, size_t p, struct fmt_chunk *c,
		struct bf_err *err) BF_MUST_CHECK;

/*
 * Piece `p`'s rows, samples and ploidy in `*c`, and its variants when the
 * format needs them (no genotypes).
 */
int source_load_base(struct source *src, struct source_ws *ws, size_t p, struct fmt_chunk *c,
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

/*
 * Run the format's up-front checks (check_variant over every planned
 * variant, then check_end).  @return 0 or the first failure.
 */
int source_check_variants(struct selection *s, const struct fmt_ops *fmt, void *state,
			  struct bf_err *err) BF_MUST_CHECK;

#endif
