/*
 * encode.c - one stream piece through its format (see encode.h).
 *
 * The kernel is chosen by what each block is (vcz_block.kind and its sample
 * range), never by format: whole rows of bytes go to fmt_ops.encode, a
 * sample block to encode_cols, a bit-plane row segment to planes_row.  A
 * planes kernel may decline a row (FMT_PLANES_DECLINE: a value it does not
 * take); the piece is then walked again taking bytes only.
 */
#include "util/bf_config.h"

#include "engine/encode.h"
#include "engine/source.h"
#include "util/alloc.h"
#include "util/bigbuf.h"

#include <string.h>

/*
 * Rows handed to the sink once this many bytes of them are complete
 * (encode_at): small enough that they leave from L2, large enough that the
 * write calls cost little.
 */
#define AT_FLUSH_BYTES ((size_t)256 << 10)

/* One piece on its way through the format. */
struct piece_enc {
	struct source *src;
	struct source_ws *ws;
	struct fmt_chunk base; /* the piece: variants and row phase of all its rows */
	uint8_t *out;	       /* the piece; with psink, rows from `done` on (ws->obuf) */
	size_t len, bpv;
	bool planes_seen; /* some block came as planes: rows need planes_finish */
	/* encode_at: complete rows go to psink, a few at a time */
	stream_psink_fn psink;
	void *psink_ctx;
	uint64_t at; /* stream offset of the piece's first row */
	size_t done; /* rows before this one have been handed over */
};

/* Room in ws->obuf for rows [done, end) (encode_at). */
static int at_room(struct piece_enc *pe, size_t end, struct bf_err *err)
{
	size_t need = (end - pe->done) * pe->bpv;
	uint8_t *nb;

	if (need <= pe->ws->obuf_cap)
		return 0;
	nb = bf_realloc(pe->ws->obuf, need);
	if (!nb)
		return bf_err_set(err, BF_E_NOMEM, "out of memory for %zu output bytes", need);
	pe->ws->obuf = pe->out = nb;
	pe->ws->obuf_cap = pe->len = need;
	return 0;
}

/* The format's planes_finish over rows [r0, r0 + n) at `out`. */
static int finish_rows(struct piece_enc *pe, size_t r0, size_t n, uint8_t *out, struct bf_err *err)
{
	struct fmt_chunk c = pe->base;
	const struct fmt_ops *f = pe->src->fmt;

	if (!f->planes_finish)
		return 0;
	if (c.variants)
		c.variants += r0;
	if (c.row_phase)
		c.row_phase += r0;
	c.n_variants = n;
	return f->planes_finish(pe->src->fmt_state, &c, pe->ws->row_acc + 2 * r0, out, n * pe->bpv,
				err);
}

/*
 * Hand rows [done, end) to the sink (encode_at), finished first when they
 * came as planes; with `partial`, row `end` has bytes already, which move
 * to the front of the buffer.
 */
static int at_flush(struct piece_enc *pe, size_t end, bool partial, struct bf_err *err)
{
	size_t n = end - pe->done, bytes = n * pe->bpv;

	if (n == 0)
		return 0;
	if (pe->planes_seen)
		BF_FORWARD(finish_rows(pe, pe->done, n, pe->out, err));
	BF_FORWARD(pe->psink(pe->psink_ctx, pe->at + pe->done * pe->bpv, pe->out, bytes, err));
	if (partial)
		memmove(pe->out, pe->out + bytes, pe->bpv);
	pe->done = end;
	return 0;
}

static int on_planes(struct piece_enc *pe, const struct vcz_block *b, struct bf_err *err)
{
	size_t r = b->r0;
	uint8_t *row_out = pe->out + r * pe->bpv;
	uint8_t phase = pe->base.row_phase ? pe->base.row_phase[r] : 0;

	if (r >= pe->base.n_variants)
		return bf_err_set(err, BF_E_INTERNAL, "rows beyond the piece");
	pe->planes_seen = true;
	if (pe->psink) {
		/* at a block's start (often mid-row), and every AT_FLUSH_BYTES */
		if (r > pe->done && (b->fresh || (r - pe->done) * pe->bpv >= AT_FLUSH_BYTES))
			BF_FORWARD(at_flush(pe, r, b->j0 > 0, err));
		BF_FORWARD(at_room(pe, r + 1, err));
		row_out = pe->out + (r - pe->done) * pe->bpv;
	}
	return pe->src->fmt->planes_row(pe->src->fmt_state, phase, b->j0, b->n, b->planes,
					b->pstride, row_out, pe->ws->row_acc + 2 * r);
}

static int on_bytes(struct piece_enc *pe, const struct vcz_block *b, struct bf_err *err)
{
	const struct fmt_ops *f = pe->src->fmt;
	struct fmt_chunk c = pe->base;
	size_t off = b->r0 * pe->bpv;

	if (b->r0 + b->nrows > pe->base.n_variants)
		return bf_err_set(err, BF_E_INTERNAL, "rows beyond the piece");
	if (b->n < c.n_samples) { /* a sample block: its byte columns of the rows */
		if (pe->psink)
			return bf_err_set(err, BF_E_INTERNAL, "sample blocks to a row sink");
		f->encode_cols(pe->src->fmt_state, b->gt, b->nrows, b->j0, b->n, b->stride,
			       pe->out + off, pe->bpv);
		return 0;
	}
	if (c.variants)
		c.variants += b->r0;
	if (c.row_phase)
		c.row_phase += b->r0;
	c.n_variants = b->nrows;
	c.gt = b->gt;
	c.phased = b->phased;
	if (!pe->psink)
		return f->encode(pe->src->fmt_state, &c, pe->out + off, pe->len - off, err);
	/* rows from bytes are final at once: straight on */
	if (b->r0 != pe->done)
		return bf_err_set(err, BF_E_INTERNAL, "rows out of order");
	BF_FORWARD(at_room(pe, b->r0 + b->nrows, err));
	BF_FORWARD(f->encode(pe->src->fmt_state, &c, pe->out, pe->len, err));
	return at_flush(pe, b->r0 + b->nrows, false, err);
}

static int on_block(void *ctx, const struct vcz_block *b, struct bf_err *err)
{
	struct piece_enc *pe = ctx;

	if (b->kind == VCZ_BLOCK_PLANES)
		return on_planes(pe, b, err);
	return on_bytes(pe, b, err);
}

/* What the piece's blocks may be, and its rows' phase flags when planes may come. */
static int piece_accept(struct piece_enc *pe, size_t k, unsigned *accept, struct bf_err *err)
{
	struct source *src = pe->src;
	const struct source_piece *p = &src->pieces[k];
	unsigned a = src->accept;

	/* planes come only through the window: a gathered piece takes phase bytes */
	if (src->mode != VCZ_GT_ROWS && src->mode != VCZ_GT_COLS)
		a &= ~(unsigned)VCZ_ACCEPT_PLANES;
	if (src->plan->chunks[p->k].rows)
		a &= ~(unsigned)VCZ_ACCEPT_PLANES;
	if (src->info.need_phase && vcz_has_phased(src->v)) {
		if (a & VCZ_ACCEPT_PLANES) {
			/* row flags for planes and bytes alike: no phase bytes are kept */
			struct vcz_gt_request q;

			memset(&q, 0, sizeof(q));
			q.ci = src->plan->chunks[p->k].ci;
			q.first = plan_chunk_row(&src->plan->chunks[p->k], p->j0);
			q.n = p->n;
			BF_FORWARD(vcz_phase_rows(pe->ws->rd, &q, pe->ws->row_phase, err));
			pe->base.row_phase = pe->ws->row_phase;
		} else {
			a |= VCZ_WANT_PHASED;
		}
	}
	*accept = a;
	return 0;
}

/* Walk piece k's blocks into pe (set up by the caller). */
static int walk_piece(struct piece_enc *pe, size_t k, struct bf_err *err)
{
	struct source *src = pe->src;
	const struct source_piece *p = &src->pieces[k];
	const struct plan_chunk *pc = &src->plan->chunks[p->k];
	struct vcz_gt_request q;
	unsigned accept;
	int rc;

	BF_FORWARD(piece_accept(pe, k, &accept, err));
	memset(&q, 0, sizeof(q));
	q.ci = pc->ci;
	q.first = plan_chunk_row(pc, p->j0);
	q.n = p->n;
	q.rows = pc->rows ? pc->rows + p->j0 : NULL;
	q.col_align = src->info.col_align;
	q.accept = accept;
	memset(pe->ws->row_acc, 0, 2 * p->n * sizeof(uint64_t));
	rc = vcz_gt_each(pe->ws->rd, &q, on_block, pe, err);
	if (rc == FMT_PLANES_DECLINE) {
		/* the byte path writes the rows handed over already again */
		pe->planes_seen = false;
		pe->done = 0;
		q.accept &= ~(unsigned)VCZ_ACCEPT_PLANES;
		rc = vcz_gt_each(pe->ws->rd, &q, on_block, pe, err);
	}
	if (rc != 0 || !pe->planes_seen)
		return rc < 0 ? rc : rc ? bf_err_set(err, BF_E_INTERNAL, "piece walk stopped") : 0;
	if (pe->psink)
		return at_flush(pe, p->n, false, err);
	return finish_rows(pe, 0, p->n, pe->out, err);
}

static int piece_setup(struct piece_enc *pe, struct source *src, struct source_ws *ws, size_t k,
		       uint8_t *out, size_t len, struct bf_err *err)
{
	const struct source_piece *p = &src->pieces[k];

	memset(pe, 0, sizeof(*pe));
	pe->src = src;
	pe->ws = ws;
	pe->out = out;
	pe->len = len;
	pe->bpv = len / p->n;
	if (len < (size_t)p->n * src->info.bytes_per_variant)
		return bf_err_set(err, BF_E_INTERNAL, "piece buffer too small");
	BF_FORWARD(source_load_base(src, ws, k, &pe->base, err));
	return 0;
}

int encode_piece(void *ctx, void *wsp, size_t k, uint8_t *out, size_t len, struct bf_err *err)
{
	struct piece_enc pe;

	BF_FORWARD(piece_setup(&pe, ctx, wsp, k, out, len, err));
	return walk_piece(&pe, k, err);
}

/*
 * stream_drain_at's encoder: pieces whose rows come through the window leave
 * the worker's small buffer as their rows complete (formats with
 * info.stream_rows); any other piece is encoded whole into the worker's
 * piece buffer and written at once.
 */
int encode_piece_at(void *ctx, void *wsp, size_t k, uint64_t off, size_t len, stream_psink_fn psink,
		    void *psink_ctx, struct bf_err *err)
{
	struct source *src = ctx;
	struct source_ws *ws = wsp;
	struct piece_enc pe;

	if (src->info.stream_rows && src->mode == VCZ_GT_ROWS &&
	    !src->plan->chunks[src->pieces[k].k].rows) {
		BF_FORWARD(piece_setup(&pe, src, ws, k, ws->obuf, len, err));
		pe.len = ws->obuf_cap;
		pe.psink = psink;
		pe.psink_ctx = psink_ctx;
		pe.at = off;
		return walk_piece(&pe, k, err);
	}
	if (ws->piece_cap < len) {
		bf_bigbuf_free(ws->piece, ws->piece_cap);
		ws->piece_cap = 0;
		if (!(ws->piece = bf_bigbuf_alloc(len)))
			return bf_err_set(err, BF_E_NOMEM, "cannot map %zu bytes for piece %zu",
					  len, k);
		ws->piece_cap = len;
	}
	BF_FORWARD(encode_piece(ctx, ws, k, ws->piece, len, err));
	return psink(psink_ctx, off, ws->piece, len, err);
}
