/*
 * encode.h - one stream piece through its format, block by block.
 *
 * Owns: the stream's encode callbacks for a struct source: a piece's
 * genotype blocks (vcz_gt_each) go to the format's kernel for the block's
 * representation (encode for whole rows of bytes, encode_cols for sample
 * blocks, planes_row then planes_finish for bit planes), into the piece's
 * buffer or, for formats whose rows may leave as they complete, to the
 * stream's positional sink from a small per-worker buffer.
 */
#ifndef BF_ENGINE_ENCODE_H
#define BF_ENGINE_ENCODE_H

#include "util/bf_config.h"

#include "engine/stream.h"
#include "util/err.h"

/* stream_source.encode for a struct source (ctx) and its source_ws (ws). */
int encode_piece(void *ctx, void *ws, size_t k, uint8_t *out, size_t len, struct bf_err *err);

/* stream_source.encode_at for the same. */
int encode_piece_at(void *ctx, void *ws, size_t k, uint64_t off, size_t len, stream_psink_fn psink,
		    void *psink_ctx, struct bf_err *err);

#endif
