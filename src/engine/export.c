/*
 * export.c - output job set-up (see export.h).
 */
#include "util/bf_config.h"

#include "engine/export.h"
#include "engine/sidecar.h"
#include "format/bed.h"
#include "util/alloc.h"
#include "zarr/zarr.h"
#include "util/bigbuf.h"
#include "util/log.h"

#include <stdio.h>

#include <string.h>

static int bed_chunk(const void *params, const struct fmt_chunk *c, uint8_t *out, size_t cap,
		     struct bf_err *err)
{
	(void)params;
	return bed_encode_chunk(c, out, cap, err);
}

static int bgen_chunk(const void *params, const struct fmt_chunk *c, uint8_t *out, size_t cap,
		      struct bf_err *err)
{
	struct export *e = (struct export *)params;
	uint64_t mixed = 0;
	int rc = bgen_encode_fixed_chunk(&e->bgen, c, out, cap, &mixed, err);

	if (mixed)
		atomic_fetch_add(&e->mixed_phase, mixed);
	return rc;
}

static uint8_t bgen_planes_flags(const void *params, bool have_phased, bool any, bool all,
				 size_t n_samples)
{
	const struct export *e = params;

	return bgen_row_flags(have_phased, e->bgen.unphased, any, all, n_samples);
}

static int bgen_planes_row(const void *params, const struct fmt_chunk *c, uint8_t flags, size_t s0,
			   const uint8_t *planes, size_t stride, size_t nbytes, uint8_t *row_out,
			   uint64_t *acc)
{
	const struct export *e = params;

	return bgen_fixed_planes(planes, stride, nbytes, s0, c->n_samples, flags & BGEN_ROW_PHASED,
				 row_out + bgen_fixed_geno_offset(&e->bgen), acc);
}

static int bgen_planes_finish(const void *params, const struct fmt_chunk *c, const uint8_t *flags,
			      const uint64_t *acc, uint8_t *out, size_t len, struct bf_err *err)
{
	struct export *e = (struct export *)params;
	uint64_t mixed = 0;
	int rc = bgen_encode_fixed_chunk_planned(&e->bgen, c, flags, acc, out, len, &mixed, err);

	if (mixed)
		atomic_fetch_add(&e->mixed_phase, mixed);
	return rc;
}

struct string_scan {
	const struct bgen_params *p;
	int64_t max_used;
	struct fmt_variant first_bad;
	char chrom[256];
	bool bad;
	struct bf_err first; /* the first bad variant's message (the walk's err is reused) */
};

static int scan_row(void *opaque, const struct fmt_variant *fv, struct bf_err *err)
{
	struct string_scan *sc = opaque;
	int64_t slack, used;

	if (fv->multi_allelic)
		return bf_err_set(err, BF_E_INVAL, "%s", BGEN_MSG_MULTI_ALLELIC);
	if (!sc->p->fixed)
		return 0;
	slack = bgen_fixed_slack(sc->p, fv);
	used = (int64_t)sc->p->total_string_length - slack;
	if (used > sc->max_used)
		sc->max_used = used;
	if (slack < 1 && !sc->bad) {
		sc->bad = true;
		sc->first_bad = *fv;
		/* keep the fields the message needs beyond this chunk */
		snprintf(sc->chrom, sizeof(sc->chrom), "%.*s", (int)fv->chrom.len, fv->chrom.p);
		sc->first_bad.chrom.p = sc->chrom;
		sc->first_bad.chrom.len = strlen(sc->chrom);
		bgen_fixed_slack_error(sc->p, fv, &sc->first);
	}
	return 0;
}

int export_check_bgen_strings(struct selection *s, const struct bgen_params *p, struct bf_err *err)
{
	struct string_scan sc;
	struct bf_err walk;
	int rc;

	memset(&sc, 0, sizeof(sc));
	sc.p = p;
	bf_err_clear(&sc.first);
	bf_err_clear(&walk);
	rc = source_walk_variants(s, scan_row, &sc, &walk);
	if (rc < 0) {
		/* multi-allelic row or chunk read error: report it, not a stale message */
		bf_err_copy(err, &walk);
		return rc;
	}
	if (sc.bad)
		return bf_err_set(err, BF_E_RANGE,
				  "%s; the smallest --total-string-length that fits every variant "
				  "is %lld",
				  sc.first.msg, (long long)sc.max_used + 1);
	return 0;
}

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
	source_ws_free(ws);
	zarr_thread_release(); /* runs on the worker thread itself */
}

/* Any genotype byte the fixed BGEN encoder refuses: outside {-1, 0, 1}. */
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
	rc = bgen_encode_fixed_chunk(&e->bgen, &c, tmp, cap, NULL, err);
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
	atomic_store(&e->mixed_phase, 0);
	return rc;
}

void export_warn_mixed_phase(struct export *e, const char *who)
{
	uint64_t n = atomic_load(&e->mixed_phase);

	if (n)
		bf_log_warn("%s: %llu variant(s) had mixed phase across samples; emitted as "
			    "unphased (the BGEN phased flag is per variant)",
			    who, (unsigned long long)n);
}

static int setup_bgen_fixed(struct export *e, struct bf_err *err)
{
	struct vcz *v = e->s.v;
	struct fmt_str *ids = NULL, *ctg = NULL;
	size_t j;
	int rc;

	if (!v->gt)
		return bf_err_set(err, BF_E_FORMAT, "'%s' has no 'call_genotype' array", v->path);
	if (v->ploidy != 1 && v->ploidy != 2)
		return bf_err_set(err, BF_E_INVAL,
				  "BgenEncoder requires call_genotype.shape[2] in (1, 2); got "
				  "(%lld, %zu, %d).",
				  (long long)v->n_variants, v->n_raw_samples, v->ploidy);
	BF_FORWARD(bgen_params_validate(&e->bgen, err));
	ctg = bf_calloc(v->n_contigs + 1, sizeof(*ctg));
	ids = bf_calloc(e->s.sel.n + 1, sizeof(*ids));
	if (!ctg || !ids) {
		rc = bf_err_set(err, BF_E_NOMEM, "out of memory");
		goto out;
	}
	for (j = 0; j < v->n_contigs; j++) {
		ctg[j].p = v->contigs[j];
		ctg[j].len = v->contig_len[j];
	}
	rc = bgen_check_contigs(ctg, v->n_contigs, err);
	if (rc < 0)
		goto out;
	/* the variants' strings are checked once decoding runs: in export_open, or for
	 * one pass by export_checks_start / export_checks_wait */
	for (j = 0; j < e->s.sel.n; j++)
		ids[j].p = selection_sample_id(&e->s, j, &ids[j].len);
	rc = bgen_header(&e->bgen, e->s.plan.n_variants, ids, e->s.sel.n, &e->prefix, err);
	if (rc < 0)
		goto out;
	e->bpv = bgen_fixed_bytes_per_variant(&e->bgen, e->s.sel.n, v->ploidy);
	e->src.encode = bgen_chunk;
	if (v->ploidy == 2) {
		e->src.planes_flags = bgen_planes_flags;
		e->src.planes_row = bgen_planes_row;
		e->src.planes_finish = bgen_planes_finish;
	}
	e->src.params = e;
	e->src.need_gt = true;
	e->src.need_phased = !e->bgen.unphased;
out:
	bf_free(ctg);
	bf_free(ids);
	return rc;
}

static int setup_plink(struct export *e, struct bf_err *err)
{
	struct vcz *v = e->s.v;

	if (!v->gt)
		return bf_err_set(err, BF_E_FORMAT, "'%s' has no 'call_genotype' array", v->path);
	if (v->ploidy != 1 && v->ploidy != 2)
		return bf_err_set(err, BF_E_INVAL, "%s", BED_MSG_NOT_DIPLOID);
	BF_FORWARD(bf_strbuf_add(&e->prefix, bed_magic, BED_MAGIC_LEN));
	e->bpv = bed_bytes_per_variant(e->s.sel.n);
	e->src.encode = bed_chunk;
	/* ploidy 1 (haploid calls coded as homozygous, as plink 2 does) takes the
	 * general path: the direct and block paths read genotype pairs */
	e->src.bed_direct = v->ploidy == 2;
	e->src.need_gt = true;
	e->src.bed_blocks = vcz_gt_blocks_ok(v, &e->s.sel, 4);
	for (size_t k = 0; k < e->s.plan.n_chunks && e->src.bed_blocks; k++)
		if (e->s.plan.chunks[k].rows)
			e->src.bed_blocks = false;
	if (e->src.bed_blocks)
		bf_log_debug("bed: encoding each sample chunk's rows in place (no gather)");
	/* every planned row is checked bi-allelic before the stream is served:
	 * by export_open's scan, or by the caller's .bim (skip_plink_scan) */
	e->src.skip_meta = true;
	return 0;
}

/* Bytes a worker holds per row of a piece (source_ws_create's buffers). */
static uint64_t worker_row_bytes(const struct export *e)
{
	struct vcz *v = e->s.v;
	uint64_t scratch = vcz_row_scratch_size(v);

	if (e->src.bed_blocks)
		return scratch;
	return vcz_row_out_size(v, &e->s.sel) + scratch + e->s.sel.n;
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
	uint64_t row = e->src.bed_blocks ? scratch : out > scratch ? out : scratch;
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

int export_open(struct export *e, const struct export_config *c, struct bf_err *err)
{
	struct stream_source ss;
	struct stream_config sc;
	size_t k;
	int rc;

	memset(e, 0, sizeof(*e));
	memset(&sc, 0, sizeof(sc));
	e->format = c->format;
	bf_strbuf_init(&e->prefix);
	BF_FORWARD(selection_open(&c->sel, &e->s, err));
	e->src.v = e->s.v;
	e->src.plan = &e->s.plan;
	e->src.sel = &e->s.sel;
	e->src.params = c->format_params;
	switch (c->format) {
	case EXPORT_PLINK:
		rc = setup_plink(e, err);
		break;
	case EXPORT_BGEN_FIXED:
		e->bgen = *(const struct bgen_params *)c->format_params;
		rc = setup_bgen_fixed(e, err);
		break;
	default:
		rc = bf_err_set(err, BF_E_INTERNAL, "unknown output format");
		break;
	}
	if (rc < 0)
		goto fail;
	sc.n_threads = c->n_threads ? c->n_threads : 1;
	e->n_threads = sc.n_threads;
	/* one reader that waits on every chunk: the workers' worth of prefetch
	 * keeps them busy; each more slot is only fresh memory to fault in */
	sc.prefetch = c->one_pass ? sc.n_threads : sc.n_threads + 1;
	sc.one_pass = c->one_pass;
	/* 500 KB pieces under 1 MiB reads out of order: without it one cat of a
	 * 1,000-piece .bed encoded 1,060 pieces (reused under a pending read) */
	sc.pass_slack = c->one_pass ? 0 : EXPORT_PASS_SLACK;
	rc = source_plan_pieces(
	    &e->src, piece_bytes(e, pool_budget(c->budget), sc.n_threads, sc.prefetch), err);
	if (rc < 0)
		goto fail;
	if (!c->one_pass && e->src.max_span > 0) {
		/* a reader of the mount: keep EXPORT_AHEAD_BYTES of encoded bytes ahead */
		uint64_t piece = (uint64_t)e->src.max_span * e->bpv;
		uint64_t ahead = (EXPORT_AHEAD_BYTES + piece - 1) / piece;

		if (ahead > sc.prefetch)
			sc.prefetch = (size_t)ahead;
	}
	e->counts = bf_calloc(e->src.n_pieces + 1, sizeof(uint32_t));
	if (!e->counts) {
		rc = bf_err_set(err, BF_E_NOMEM, "out of memory");
		goto fail;
	}
	for (k = 0; k < e->src.n_pieces; k++)
		e->counts[k] = e->src.pieces[k].n;
	source_stream_source(&e->src, &ss);
	/* the workers' decode buffers come out of the same budget as the cache */
	{
		uint64_t per = (uint64_t)e->src.max_span * worker_row_bytes(e);
		uint64_t workers = per * sc.n_threads;
		uint64_t pool = pool_budget(c->budget);

		sc.budget = pool > workers ? pool - workers : 0;
	}
	e->stream = stream_create((const uint8_t *)e->prefix.buf, e->prefix.len, e->src.n_pieces,
				  e->counts, e->bpv, &ss, &sc, err);
	if (!e->stream) {
		rc = err ? err->code : BF_E_NOMEM;
		goto fail;
	}
	/* start decoding now: the checks and sidecars below overlap with it
	 * (nothing is written before they pass).  Not for one pass of the
	 * fixed BGEN: its pieces stream out row by row (source encode_at), and
	 * a warm-up would map whole-piece buffers for nothing. */
	if (!(c->one_pass && c->format == EXPORT_BGEN_FIXED))
		stream_warm(e->stream);
	if (c->format == EXPORT_PLINK && !c->skip_plink_scan) {
		rc = sidecar_check_biallelic_plink(&e->s, err);
		if (rc < 0)
			goto fail;
	}
	if (c->format == EXPORT_BGEN_FIXED && c->one_pass) {
		e->check_pending = true; /* export_checks_start / _wait */
	} else if (c->format == EXPORT_BGEN_FIXED) {
		rc = export_check_bgen_strings(&e->s, &e->bgen, err);
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

	e->check_rc = export_check_bgen_strings(&e->s, &e->bgen, &e->check_err);
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
		e->check_rc = export_check_bgen_strings(&e->s, &e->bgen, &e->check_err);
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
	selection_release(&e->s);
}
