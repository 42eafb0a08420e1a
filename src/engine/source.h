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

struct source {
	struct vcz *v;
	const struct plan *plan;
	const struct vcz_samplesel *sel;
	bool need_gt;     /* read call_genotype */
	bool need_phased; /* read call_genotype_phased when present */
	source_encode_fn encode;
	const void *params;
};

/* The stream callbacks for `src` (which must outlive the stream). */
void source_stream_source(struct source *src, struct stream_source *out);

/* Per-thread buffers: also usable directly (view-bgen variable mode). */
struct source_ws {
	int8_t *gt;
	size_t gt_cap;
	void *scratch;
	size_t scratch_cap;
	uint8_t *phased;
	size_t phased_cap;
	struct fmt_variant *vars; /* vchunk entries */
	struct vcz_meta meta;
	bool have_meta;
};

struct source_ws *source_ws_create(struct source *src, struct bf_err *err);
void source_ws_free(struct source_ws *ws);

/*
 * Load plan chunk `k` into `ws` and describe it in `*c` (borrowing ws's
 * buffers until the next load).  Rows not selected are dropped.
 */
int source_load(struct source *src, struct source_ws *ws, size_t k, struct fmt_chunk *c,
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
