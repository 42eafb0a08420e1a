/*
 * source.c - plan chunks to encoder input (see source.h).
 */
#include "util/bf_config.h"

#include "engine/source.h"
#include "util/alloc.h"
#include "zarr/zarr.h"
#include "util/bigbuf.h"
#include "format/bed.h"

#include <string.h>

bool source_windowed(const struct source *src)
{
	return src->bed_blocks ||
	       (src->need_gt && src->sel->n > 0 && vcz_gt_rows_ok(src->v, src->sel));
}

int source_plan_pieces(struct source *src, size_t piece_bytes, struct bf_err *err)
{
	const struct plan *pl = src->plan;
	struct vcz *v = src->v;
	size_t row = vcz_row_out_size(v, src->sel), cap = pl->n_chunks + 1, k;
	int64_t span_max = v->vchunk;

	if (src->need_gt && v->gt && src->sel->n > 0) {
		if (src->bed_blocks || vcz_row_scratch_size(v) > row)
			row = vcz_row_scratch_size(v);
		span_max = (int64_t)(piece_bytes / (row ? row : 1));
		if (span_max < 1)
			span_max = 1;
		if (span_max > v->vchunk)
			span_max = v->vchunk;
	}
	src->gt_rows = !src->bed_blocks && source_windowed(src);
	src->n_pieces = 0;
	src->max_span = 0;
	src->pieces = bf_calloc(cap, sizeof(*src->pieces));
	if (!src->pieces)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	for (k = 0; k < pl->n_chunks; k++) {
		const struct plan_chunk *pc = &pl->chunks[k];
		uint32_t j0 = 0;
		int64_t whole, target;

		if (pc->n == 0)
			continue;
		/* equal pieces: a 1,000-row chunk at 905 rows a piece is 2 x 500 */
		whole = (int64_t)(plan_chunk_row(pc, pc->n - 1) - plan_chunk_row(pc, 0)) + 1;
		target = whole / ((whole + span_max - 1) / span_max);
		if (target * ((whole + span_max - 1) / span_max) < whole)
			target++;
		while (j0 < pc->n) {
			uint32_t first = plan_chunk_row(pc, j0), j = j0;
			int64_t span;

			while (j + 1 < pc->n &&
			       (int64_t)(plan_chunk_row(pc, j + 1) - first) < target)
				j++;
			if (src->n_pieces + 1 >= cap) {
				struct source_piece *np;

				cap *= 2;
				np = bf_realloc(src->pieces, cap * sizeof(*np));
				if (!np)
					return bf_err_set(err, BF_E_NOMEM, "out of memory");
				src->pieces = np;
			}
			src->pieces[src->n_pieces].k = (uint32_t)k;
			src->pieces[src->n_pieces].j0 = j0;
			src->pieces[src->n_pieces].n = j - j0 + 1;
			src->n_pieces++;
			span = (int64_t)(plan_chunk_row(pc, j) - first) + 1;
			if (span > src->max_span)
				src->max_span = span;
			j0 = j + 1;
		}
	}
	return 0;
}

void source_release(struct source *src)
{
	if (!src)
		return;
	bf_free(src->pieces);
	src->pieces = NULL;
	src->n_pieces = 0;
}

struct source_ws *source_ws_create(struct source *src, struct bf_err *err)
{
	struct vcz *v = src->v;
	struct source_ws *ws = bf_calloc(1, sizeof(*ws));
	size_t span = (size_t)(src->max_span > 0 ? src->max_span : v->vchunk);

	if (!ws)
		goto nomem;
	ws->meta_k = -1;
	ws->vars = bf_calloc((size_t)v->vchunk + 1, sizeof(*ws->vars));
	ws->row_flags = bf_calloc(3 * ((size_t)v->vchunk + 1), 1);
	ws->row_acc = bf_calloc(2 * ((size_t)v->vchunk + 1), sizeof(uint64_t));
	if (!ws->vars || !ws->row_flags || !ws->row_acc)
		goto nomem;
	ws->row_any = ws->row_flags + (size_t)v->vchunk + 1;
	ws->row_all = ws->row_any + (size_t)v->vchunk + 1;
	if (src->need_gt && v->gt && src->sel->n > 0) {
		ws->gt_cap = src->bed_blocks ? 0 : span * vcz_row_out_size(v, src->sel);
		ws->scratch_cap = span * vcz_row_scratch_size(v);
		if (src->need_phased && v->phased)
			ws->phased_cap = span * src->sel->n;
	}
	return ws;
nomem:
	source_ws_free(ws);
	bf_err_set(err, BF_E_NOMEM, "out of memory for chunk buffers");
	return NULL;
}

void source_ws_free(struct source_ws *ws)
{
	if (!ws)
		return;
	if (ws->have_meta)
		vcz_meta_release(&ws->meta);
	bf_bigbuf_free(ws->gt, ws->gt_cap);
	bf_bigbuf_free(ws->scratch, ws->scratch_cap);
	bf_bigbuf_free(ws->phased, ws->phased_cap);
	zarr_window_release(&ws->win);
	bf_free(ws->obuf);
	bf_bigbuf_free(ws->piece, ws->piece_cap);
	bf_free(ws->row_flags);
	bf_free(ws->row_acc);
	bf_free(ws->vars);
	bf_free(ws);
}

int source_load_meta(struct source *src, struct source_ws *ws, size_t k, size_t *n,
		     struct bf_err *err)
{
	const struct plan_chunk *pc = &src->plan->chunks[k];
	struct vcz *v = src->v;
	uint32_t j;

	if (ws->have_meta && ws->meta_k == (int64_t)k) {
		*n = pc->n;
		return 0;
	}
	if (ws->have_meta) {
		vcz_meta_release(&ws->meta);
		ws->have_meta = false;
		ws->meta_k = -1;
	}
	BF_FORWARD(vcz_meta_read(v, pc->ci, &ws->meta, err));
	ws->have_meta = true;
	ws->meta_k = (int64_t)k;
	for (j = 0; j < pc->n; j++) {
		uint32_t r = plan_chunk_row(pc, j);
		struct fmt_variant *fv = &ws->vars[j];
		int64_t ctg = ws->meta.contig[r];

		fv->chrom.p = v->contigs[ctg];
		fv->chrom.len = v->contig_len[ctg];
		fv->pos = ws->meta.pos[r];
		fv->has_id = ws->meta.has_id;
		vcz_meta_id(&ws->meta, r, &fv->id.p, &fv->id.len);
		vcz_meta_allele(&ws->meta, r, 0, &fv->ref.p, &fv->ref.len);
		vcz_meta_allele(&ws->meta, r, 1, &fv->alt.p, &fv->alt.len);
		fv->multi_allelic = vcz_meta_multi_allelic(&ws->meta, r);
	}
	*n = pc->n;
	return 0;
}

/* Keep the piece's selected rows of a [span][width] block, in place. */
static void compact_rows(uint8_t *buf, size_t width, const struct plan_chunk *pc,
			 const struct source_piece *p, uint32_t first)
{
	uint32_t j;

	if (!pc->rows || width == 0)
		return;
	for (j = 0; j < p->n; j++) {
		uint32_t r = plan_chunk_row(pc, p->j0 + j) - first;

		if (r != j)
			memmove(buf + (size_t)j * width, buf + (size_t)r * width, width);
	}
}

/* Map a buffer of ws on first use. */
static int ws_map(void **buf, size_t cap, struct bf_err *err)
{
	if (*buf || cap == 0)
		return 0;
	*buf = bf_bigbuf_alloc(cap);
	return *buf ? 0 : bf_err_set(err, BF_E_NOMEM, "out of memory for chunk buffers");
}

/* Phase flags of piece p's rows into ws->phased (when the store has them). */
static int load_phased(struct source *src, struct source_ws *ws, const struct source_piece *p,
		       uint32_t first, int64_t span, struct bf_err *err)
{
	const struct plan_chunk *pc = &src->plan->chunks[p->k];
	int rc;

	BF_FORWARD(ws_map((void **)&ws->phased, ws->phased_cap, err));
	BF_FORWARD(ws_map(&ws->scratch, ws->scratch_cap, err));
	rc = vcz_read_phased_rows(src->v, pc->ci, first, span, src->sel, ws->phased, ws->phased_cap,
				  ws->scratch, ws->scratch_cap, err);
	if (rc < 0)
		return rc;
	compact_rows(ws->phased, src->sel->n, pc, p, first);
	return 0;
}

int source_load(struct source *src, struct source_ws *ws, size_t pi, struct fmt_chunk *c,
		struct bf_err *err)
{
	const struct source_piece *p = &src->pieces[pi];
	const struct plan_chunk *pc = &src->plan->chunks[p->k];
	struct vcz *v = src->v;
	uint32_t first = plan_chunk_row(pc, p->j0);
	int64_t span = (int64_t)(plan_chunk_row(pc, p->j0 + p->n - 1) - first) + 1;
	size_t n;

	memset(c, 0, sizeof(*c));
	if (!src->skip_meta) {
		BF_FORWARD(source_load_meta(src, ws, p->k, &n, err));
		c->variants = ws->vars + p->j0;
	}
	c->n_variants = p->n;
	c->n_samples = src->sel->n;
	c->ploidy = v->ploidy;
	if (ws->gt_cap) {
		BF_FORWARD(ws_map((void **)&ws->gt, ws->gt_cap, err));
		BF_FORWARD(ws_map(&ws->scratch, ws->scratch_cap, err));
		BF_FORWARD(vcz_read_gt_rows(v, pc->ci, first, span, src->sel, ws->gt, ws->gt_cap,
					    ws->scratch, ws->scratch_cap, err));
		compact_rows((uint8_t *)ws->gt, src->sel->n * (size_t)v->ploidy, pc, p, first);
		c->gt = ws->gt;
	}
	if (ws->phased_cap) {
		BF_FORWARD(load_phased(src, ws, p, first, span, err));
		c->phased = ws->phased;
	}
	return 0;
}

static void *src_worker_init(void *ctx, struct bf_err *err)
{
	return source_ws_create(ctx, err);
}

static void src_worker_free(void *ctx, void *ws)
{
	(void)ctx;
	source_ws_free(ws);
	zarr_thread_release(); /* runs on the worker thread itself */
}

struct bed_block_out {
	uint8_t *out;
	size_t row_bytes;
};

static int bed_block(void *ctx, size_t j0, size_t n, size_t r0, const int8_t *gt, size_t stride,
		     int64_t rows, struct bf_err *err)
{
	struct bed_block_out *b = ctx;

	(void)err;
	bed_encode_gt_strided(gt, (size_t)rows, n, stride, b->out + r0 * b->row_bytes + j0 / 4,
			      b->row_bytes);
	return 0;
}

/*
 * The same from bit planes: each plane byte is one .bed byte (4 samples).
 * Rows are `rb` bytes (the sample chunk's full width); only the bytes of
 * its n samples are written, the last one masked when n % 4 leaves padding.
 */
static int bed_planes(void *ctx, size_t j0, size_t n, size_t rb, size_t off, size_t nbytes,
		      const uint8_t *planes, size_t stride, struct bf_err *err)
{
	struct bed_block_out *b = ctx;
	size_t used = (n + 3) / 4;

	(void)err;
	while (nbytes > 0) {
		size_t r = off / rb, c = off % rb / 8;
		size_t seg = (rb - off % rb < nbytes ? rb - off % rb : nbytes) / 8;

		if (c < used) {
			size_t k = seg < used - c ? seg : used - c;
			uint8_t *o = b->out + r * b->row_bytes + j0 / 4 + c;

			bed_encode_planes(planes, stride, k, o);
			if (c + k == used && n % 4)
				o[k - 1] &= (uint8_t)((1u << (2 * (n % 4))) - 1);
		}
		planes += seg;
		off += seg * 8;
		nbytes -= seg * 8;
	}
	return 0;
}

/*
 * Rows handed to the sink once this many bytes of them are complete
 * (encode_at): small enough that they leave from L2, large enough that the
 * write calls cost little.
 */
#define AT_FLUSH_BYTES ((size_t)256 << 10)

/* A piece encoded a few rows at a time (source.gt_rows). */
struct rows_out {
	struct source *src;
	struct fmt_chunk base; /* the piece: variants and phase flags of all its rows */
	const uint8_t *flags;  /* planes path: each row's flags from planes_flags */
	uint64_t *acc;	       /* planes path: 2 words a row for planes_row */
	uint8_t *out;	       /* the piece; with psink, rows from `done` on (ws->obuf) */
	size_t len, bpv;
	bool planes_seen;
	bool redo; /* the byte path must encode the piece (again) */
	/* encode_at: complete rows go to psink, a few at a time */
	stream_psink_fn psink;
	void *psink_ctx;
	uint64_t at;	      /* stream offset of the piece's first row */
	size_t done;	      /* rows before this one have been handed over */
	struct source_ws *ws; /* owner of out */
};

/* Room in ws->obuf for rows [done, end) (encode_at). */
static int at_room(struct rows_out *ro, size_t end, struct bf_err *err)
{
	size_t need = (end - ro->done) * ro->bpv;
	uint8_t *nb;

	if (need <= ro->ws->obuf_cap)
		return 0;
	nb = bf_realloc(ro->ws->obuf, need);
	if (!nb)
		return bf_err_set(err, BF_E_NOMEM, "out of memory for %zu output bytes", need);
	ro->ws->obuf = ro->out = nb;
	ro->ws->obuf_cap = ro->len = need;
	return 0;
}

/*
 * Hand rows [done, end) to the sink (encode_at), finished first on the
 * planes path; with `partial`, row `end` has bytes already, which move to
 * the front of the buffer.
 */
static int at_flush(struct rows_out *ro, size_t end, bool partial, struct bf_err *err)
{
	size_t n = end - ro->done, bytes = n * ro->bpv;

	if (n == 0)
		return 0;
	if (ro->flags) {
		struct fmt_chunk c = ro->base;

		if (c.variants)
			c.variants += ro->done;
		c.n_variants = n;
		BF_FORWARD(ro->src->planes_finish(ro->src->params, &c, ro->flags + ro->done,
						  ro->acc + 2 * ro->done, ro->out, bytes, err));
	}
	BF_FORWARD(ro->psink(ro->psink_ctx, ro->at + ro->done * ro->bpv, ro->out, bytes, err));
	if (partial)
		memmove(ro->out, ro->out + bytes, ro->bpv);
	ro->done = end;
	return 0;
}

/* Bit planes of piece rows to the format's planes_row, row segment by segment. */
static int encode_planes(void *ctx, size_t j0, size_t n, size_t rb, size_t off, size_t nbytes,
			 const uint8_t *planes, size_t stride, struct bf_err *err)
{
	struct rows_out *ro = ctx;
	bool block_start = true;

	(void)j0;
	(void)n;
	ro->planes_seen = true;
	for (; nbytes > 0; block_start = false) {
		size_t r = off / rb, c = off % rb / 8;
		size_t seg = (rb - off % rb < nbytes ? rb - off % rb : nbytes) / 8;
		uint8_t *row_out = ro->out + r * ro->bpv;
		int rc;

		if (r >= ro->base.n_variants)
			return bf_err_set(err, BF_E_INTERNAL, "rows beyond the piece");
		if (ro->psink) {
			/* at a block's start (often mid-row), and every AT_FLUSH_BYTES */
			if (r > ro->done &&
			    (block_start || (r - ro->done) * ro->bpv >= AT_FLUSH_BYTES))
				BF_FORWARD(at_flush(ro, r, c > 0, err));
			BF_FORWARD(at_room(ro, r + 1, err));
			row_out = ro->out + (r - ro->done) * ro->bpv;
		}
		rc = ro->src->planes_row(ro->src->params, &ro->base, ro->flags[r], 4 * c, planes,
					 stride, seg, row_out, ro->acc + 2 * r);
		if (rc != 0) {
			ro->redo = rc == 1;
			return rc == 1 ? bf_err_set(err, BF_E_UNSUPPORTED, "planes: byte path")
				       : rc;
		}
		planes += seg;
		off += seg * 8;
		nbytes -= seg * 8;
	}
	return 0;
}

static int encode_rows(void *ctx, size_t j0, size_t n, size_t r0, const int8_t *gt, size_t stride,
		       int64_t rows, struct bf_err *err)
{
	struct rows_out *ro = ctx;
	struct fmt_chunk c = ro->base;
	size_t off = r0 * ro->bpv;

	(void)j0;
	(void)n;
	(void)stride;
	if (ro->flags) { /* planes were expected: the phase bytes are not loaded */
		ro->redo = true;
		return bf_err_set(err, BF_E_UNSUPPORTED, "planes: byte path");
	}
	if (r0 + (size_t)rows > ro->base.n_variants)
		return bf_err_set(err, BF_E_INTERNAL, "rows beyond the piece");
	if (c.variants)
		c.variants += r0;
	if (c.phased)
		c.phased += r0 * c.n_samples;
	c.n_variants = (size_t)rows;
	c.gt = gt;
	if (ro->psink) { /* rows from bytes are final at once: straight on */
		if (r0 != ro->done)
			return bf_err_set(err, BF_E_INTERNAL, "rows out of order");
		BF_FORWARD(at_room(ro, r0 + (size_t)rows, err));
		BF_FORWARD(ro->src->encode(ro->src->params, &c, ro->out, ro->len, err));
		return at_flush(ro, r0 + (size_t)rows, false, err);
	}
	return ro->src->encode(ro->src->params, &c, ro->out + off, ro->len - off, err);
}

/* Which rows of a piece have some / every phase byte nonzero. */
struct phase_scan {
	uint8_t *any, *all;
	size_t n;      /* rows */
	size_t rb;     /* bytes of a phase row */
	int64_t first; /* the piece's first chunk row */
};

static int scan_phase_rows(void *ctx, int64_t row0, int64_t nrows, const uint8_t *rows,
			   struct bf_err *err)
{
	struct phase_scan *ps = ctx;

	for (int64_t r = 0; r < nrows; r++) {
		size_t i = (size_t)(row0 - ps->first + r);
		const uint8_t *p = rows + (size_t)r * ps->rb;
		uint8_t any = 0, all = 1;

		if (i >= ps->n)
			return bf_err_set(err, BF_E_INTERNAL, "rows beyond the piece");
		for (size_t j = 0; j < ps->rb; j++) {
			any |= p[j];
			all &= p[j] != 0;
		}
		ps->any[i] = any != 0;
		ps->all[i] = all;
	}
	return 0;
}

/*
 * The same from the bit planes of the phase booleans: plane 0 alone, the
 * only one vcz_each_phased_rows decodes (a bool item is 0 or 1).
 */
static int scan_phase_planes(void *ctx, size_t off, size_t nbytes, const uint8_t *planes,
			     size_t stride, struct bf_err *err)
{
	struct phase_scan *ps = ctx;

	(void)stride;
	while (nbytes > 0) {
		size_t r = off / ps->rb;
		size_t seg = (ps->rb - off % ps->rb < nbytes ? ps->rb - off % ps->rb : nbytes) / 8;
		uint64_t or_any = 0, and_all = ~0ull;
		size_t j = 0;

		if (r >= ps->n)
			return bf_err_set(err, BF_E_INTERNAL, "rows beyond the piece");

		for (; j + 8 <= seg; j += 8) { /* 64 items at once */
			uint64_t x;

			memcpy(&x, planes + j, 8);
			or_any |= x;
			and_all &= x;
		}
		for (; j < seg; j++) {
			or_any |= planes[j];
			and_all &= planes[j] | ~0xFFull;
		}
		if (off % ps->rb == 0) {
			ps->any[r] = 0;
			ps->all[r] = 1;
		}
		ps->any[r] |= or_any != 0;
		ps->all[r] &= and_all == ~0ull;
		planes += seg;
		off += seg * 8;
		nbytes -= seg * 8;
	}
	return 0;
}

/* Each row's flags for the planes path (planes_flags of its phase bytes). */
static int piece_flags(struct source *src, struct source_ws *ws, const struct source_piece *p,
		       uint32_t first, struct bf_err *err)
{
	const struct plan_chunk *pc = &src->plan->chunks[p->k];
	struct phase_scan ps = {ws->row_any, ws->row_all, p->n, src->sel->n, first};
	bool have = ws->phased_cap > 0;

	if (have)
		BF_FORWARD(vcz_each_phased_rows(src->v, pc->ci, first, p->n, &ws->win,
						scan_phase_rows, scan_phase_planes, &ps, err));
	for (size_t r = 0; r < p->n; r++)
		ws->row_flags[r] = src->planes_flags(src->params, have, have && ws->row_any[r],
						     have && ws->row_all[r], src->sel->n);
	return 0;
}

/*
 * Piece k, a few rows at a time as its blocks decode: into `out` (`len`
 * bytes), or, with `psink`, to the sink at stream offset `at` from the
 * worker's small buffer (then `out` is NULL and `len` the piece's size).
 */
static int encode_piece_rows(struct source *src, struct source_ws *ws, size_t k, uint8_t *out,
			     size_t len, stream_psink_fn psink, void *psink_ctx, uint64_t at,
			     struct bf_err *err)
{
	const struct source_piece *p = &src->pieces[k];
	const struct plan_chunk *pc = &src->plan->chunks[p->k];
	uint32_t first = plan_chunk_row(pc, p->j0);
	struct rows_out ro;
	size_t n;

	memset(&ro, 0, sizeof(ro));
	ro.src = src;
	ro.out = out;
	ro.len = len;
	ro.bpv = len / p->n;
	ro.psink = psink;
	ro.psink_ctx = psink_ctx;
	ro.at = at;
	ro.ws = ws;
	if (psink) {
		ro.out = ws->obuf;
		ro.len = ws->obuf_cap;
	}
	ro.base.n_variants = p->n;
	ro.base.n_samples = src->sel->n;
	ro.base.ploidy = src->v->ploidy;
	if (!src->skip_meta) {
		BF_FORWARD(source_load_meta(src, ws, p->k, &n, err));
		ro.base.variants = ws->vars + p->j0;
	}
	if (src->bed_direct) {
		struct bed_block_out b = {out, ro.bpv};

		return vcz_each_gt_rows(src->v, pc->ci, first, p->n, &ws->win, bed_block,
					bed_planes, &b, err);
	}
	if (src->planes_row && (!ws->phased_cap || vcz_phased_rows_ok(src->v, src->sel))) {
		int rc;

		BF_FORWARD(piece_flags(src, ws, p, first, err));
		ro.flags = ws->row_flags;
		ro.acc = ws->row_acc;
		memset(ws->row_acc, 0, 2 * p->n * sizeof(uint64_t));
		rc = vcz_each_gt_rows(src->v, pc->ci, first, p->n, &ws->win, encode_rows,
				      encode_planes, &ro, err);
		if (rc == 0 && ro.planes_seen && psink)
			return at_flush(&ro, p->n, false, err);
		if (rc == 0 && ro.planes_seen)
			return src->planes_finish(src->params, &ro.base, ro.flags, ro.acc, out, len,
						  err);
		if (!ro.redo)
			return rc;
		/* not planes, or a value the planes kernel leaves to the byte path
		 * (which writes the rows handed over already again, or fails) */
		bf_err_clear(err);
		ro.flags = NULL;
		ro.redo = false;
		ro.done = 0;
	}
	if (ws->phased_cap) {
		BF_FORWARD(load_phased(src, ws, p, first, (int64_t)p->n, err));
		ro.base.phased = ws->phased;
	}
	return vcz_each_gt_rows(src->v, pc->ci, first, p->n, &ws->win, encode_rows, NULL, &ro, err);
}

static int src_encode(void *ctx, void *wsp, size_t k, uint8_t *out, size_t len, struct bf_err *err)
{
	struct source *src = ctx;
	struct fmt_chunk c;

	if (src->bed_blocks) {
		const struct source_piece *p = &src->pieces[k];
		const struct plan_chunk *pc = &src->plan->chunks[p->k];
		struct source_ws *ws = wsp;
		struct bed_block_out b = {out, bed_bytes_per_variant(src->sel->n)};

		if (len < (size_t)p->n * b.row_bytes)
			return bf_err_set(err, BF_E_INTERNAL, "bed piece buffer too small");
		/* bed_blocks plans take whole chunks: rows j0 .. j0+n-1 */
		return vcz_each_gt_block(src->v, pc->ci, plan_chunk_row(pc, p->j0), p->n, &ws->win,
					 bed_block, bed_planes, &b, err);
	}
	if (src->gt_rows && !src->plan->chunks[src->pieces[k].k].rows)
		return encode_piece_rows(src, wsp, k, out, len, NULL, NULL, 0, err);

	BF_FORWARD(source_load(src, wsp, k, &c, err));
	return src->encode(src->params, &c, out, len, err);
}

/*
 * stream_drain_at's encoder: pieces encoded row by row stream out of the
 * worker's small buffer as their rows complete; any other piece is encoded
 * whole into the worker's piece buffer and written at once.
 */
static int src_encode_at(void *ctx, void *wsp, size_t k, uint64_t off, size_t len,
			 stream_psink_fn psink, void *psink_ctx, struct bf_err *err)
{
	struct source *src = ctx;
	struct source_ws *ws = wsp;

	if (src->gt_rows && !src->bed_direct && !src->plan->chunks[src->pieces[k].k].rows)
		return encode_piece_rows(src, ws, k, NULL, len, psink, psink_ctx, off, err);
	if (ws->piece_cap < len) {
		bf_bigbuf_free(ws->piece, ws->piece_cap);
		ws->piece_cap = 0;
		if (!(ws->piece = bf_bigbuf_alloc(len)))
			return bf_err_set(err, BF_E_NOMEM, "cannot map %zu bytes for piece %zu",
					  len, k);
		ws->piece_cap = len;
	}
	BF_FORWARD(src_encode(ctx, ws, k, ws->piece, len, err));
	return psink(psink_ctx, off, ws->piece, len, err);
}

void source_stream_source(struct source *src, struct stream_source *out)
{
	out->ctx = src;
	out->worker_init = src_worker_init;
	out->worker_free = src_worker_free;
	out->encode = src_encode;
	out->encode_at = src_encode_at;
}

int source_walk_variants(struct selection *s, source_variant_fn fn, void *opaque,
			 struct bf_err *err)
{
	struct source src = {.v = s->v, .plan = &s->plan, .sel = &s->sel};
	struct source_ws *ws = source_ws_create(&src, err);
	size_t k, j, n;
	int rc = 0;

	if (!ws)
		return err ? err->code : BF_E_NOMEM;
	for (k = 0; k < s->plan.n_chunks && rc == 0; k++) {
		rc = source_load_meta(&src, ws, k, &n, err);
		for (j = 0; j < n && rc == 0; j++)
			rc = fn(opaque, &ws->vars[j], err);
	}
	source_ws_free(ws);
	return rc;
}
