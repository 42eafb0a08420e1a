/*
 * export.c - output job set-up (see export.h).
 */
#include "util/bf_config.h"

#include "engine/export.h"
#include "engine/sidecar.h"
#include "util/alloc.h"
#include "util/bigbuf.h"
#include "util/log.h"

#include <stdio.h>

#include <string.h>

static int discard_sink(void *ctx, const uint8_t *p, size_t n, struct bf_err *err)
{
	(void)ctx;
	(void)p;
	(void)n;
	(void)err;
	return 0;
}

static void *prescan_ws_init(void *ctx, struct bf_err *err)
{
	return source_ws_create(&((struct export *)ctx)->src, err);
}

static void prescan_ws_free(void *ctx, void *ws)
{
	(void)ctx;
	source_ws_free(ws); /* runs on the worker thread itself */
}

/* Any genotype byte outside {-1, 0, 1} (what a format may refuse). */
static bool gt_suspect(const int8_t *gt, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i += 4096) {
		size_t end = n - i < 4096 ? n : i + 4096;
		unsigned acc = 0;

		for (j = i; j < end; j++) /* vectorises: no early exit inside */
			acc |= (uint8_t)(gt[j] + 1) > 2;
		if (acc)
			return true;
	}
	return false;
}

/*
 * Prescan of piece k: decode the genotypes only; where a value the fixed
 * encoder refuses appears, run the encoder on the piece for its own error
 * (the first variant it names, with its precedence of checks).
 */
static int prescan_piece(void *ctx, void *ws, size_t k, uint8_t *out, size_t len,
			 struct bf_err *err)
{
	struct export *e = ctx;
	struct fmt_chunk c;
	uint8_t *tmp;
	size_t cap;
	int rc;

	(void)out;
	(void)len;
	BF_FORWARD(source_load(&e->src, ws, k, &c, err));
	if (!c.gt || !gt_suspect(c.gt, c.n_variants * c.n_samples * (size_t)c.ploidy))
		return 0;
	cap = c.n_variants * (size_t)e->bpv;
	tmp = bf_bigbuf_alloc(cap);
	if (!tmp)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	rc = e->fmt->encode(e->fmt_state, &c, tmp, cap, err);
	bf_bigbuf_free(tmp, cap);
	return rc;
}

int export_prescan(struct export *e, struct bf_err *err)
{
	struct stream_source ss = {e, prescan_ws_init, prescan_ws_free, prescan_piece, NULL};
	struct stream_config sc;
	struct stream *st;
	int rc;

	/* the stream's warm-up buffers go first: the prescan's workers replace them */
	stream_release_idle(e->stream);
	memset(&sc, 0, sizeof(sc));
	sc.n_threads = e->n_threads;
	sc.budget = 1;
	sc.prefetch = e->n_threads + 1;
	sc.one_pass = true;
	/* one byte per variant: the stream only sequences the pieces */
	st = stream_create(NULL, 0, e->src.n_pieces, e->counts, 1, &ss, &sc, err);
	if (!st)
		return err ? err->code : BF_E_NOMEM;
	rc = stream_drain(st, 0, discard_sink, NULL, err);
	stream_free(st);
	if (e->fmt->report) /* the drain counts again */
		e->fmt->report(e->fmt_state, NULL, true);
	return rc;
}

void export_report(struct export *e, const char *who)
{
	if (e->fmt && e->fmt->report)
		e->fmt->report(e->fmt_state, who, false);
}

int export_fmt_setup(const struct selection *s, struct fmt_setup *fs, struct fmt_str **contigs,
		     struct fmt_str **ids, struct bf_err *err)
{
	struct vcz *v = s->v;

	memset(fs, 0, sizeof(*fs));
	*contigs = bf_calloc(v->n_contigs + 1, sizeof(**contigs));
	*ids = bf_calloc(s->sel.n + 1, sizeof(**ids));
	if (!*contigs || !*ids) {
		bf_free(*contigs);
		bf_free(*ids);
		*contigs = *ids = NULL;
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	}
	for (size_t j = 0; j < v->n_contigs; j++) {
		(*contigs)[j].p = v->contigs[j];
		(*contigs)[j].len = v->contig_len[j];
	}
	for (size_t j = 0; j < s->sel.n; j++)
		(*ids)[j].p = selection_sample_id(s, j, &(*ids)[j].len);
	fs->store = v->path;
	fs->has_gt = v->gt != NULL;
	fs->ploidy = v->ploidy;
	fs->store_variants = v->n_variants;
	fs->store_samples = v->n_raw_samples;
	fs->n_variants = s->plan.n_variants;
	fs->n_samples = s->sel.n;
	fs->contigs = *contigs;
	fs->n_contigs = v->n_contigs;
	fs->sample_ids = *ids;
	return 0;
}

/* Open the configured format on the selection: prefix, info, state. */
static int open_format(struct export *e, const struct export_config *c, struct bf_err *err)
{
	struct fmt_setup fs;
	struct fmt_str *ctg, *ids;
	int rc;

	e->fmt = fmt_find(c->format);
	if (!e->fmt)
		return bf_err_set(err, BF_E_INTERNAL, "unknown output format '%s'",
				  c->format ? c->format : "");
	BF_FORWARD(export_fmt_setup(&e->s, &fs, &ctg, &ids, err));
	rc = e->fmt->open(c->format_params, &fs, &e->prefix, &e->info, &e->fmt_state, err);
	bf_free(ctg);
	bf_free(ids);
	if (rc < 0)
		return rc;
	if (e->info.bytes_per_variant == 0)
		return bf_err_set(err, BF_E_INTERNAL, "format '%s' is not a fixed-size stream",
				  e->fmt->name);
	e->bpv = e->info.bytes_per_variant;
	e->src.fmt = e->fmt;
	e->src.fmt_state = e->fmt_state;
	e->src.info = e->info;
	e->src.need_gt = true;
	return 0;
}

/* Bytes a worker holds per row of a piece (source_ws_create's buffers). */
static uint64_t worker_row_bytes(const struct export *e)
{
	return source_row_bytes(&e->src);
}

/*
 * Decoded bytes per stream piece: at most EXPORT_PIECE_BYTES, and few enough
 * rows that the workers' decode buffers and the encoded pieces a sequential
 * reader keeps in flight (workers + prefetch + the one being read) fit the
 * budget together.  Below one row per piece the budget is overshot.
 */
static size_t piece_bytes(const struct export *e, uint64_t budget, size_t n_threads,
			  size_t prefetch)
{
	struct vcz *v = e->s.v;
	uint64_t out = vcz_row_out_size(v, &e->s.sel), scratch = vcz_row_scratch_size(v);
	uint64_t row = e->src.mode == VCZ_GT_COLS ? scratch : out > scratch ? out : scratch;
	uint64_t per_row = n_threads * worker_row_bytes(e) + (n_threads + prefetch + 1) * e->bpv;
	uint64_t rows = per_row ? budget / per_row : 1;

	size_t most = source_windowed(&e->src) ? EXPORT_WINDOW_PIECE_BYTES : EXPORT_PIECE_BYTES;

	if (rows < 1)
		rows = 1;
	if (row && rows > most / row)
		return most;
	return (size_t)(rows * row);
}

/*
 * The part of the budget the pool leaves to what lives outside it: codec
 * contexts and compressed frames of the workers, the reply slots shared with
 * the front (counted in both processes' RSS), free heap that malloc keeps
 * (M_TRIM_THRESHOLD, main.c).  A sixth, at most 40 MiB: measured outside the
 * pool at the peak of 4 BGEN readers of 100,000 samples, about 30 MiB.
 */
static uint64_t pool_budget(uint64_t budget)
{
	uint64_t reserve = budget / 6;

	if (reserve > ((uint64_t)40 << 20))
		reserve = (uint64_t)40 << 20;
	return budget - reserve;
}

/* Pieces, their counts and the stream's configuration. */
static int plan_stream(struct export *e, const struct export_config *c, struct stream_config *sc,
		       struct bf_err *err)
{
	sc->n_threads = c->n_threads ? c->n_threads : 1;
	e->n_threads = sc->n_threads;
	/* one reader that waits on every chunk: the workers' worth of prefetch
	 * keeps them busy; each more slot is only fresh memory to fault in */
	sc->prefetch = c->one_pass ? sc->n_threads : sc->n_threads + 1;
	sc->one_pass = c->one_pass;
	/* 500 KB pieces under 1 MiB reads out of order: without it one cat of a
	 * 1,000-piece .bed encoded 1,060 pieces (reused under a pending read) */
	sc->pass_slack = c->one_pass ? 0 : EXPORT_PASS_SLACK;
	BF_FORWARD(source_plan_pieces(
	    &e->src, piece_bytes(e, pool_budget(c->budget), sc->n_threads, sc->prefetch), err));
	if (!c->one_pass && e->src.max_span > 0) {
		/* a reader of the mount: keep EXPORT_AHEAD_BYTES of encoded bytes ahead */
		uint64_t piece = (uint64_t)e->src.max_span * e->bpv;
		uint64_t ahead = (EXPORT_AHEAD_BYTES + piece - 1) / piece;

		if (ahead > sc->prefetch)
			sc->prefetch = (size_t)ahead;
	}
	e->counts = bf_calloc(e->src.n_pieces + 1, sizeof(uint32_t));
	if (!e->counts)
		return bf_err_set(err, BF_E_NOMEM, "out of memory");
	for (size_t k = 0; k < e->src.n_pieces; k++)
		e->counts[k] = e->src.pieces[k].n;
	/* the workers' decode buffers come out of the same budget as the cache */
	{
		uint64_t per = (uint64_t)e->src.max_span * worker_row_bytes(e);
		uint64_t workers = per * sc->n_threads;
		uint64_t pool = pool_budget(c->budget);

		sc->budget = pool > workers ? pool - workers : 0;
	}
	return 0;
}

int export_open(struct export *e, const struct export_config *c, struct bf_err *err)
{
	struct stream_source ss;
	struct stream_config sc;
	int rc;

	memset(e, 0, sizeof(*e));
	memset(&sc, 0, sizeof(sc));
	bf_strbuf_init(&e->prefix);
	BF_FORWARD(selection_open(&c->sel, &e->s, err));
	e->src.v = e->s.v;
	e->src.plan = &e->s.plan;
	e->src.sel = &e->s.sel;
	rc = open_format(e, c, err);
	if (rc == 0) {
		source_classify(&e->src);
		rc = plan_stream(e, c, &sc, err);
	}
	if (rc < 0)
		goto fail;
	source_stream_source(&e->src, &ss);
	e->stream = stream_create((const uint8_t *)e->prefix.buf, e->prefix.len, e->src.n_pieces,
				  e->counts, e->bpv, &ss, &sc, err);
	if (!e->stream) {
		rc = err ? err->code : BF_E_NOMEM;
		goto fail;
	}
	/* start decoding now: the checks and sidecars below overlap with it
	 * (nothing is written before they pass).  Not for one pass of a format
	 * whose rows stream out as they complete (source encode_at): a warm-up
	 * would map whole-piece buffers for nothing. */
	if (!(c->one_pass && e->info.stream_rows))
		stream_warm(e->stream);
	if (c->one_pass && e->info.checks_async) {
		e->check_pending = true; /* export_checks_start / _wait */
	} else if (!c->skip_checks) {
		rc = source_check_variants(&e->s, e->fmt, e->fmt_state, err);
		if (rc < 0)
			goto fail;
	}
	return 0;
fail:
	export_close(e);
	return rc;
}

static void *check_main(void *arg)
{
	struct export *e = arg;

	e->check_rc = source_check_variants(&e->s, e->fmt, e->fmt_state, &e->check_err);
	if (e->check_rc < 0)
		stream_abort(e->stream, &e->check_err);
	return NULL;
}

void export_checks_start(struct export *e)
{
	if (!e->check_pending || e->check_running)
		return;
	bf_err_clear(&e->check_err);
	/* without a thread, export_checks_wait runs the check itself */
	e->check_running = pthread_create(&e->check_thread, NULL, check_main, e) == 0;
}

int export_checks_wait(struct export *e, struct bf_err *err)
{
	if (!e->check_pending)
		return 0;
	if (e->check_running)
		pthread_join(e->check_thread, NULL);
	else
		e->check_rc = source_check_variants(&e->s, e->fmt, e->fmt_state, &e->check_err);
	e->check_running = false;
	e->check_pending = false;
	if (e->check_rc < 0) {
		bf_err_copy(err, &e->check_err);
		return e->check_rc;
	}
	return 0;
}

void export_close(struct export *e)
{
	if (!e)
		return;
	if (e->check_running) /* before what the check reads goes away */
		pthread_join(e->check_thread, NULL);
	e->check_running = false;
	stream_free(e->stream);
	e->stream = NULL;
	bf_free(e->counts);
	e->counts = NULL;
	source_release(&e->src);
	bf_strbuf_release(&e->prefix);
	if (e->fmt && e->fmt_state)
		e->fmt->close(e->fmt_state);
	e->fmt_state = NULL;
	selection_release(&e->s);
}

int export_write_sidecar(struct export *e, enum fmt_side kind, const void *params, int fd,
			 const char *path, const char *name, struct bf_err *err)
{
	switch (kind) {
	case FMT_SIDE_BIM:
		return sidecar_write_bim(&e->s, fd, name, err);
	case FMT_SIDE_FAM:
		return sidecar_write_fam(&e->s, fd, name, err);
	case FMT_SIDE_SAMPLE:
		return sidecar_write_sample(&e->s, fd, name, err);
	case FMT_SIDE_BGI:
		if (!e->fmt->bgen_params || !params)
			return bf_err_set(err, BF_E_INTERNAL,
					  "'%s': a BGEN index without BGEN options", name);
		return sidecar_write_bgi_fixed(&e->s, params, e->prefix.len, e->bpv, path, err);
	}
	return bf_err_set(err, BF_E_INTERNAL, "unknown sidecar kind %d", (int)kind);
}
