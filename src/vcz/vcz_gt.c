/*
 * vcz_gt.c - genotype and phase blocks for a sample selection (see vcz.h).
 *
 * Three ways rows reach a consumer, chosen per request from the selection,
 * the store's chunking and what the consumer accepts: through a window (a
 * few rows, or a row segment of bit planes, as each compressed block
 * decodes), sample chunk by sample chunk through the window, or gathered
 * into the reader's buffers (sample subsets, row subsets).
 */
#include "util/bf_config.h"

#include "vcz/vcz.h"
#include "vcz/vcz_internal.h"
#include "util/alloc.h"
#include "util/bigbuf.h"

#include <string.h>

struct vcz_reader {
	struct vcz *v;
	const struct vcz_samplesel *sel;
	size_t max_rows;
	int8_t *gt; /* gathered genotypes: max_rows * vcz_row_out_size */
	size_t gt_cap;
	void *scratch; /* one sample chunk's decoded rows: max_rows * scratch size */
	size_t scratch_cap;
	uint8_t *phased; /* gathered phase flags: max_rows * sel->n */
	size_t phased_cap;
	struct zarr_dctx *dc; /* this thread's decoder context (window, codec state) */
};

/* Bytes of one decoded row (every sample of one sample chunk) of array `a`. */
static size_t row_bytes(const struct zarr_array *a)
{
	size_t n = 0;

	if (a && !bf_size_mul(zarr_array_chunk_nelem(a) / (size_t)zarr_array_chunks(a)[0],
			      (size_t)zarr_array_dtype(a)->itemsize, &n))
		return SIZE_MAX;
	return n;
}

size_t vcz_row_scratch_size(const struct vcz *v)
{
	size_t a = row_bytes(v->gt), b = row_bytes(v->phased);

	return a > b ? a : b;
}

bool vcz_has_phased(const struct vcz *v)
{
	return v->phased != NULL;
}

/* The direct path: the decoded rows already are the output layout. */
static bool gt_direct(const struct vcz *v, const struct vcz_samplesel *sel,
		      const struct zarr_array *a)
{
	return sel->whole && zarr_array_dtype(a)->itemsize == 1 &&
	       (size_t)v->schunk == v->n_raw_samples;
}

size_t vcz_row_out_size(const struct vcz *v, const struct vcz_samplesel *sel)
{
	size_t n = sel->n * (size_t)(v->ploidy > 0 ? v->ploidy : 1);

	if (v->gt && gt_direct(v, sel, v->gt) && row_bytes(v->gt) > n)
		n = row_bytes(v->gt);
	return n;
}

/* Decoded rows are the output layout and int8 (vcz_gt_each's window path). */
static bool rows_ok(const struct vcz *v, const struct vcz_samplesel *sel)
{
	return v->gt && gt_direct(v, sel, v->gt) && zarr_array_dtype(v->gt)->kind == ZARR_KIND_INT;
}

/* Every sample in order over several sample chunks of `multiple`-aligned width, int8. */
static bool cols_ok(const struct vcz *v, const struct vcz_samplesel *sel, size_t multiple)
{
	const struct zarr_dtype *dt;

	if (!v->gt || !sel->whole || multiple == 0 || v->schunk <= 0 ||
	    (size_t)v->schunk >= v->n_raw_samples || (size_t)v->schunk % multiple)
		return false;
	dt = zarr_array_dtype(v->gt);
	return dt->itemsize == 1 && dt->kind == ZARR_KIND_INT;
}

enum vcz_gt_mode vcz_gt_mode(const struct vcz *v, const struct vcz_samplesel *sel, unsigned accept,
			     size_t col_align)
{
	if (sel->n == 0 || (accept & VCZ_WANT_WHOLE))
		return VCZ_GT_GATHER;
	if (rows_ok(v, sel))
		return VCZ_GT_ROWS;
	if ((accept & VCZ_ACCEPT_COLS) && !(accept & VCZ_WANT_PHASED) && cols_ok(v, sel, col_align))
		return VCZ_GT_COLS;
	return VCZ_GT_GATHER;
}

struct vcz_reader *vcz_reader_create(struct vcz *v, const struct vcz_samplesel *sel,
				     size_t max_rows, struct bf_err *err)
{
	struct vcz_reader *r = bf_calloc(1, sizeof(*r));

	if (!r) {
		bf_err_set(err, BF_E_NOMEM, "out of memory for a genotype reader");
		return NULL;
	}
	r->v = v;
	r->sel = sel;
	r->max_rows = max_rows;
	r->dc = zarr_dctx_create(err);
	if (!r->dc) {
		bf_free(r);
		return NULL;
	}
	if (v->gt && sel->n > 0) {
		r->gt_cap = max_rows * vcz_row_out_size(v, sel);
		r->scratch_cap = max_rows * vcz_row_scratch_size(v);
		if (v->phased)
			r->phased_cap = max_rows * sel->n;
	}
	return r;
}

struct vcz *vcz_reader_vcz(struct vcz_reader *r)
{
	return r->v;
}

struct zarr_dctx *vcz_reader_dctx(struct vcz_reader *r)
{
	return r->dc;
}

void vcz_reader_free(struct vcz_reader *r)
{
	if (!r)
		return;
	bf_bigbuf_free(r->gt, r->gt_cap);
	bf_bigbuf_free(r->scratch, r->scratch_cap);
	bf_bigbuf_free(r->phased, r->phased_cap);
	zarr_dctx_free(r->dc);
	bf_free(r);
}

/* Map a buffer of the reader on first use. */
static int map_buf(void **buf, size_t cap, struct bf_err *err)
{
	if (*buf || cap == 0)
		return 0;
	*buf = bf_bigbuf_alloc(cap);
	return *buf ? 0 : bf_err_set(err, BF_E_NOMEM, "out of memory for chunk buffers");
}

/*
 * Gather the selected samples of decoded rows (rows x sc x width elements of
 * `itemsize`) of one sample chunk into out (rows x sel->n x width int8).
 */
static void gather(const struct vcz_samplesel *sel, int64_t schunk, const uint8_t *chunk, size_t sc,
		   size_t width, const struct zarr_dtype *dt, int64_t rows, int8_t *out)
{
	const size_t isz = (size_t)dt->itemsize;

	for (size_t ri = 0; ri < sel->n_runs; ri++) {
		const struct vcz_run *run = &sel->runs[ri];

		if (run->schunk != schunk)
			continue;
		for (int64_t r = 0; r < rows; r++) {
			const uint8_t *src = chunk + ((size_t)r * sc + run->local0) * width * isz;
			int8_t *dst = out + ((size_t)r * sel->n + run->out0) * width;
			size_t k, cnt = run->count * width;

			if (isz == 1 && dt->kind != ZARR_KIND_UINT) {
				memcpy(dst, src, cnt);
			} else if (isz == 1) {
				for (k = 0; k < cnt; k++)
					dst[k] = vcz_sat8(src[k]);
			} else {
				for (k = 0; k < cnt; k++)
					dst[k] = vcz_sat8(vcz_load_int(src, k, dt));
			}
		}
	}
}

static int read_selected(struct zarr_array *a, int64_t ci, int64_t row0, int64_t rows,
			 const struct vcz_samplesel *sel, size_t width, int8_t *out, size_t cap,
			 void *scratch, size_t scap, size_t sc, struct zarr_dctx *dc,
			 struct bf_err *err)
{
	int64_t idx[ZARR_MAX_DIMS] = {0};
	size_t need, sneed;
	int64_t last = -1;

	if (!bf_size_mul((size_t)rows * width, sel->n, &need) || need > cap ||
	    !bf_size_mul((size_t)rows, row_bytes(a), &sneed) || sneed > scap)
		return bf_err_set(err, BF_E_INTERNAL, "genotype buffers too small");
	idx[0] = ci;
	for (size_t ri = 0; ri < sel->n_runs; ri++) {
		int64_t sj = sel->runs[ri].schunk;

		if (sj == last)
			continue;
		last = sj;
		idx[1] = sj;
		BF_FORWARD(zarr_array_read_chunk_rows(a, idx, row0, rows, scratch, sneed, dc, err));
		gather(sel, sj, scratch, sc, width, zarr_array_dtype(a), rows, out);
	}
	return 0;
}

/* Genotypes of chunk rows [row0, row0 + nrows) into r->gt (decoded in place when direct). */
static int read_gt_rows(struct vcz_reader *r, int64_t ci, int64_t row0, int64_t nrows,
			struct bf_err *err)
{
	struct vcz *v = r->v;
	int64_t idx[ZARR_MAX_DIMS] = {0};
	size_t need;
	int rc;

	BF_FORWARD(map_buf((void **)&r->gt, r->gt_cap, err));
	BF_FORWARD(map_buf(&r->scratch, r->scratch_cap, err));
	if (!gt_direct(v, r->sel, v->gt))
		return read_selected(v->gt, ci, row0, nrows, r->sel, (size_t)v->ploidy, r->gt,
				     r->gt_cap, r->scratch, r->scratch_cap, (size_t)v->schunk,
				     r->dc, err);
	need = (size_t)nrows * row_bytes(v->gt);
	if (need > r->gt_cap)
		return bf_err_set(err, BF_E_INTERNAL, "genotype buffer too small");
	idx[0] = ci;
	rc = zarr_array_read_chunk_rows(v->gt, idx, row0, nrows, r->gt, need, r->dc, err);
	if (rc == 0 && zarr_array_dtype(v->gt)->kind == ZARR_KIND_UINT)
		for (size_t k = 0; k < need; k++)
			r->gt[k] = vcz_sat8(((uint8_t *)r->gt)[k]);
	return rc;
}

/* Keep the request's rows of a [span][width] block, in place. */
static void compact_rows(uint8_t *buf, size_t width, const struct vcz_gt_request *q)
{
	if (!q->rows || width == 0)
		return;
	for (uint32_t j = 0; j < q->n; j++) {
		uint32_t r = q->rows[j] - q->first;

		if (r != j)
			memmove(buf + (size_t)j * width, buf + (size_t)r * width, width);
	}
}

/* Rows the request covers in the chunk, first to last. */
static int64_t request_span(const struct vcz_gt_request *q)
{
	return q->rows ? (int64_t)(q->rows[q->n - 1] - q->first) + 1 : (int64_t)q->n;
}

static int check_request(const struct vcz_reader *r, const struct vcz_gt_request *q,
			 struct bf_err *err)
{
	int64_t span = request_span(q);

	if (q->n == 0 || (int64_t)q->first + span > vcz_chunk_rows(r->v, q->ci))
		return bf_err_set(err, BF_E_INTERNAL, "rows out of range");
	return 0;
}

/* The request's phase flags, gathered into r->phased ([n][sel->n]). */
static int gather_phased(struct vcz_reader *r, const struct vcz_gt_request *q, struct bf_err *err)
{
	struct vcz *v = r->v;
	int64_t span = request_span(q);

	if ((size_t)span > r->max_rows)
		return bf_err_set(err, BF_E_INTERNAL, "request beyond the reader's rows");
	BF_FORWARD(map_buf((void **)&r->phased, r->phased_cap, err));
	BF_FORWARD(map_buf(&r->scratch, r->scratch_cap, err));
	BF_FORWARD(read_selected(v->phased, q->ci, q->first, span, r->sel, 1, (int8_t *)r->phased,
				 r->phased_cap, r->scratch, r->scratch_cap, (size_t)v->schunk,
				 r->dc, err));
	compact_rows(r->phased, r->sel->n, q);
	return 0;
}

static int each_gathered(struct vcz_reader *r, const struct vcz_gt_request *q, vcz_block_fn fn,
			 void *ctx, struct bf_err *err)
{
	struct vcz *v = r->v;
	int64_t span = request_span(q);
	struct vcz_block b;

	if ((size_t)span > r->max_rows)
		return bf_err_set(err, BF_E_INTERNAL, "request beyond the reader's rows");
	BF_FORWARD(read_gt_rows(r, q->ci, q->first, span, err));
	compact_rows((uint8_t *)r->gt, r->sel->n * (size_t)v->ploidy, q);
	memset(&b, 0, sizeof(b));
	if ((q->accept & VCZ_WANT_PHASED) && v->phased) {
		BF_FORWARD(gather_phased(r, q, err));
		b.phased = r->phased;
	}
	b.kind = VCZ_BLOCK_BYTES;
	b.nrows = q->n;
	b.n = r->sel->n;
	b.gt = r->gt;
	b.stride = r->sel->n * (size_t)v->ploidy;
	return fn(ctx, &b, err);
}

/* One walk of a sample chunk's rows through the window. */
struct walk {
	vcz_block_fn fn;
	void *ctx;
	size_t j0, n;	       /* the sample chunk's selected samples */
	size_t rb;	       /* bytes of a decoded row */
	int64_t first;	       /* the request's first chunk row */
	const uint8_t *phased; /* gathered phase rows, or NULL */
	size_t n_sel;
	unsigned ploidy;
};

static int walk_rows(void *ctx, int64_t row0, int64_t nrows, const uint8_t *rows,
		     struct bf_err *err)
{
	struct walk *w = ctx;
	struct vcz_block b;

	memset(&b, 0, sizeof(b));
	b.kind = VCZ_BLOCK_BYTES;
	b.r0 = (size_t)(row0 - w->first);
	b.nrows = (size_t)nrows;
	b.j0 = w->j0;
	b.n = w->n;
	b.gt = (const int8_t *)rows;
	b.stride = w->rb;
	if (w->phased)
		b.phased = w->phased + b.r0 * w->n_sel;
	return w->fn(w->ctx, &b, err);
}

/* Bit planes of bytes [off, off + nbytes) of the rows, cut into row segments. */
static int walk_planes(void *ctx, size_t off, size_t nbytes, const uint8_t *planes, size_t stride,
		       struct bf_err *err)
{
	struct walk *w = ctx;
	const size_t per = 8 / w->ploidy; /* samples a plane byte */
	struct vcz_block b;
	int rc;

	memset(&b, 0, sizeof(b));
	b.kind = VCZ_BLOCK_PLANES;
	b.nrows = 1;
	b.pstride = stride;
	b.fresh = true;
	while (nbytes > 0) {
		size_t c = off % w->rb / 8;
		size_t seg = (w->rb - off % w->rb < nbytes ? w->rb - off % w->rb : nbytes) / 8;

		if (c * per < w->n) { /* past n: the sample chunk's padding */
			b.r0 = off / w->rb;
			b.j0 = w->j0 + c * per;
			b.n = seg * per < w->n - c * per ? seg * per : w->n - c * per;
			b.planes = planes;
			rc = w->fn(w->ctx, &b, err);
			if (rc != 0)
				return rc;
			b.fresh = false;
		}
		planes += seg;
		off += seg * 8;
		nbytes -= seg * 8;
	}
	return 0;
}

static int each_windowed(struct vcz_reader *r, const struct vcz_gt_request *q, bool cols,
			 vcz_block_fn fn, void *ctx, struct bf_err *err)
{
	struct vcz *v = r->v;
	int64_t idx[ZARR_MAX_DIMS] = {0};
	bool planes = (q->accept & VCZ_ACCEPT_PLANES) && v->ploidy == 2;
	struct walk w = {
	    fn, ctx, 0, 0, row_bytes(v->gt), q->first, NULL, r->sel->n, (unsigned)v->ploidy};
	size_t sc = cols ? (size_t)v->schunk : v->n_raw_samples;

	if ((q->accept & VCZ_WANT_PHASED) && v->phased) {
		BF_FORWARD(gather_phased(r, q, err));
		w.phased = r->phased;
	}
	idx[0] = q->ci;
	for (w.j0 = 0; w.j0 < v->n_raw_samples; w.j0 += sc) {
		w.n = v->n_raw_samples - w.j0 < sc ? v->n_raw_samples - w.j0 : sc;
		idx[1] = (int64_t)(w.j0 / sc);
		int rc = zarr_array_each_rows(v->gt, idx, q->first, q->n, r->dc, walk_rows,
					      planes ? walk_planes : NULL, 8, &w, err);

		if (rc != 0) /* an error, or the consumer's stop */
			return rc;
	}
	return 0;
}

int vcz_gt_each(struct vcz_reader *r, const struct vcz_gt_request *q, vcz_block_fn fn, void *ctx,
		struct bf_err *err)
{
	enum vcz_gt_mode mode;

	if (!r->v->gt)
		return bf_err_set(err, BF_E_NOTFOUND, "the store has no 'call_genotype' array");
	if (r->sel->n == 0)
		return 0;
	BF_FORWARD(check_request(r, q, err));
	mode = q->rows ? VCZ_GT_GATHER : vcz_gt_mode(r->v, r->sel, q->accept, q->col_align);
	if (mode == VCZ_GT_GATHER)
		return each_gathered(r, q, fn, ctx, err);
	return each_windowed(r, q, mode == VCZ_GT_COLS, fn, ctx, err);
}

/* Which rows of a request have some / every phase byte nonzero. */
struct phase_scan {
	uint8_t *flags;
	size_t n;      /* rows */
	size_t rb;     /* bytes of a phase row */
	int64_t first; /* the request's first chunk row */
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
			return bf_err_set(err, BF_E_INTERNAL, "rows beyond the request");
		for (size_t j = 0; j < ps->rb; j++) {
			any |= p[j];
			all &= p[j] != 0;
		}
		ps->flags[i] = (uint8_t)((any ? VCZ_PHASE_ANY : 0) | (all ? VCZ_PHASE_ALL : 0));
	}
	return 0;
}

/* The same from plane 0 of the phase booleans (a bool item is 0 or 1). */
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
			return bf_err_set(err, BF_E_INTERNAL, "rows beyond the request");
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
		if (off % ps->rb == 0)
			ps->flags[r] = VCZ_PHASE_ALL;
		if (or_any != 0)
			ps->flags[r] |= VCZ_PHASE_ANY;
		if (and_all != ~0ull)
			ps->flags[r] &= (uint8_t)~VCZ_PHASE_ALL;
		planes += seg;
		off += seg * 8;
		nbytes -= seg * 8;
	}
	return 0;
}

int vcz_phase_rows(struct vcz_reader *r, const struct vcz_gt_request *q, uint8_t *flags,
		   struct bf_err *err)
{
	struct vcz *v = r->v;
	struct phase_scan ps = {flags, q->n, r->sel->n, q->first};
	int64_t idx[ZARR_MAX_DIMS] = {0};

	if (!v->phased)
		return bf_err_set(err, BF_E_NOTFOUND, "the store has no 'call_genotype_phased'");
	BF_FORWARD(check_request(r, q, err));
	if (!q->rows && r->sel->whole && (size_t)v->schunk == v->n_raw_samples &&
	    zarr_array_dtype(v->phased)->itemsize == 1) {
		idx[0] = q->ci;
		/* booleans: bit 0 is the value (Zarr's bool items are 0 or 1) */
		return zarr_array_each_rows(v->phased, idx, q->first, q->n, r->dc, scan_phase_rows,
					    scan_phase_planes, 1, &ps, err);
	}
	BF_FORWARD(gather_phased(r, q, err));
	ps.first = 0;
	return scan_phase_rows(&ps, 0, q->n, r->phased, err);
}
