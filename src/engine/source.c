/*
 * source.c - plan pieces to encoded bytes through a format (see source.h).
 */
#include "util/bf_config.h"

#include "engine/source.h"
#include "engine/encode.h"
#include "util/alloc.h"
#include "util/progress.h"
#include "util/bigbuf.h"

#include <string.h>

_Static_assert(FMT_PHASE_ANY == VCZ_PHASE_ANY && FMT_PHASE_ALL == VCZ_PHASE_ALL,
	       "phase flags travel from vcz to the formats unchanged");

static bool plan_has_row_subsets(const struct plan *pl)
{
	for (size_t k = 0; k < pl->n_chunks; k++)
		if (pl->chunks[k].rows)
			return true;
	return false;
}

void source_classify(struct source *src)
{
	const struct fmt_info *in = &src->info;

	src->accept = 0;
	if (in->planes && src->fmt && src->fmt->planes_row)
		src->accept |= VCZ_ACCEPT_PLANES;
	if (in->col_align && src->fmt && src->fmt->encode_cols)
		src->accept |= VCZ_ACCEPT_COLS;
	src->mode = VCZ_GT_GATHER;
	if (src->need_gt && src->v->gt && src->sel->n > 0)
		src->mode = vcz_gt_mode(src->v, src->sel, src->accept, in->col_align);
	/* sample-chunk blocks size pieces by one sample chunk's rows: only when
	 * no piece is gathered */
	if (src->mode == VCZ_GT_COLS && plan_has_row_subsets(src->plan))
		src->mode = VCZ_GT_GATHER;
}

bool source_windowed(const struct source *src)
{
	return src->mode != VCZ_GT_GATHER;
}

uint64_t source_row_bytes(const struct source *src)
{
	uint64_t scratch = vcz_row_scratch_size(src->v);

	if (src->mode == VCZ_GT_COLS)
		return scratch;
	return vcz_row_out_size(src->v, src->sel) + scratch + src->sel->n;
}

/* Most chunk rows a piece may span for `piece_bytes` of decoded rows. */
static int64_t piece_span(const struct source *src, size_t piece_bytes)
{
	struct vcz *v = src->v;
	size_t row = vcz_row_out_size(v, src->sel);
	int64_t span_max = v->vchunk;

	if (src->need_gt && v->gt && src->sel->n > 0) {
		if (src->mode == VCZ_GT_COLS || vcz_row_scratch_size(v) > row)
			row = vcz_row_scratch_size(v);
		span_max = (int64_t)(piece_bytes / (row ? row : 1));
		if (span_max < 1)
			span_max = 1;
		if (span_max > v->vchunk)
			span_max = v->vchunk;
	}
	return span_max;
}

static int add_piece(struct source *src, size_t *cap, uint32_t k, uint32_t j0, uint32_t n,
		     struct bf_err *err)
{
	if (src->n_pieces + 1 >= *cap) {
		struct source_piece *np = bf_realloc(src->pieces, 2 * *cap * sizeof(*np));

		if (!np)
			return bf_err_set(err, BF_E_NOMEM, "out of memory");
		*cap *= 2;
		src->pieces = np;
	}
	src->pieces[src->n_pieces].k = k;
	src->pieces[src->n_pieces].j0 = j0;
	src->pieces[src->n_pieces].n = n;
	src->n_pieces++;
	return 0;
}

int source_plan_pieces(struct source *src, size_t piece_bytes, struct bf_err *err)
{
	const struct plan *pl = src->plan;
	size_t cap = pl->n_chunks + 1;
	int64_t span_max;

	source_classify(src);
	span_max = piece_span(src, piece_bytes);
	src->n_pieces = 0;
	src->max_span = 0;
	src->pieces = bf_calloc(cap, sizeof(*src->pieces));
	if (!src->pieces)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	for (size_t k = 0; k < pl->n_chunks; k++) {
		const struct plan_chunk *pc = &pl->chunks[k];
		uint32_t j0 = 0;
		int64_t whole, parts, target;

		if (pc->n == 0)
			continue;
		/* equal pieces: a 1,000-row chunk at 905 rows a piece is 2 x 500 */
		whole = (int64_t)(plan_chunk_row(pc, pc->n - 1) - plan_chunk_row(pc, 0)) + 1;
		parts = (whole + span_max - 1) / span_max;
		target = whole / parts + (whole % parts != 0);
		while (j0 < pc->n) {
			uint32_t first = plan_chunk_row(pc, j0), j = j0;
			int64_t span;

			while (j + 1 < pc->n &&
			       (int64_t)(plan_chunk_row(pc, j + 1) - first) < target)
				j++;
			BF_FORWARD(add_piece(src, &cap, (uint32_t)k, j0, j - j0 + 1, err));
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
	size_t rows = (size_t)v->vchunk + 1;

	if (!ws)
		goto nomem;
	ws->meta_k = -1;
	ws->vars = bf_calloc(rows, sizeof(*ws->vars));
	ws->row_phase = bf_calloc(rows, 1);
	ws->row_acc = bf_calloc(2 * rows, sizeof(uint64_t));
	if (!ws->vars || !ws->row_phase || !ws->row_acc)
		goto nomem;
	/* metadata walks too: the reader holds the thread's decoder context */
	ws->rd = vcz_reader_create(v, src->sel, src->need_gt ? span : 0, err);
	if (!ws->rd) {
		source_ws_free(ws);
		return NULL;
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
	vcz_reader_free(ws->rd);
	bf_free(ws->obuf);
	bf_bigbuf_free(ws->piece, ws->piece_cap);
	bf_free(ws->row_phase);
	bf_free(ws->row_acc);
	bf_free(ws->vars);
	bf_free(ws);
}

/*
 * Plan chunks a remote store should fetch while this one is encoded: the
 * store keeps what fits its in-flight and byte limits, nearest first.
 */
#define SOURCE_HINT_AHEAD 8

/* Hint the plan chunks after piece `k` (pieces = true) or plan chunk `k`. */
static void hint_ahead(const struct source *src, size_t k, bool pieces, bool meta, bool gt)
{
	int64_t last = -1;
	size_t j, n = 0;

	for (j = k + 1; n < SOURCE_HINT_AHEAD; j++) {
		size_t pk;
		int64_t ci;

		if (pieces ? j >= src->n_pieces : j >= src->plan->n_chunks)
			break;
		pk = pieces ? src->pieces[j].k : j;
		ci = src->plan->chunks[pk].ci;
		if (ci == last)
			continue;
		vcz_prefetch(src->v, ci, meta, gt);
		last = ci;
		n++;
	}
}

int source_load_meta(struct source *src, struct source_ws *ws, size_t k, size_t *n,
		     struct bf_err *err)
{
	const struct plan_chunk *pc = &src->plan->chunks[k];
	struct vcz *v = src->v;

	if (ws->have_meta && ws->meta_k == (int64_t)k) {
		*n = pc->n;
		return 0;
	}
	if (ws->have_meta) {
		vcz_meta_release(&ws->meta);
		ws->have_meta = false;
		ws->meta_k = -1;
	}
	hint_ahead(src, k, false, true, false);
	BF_FORWARD(vcz_reader_meta(ws->rd, pc->ci, &ws->meta, err));
	ws->have_meta = true;
	ws->meta_k = (int64_t)k;
	for (uint32_t j = 0; j < pc->n; j++) {
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

/* The vcz request for piece p's rows, taking `accept`. */
static struct vcz_gt_request piece_request(const struct source *src, size_t pi, unsigned accept)
{
	const struct source_piece *p = &src->pieces[pi];
	const struct plan_chunk *pc = &src->plan->chunks[p->k];
	struct vcz_gt_request q;

	memset(&q, 0, sizeof(q));
	q.ci = pc->ci;
	q.first = plan_chunk_row(pc, p->j0);
	q.n = p->n;
	q.rows = pc->rows ? pc->rows + p->j0 : NULL;
	q.accept = accept;
	q.col_align = src->info.col_align;
	return q;
}

/* The piece's rows, samples, metadata (when needed): the part of every fmt_chunk. */
int source_load_base(struct source *src, struct source_ws *ws, size_t pi, struct fmt_chunk *c,
		     struct bf_err *err)
{
	const struct source_piece *p = &src->pieces[pi];
	size_t n;

	hint_ahead(src, pi, true, src->info.need_meta, src->need_gt && src->v->gt);
	memset(c, 0, sizeof(*c));
	if (src->info.need_meta) {
		BF_FORWARD(source_load_meta(src, ws, p->k, &n, err));
		c->variants = ws->vars + p->j0;
	}
	c->n_variants = p->n;
	c->n_samples = src->sel->n;
	c->ploidy = src->v->ploidy;
	return 0;
}

static int take_block(void *ctx, const struct vcz_block *b, struct bf_err *err)
{
	struct fmt_chunk *c = ctx;

	(void)err;
	c->gt = b->gt;
	c->phased = b->phased;
	return 0;
}

int source_load(struct source *src, struct source_ws *ws, size_t pi, struct fmt_chunk *c,
		struct bf_err *err)
{
	struct vcz_gt_request q;

	BF_FORWARD(source_load_base(src, ws, pi, c, err));
	if (!src->need_gt || !src->v->gt)
		return 0;
	q = piece_request(src, pi, VCZ_WANT_WHOLE | (src->info.need_phase ? VCZ_WANT_PHASED : 0));
	return vcz_gt_each(ws->rd, &q, take_block, c, err);
}

static void *src_worker_init(void *ctx, struct bf_err *err)
{
	return source_ws_create(ctx, err);
}

static void src_worker_free(void *ctx, void *ws)
{
	(void)ctx;
	source_ws_free(ws); /* runs on the worker thread itself */
}

void source_stream_source(struct source *src, struct stream_source *out)
{
	out->ctx = src;
	out->worker_init = src_worker_init;
	out->worker_free = src_worker_free;
	out->encode = encode_piece;
	out->encode_at = encode_piece_at;
}

int source_walk_variants(struct selection *s, source_variant_fn fn, void *opaque,
			 struct bf_err *err)
{
	struct source src = {.v = s->v, .plan = &s->plan, .sel = &s->sel};
	struct source_ws *ws = source_ws_create(&src, err);
	size_t n;
	int rc = 0;

	if (!ws)
		return err ? err->code : BF_E_NOMEM;
	for (size_t k = 0; k < s->plan.n_chunks && rc == 0; k++) {
		bf_progress_report(s->progress, "reading variant metadata", k, s->plan.n_chunks);
		rc = source_load_meta(&src, ws, k, &n, err);
		for (size_t j = 0; j < n && rc == 0; j++)
			rc = fn(opaque, &ws->vars[j], err);
	}
	bf_progress_report(s->progress, "reading variant metadata", s->plan.n_chunks,
			   s->plan.n_chunks);
	source_ws_free(ws);
	return rc;
}

struct check_walk {
	const struct fmt_ops *fmt;
	void *state;
	void *scan;
};

static int check_row(void *opaque, const struct fmt_variant *fv, struct bf_err *err)
{
	struct check_walk *w = opaque;

	return w->fmt->check_variant(w->state, w->scan, fv, err);
}

int source_check_variants(struct selection *s, const struct fmt_ops *fmt, void *state,
			  struct bf_err *err)
{
	struct check_walk w = {fmt, state, NULL};
	int rc;

	if (!fmt->check_variant)
		return 0;
	w.scan = bf_calloc(1, fmt->check_size ? fmt->check_size : 1);
	if (!w.scan)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	rc = source_walk_variants(s, check_row, &w, err);
	if (rc == 0 && fmt->check_end)
		rc = fmt->check_end(state, w.scan, err);
	bf_free(w.scan);
	return rc;
}

void source_release_idle(struct source *src)
{
	if (src->v)
		vcz_release_idle(src->v);
}
