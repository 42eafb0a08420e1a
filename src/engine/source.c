/*
 * source.c - plan chunks to encoder input (see source.h).
 */
#include "util/bf_config.h"

#include "engine/source.h"
#include "util/alloc.h"
#include "util/bigbuf.h"

#include <string.h>

struct source_ws *source_ws_create(struct source *src, struct bf_err *err)
{
	struct vcz *v = src->v;
	struct source_ws *ws = bf_calloc(1, sizeof(*ws));

	if (!ws)
		goto nomem;
	ws->vars = bf_calloc((size_t)v->vchunk + 1, sizeof(*ws->vars));
	if (!ws->vars)
		goto nomem;
	if (src->need_gt && v->gt && src->sel->n > 0) {
		ws->gt_cap = vcz_gt_out_size(v, src->sel);
		ws->scratch_cap = vcz_gt_scratch_size(v);
		ws->gt = bf_bigbuf_alloc(ws->gt_cap);
		ws->scratch = bf_bigbuf_alloc(ws->scratch_cap);
		if (!ws->gt || !ws->scratch)
			goto nomem;
		if (src->need_phased && v->phased) {
			ws->phased_cap = (size_t)v->vchunk * src->sel->n;
			ws->phased = bf_bigbuf_alloc(ws->phased_cap);
			if (!ws->phased)
				goto nomem;
		}
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
	bf_free(ws->vars);
	bf_free(ws);
}

int source_load_meta(struct source *src, struct source_ws *ws, size_t k, size_t *n,
		     struct bf_err *err)
{
	const struct plan_chunk *pc = &src->plan->chunks[k];
	struct vcz *v = src->v;
	uint32_t j;

	if (ws->have_meta) {
		vcz_meta_release(&ws->meta);
		ws->have_meta = false;
	}
	BF_FORWARD(vcz_meta_read(v, pc->ci, &ws->meta, err));
	ws->have_meta = true;
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

/* Keep only the selected rows of a [rows][width] block, in place. */
static void compact_rows(uint8_t *buf, size_t width, const struct plan_chunk *pc)
{
	uint32_t j;

	if (!pc->rows || width == 0)
		return;
	for (j = 0; j < pc->n; j++)
		if (pc->rows[j] != j)
			memmove(buf + (size_t)j * width, buf + (size_t)pc->rows[j] * width, width);
}

int source_load(struct source *src, struct source_ws *ws, size_t k, struct fmt_chunk *c,
		struct bf_err *err)
{
	const struct plan_chunk *pc = &src->plan->chunks[k];
	struct vcz *v = src->v;
	size_t n;
	int rc;

	BF_FORWARD(source_load_meta(src, ws, k, &n, err));
	memset(c, 0, sizeof(*c));
	c->n_variants = n;
	c->variants = ws->vars;
	c->n_samples = src->sel->n;
	c->ploidy = v->ploidy;
	if (ws->gt) {
		BF_FORWARD(vcz_read_gt(v, pc->ci, src->sel, ws->gt, ws->gt_cap, ws->scratch, err));
		compact_rows((uint8_t *)ws->gt, src->sel->n * (size_t)v->ploidy, pc);
		c->gt = ws->gt;
	}
	if (ws->phased) {
		rc = vcz_read_phased(v, pc->ci, src->sel, ws->phased, ws->phased_cap, ws->scratch,
				     err);
		if (rc < 0)
			return rc;
		compact_rows(ws->phased, src->sel->n, pc);
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
}

static int src_encode(void *ctx, void *wsp, size_t k, uint8_t *out, size_t len,
		      struct bf_err *err)
{
	struct source *src = ctx;
	struct fmt_chunk c;

	BF_FORWARD(source_load(src, wsp, k, &c, err));
	return src->encode(src->params, &c, out, len, err);
}

void source_stream_source(struct source *src, struct stream_source *out)
{
	out->ctx = src;
	out->worker_init = src_worker_init;
	out->worker_free = src_worker_free;
	out->encode = src_encode;
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
